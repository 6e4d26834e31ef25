// gcc-style text output: one line per finding, then `note:` lines: the
// conditions it needs, whether it is latent, and each related location (call
// chain hops, outermost first), e.g.
//   mm/memory.c:1309:12: warning: stale read of `src_pte`: written by `set_pte_at()` via ... (line 1296). On x86 Xen PV ... [lazy-mmu/read-after-write, hazard: x86 Xen PV]
//   mm/memory.c:1296:10: note: copy_nonpresent_pte() is called here
// Severity is the shown one (a finding that breaks only the contract is one
// level lower than a hazard). Places in messages are "line N" in the
// finding's file, "path:N" elsewhere. Every line ends with '\n'; no findings
// give the empty string. Input problems are printed by the CLI to stderr.
import { CheckResult } from '../../engine/check';
import { Finding, Severity, shownSeverity } from '../../engine/findings';
import { renderMessage } from '../../engine/message';
import { FormatOptions, STATE_WORD, oneLine, relPath } from './common';

const SEVERITY_WORD: Record<Severity, string> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
  hint: 'note',
};

/** The message as the CLI shows it (text and JSON): places as "line N", or "path:N" in another file. */
export function cliMessage(f: Finding, root: string): string {
  return oneLine(renderMessage(f.message, { place: (p) => (p.file === f.file ? `line ${p.line}` : `${relPath(p.file, root)}:${p.line}`) }));
}

/** "hazard: x86 Xen PV", "contract", "allowed". */
export function impactWords(f: Finding): string {
  return f.impact.architectures.length ? `${f.impact.kind}: ${f.impact.architectures.join(', ')}` : f.impact.kind;
}

export function formatText(result: CheckResult, opts: FormatOptions): string {
  const lines: string[] = [];
  const base = opts.baseline;
  result.findings.forEach((f, i) => {
    const where = `${relPath(f.file, opts.root)}:${f.line}:${f.column}`;
    // A review says which findings the change brings; a fixed one's lines are the base's.
    const state = base ? `${STATE_WORD[base.states[i]]}${base.states[i] === 'absent' ? ` in ${base.commit.slice(0, 12)}` : ''}, ` : '';
    lines.push(`${where}: ${SEVERITY_WORD[shownSeverity(f)]}: ${cliMessage(f, opts.root)} [${state}${f.rule}, ${impactWords(f)}]`);
    if (f.conditions.length) lines.push(`${where}: note: only when ${oneLine(f.conditions.join(' && '))}`);
    for (const n of configurationNotes(f, result)) lines.push(`${where}: note: ${n}`);
    for (const r of f.related) {
      lines.push(`${relPath(r.file, opts.root)}:${r.line}:${r.column}: note: ${oneLine(r.message)}`);
    }
  });
  if (base) {
    const c = base.counts;
    lines.push(`lazymmu: against ${base.commit.slice(0, 12)}: ${c.new} new, ${c.absent} fixed, ${c.unchanged} unchanged`);
  }
  // What no rule looked at: calls through pointers inside sections whose target was not known.
  const n = result.unfollowedIndirectCalls ?? 0;
  if (n) lines.push(`lazymmu: ${n} call${n > 1 ? 's' : ''} through pointers inside lazy MMU sections not followed (target not known)`);
  // Which configuration decided, when one could (a Kconfig tree or a pinned .config).
  if (result.configuration) lines.push(`lazymmu: configuration: ${oneLine(result.configuration.text)}`);
  return lines.map((l) => l + '\n').join('');
}

/** What the configuration says about a finding: latent, or needing a debug option the pinned configuration leaves off. */
function configurationNotes(f: Finding, result: CheckResult): string[] {
  const out: string[] = [];
  if (f.latent) out.push(`latent: ${f.latent.arch} never has this code (${oneLine(f.latent.reason)})`);
  const label = result.configuration?.pinned?.label;
  for (const r of f.requires ?? [])
    if (r.debug && r.configured === 'n') out.push(`needs ${r.option}, a debug option ${label ?? 'the configuration'} leaves off`);
  return out;
}
