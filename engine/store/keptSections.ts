// The hover's section information kept on disk (issue 13 point 5: "answered
// from the kept summaries without a visible Loading… on a warm workspace").
// After a window reload the first check holds the server's queue for seconds;
// a hover asked then would wait for it or analyse the section itself. So once
// a file's sections have been analysed (the first check of an open file), the
// answer for every enter and leave call of the file is computed as a hover
// would compute it (Workspace.sectionAt, the check's summaries) and stored
// per file in the analysis store (analysisStore.ts, hovers.json). The key is
// every file's content: a callee's effect and the nesting, allocation and
// sleep chains read the whole call graph; the tree's digest is made from the
// index's content hashes, so checking it reads no file. Any edit, or another
// build, catalogue or configuration (the store's world), computes it again.
import type { FunctionRef } from '../analysis/sourceCache';
import type { SectionInfo } from '../sectionInfo';
import type { Deps } from './contentKeys';

/** What a file's kept hover answers are keyed by (see the header). */
export const hoverDeps = (file: string): Deps => ({ fns: [], names: [], globals: [], tree: true, files: [file] });

/** One hover answer as sectionAt computes it; `exact`: no work budget cut it (what a cut run gives depends on what ran before). */
export type ComputeSection = (ref: FunctionRef, line: number) => { info: SectionInfo | null; exact: boolean };

/**
 * The answers for every line of `lines` (per function: the lines of its enter
 * and leave calls), or null when one of them may not be stored (not exact).
 */
export function hoverAnswers(fns: { ref: FunctionRef; lines: number[] }[], compute: ComputeSection): Record<string, SectionInfo> | null {
  const byLine: Record<string, SectionInfo> = {};
  for (const { ref, lines } of fns) {
    for (const line of lines) {
      if (byLine[line]) continue;
      const r = compute(ref, line);
      if (!r.exact) return null;
      if (r.info) byLine[line] = r.info;
    }
  }
  return byLine;
}
