// The memo of summaries and surveys, kept across checks (what makes an edit
// cheap): each entry with what it was computed from (names looked up, files
// whose places it holds, functions below it, global initializers read), its
// work, and the summaries it used. Invalidation by name and function key;
// early cut-off (revalidate) when a changed function's summaries come out the
// same; places moved with an edit (movePlaces); an edited function's
// summaries kept for the file's earlier texts and taken back when the text
// is one of those again (restore: an undo); the records of a root gathered
// over the summaries it used (records). Invariant: only a clean entry (no
// bound cut it or below it) outlives the check that made it.
// Long (~700 lines) because every way an entry is kept, moved, revalidated,
// taken back or dropped reads the same entry fields, and the invariant is
// checked in one place.
import { Cond } from '../../config/cond';
import type { FunctionRef, SourceCache } from '../sourceCache';
import { Hop, ModeState, modeKey, SectionStart } from '../pathState';
import { Binding, bindingKey } from '../values';
import { MAX_ROOT_STEPS } from '../limits';
import { IndirectCall, ModeEvent, SectionCall, sectionCallKey } from '../records';
import { EMPTY, FunctionSummary, ParamValues } from './summary';
import { setsMeet } from '../../setsMeet';

/** A root's lazy-mode events, calls made while batching and calls through pointers, over the summaries it used. */
export interface Records {
  modeEvents: ModeEvent[];
  sectionCalls: SectionCall[];
  indirectCalls: IndirectCall[];
}

/** New arrays of the same records (a caller may add to or filter what it was given). */
const copyRecords = (r: Records): Records => ({ modeEvents: [...r.modeEvents], sectionCalls: [...r.sectionCalls], indirectCalls: [...r.indirectCalls] });

/** What a summarise run collects besides its summary: what it was computed from. */
export interface Frame {
  /** Callee names looked up, in this run and every callee's: a change to their definitions' shape invalidates. */
  names: Set<string>;
  /** Files whose places the summary holds (places move when those files are edited). */
  files: Set<string>;
  /** Function keys summarised below this one (a carried summary is wrong while one of them is on the stack). */
  fns: Set<string>;
  /** Summarise calls nested below this one, at most (the call-depth bound). */
  height: number;
  /** Work of this run alone (statements x states), charged to the root on first use in a check. */
  own: number;
  /** Memo keys of the summaries this run used. */
  children: string[];
  /**
   * The section each child was used in (its first use): a summary is shared
   * by every section that calls it, so the section its records name is put
   * in when they are gathered (Interpreter.records), not kept from its first
   * computation (that section may have moved or be another caller's).
   */
  childSections: Map<string, SectionStart | undefined>;
  /** No bound (depth, recursion, root budget) cut anything in this run or below: the result depends on its inputs only. */
  clean: boolean;
  /** Files whose global initializers were read (an edit there, even outside functions, invalidates). */
  globals: Set<string>;
  /** A survey's: whether it ran each macro it met in place (Interpreter.expands); it holds while the answers do. */
  expanded?: Map<string, boolean>;
}

/** A summary kept in the memo, with what it was computed from (for reuse across checks). */
export interface MemoEntry extends Frame {
  sum: FunctionSummary;
  /** The check that computed it. */
  epoch: number;
  /** How it was asked for (to compute it again when checking a caller's summary, see revalidate). */
  fnKey: string;
  mode: ModeState;
  dirtyParams: number[];
  paramValues?: ParamValues;
  outerPending: boolean;
  section?: SectionStart;
  binding?: Binding;
  origin?: Hop[];
  /** A survey (Interpreter.survey) rather than a summary. */
  survey?: boolean;
  /** A function summarised below it changed: valid only if those summaries come out the same (revalidate). */
  suspect?: boolean;
  /** A survey's: the generation of the call-graph searches its `expanded` answers were last found to hold in. */
  searches?: number;
}

