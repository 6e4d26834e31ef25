// gcc-style text output: one line per finding, then one `note:` line per
// related location (call chain hops, outermost first), e.g.
//   mm/memory.c:120:5: warning: read of a PTE written in this section [lazy-mmu/read-after-write]
//   mm/memory.c:100:3: note: lazy MMU section entered here
// Every line ends with '\n'; no findings give the empty string. Input problems
// are not formatted here (the CLI prints them to stderr).
import { CheckResult } from '../../engine/check';
import { Finding, Severity } from '../../engine/findings';
import { FormatOptions, oneLine, relPath } from './common';

const SEVERITY_WORD: Record<Severity, string> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

export function formatText(result: CheckResult, opts: FormatOptions): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    const where = `${relPath(f.file, opts.root)}:${f.line}:${f.column}`;
    lines.push(`${where}: ${SEVERITY_WORD[f.severity]}: ${oneLine(f.message)} [${f.rule}]`);
    for (const n of configurationNotes(f, result)) lines.push(`${where}: note: ${n}`);
    for (const r of f.related) {
      lines.push(`${relPath(r.file, opts.root)}:${r.line}:${r.column}: note: ${oneLine(r.message)}`);
    }
  }
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
