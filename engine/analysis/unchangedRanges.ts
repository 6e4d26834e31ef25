// What an edit of a file left as it was (SourceCache.update): the ranges of
// the old text outside the edit, whose text, names and syntax are the same
// in the new text, so that a one-line edit of a large file compares only the
// functions it touches.
import type { Node } from 'web-tree-sitter';
import type { TextEdit } from '../parse/cParser';
import { functionName } from './syntax';

/** Function names read from the tree by SourceCache.update (the functions an edit touched; tests count them). */
export const namesReadAfterEdit = { count: 0 };

/** A range of a file's text (the normalised text's offsets are the text's: the normaliser rewrites in place). */
export interface TextRange {
  start: number;
  end: number;
}

/** A function's name and range: its text is sliced only when compared (UnchangedRanges.sameText). */
export interface FunctionText extends TextRange {
  name: string;
}

/**
 * What an edit left as it was: a range of the old text wholly before the
 * edit, or wholly after it, has the same text in the new text (at the same
 * offsets, or moved by the edit's length change). The edit is the union of
 * where the texts differ and where their normalised texts do (a change inside
 * a blanked attribute leaves the normalised text as it was), so that a range
 * outside it reads the same text and the same syntax. The functions outside
 * it keep their names (no field lookups in the new tree) and their texts are
 * not sliced and compared: a one-line edit of a large file slices only the
 * functions it touches.
 */
export class UnchangedRanges {
  private readonly start: number;
  private readonly oldEnd: number;
  private readonly delta: number;

  constructor(
    private readonly before: string,
    private readonly after: string,
    edit: TextEdit,
    /** The texts' common prefix and suffix (commonEnds: the normaliser compared them already). */
    [prefix, suffix]: [number, number],
  ) {
    this.start = Math.min(prefix, edit.startIndex);
    this.oldEnd = Math.max(before.length - suffix, edit.oldEndIndex);
    this.delta = after.length - before.length;
  }

  /** `old` (a range of the old text) is outside the edit and `now` (of the new text) is where it went. */
  unmoved(old: TextRange, now: TextRange): boolean {
    if (old.end <= this.start) return now.start === old.start && now.end === old.end;
    return old.start >= this.oldEnd && now.start === old.start + this.delta && now.end === old.end + this.delta;
  }

  /** The two ranges hold the same text (compared only when not unmoved). */
  sameText(old: TextRange, now: TextRange): boolean {
    return this.unmoved(old, now) || this.before.slice(old.start, old.end) === this.after.slice(now.start, now.end);
  }

  /** A new function definition's name: the old function's where it is unmoved, else read from the tree. */
  namer(before: Map<string, FunctionText>): (n: Node) => string | null {
    const byStart = new Map<number, FunctionText>();
    for (const t of before.values()) if (t.end <= this.start || t.start >= this.oldEnd) byStart.set(t.start, t);
    return (n) => {
      const now = { start: n.startIndex, end: n.endIndex };
      const old = byStart.get(now.start < this.start ? now.start : now.start - this.delta);
      if (old && this.unmoved(old, now)) return old.name;
      namesReadAfterEdit.count++;
      return functionName(n);
    };
  }
}
