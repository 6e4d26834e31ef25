// Inline suppressions: a justified finding is silenced by a comment on its
// line or the line above, naming the rule and giving a reason:
//   /* lazymmu: ignore read-after-write: the entry was just made none */
// A comment without a reason silences nothing.
import { Finding } from './findings';

const IGNORE = /lazymmu:\s*ignore\s+([\w/-]+)\s*:\s*(\S[^*\n]*)/g;

export function isSuppressed(f: Finding, text: string | null): boolean {
  if (text === null || !text.includes('lazymmu:')) return false;
  const lines = text.split('\n');
  const short = f.rule.replace(/^lazy-mmu\//, '');
  for (const ln of [f.line - 1, f.line - 2]) {
    const line = lines[ln];
    if (!line) continue;
    for (const m of line.matchAll(IGNORE)) if ((m[1] === short || m[1] === f.rule) && m[2].trim()) return true;
  }
  return false;
}

/** The comment that silences `rule` (its short name) with `reason`: what isSuppressed reads, for front ends that write one. */
export function suppressionComment(rule: string, reason: string): string {
  return `/* lazymmu: ignore ${rule.replace(/^lazy-mmu\//, '')}: ${reason} */`;
}
