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
// mm/memory.c at load, docs/perf/edits9.md). Anything else is checked as
// before.
import type { WorkspaceIndex } from '../index/workspaceIndex';
import { fileOfFnKey, type Deps } from './contentKeys';

/** Definition name lines of a file (functions and function-like macros: the regions' bounds), ascending, and how many functions of each name. */
export interface FileDefinitions {
  lines: number[];
  counts: Map<string, number>;
}

export function definitionsOf(index: WorkspaceIndex, file: string): FileDefinitions {
  const fns = index.functionsIn(file);
  const counts = new Map<string, number>();
  for (const f of fns) counts.set(f.name, (counts.get(f.name) ?? 0) + 1);
  const lines = [...new Set([...fns.map((f) => f.line), ...index.macrosIn(file).map((m) => m.line)])].sort((a, b) => a - b);
  return { lines, counts };
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
export function readsAbove(index: WorkspaceIndex, file: string, before: BeforeEdit, text: string, changedNames: Set<string>): ReadsAbove {
  return new ReadsAbove(index, file, firstDifferentLine(before.text, text), before.definitions, definitionsOf(index, file), changedNames);
}

/** The 1-based line of the first character where `a` and `b` differ (compared a block at a time: texts of 200 KB). */
export function firstDifferentLine(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let p = 0;
  for (let block = 4096; block >= 1; block >>= 3) while (p + block <= max && a.slice(p, p + block) === b.slice(p, p + block)) p += block;
  let line = 1;
  for (let i = a.indexOf('\n'); i !== -1 && i < p; i = a.indexOf('\n', i + 1)) line++;
  return line;
}

export class ReadsAbove {
  /** How many of the first definition lines are the same before and after the edit, all at or above `line`. */
  private readonly same: number;

  constructor(
    private readonly index: WorkspaceIndex,
    private readonly file: string,
    /** 1-based: every line before it has the text it had (the edit starts on it or later). */
    private readonly line: number,
    private readonly before: FileDefinitions,
    private readonly after: FileDefinitions,
    /** The index delta's changedNames (definitions added, removed or changed other than by their line). */
    private readonly changedNames: Set<string>,
  ) {
    let k = 0;
    while (k < before.lines.length && k < after.lines.length && before.lines[k] === after.lines[k] && after.lines[k] <= line) k++;
    this.same = k;
  }

  /** Whether every read of the edited file in `d` has the digest it had before the edit. */
  holds(d: Deps): boolean {
    if (d.tree || d.graph || d.globals.includes(this.file)) return false;
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

  /** A function's region: the only one of its name in the file, before and after, and it ends at a definition line above the edit. */
  private regionHolds(fnKey: string): boolean {
    const hash = fnKey.lastIndexOf('#');
    const name = fnKey.slice(this.file.length + 1, hash);
    if (fnKey.slice(hash + 1) !== '0' || this.before.counts.get(name) !== 1 || this.after.counts.get(name) !== 1) return false;
    const at = this.index.definitionsIn(this.file, name)[0]?.line;
    const k = this.after.lines.indexOf(at);
    // Its region runs to the next definition's name line: that line, and every one before it, as they were.
    return k >= 0 && k + 1 < this.same;
  }

  /** A name's digest (its definitions' places and fields): not changed but for lines, and none of its definitions here moved. */
  private nameHolds(name: string): boolean {
    if (this.changedNames.has(name)) return false;
    for (const d of this.index.definitionsIn(this.file, name)) if (d.line >= this.line) return false;
    for (const m of this.index.macrosNamed(name)) if (m.file === this.file && m.line >= this.line) return false;
    return true;
  }
}
