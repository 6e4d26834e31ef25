// gcc-style text output: one line per finding, then one `note:` line per
// related location (call chain hops, outermost first), e.g.
//   mm/memory.c:120:5: warning: read of a PTE written in this section [lazy-mmu/read-after-write]
//   mm/memory.c:100:3: note: lazy MMU section entered here
// Every line ends with '\n'; no findings give the empty string. A last line
// counts the calls through pointers inside sections that were not followed
// (when there are any). Input problems are not formatted here (the CLI prints
// them to stderr).
import { CheckResult } from '../../engine/check';
import { Severity } from '../../engine/findings';
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
    for (const r of f.related) {
      lines.push(`${relPath(r.file, opts.root)}:${r.line}:${r.column}: note: ${oneLine(r.message)}`);
    }
  }
  // What no rule looked at: calls through pointers inside sections whose target was not known.
  const n = result.unfollowedIndirectCalls ?? 0;
  if (n) lines.push(`lazymmu: ${n} call${n > 1 ? 's' : ''} through pointers inside lazy MMU sections not followed (target not known)`);
  return lines.map((l) => l + '\n').join('');
}
