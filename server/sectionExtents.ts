// lazymmu/sectionExtents: where each lazy MMU section of a document starts and
// ends (engine/sectionInfo.ts sectionExtents, from the syntax alone), for the
// client to show them (lazymmu.showSectionExtents). 0-based LSP positions.
import { Connection, Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Workspace } from '../engine/workspace';
import { MAX_TEXT } from './documentGuard';
import { ensureParser, parseKernelC } from '../engine/parse/cParser';
import type { Catalogue } from '../engine/catalogue/catalogue';
import { sectionExtents } from '../engine/sectionInfo';

export const SECTION_EXTENTS_REQUEST = 'lazymmu/sectionExtents';

export interface SectionExtentsParams {
  uri: string;
}

export interface SectionExtentItem {
  function: string;
  /** The enter call. */
  enter: Range;
  enterApi: string;
  /** The leave call, when the function has one for it. */
  leave?: Range;
  leaveApi?: string;
  /** The last line (0-based) the section covers. */
  endLine: number;
}

const range = (p: { line: number; column: number; endLine: number; endColumn: number }): Range => ({
  start: { line: p.line - 1, character: p.column - 1 },
  end: { line: p.endLine - 1, character: p.endColumn - 1 },
});

/** The sections of `text` (a C document); none for text that holds no enter call. */
export async function extentsOf(file: string, text: string, cat: Catalogue): Promise<SectionExtentItem[]> {
  if (![...cat.lazyMode].some(([name, api]) => api.op === 'enter' && text.includes(name))) return [];
  await ensureParser();
  const parsed = parseKernelC(file, text, cat);
  try {
    return sectionExtents(parsed.tree.rootNode, cat).map((s) => ({
      function: s.function,
      enter: range(s.enter),
      enterApi: s.enter.api,
      ...(s.leave ? { leave: range(s.leave), leaveApi: s.leave.api } : {}),
      endLine: s.endLine - 1,
    }));
  } finally {
    parsed.tree.delete();
  }
}

export interface SectionExtentsDeps {
  document: (uri: string) => TextDocument | undefined;
  workspace: () => Promise<Workspace | null>;
  fileOf: (uri: string) => string | null;
  log: (m: string) => void;
}

/** Answers lazymmu/sectionExtents for open documents (their current text); none for too large or binary text. */
export function registerSectionExtents(connection: Connection, deps: SectionExtentsDeps): void {
  connection.onRequest(SECTION_EXTENTS_REQUEST, async (p: SectionExtentsParams) => {
    try {
      const doc = typeof p?.uri === 'string' ? deps.document(p.uri) : undefined;
      const ws = doc ? await deps.workspace() : null;
      if (!doc || !ws) return [];
      const text = doc.getText();
      if (text.length > MAX_TEXT || text.includes('\0')) return [];
      return await extentsOf(deps.fileOf(doc.uri) ?? doc.uri, text, ws.catalogue);
    } catch (e) {
      deps.log(`section extents failed: ${(e as Error).stack ?? e}`);
      return [];
    }
  });
}
