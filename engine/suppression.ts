// Inline suppressions: a justified finding is silenced by a comment on its
// line or the line above, naming the rule and giving a reason:
//   /* lazymmu: ignore read-after-write: the entry was just made none */
// A comment without a reason silences nothing.
import { Finding } from './findings';

const IGNORE = /lazymmu:\s*ignore\s+([\w/-]+)\s*:\s*(\S[^*\n]*)/g;

/** The last text's lines: findings come file by file, and a file can hold 10^5 of them. */
let last: { text: string; lines: string[] | null } | null = null;

export function isSuppressed(f: Finding, text: string | null): boolean {
  if (text === null) return false;
  if (last?.text !== text) last = { text, lines: text.includes('lazymmu:') ? text.split('\n') : null };
  const lines = last.lines;
  if (!lines) return false;
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