/** A caller's summary takes on what a callee's was computed from. */
export function absorbDeps(into: MemoEntry, from: MemoEntry): void {
  for (const n of from.names) into.names.add(n);
  for (const n of from.files) into.files.add(n);
  for (const n of from.fns) into.fns.add(n);
  for (const n of from.globals) into.globals.add(n);
  into.height = Math.max(into.height, from.height + 1);
}

/** Summaries restored from an earlier text of their file (SummaryStore.restore), counted for tests and benches. */
export const summariesRestored = { count: 0 };

/** Places in an edited file movePlaces went over (the work done: tests count it). */
export const placesGoneOver = { count: 0 };

/** How many earlier texts of a file a summary is kept for (SummaryStore.textBefore). */
const MAX_TEXTS_KEPT = 4;

/** A summary dropped because its function's text changed, as it was for the file's text then. */
interface KeptForText {
  /** The summary (moved with the edit that dropped it, as a summary as it was: previous; its places are put back on restore). */
  e: MemoEntry;
  /** The file's whole text it was valid for. */
  text: string;
  /** Its places' positions then (line, column, endLine, endColumn of each, in placesOf's order). */
  at: (number | undefined)[];
  /** Its children (memo keys, each once: a run lists a child at every use), their memo entries then and their places' positions then. */
  childKeys: string[];
  children: (MemoEntry | 'pending' | undefined)[];
  childAt: (number | undefined)[][];
}

function positions(places: Partial<Hop>[]): (number | undefined)[] {
  return places.flatMap((h) => [h.line, h.column, h.endLine, h.endColumn]);
}

/**
 * The memo key of a summary: function and context (mode, written parameters,
 * outer writes, argument facts, and whether the caller is in a section it
 * entered: a leave then is no double leave; which section it is, is put in
 * when records are gathered).
 */
/**
 * A summary's memo key: the function and its context (mode, parameters with
 * pending writes and the kinds of value written there, the facts bound to its
 * parameters, whether the caller is inside a section).
 */
export function memoKey(
  fnKey: string,
  mode: ModeState,
  dirtyParams: number[],
  outerPending: boolean,
  values?: ParamValues,
  binding?: Binding,
  inSection = false,
): string {
  const dirty = dirtyParams.map((i) => (values?.has(i) ? `${i}=${values.get(i)}` : `${i}`)).join(',');
  const b = bindingKey(binding);
  return `${fnKey}|${modeKey(mode)}|${dirty}|${outerPending}${b ? `|${b}` : ''}${inSection ? '|s' : ''}`;
}

/**
 * Summaries equal in what a caller's run takes from them (outcomes, entry
 * reads, hits), places included (Maps by content). Events and section calls
 * are gathered per root (Interpreter.records), never copied into a caller.
 */
export function sameForCallers(a: FunctionSummary, b: FunctionSummary): boolean {
  return usedByCallers(a) === usedByCallers(b);
}

/** Summaries made into sameForCallers' strings (tests count the work, never time it). */
export const summariesCompared = { strings: 0 };

/** What sameForCallers compares of a summary, as one string. */
function usedByCallers(x: FunctionSummary): string {
  summariesCompared.strings++;
  return JSON.stringify([x.outcomes, x.entryReads, x.hits], (_k: string, v: unknown) => (v instanceof Map ? [...v] : v));
}

/** What changedForCallers and the early cut-off compare of a summary (sameForCallers) or a survey (its calls). */
function comparedPart(e: MemoEntry): unknown {
  return e.survey ? e.sum.surveyCalls : [e.sum.outcomes, e.sum.entryReads, e.sum.hits];
}

/** The last line a place reaches (its end's, when it has one). */
function lastLine(h: Partial<Hop>): number {
  return typeof h.endLine === 'number' && h.endLine > h.line! ? h.endLine : h.line!;
}

