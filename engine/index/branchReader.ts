// Which branches of each #if group the scan's brace count reads. The scan
// finds definitions by counting braces, and a preprocessor group's branches
// are alternatives: only one is compiled. When every branch of a group leaves
// the brace and parenthesis depth where it found it, never closing what it
// did not open, reading them one after the other keeps the count right, so
// all are read and a definition in an #elif/#else branch is found like any
// other (free_pcp_prepare() in both branches of #ifdef CONFIG_DEBUG_VM).
// A group whose branches open or close differently (a function header per
// branch before one shared body with the header's `{`, `} else {` under
// #ifdef, a parameter list split across branches) falls back to the count
// through its first branch only: the others are blanked in the brace view,
// as the scan did for every group before. A branch compiled only for the
// assembler is not C: never read (its `=` and `;` would end or spoil the
// declaration after the group).

/** Whether braces[from, to) leaves brace and parenthesis depth where it found them, never going below. */
function neutral(braces: Uint8Array, from: number, to: number): boolean {
  let brace = 0;
  let paren = 0;
  for (let k = from; k < to; k++) {
    const x = braces[k];
    if (x === 123) brace++;
    else if (x === 125) {
      if (--brace < 0) return false;
    } else if (x === 40) paren++;
    else if (x === 41) {
      if (--paren < 0) return false;
    }
  }
  return brace === 0 && paren === 0;
}

/** One branch of a group: its directive starts at `start`, its text is [textStart, end). */
interface Branch {
  start: number;
  textStart: number;
  end: number;
  notC: boolean;
}

/** A group whose branches (two or more, C) were all read: [start, end) from its #if to its #endif. */
export interface ReadGroup {
  start: number;
  end: number;
  /** The read branches' texts, in order. */
  branches: { start: number; end: number }[];
}

const SP = 32;
const NL = 10;

/**
 * Follows the #if/#elif/#else/#endif directives of one file in order (the
 * caller calls open/alternative/close for the group directives it accepts and
 * end() once) and blanks in `braces` the branches that must not be read.
 * `braces` has comments, literals and directives blanked already. A group is
 * decided at its #endif, after the groups inside it: their unread branches
 * are blank by then, so counting a branch's text counts what will be read.
 * Only groups with two or more C branches are counted at all.
 */
export class BranchReader {
  private stack: Branch[][] = [];
  /** Groups read through their first branch only (for tests and the curious). */
  fallbacks = 0;
  /** Groups with two or more branches read, in the order they close (by their #endif). */
  read: ReadGroup[] = [];

  /**
   * `braces`: the view to count in; `spare`: where a copy of it is made
   * before the first blanking (the caller's view is then left as it was:
   * most files blank nothing, so most make no copy). Read the view from
   * `braces` after end().
   */
  constructor(
    public braces: Uint8Array,
    private spare: Uint8Array | null = null,
  ) {}

  /** `#if`/`#ifdef`/`#ifndef` at [start, end); `notC`: its first branch is compiled only for the assembler. */
  open(start: number, end: number, notC = false): void {
    this.stack.push([{ start, textStart: end, end: -1, notC }]);
  }

  /** `#elif`/`#else` at [start, end) of the innermost group. */
  alternative(start: number, end: number, notC = false): void {
    const g = this.stack[this.stack.length - 1];
    if (!g) return;
    g[g.length - 1].end = start;
    g.push({ start, textStart: end, end: -1, notC });
  }

  /** `#endif` at `start` of the innermost group. */
  close(start: number): void {
    if (this.stack.length) this.closeGroup(start);
  }

  /** End of the file: groups left open end there. */
  end(): void {
    while (this.stack.length) this.closeGroup(this.braces.length);
  }

  /** Decides which branches of the innermost group are read and blanks the others. */
  private closeGroup(endAt: number): void {
    const g = this.stack.pop()!;
    g[g.length - 1].end = endAt;
    const c = g.filter((b) => !b.notC);
    let keep = c;
    if (c.length > 1 && !c.every((b) => neutral(this.braces, b.textStart, b.end))) {
      this.fallbacks++;
      keep = [c[0]];
    }
    for (const b of g) if (!keep.includes(b)) this.blank(b.start, b.end);
    if (keep.length > 1) this.read.push({ start: g[0].start, end: endAt, branches: keep.map((b) => ({ start: b.textStart, end: b.end })) });
  }

  /** Blanks [from, to) of the brace view; groups read inside it are gone with it. */
  private blank(from: number, to: number): void {
    if (this.spare) {
      this.spare.set(this.braces);
      this.braces = this.spare;
      this.spare = null;
    }
    for (let k = from; k < to; k++) if (this.braces[k] !== NL) this.braces[k] = SP;
    if (this.read.length && this.read[this.read.length - 1].end > from) this.read = this.read.filter((r) => r.end <= from || r.start >= to);
  }
}
