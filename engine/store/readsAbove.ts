// After an edit of one file, which stored openers' keys it cannot have
// changed, told without hashing anything: the text before the edit's first
// line is as it was, so a region (contentKeys.ts fnDigest: from the previous
// body's end to the next definition's name line, with its own name line)
// that ends there, among definition lines that are as they were, has the
// same digest; so has a name none of whose definitions in the file lies at
// or below that line and which the index delta does not name. An opener
// whose every read of the file is of those is still what its key says: the
// store keeps it checked (AnalysisStore.changed) instead of making its key
// again at every keystroke after a window reload (~6-18 ms per edit of
// mm/memory.c at load, docs/perf/edits9.md). The file's globals digest
// (its text outside definitions) holds when the edit lies inside one
// definition's left-out span, in both texts, and every definition line moved
// with the text; the call graph's when the file's definitions are the same
// ones, in the same order, with the same fields but for lines (its part of
// the graph has no lines). Anything else is checked as before.
import type { IndexDelta, WorkspaceIndex } from '../index/workspaceIndex';
import { editBetween, type TextEdit } from '../parse/cParser';
import { bodyEnd, fileOfFnKey, type Deps } from './contentKeys';

/** Definition name lines of a file (functions and function-like macros: the regions' bounds), ascending, and how many functions of each name. */
export interface FileDefinitions {
  lines: number[];
  counts: Map<string, number>;
  /** Each function name's name line (the last of its name: read only for a name defined once). */
  lineOf: Map<string, number>;
  /** The functions' names in file order (the file's part of the call graph is in that order). */
  order: string;
}

export function definitionsOf(index: WorkspaceIndex, file: string): FileDefinitions {
  const fns = index.functionsIn(file);
  const counts = new Map<string, number>();
  const lineOf = new Map<string, number>();
  for (const f of fns) counts.set(f.name, (counts.get(f.name) ?? 0) + 1), lineOf.set(f.name, f.line);
  const lines = [...new Set([...fns.map((f) => f.line), ...index.macrosIn(file).map((m) => m.line)])].sort((a, b) => a - b);
  return { lines, counts, lineOf, order: fns.map((f) => f.name).join('\0') };
}

/** A file as it was before an edit: its text and its definitions (taken before it is indexed again). */
export interface BeforeEdit {
  text: string;
  definitions: FileDefinitions;
}

export function beforeEdit(index: WorkspaceIndex, file: string, text: string | null): BeforeEdit | null {
  return text === null || !index.has(file) ? null : { text, definitions: definitionsOf(index, file) };
}

/** The edit's reads-above test, once the file is indexed with its new text. */
export function readsAbove(index: WorkspaceIndex, file: string, before: BeforeEdit, text: string, delta: IndexDelta): ReadsAbove {
  return new ReadsAbove(index, file, before, text, definitionsOf(index, file), delta);
}

export class ReadsAbove {
  /** How many of the first definition lines are the same before and after the edit, all at or above `line`. */
  private readonly same: number;

  /** The one range where the texts differ (the user's texts, compared a block at a time). */
  private readonly edit: TextEdit;
  /** 1-based: every line before it has the text it had (the edit starts on it or later). */
  private readonly line: number;
  private readonly changedNames: Set<string>;
  private readonly graphSame: boolean;
  private globals: boolean | undefined;

  constructor(
    private readonly index: WorkspaceIndex,
    private readonly file: string,
    private readonly before: BeforeEdit,
    private readonly text: string,
    private readonly after: FileDefinitions,
    delta: IndexDelta,
  ) {
    this.edit = editBetween(before.text, text);
    this.line = this.edit.startPosition.row + 1;
    this.changedNames = delta.changedNames;
    this.graphSame = !delta.added.length && !delta.removed.length && !delta.changed.length && before.definitions.order === after.order;
    const b = before.definitions.lines;
    let k = 0;
    while (k < b.length && k < after.lines.length && b[k] === after.lines[k] && after.lines[k] <= this.line) k++;
    this.same = k;
  }