/** Every place (Hop, GuardNote) held in `root`'s objects, each once. */
function placesIn(root: unknown): Partial<Hop>[] {
  const found: Partial<Hop>[] = [];
  const seen = new Set<object>();
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (x instanceof Map) {
      for (const v of x.values()) visit(v);
      return;
    }
    if (x instanceof Set) return;
    if (Array.isArray(x)) {
      for (const v of x) visit(v);
      return;
    }
    // A place: a Hop, or a GuardNote (no end).
    const h = x as Partial<Hop>;
    if (typeof h.file === 'string' && typeof h.line === 'number' && typeof h.column === 'number') found.push(h);
    for (const v of Object.values(x)) visit(v);
  };
  visit(root);
  return found;
}

/** The memo and its bookkeeping; Interpreter (../interpreter.ts) computes what goes in. */
export abstract class SummaryStore {
  // Summaries by (function, context). They outlive a check: a clean summary is
  // reused until a function or name it was computed from changes (see
  // invalidate and beginCheck), which is what makes an edit cheap.
  protected memo = new Map<string, MemoEntry | 'pending'>();
  protected depth = 0;
  protected frames: Frame[] = [];
  protected epoch = 0;
  /** Summaries of functions whose text changed, as they were: what their callers' summaries were computed from. */
  protected previous = new Map<string, MemoEntry>();
  /**
   * Summaries of the functions an editor's edits of one file changed, by
   * memo key, each as it was for a text of that file: when the file's text is
   * one of those again (an undo, a statement typed and taken out), the
   * summary is taken back instead of computed again (restore). Only while
   * no other file was edited since (any other file's edit forgets them all).
   */
  private keptForText = new Map<string, KeptForText[]>();
  private keptFile: string | null = null;
  private keptText: string | null = null;
  /** Carried summaries already charged in this check. */
  protected used = new Set<string>();
  /** The root budget was exceeded in this check: carried summaries may differ from a fresh analysis. */
  budgetHit = false;

  /** Functions being summarised now (on the call stack). */
  protected active = new Set<string>();
  /** Work done for the current analysis root (see MAX_ROOT_STEPS). */
  rootSteps = 0;

  /**
   * Analyses a function in a context (see Interpreter.summarize): the store
   * computes a changed function's summaries again through it (revalidate).
   */
  /** Where a changed function's text is found again (revalidate). */
  abstract readonly sources: SourceCache;

  abstract summarize(
    fn: FunctionRef,
    mode: ModeState,
    dirtyParams: number[],
    outerPending?: boolean,
    section?: SectionStart,
    paramValues?: ParamValues,
    binding?: Binding,
    origin?: Hop[],
  ): FunctionSummary;

  /** Starts a check: summaries from earlier checks are carried over, and charged when first used. */
  beginCheck(): void {
    this.epoch++;
    this.used.clear();
    this.budgetHit = false;
  }

  /** Ends a check: only clean summaries are carried over, and none after the root budget was hit. */
  endCheck(): void {
    this.remade = [];
    for (const [k, before] of this.previous) {
      const after = this.memo.get(k);
      if (after && after !== 'pending') this.remade.push({ before, after });
    }
    for (const [k, e] of this.memo) if (e === 'pending' || !e.clean || e.suspect || this.budgetHit) this.memo.delete(k);
    this.previous.clear();
  }

  /** A kept summary with what it was computed from (analysis kept on disk keys its product by that: engine/store/). */
  entry(fn: FunctionRef, mode: ModeState, dirtyParams: number[] = [], outerPending = false, binding?: Binding): MemoEntry | undefined {
    const e = this.memo.get(memoKey(fn.key, mode, dirtyParams, outerPending, undefined, binding));
    return e === 'pending' ? undefined : e;
  }

  /**
   * sameForCallers of the summaries compared (revalidate), per pair, with
   * each summary's usedByCallers: every caller that used a changed function
   * compares the same two summaries again (~13 times each on mm/memory.c,
   * long strings made and compared each time), and summaries do not change
   * once made but for their places: both are found again only after places
   * moved (movePlaces, putBack call placesChanged).
   */
  private comparedForCallers = new WeakMap<FunctionSummary, string>();
  private sameForCallersPairs = new WeakMap<FunctionSummary, WeakMap<FunctionSummary, boolean>>();

