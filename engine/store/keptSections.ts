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
// The Workspace is reached through KeptSectionsHost (this module never imports it).
import * as path from 'path';
import type { Catalogue } from '../catalogue/catalogue';
import type { FunctionRef } from '../analysis/sourceCache';
import type { WorkspaceIndex } from '../index/workspaceIndex';
import { ensureParser } from '../parse/cParser';
import { SectionInfo, enterLeaveLines } from '../sectionInfo';
import { MAX_PARSED_TEXT, MAX_SECTIONS_PER_FILE } from '../inputBounds';
import type { AnalysisStore } from './analysisStore';
import type { Deps } from './contentKeys';

/** What a file's kept hover answers are keyed by (see the header). */
const hoverDeps = (file: string): Deps => ({ fns: [], names: [], globals: [], tree: true, files: [file] });

/** One hover answer as sectionAt computes it; `exact`: no work budget cut it (what a cut run gives depends on what ran before). */
export type ComputeSection = (ref: FunctionRef, line: number) => { info: SectionInfo | null; exact: boolean };

/**
 * The answers for every line of `lines` (per function: the lines of its enter
 * and leave calls), or null when one of them may not be stored (not exact).
 */
function hoverAnswers(fns: { ref: FunctionRef; lines: number[] }[], compute: ComputeSection): Record<string, SectionInfo> | null {
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

/** What the kept hovers read of the Workspace they are kept for. */
export interface KeptSectionsHost {
  index: WorkspaceIndex;
  catalogue: Catalogue;
  /** Whether the Workspace has a store at all (asked before opening it: a hover of a Workspace without one costs nothing). */
  storeWanted: boolean;
  /** The analysis store, opened and keyed for the index as it is now (null: none). */
  store(): AnalysisStore | null;
  /** Whether a check is under way (the hovers are then neither computed nor stored). */
  checking: boolean;
  textOf(file: string): string | null;
  sizeOf(file: string): number;
  /** The parsed functions of an indexed file. */
  functionsOf(file: string): FunctionRef[];
  /** One hover answer as sectionAt computes it, with the check's summaries. */
  computeSection: ComputeSection;
}

/**
 * The hover answer for 1-based `line` of `file` kept in the analysis store,
 * or null when none is kept for the tree as it is now. `text`: the editor's
 * text, which must be what the Workspace reads.
 */
export function keptSectionAt(host: KeptSectionsHost, fileIn: string, line: number, text?: string): SectionInfo | null {
  const file = path.resolve(fileIn);
  if (!host.storeWanted || !host.index.has(file)) return null;
  if (text !== undefined && host.textOf(file) !== text) return null;
  return host.store()?.hoversOf(file)?.[line] ?? null;
}

/**
 * Computes and stores the hover answers of every section of `files` (their
 * enter and leave lines) unless kept already. Returns the number of files
 * whose answers were stored now.
 */
export async function keepSectionInfos(host: KeptSectionsHost, files: string[]): Promise<number> {
  const store = host.checking ? null : host.store();
  if (!store) return 0;
  await ensureParser();
  let stored = 0;
  for (const file of files.map((f) => path.resolve(f))) {
    if (!host.index.has(file) || store.hoversOf(file) || host.sizeOf(file) > MAX_PARSED_TEXT) continue;
    const fns = host
      .functionsOf(file)
      .map((ref) => ({ ref, lines: enterLeaveLines(ref.node, host.catalogue) }))
      .filter((f) => f.lines.length);
    // Past the per-file bound a hover is computed when asked: answering every
    // section of a generated 30,000-section file up front held the server for
    // a minute (each answer is a check of its own).
    if (fns.length > MAX_SECTIONS_PER_FILE) continue;
    const byLine = hoverAnswers(fns, host.computeSection);
    if (!byLine) continue;
    store.putHovers(file, hoverDeps(file), byLine);
    stored++;
  }
  store.save();
  return stored;
}