  /** Whether every read of the edited file in `d` has the digest it had before the edit. */
  holds(d: Deps): boolean {
    if (d.tree || (d.graph && !this.graphSame) || (d.globals.includes(this.file) && !this.globalsHold())) return false;
    for (const f of d.fns) {
      if (fileOfFnKey(f) !== this.file) continue;
      if (f.startsWith('macro\0')) {
        // A macro read as a function is keyed by its name (`macro\0file\0name#line`).
        if (!this.nameHolds(f.slice(f.indexOf('\0', 6) + 1, f.lastIndexOf('#')))) return false;
      } else if (!this.regionHolds(f)) return false;
    }
    for (const n of d.names) if (!this.nameHolds(n)) return false;
    return true;
  }

  private lineIndex: Map<number, number> | null = null;

  /** A function's region: the only one of its name in the file, before and after, and it ends at a definition line above the edit. */
  private regionHolds(fnKey: string): boolean {
    const hash = fnKey.lastIndexOf('#');
    const name = fnKey.slice(this.file.length + 1, hash);
    if (fnKey.slice(hash + 1) !== '0' || this.before.definitions.counts.get(name) !== 1 || this.after.counts.get(name) !== 1) return false;
    const at = this.after.lineOf.get(name);
    // (Each line's position among the definition lines, made once: asked per opener.)
    this.lineIndex ??= new Map(this.after.lines.map((l, i) => [l, i]));
    const k = at === undefined ? -1 : this.lineIndex.get(at) ?? -1;
    // Its region runs to the next definition's name line: that line, and every one before it, as they were.
    return k >= 0 && k + 1 < this.same;
  }

  /** Names with a definition or macro in the file at or below the edit's first line (made once: the openers share most names). */
  private namesBelow: Set<string> | null = null;

  /** A name's digest (its definitions' places and fields): not changed but for lines, and none of its definitions here moved. */
  private nameHolds(name: string): boolean {
    if (this.changedNames.has(name)) return false;
    if (!this.namesBelow) {
      this.namesBelow = new Set();
      for (const d of [...this.index.functionsIn(this.file), ...this.index.macrosIn(this.file)]) if (d.line >= this.line) this.namesBelow.add(d.name);
    }
    return !this.namesBelow.has(name);
  }

  /**
   * The globals digest (contentKeys.ts globalsDigest: the text outside each
   * definition's name line to body end) is the same: as many definitions,
   * each line before the edit as it was and each after it moved by the
   * edit's lines, and the edit inside the span of the last definition
   * starting before it, that span ending past the edit in both texts at
   * places the edit moved alike. Then every piece outside is the same text.
   */
  private globalsHold(): boolean {
    if (this.globals !== undefined) return this.globals;
    this.globals = false;
    const b = this.before.definitions.lines;
    const a = this.after.lines;
    const e = this.edit;
    if (b.length !== a.length || !b.length) return false;
    const lines = e.newEndPosition.row - e.oldEndPosition.row;
    const chars = e.newEndIndex - e.oldEndIndex;
    let k = -1;
    for (let i = 0; i < b.length; i++) {
      if (b[i] <= this.line) {
        if (a[i] !== b[i]) return false;
        k = i;
      } else if (b[i] <= e.oldEndPosition.row + 1 || a[i] !== b[i] + lines) return false;
    }
    if (k < 0) return false;
    // Line starts counted from the edit's line (the same offset in both texts): the lines of one definition, not the file's.
    const [row, rowAt] = [e.startPosition.row, e.startIndex - e.startPosition.column];
    const old = this.before.text;
    const from = rowStart(old, b[k] - 1, row, rowAt);
    if (from > e.startIndex) return false;
    const oldEnd = bodyEnd(old, from, k + 1 < b.length ? rowStart(old, b[k + 1] - 1, row, rowAt) : old.length);
    const newEnd = bodyEnd(this.text, from, k + 1 < a.length ? rowStart(this.text, a[k + 1] - 1, row, rowAt) : this.text.length);
    return (this.globals = oldEnd > from && oldEnd >= e.oldEndIndex && newEnd === oldEnd + chars);
  }
}

/** Where 0-based `row` of `text` starts (its length past the last line), counted from a known line start (`fromRow` at `from`). */
export function rowStart(text: string, row: number, fromRow: number, from: number): number {
  let [r, o] = [fromRow, from];
  for (; r < row; r++) {
    const i = text.indexOf('\n', o);
    if (i < 0) return text.length;
    o = i + 1;
  }
  for (; r > row; r--) o = o >= 2 ? text.lastIndexOf('\n', o - 2) + 1 : 0;
  return o;
}