  private sameForCallersNow(a: FunctionSummary, b: FunctionSummary): boolean {
    let withA = this.sameForCallersPairs.get(a);
    if (!withA) this.sameForCallersPairs.set(a, (withA = new WeakMap()));
    let same = withA.get(b);
    if (same === undefined) {
      const of = (x: FunctionSummary) => {
        let s = this.comparedForCallers.get(x);
        if (s === undefined) this.comparedForCallers.set(x, (s = usedByCallers(x)));
        return s;
      };
      withA.set(b, (same = of(a) === of(b)));
    }
    return same;
  }

  /** Places of summaries moved: what sameForCallersNow found of them is found again. */
  private placesChanged(): void {
    this.comparedForCallers = new WeakMap();
    this.sameForCallersPairs = new WeakMap();
  }

  /** The last check's summaries and surveys of functions whose text had changed: as they were, and as made again. */
  private remade: { before: MemoEntry; after: MemoEntry }[] = [];

  /**
   * The functions (FunctionRef.key) edited before the last check whose
   * summary came out different in what a caller takes from it
   * (sameForCallers: outcomes, entry reads, hits, places moved with the
   * text), and those whose survey lists other calls (what the contextual
   * searches follow), each compared with the one made before the edit in
   * the same context: the edit changed the program as the analysis sees
   * it. Compared on demand (the edit benches ask; a check does not pay).
   */
  changedForCallers(): { summaries: string[]; surveys: string[] } {
    const survey = (e: MemoEntry) => JSON.stringify([e.sum.surveyCalls, !!e.sum.surveyCut]);
    const summaries = new Set<string>();
    const surveys = new Set<string>();
    for (const { before, after } of this.remade)
      if (this.heldReplaced.has(before)) (before.survey ? surveys : summaries).add(before.fnKey);
      else if (before.survey) {
        if (survey(before) !== survey(after)) surveys.add(before.fnKey);
      } else if (!sameForCallers(before.sum, after.sum)) summaries.add(before.fnKey);
    return { summaries: [...summaries].sort(), surveys: [...surveys].sort() };
  }

  /** Whether summaries from an earlier check are kept. */
  hasSummaries(): boolean {
    return this.memo.size > 0;
  }

  /** `file`'s text changed: summaries that read a global initializer there are forgotten (it may have changed outside any function). */
  forgetGlobalsOf(file: string): void {
    for (const [k, e] of this.memo) if (e !== 'pending' && e.globals.has(file)) this.memo.delete(k);
  }

  /** Forgets every summary holding places in `file` (its text changed and was not parsed before). */
  forgetFile(file: string): void {
    for (const [k, e] of this.memo) if (e === 'pending' || e.files.has(file)) this.memo.delete(k);
  }

  /**
   * `file` is being edited and its whole text was `before` (null when not
   * known: not an editor's buffer, a file added): the summaries the edit
   * drops (invalidate) are kept for that text. An edit of another file
   * forgets every summary kept (their places and lookups may lie there).
   */
  textBefore(file: string, before: string | null): void {
    if (file !== this.keptFile || before === null) this.keptForText.clear();
    this.keptFile = before === null ? null : file;
    this.keptText = before;
  }

  private keepForText(k: string, e: MemoEntry): void {
    if (this.keptText === null || e.survey || !e.clean || e.suspect || !e.fnKey.startsWith(`${this.keptFile}\0`)) return;
    const childKeys = [...new Set(e.children)];
    const children = childKeys.map((c) => this.memo.get(c));
    const childAt = children.map((c) => (c && c !== 'pending' ? positions(this.placesOf(c)) : []));
    const list = (this.keptForText.get(k) ?? []).filter((x) => x.e !== e);
    list.unshift({ e, text: this.keptText, at: positions(this.placesOf(e)), childKeys, children, childAt });
    if (list.length > MAX_TEXTS_KEPT) list.pop();
    this.keptForText.set(k, list);
  }

  /**
   * The summary kept for memo key `key` of a function in `file` whose text is
   * the file's text now (keepForText), or undefined. It is what a run now
   * would compute: the file's text is the one it was computed for, no other
   * file was edited since, and each summary it used is the same memo entry
   * still, not suspect, with its places where they were. Its own places are
   * put back where they were for that text (the edit that dropped it moved
   * them), unless a kept summary holds one of those elsewhere now. It is then
   * a carried summary (charged, its children used) like any other.
   */
  protected restore(key: string, file: string): MemoEntry | undefined {
    const list = this.keptForText.get(key);
    if (!list || file !== this.keptFile) return undefined;
    const text = this.sources.currentText(file);
    const same = (now: (number | undefined)[], then: (number | undefined)[]) => now.length === then.length && now.every((v, j) => v === then[j]);
    const at = list.findIndex(
      (x) =>
        x.text === text &&
        x.childKeys.every((c, i) => {
          const m = this.memo.get(c);
          return m !== undefined && m !== 'pending' && m === x.children[i] && !m.suspect && same(positions(this.placesOf(m)), x.childAt[i]);
        }) &&
        this.putBack(x),
    );
    if (at < 0) return undefined;
    const [kept] = list.splice(at, 1);
    this.heldReplaced.delete(kept.e);
    summariesRestored.count++;
    return kept.e;
  }

  /** Puts a kept summary's places back where they were (KeptForText.at); false when a place moved since is held by a summary in use. */
  private putBack(x: KeptForText): boolean {
    const places = this.placesOf(x.e);
    const moved = places.filter((h, i) => h.line !== x.at[4 * i] || h.column !== x.at[4 * i + 1] || h.endLine !== x.at[4 * i + 2] || h.endColumn !== x.at[4 * i + 3]);
    if (!moved.length) return true;
    const back = new Set<object>(moved);
    this.placesChanged();
    // Each entry's places (listed once per entry) looked up in the few moved ones: no set of every place held is made (~60 ms an undo on mm/memory.c).
    const holds = (e: MemoEntry | 'pending') => e !== 'pending' && e !== x.e && this.placesOf(e).some((h) => back.has(h));
    for (const e of this.memo.values()) if (holds(e)) return false;
    for (const e of this.previous.values()) if (holds(e)) return false;
    // Put back is no move of the whole text (a place can go before one it followed): the in-file lists' last places are found again.
    this.inFile = new WeakMap();
    places.forEach((h, i) => {
      if (!back.has(h)) return;
      [h.line, h.column] = [x.at[4 * i], x.at[4 * i + 1]];
      if (typeof h.endLine === 'number') [h.endLine, h.endColumn] = [x.at[4 * i + 2], x.at[4 * i + 3]];
    });
    return true;
  }

  /**
   * Forgets every summary that looked up one of `names` (their definitions
   * changed shape in the index: calls, linkage, macros) or summarised one of
   * the functions `fnKeys` (their text changed).
   */
  invalidate(names: Set<string>, fnKeys: Set<string>): void {
    if (!names.size && !fnKeys.size) return;
    for (const [k, e] of this.memo) {
      if (e === 'pending' || setsMeet(e.names, names)) this.memo.delete(k);
      else if (fnKeys.has(e.fnKey)) {
        // Its own text changed: computed again when next asked for; the old one
        // is kept to tell whether its callers' summaries still hold.
        this.memo.delete(k);
        this.previous.set(k, e);
        this.keepForText(k, e);
      } else if (setsMeet(e.fns, fnKeys)) e.suspect = true;
    }
  }

  /**
   * Early cut-off (rust-analyzer's "backdating"): a summary computed from a
   * function that has since changed still holds if that function's summaries
   * it used come out the same now (places included, moved with the text).
   * They are computed again in its context (inside it, one call deeper);
   * otherwise it must be computed again itself.
   */
  protected revalidate(e: MemoEntry): boolean {
    const frame: Frame = { names: new Set(), files: new Set(), fns: new Set(), height: 0, own: 0, children: [], childSections: new Map(), clean: true, globals: new Set() };
    this.frames.push(frame);
    this.active.add(e.fnKey);
    this.depth++;
    try {
      for (const ck of e.children) {
        const prev = this.previous.get(ck);
        if (prev) {
          let cur = this.memo.get(ck);
          if (!cur) {
            const ref = this.sources.functionByKey(prev.fnKey);
            if (!ref) return false;
            this.summarize(ref, prev.mode, prev.dirtyParams, prev.outerPending, prev.section, prev.paramValues, prev.binding, prev.origin);
            cur = this.memo.get(ck);
          }
          if (!cur || cur === 'pending' || !cur.clean || this.heldReplaced.has(prev) || !this.sameForCallersNow(prev.sum, cur.sum)) return false;
          absorbDeps(e, cur);
          continue;
        }
        const ce = this.memo.get(ck);
        if (!ce || ce === 'pending') return false;
        if (ce.suspect && ce.epoch !== this.epoch) {
          if (!this.revalidate(ce)) return false;
          ce.suspect = false;
        }
        absorbDeps(e, ce);
      }
      return frame.clean;
    } finally {
      this.depth--;
      this.active.delete(e.fnKey);
      this.frames.pop();
    }
  }

  /**
   * Every place (Hop, GuardNote) a kept summary holds, found once by walking
   * it: a summary does not change once made, so the next edit moves the
   * listed places instead of walking the summary's objects again (the walk
   * was a third of an ordinary edit's cost in mm/memory.c).
   */
  private places = new WeakMap<MemoEntry, Partial<Hop>[]>();

  private placesOf(e: MemoEntry): Partial<Hop>[] {
    let out = this.places.get(e);
    if (!out) this.places.set(e, (out = placesIn(e)));
    return out;
  }

  /**
   * A summary's places in one file (the file edited last) and the one of them
   * reaching furthest down, found once: an edit moves places in reading order
   * (movePoint: a place after another stays at or after it), so that place
   * stays the furthest, and a summary whose furthest place is above the edit
   * has nothing to move (most summaries of an edited file's functions above
   * it). putBack, which is no such move, makes them found again.
   */
  private inFile = new WeakMap<MemoEntry, { file: string; places: Partial<Hop>[]; last: Partial<Hop> | null }>();

  private placesInFile(e: MemoEntry, file: string): { places: Partial<Hop>[]; last: Partial<Hop> | null } {
    let out = this.inFile.get(e);
    if (out?.file === file) return out;
    const places = this.placesOf(e).filter((h) => h.file === file);
    let last: Partial<Hop> | null = null;
    for (const h of places) if (!last || lastLine(h) > lastLine(last)) last = h;
    this.inFile.set(e, (out = { file, places, last }));
    return out;
  }

  /** Summaries as they were (previous) holding a place an edit replaced: each differs from any made again. */
  private heldReplaced = new WeakSet<MemoEntry>();

  /**
   * Moves the places in `file` held by carried summaries (the file's text
   * was edited outside their functions). A summary holding a place the edit
   * replaced (`replaced`: inside the edited range; an edit spanning several
   * functions, or a place of another function such as the section start it
   * was computed under) is forgotten: moving would put that place at the
   * range's end, where a fresh analysis puts it elsewhere. Its callers hold
   * the same place where they took it from it, and are forgotten with it.
   */
  movePlaces(file: string, move: (line: number, column: number) => [number, number], replaced?: ((line: number, column: number) => boolean) | null, firstLine = 1): void {
    const isReplaced = (h: Partial<Hop>) =>
      !!replaced && (replaced(h.line!, h.column!) || (typeof h.endLine === 'number' && typeof h.endColumn === 'number' && replaced(h.endLine, h.endColumn)));
    // One pass: each place in the file is judged (at its old position) and moved once, however many summaries share it.
    this.placesChanged();
    const moved = new Set<object>();
    const gone = new Set<object>();
    const holding = new Set<MemoEntry>();
    const visit = (e: MemoEntry | 'pending'): void => {
      if (e === 'pending' || !e.files.has(file)) return;
      const { places, last } = this.placesInFile(e, file);
      if (!last || lastLine(last) < firstLine) return;
      let holds = false;
      placesGoneOver.count += places.length;
      for (const h of places) {
        // Before the edit's first line: neither moved nor replaced (most places of an edit's file, no set to go through).
        if (h.line! < firstLine && (typeof h.endLine !== 'number' || h.endLine < firstLine)) continue;
        if (moved.has(h)) {
          if (gone.size && gone.has(h)) holds = true;
          continue;
        }
        moved.add(h);
        if (isReplaced(h)) {
          gone.add(h);
          holds = true;
        }
        [h.line, h.column] = move(h.line!, h.column!);
        if (typeof h.endLine === 'number' && typeof h.endColumn === 'number') [h.endLine, h.endColumn] = move(h.endLine, h.endColumn);
      }
      if (holds) holding.add(e);
    };
    for (const e of this.memo.values()) visit(e);
    for (const e of this.previous.values()) visit(e);
    if (!holding.size) return;
    for (const [k, e] of this.memo) if (e !== 'pending' && holding.has(e)) this.memo.delete(k);
    // A summary as it was (what callers were computed from) stays to be compared: as one that
    // differs when what is compared of it (comparedPart) held a replaced place.
    for (const e of this.previous.values()) if (holding.has(e) && placesIn(comparedPart(e)).some((h) => gone.has(h))) this.heldReplaced.add(e);
  }

  /** A bound cut the current run short: it and every run on the stack are not clean. */
  protected cut(): FunctionSummary {
    const f = this.frames[this.frames.length - 1];
    if (f) f.clean = false;
    return EMPTY;
  }

  /** Work done (statements x states): to the root's budget and the current run's own cost. */
  addWork(w: number): void {
    this.rootSteps += w;
    const f = this.frames[this.frames.length - 1];
    if (f) f.own += w;
    if (this.rootSteps > MAX_ROOT_STEPS) this.budgetHit = true;
  }

  /** A name the current run looked up (a callee, a macro). */
  noteName(name: string): void {
    this.frames[this.frames.length - 1]?.names.add(name);
  }

  /** The entries whose dependencies a frame has taken on (useChild), with their sets' sizes then: kept apart from the Frame, which a MemoEntry copies. */
  private absorbed = new WeakMap<Frame, Map<MemoEntry, number>>();

  /** The summary `key` is used by the current run. */
  protected useChild(key: string, e: MemoEntry, section?: SectionStart): void {
    const f = this.frames[this.frames.length - 1];
    if (!f) return;
    if (!f.childSections.has(key)) f.childSections.set(key, section);
    // A child used again (at every state reaching its call) adds nothing new to what the run depends on,
    // unless its sets grew since (a revalidation adds to them; they never shrink).
    let absorbed = this.absorbed.get(f);
    if (!absorbed) this.absorbed.set(f, (absorbed = new Map()));
    const size = e.names.size + e.files.size + e.fns.size + e.globals.size;
    if (absorbed.get(e) !== size) {
      absorbed.set(e, size);
      for (const n of e.names) f.names.add(n);
      for (const n of e.files) f.files.add(n);
      for (const n of e.fns) f.fns.add(n);
      for (const n of e.globals) f.globals.add(n);
    }
    f.height = Math.max(f.height, e.height + 1);
    f.children.push(key);
    if (!e.clean) f.clean = false;
  }

  /** First use in this check of a summary from an earlier one: what a fresh analysis would have spent on it and below. */
  protected charge(key: string): void {
    const stack = [key];
    for (let k = stack.pop(); k !== undefined; k = stack.pop()) {
      if (this.used.has(k)) continue;
      this.used.add(k);
      const e = this.memo.get(k);
      if (!e || e === 'pending') continue;
      if (e.epoch === this.epoch) continue; // computed in this check: already paid
      this.addWork(e.own);
      stack.push(...e.children);
    }
  }

  /**
   * The lazy-mode events and calls made while batching of `fn`'s summary in
   * `mode` and of every summary it used, below it: one record per place (the
   * one with fewest conditions; the first in pre-order on a tie). Call right
   * after summarising it, in the same check.
   */
  records(
    fn: FunctionRef,
    mode: ModeState,
    dirtyParams: number[] = [],
    outerPending = false,
    binding?: Binding,
  ): Records {
    const rootKey = memoKey(fn.key, mode, dirtyParams, outerPending, undefined, binding);
    // Gathered again only when a summary it went through changed: the same entries give the same records
    // (their places moved in place with the text), and an ordinary edit changes none of most roots' entries.
    const kept = this.gathered.get(rootKey);
    if (kept && kept.entries.every(([k, e]) => this.memo.get(k) === e)) return copyRecords(kept.records);
    const entries: [string, MemoEntry | 'pending' | undefined][] = [];
    const events = new Map<string, ModeEvent>();
    const calls = new Map<string, SectionCall>();
    const indirect = new Map<string, IndirectCall>();
    const fewer = <T extends { conds: Cond[] }>(m: Map<string, T>, k: string, v: T) => {
      const prev = m.get(k);
      if (!prev || v.conds.length < prev.conds.length) m.set(k, v);
    };
    const seen = new Set<string>();
    // Each summary with the section its caller had when using it (undefined: as computed).
    const stack: [string, SectionStart | undefined][] = [[rootKey, undefined]];
    const same = (a?: SectionStart, b?: SectionStart) => !!a && !!b && a.file === b.file && a.line === b.line && a.column === b.column;
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      const [k, section] = top;
      if (seen.has(k)) continue;
      seen.add(k);
      const e = this.memo.get(k);
      entries.push([k, e]);
      if (!e || e === 'pending') continue;
      // A record made in the section the summary was computed in belongs to the caller's section now.
      const now = <T extends { section?: SectionStart }>(x: T): T => (section && same(x.section, e.section) ? { ...x, section } : x);
      for (const x of e.sum.modeEvents) fewer(events, `${x.kind}@${x.at.file}:${x.at.line}:${x.at.column}`, now(x));
      // Per place and callee: a call through a pointer may designate several functions.
      for (const c of e.sum.sectionCalls) fewer(calls, sectionCallKey(c), now(c));
      for (const c of e.sum.indirectCalls) if (!indirect.has(`${c.at.file}:${c.at.line}:${c.at.column}`)) indirect.set(`${c.at.file}:${c.at.line}:${c.at.column}`, c);
      for (let i = e.children.length - 1; i >= 0; i--) {
        const ck = e.children[i];
        const cs = e.childSections.get(ck);
        stack.push([ck, section && same(cs, e.section) ? section : cs]);
      }
    }
    const records = { modeEvents: [...events.values()], sectionCalls: [...calls.values()], indirectCalls: [...indirect.values()] };
    this.gathered.set(rootKey, { entries, records });
    return copyRecords(records);
  }

  /** Per root (its memo key): the records last gathered and the memo entries they were gathered from (see records). */
  protected gathered = new Map<string, { entries: [string, MemoEntry | 'pending' | undefined][]; records: Records }>();

  /**
   * The call-graph searches that decide which macros a survey runs in place
   * were made again: each survey is checked when next asked for, and kept
   * when every answer it was given comes out the same (surveyHolds). An edit
   * that moves one function on a chain changes the answer for few names, if
   * any; forgetting every survey made the next check survey the tree's
   * section calls again (~1.4 s CPU after one edit of mm/memory.c).
   */
  recheckSurveys(): void {
    this.searchGeneration++;
  }

  /** The generation of the call-graph searches (recheckSurveys). */
  protected searchGeneration = 0;

  /** Which macros a survey runs in place (set by its owner from its call-graph searches). */
  abstract surveyExpands: (name: string) => boolean;

  /** Whether survey entry `e` is what a survey made now would give, as far as the in-place macros go. */
  protected surveyHolds(e: MemoEntry): boolean {
    if (e.searches === this.searchGeneration) return true;
    for (const [name, was] of e.expanded ?? []) if (this.surveyExpands(name) !== was) return false;
    e.searches = this.searchGeneration;
    return true;
  }
}
