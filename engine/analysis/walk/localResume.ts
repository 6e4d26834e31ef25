// A local run (checkers/localRules.ts) of a function edited since its last
// run, restarted at the first statement of its body the edit touched and
// stopped at the first statement after the edit where the paths are the last
// run's again: its cost follows the edit, not the function.
//
// The local rules walk the whole body on every path (statements.ts): in a
// large function (do_swap_page: 80 statements, 24 paths after its labels)
// that was most of a keystroke's check. So a run of a function in an
// editor's buffer keeps a LocalTrace (in memory, never stored): the flow
// before each top-level statement of the body (its states copied) and the
// findings each statement's walk made. After an edit:
// - the statements wholly before the first changed character have the same
//   text at the same places: the run starts at the first other one, from the
//   flow kept before it, with the findings of those before it;
// - before each statement wholly after the last changed character, it
//   compares its flow with the last run's before the same statement, places
//   moved by the edit: when they are the same, every later statement would be
//   walked as it was, so the run stops and takes the last run's findings of
//   those statements, moved.
//
// A kept state holds after the edit because:
// - assignment sites (entry ids, entryIdentity.ts) are numbered by their
//   place in the function (`localSiteNumber`), not by node id (a re-parse
//   gives nodes new ids): a restarted run names them as a fresh one does;
// - what every statement's walk reads of the whole function (pointer
//   variables, declared names, versioned indexes, the rules' own: `whole`),
//   the catalogue and the rules (`tag`) and the function's start are the same;
// - a body a goto goes back in (copy_pte_range's `goto again`) is walked in
//   passes, each from a label (statements.ts execSeq): the trace keeps every
//   pass's flows, the labels' seen states and findings; the run restarts in
//   the first pass (the statements before the edit are the first ones
//   walked), and stops at a boundary of a pass only when the last run's
//   walk from there never reaches an edited statement again (its last pass,
//   or passes restarting after the edit), with the labels' seen states and
//   the findings the rest could meet again (the rules keep the first
//   finding per node) the same; findings a later pass makes again at a node
//   a kept statement found are dropped, as a whole run drops them;
// - the steps are counted as a whole run's (a run past the work bound,
//   limits.ts, is walked whole).
// Compared: what decides branches (known values, non-zero names, written
// kinds, every fact, results of tests too), the mode, the #if conditions,
// pointer identities, index versions and pending entries (site numbers
// moved), and the listeners' slots in full (places moved, messages
// included). Not compared: the places of exits, jumps and write chains,
// which make records a local run does not report, and the values of the
// statement last evaluated (callVals, exprVals: forgotten before the next).
// One file (~560 lines) because the trace kept, the restart and the flow
// comparison must agree on what a state holds; split, they would drift apart.
import type { Node } from 'web-tree-sitter';
import { Finding, moveFinding } from '../../findings';
import { key as condKey } from '../../config/cond';
import { factKey } from '../values';
import type { PathSlot, PathState } from '../pathState';
import { KNOWN, MODE, sameState, StateSet } from '../stateIdentity';
import type { Flow } from './flow';
import { MAX_FUNCTION_STEPS, MAX_ROOT_STEPS } from '../limits';

/** An old 1-based (line, column) of the function to the new text; null when the edit replaced it or it is outside. */
export type PlaceMove = (line: number, column: number) => [number, number] | null;

/** A listener's slot a restarted run can compare across an edit. */
export interface MovableSlot extends PathSlot {
  /** The whole content (messages too), each place through `move`; null when a place has none. */
  movedKey(move: PlaceMove): string | null;
}

/** A label's states seen by the body's walk (statements.ts execSeq), by label. */
export type SeenAtLabels = Map<string, StateSet>;

/** What a run is told at its body's top-level statement boundaries (statements.ts execSeq). */
export interface SeqWatch {
  /** Where the walk starts (in its first pass): the statement, the flow before it, the steps made so far, the labels' seen states. */
  readonly from?: { i: number; flow: Flow; steps: number; seen: SeenAtLabels };
  /** Before statement i of pass `pass` (0: the first; a goto back starts the next): true stops the walk there (the rest is known). */
  before(i: number, flow: Flow, steps: number, pass: number, seen: SeenAtLabels): boolean;
}

/** The walk's state at one boundary: the flow (states copied), the steps made, the labels' seen states (copied). */
interface Boundary {
  flow: Flow;
  steps: number;
  seen: SeenAtLabels;
}

/** One run's boundaries and findings, pass by pass (see the header). */
export interface LocalTrace {
  text: string;
  /** The function's start: offset in the file, 0-based row and column. */
  start: number;
  row: number;
  column: number;
  whole: string;
  tag: string;
  /** Each top-level statement of the body: [start, end) offsets in the function. */
  children: [number, number][];
  /** The body's top-level labelled statements. */
  labels: Set<number>;
  /** The first statement a later pass can walk again (a label a goto at or after it goes to); children.length when none. */
  revisitFrom: number;
  /** The boundary before statement i of pass p, `at[p][i]`, for those this run walked. */
  at: Boundary[][];
  /** The findings made while statement i of pass p was walked, `found[p][i]` (a node's first only). */
  found: Finding[][][];
  /** How many passes the whole walk made. */
  passes: number;
  /** The whole run's steps. */
  steps: number;
  /**
   * A run stopped early keeps no boundary of its own from the one it stopped
   * at (pass `pass`, statement `from - 1`) on: boundary (p, i) at or after
   * (`pass`, `from`) is the last run's (p, i + `shift`), places and sites
   * moved by `edit`, steps + `steps`.
   */
  tail?: { prev: LocalTrace; edit: FunctionEdit; pass: number; from: number; shift: number; steps: number; depth: number };
  /** Usable by the next run: no bound cut it. */
  usable: boolean;
}

/**
 * Counts for tests and benches: local runs given a trace, those restarted
 * after the first statement and those stopped early, top-level statements
 * walked by traced runs, and the steps (statements x paths, limits.ts) every
 * local run walked.
 */
export const localWalkCounts = { traced: 0, restarted: 0, stoppedEarly: 0, statements: 0, steps: 0 };

const SITE = 2 ** 21;

/** An assignment site's number in a local run: its offset in the function and its length (see the header). */
export function localSiteNumber(fn: Node): (site: Node) => number {
  const start = fn.startIndex;
  return (site) => (site.startIndex - start) * SITE + Math.min(site.endIndex - site.startIndex, SITE - 1);
}

/** A flow with its lists and states copied (a walk may write a state it was given). */
function copyFlow(f: Flow): Flow {
  const c = (ss: PathState[]) => ss.map((s) => s.clone());
  const gotos = new Map<string, PathState[]>();
  for (const [k, v] of f.gotos) gotos.set(k, c(v));
  return { normal: c(f.normal), brk: c(f.brk), cont: c(f.cont), ret: f.ret.map(([s, v]) => [s.clone(), v]), gotos };
}

function copySeen(seen: SeenAtLabels): SeenAtLabels {
  const out: SeenAtLabels = new Map();
  for (const [k, v] of seen) out.set(k, v.copy());
  return out;
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/** The edit between two texts of a function: common prefix p, common suffix q, and the moves it makes. */
class FunctionEdit implements Mover {
  readonly p: number;
  readonly q: number;
  private readonly d: number;
  private lines0?: number[];
  private lines1?: number[];

  constructor(
    private readonly t0: string,
    private readonly t1: string,
    private readonly row: number,
    private readonly column: number,
  ) {
    const max = Math.min(t0.length, t1.length);
    let p = 0;
    while (p < max && t0.charCodeAt(p) === t1.charCodeAt(p)) p++;
    let q = 0;
    while (q < max - p && t0.charCodeAt(t0.length - 1 - q) === t1.charCodeAt(t1.length - 1 - q)) q++;
    this.p = p;
    this.q = q;
    this.d = t1.length - t0.length;
  }

  /** An old offset (of a node's start or end) in the new text, or -1 when the edit replaced it. */
  offset(o: number): number {
    if (o >= this.t0.length - this.q && o <= this.t0.length) return o + this.d;
    return o <= this.p ? o : -1;
  }

  readonly place: PlaceMove = (line, column) => {
    const l0 = (this.lines0 ??= lineStarts(this.t0));
    const r = line - 1 - this.row;
    if (r < 0 || r >= l0.length) return null;
    const o = l0[r] + column - 1 - (r === 0 ? this.column : 0);
    // A start exactly at p, where text was replaced after it, is replaced; at the edit's end it moved.
    const at = o >= this.t0.length - this.q ? o + this.d : o < this.p ? o : -1;
    if (at < 0 || o > this.t0.length) return null;
    if (at === o) return [line, column];
    const l1 = (this.lines1 ??= lineStarts(this.t1));
    let lo = 0;
    let hi = l1.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (l1[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return [this.row + lo + 1, at - l1[lo] + (lo === 0 ? this.column : 0) + 1];
  };

  /** A site number of the old run in the new one (both ends outside the edit, moved alike), or null. */
  site(n: number): number | null {
    const rel = Math.floor(n / SITE);
    const len = n % SITE;
    const a = this.offset(rel);
    const b = this.offset(rel + len);
    return a < 0 || b < 0 || b - a !== len ? null : a * SITE + len;
  }

  /** An entry id or index version of the old run with its site numbers moved, or null. */
  id(v: string): string | null {
    let ok = true;
    const out = v.replace(/(^S|^I|#I)(\d+)/g, (_, pre: string, num: string) => {
      const m = this.site(Number(num));
      if (m === null) ok = false;
      return `${pre}${m}`;
    });
    return ok ? out : null;
  }
}

/** Places and site numbers of an older run in the new one, through one or more edits (oldest first). */
interface Mover {
  place: PlaceMove;
  id(v: string): string | null;
}

function composed(edits: FunctionEdit[]): Mover {
  if (edits.length === 1) return edits[0];
  return {
    place: (line, column) => {
      let at: [number, number] | null = [line, column];
      for (const e of edits) if (!(at = at && e.place(at[0], at[1]))) return null;
      return at;
    },
    id: (v) => {
      let at: string | null = v;
      for (const e of edits) if (!(at = at && e.id(at))) return null;
      return at;
    },
  };
}

/** A trace's boundary before statement i of pass p, kept or through its tail, with the edits since (oldest first). */
function boundary(t: LocalTrace, p: number, i: number): (Boundary & { edits: FunctionEdit[] }) | null {
  const own = t.at[p]?.[i];
  if (own) return { ...own, edits: [] };
  const tail = t.tail;
  if (!tail || p < tail.pass || (p === tail.pass && i < tail.from)) return null;
  const b = boundary(tail.prev, p, i + tail.shift);
  return b && { ...b, steps: b.steps + tail.steps, edits: [...b.edits, tail.edit] };
}

/** How many runs a tail may go back (each compare moves through every edit since). */
const MAX_TAIL = 12;

const SAME: PlaceMove = (line, column) => [line, column];

function sameStrMapMoved(a: Iterable<[string, string]>, aSize: number, b: { get(k: string): string | undefined; size: number }, e: Mover): boolean {
  if (aSize !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== e.id(v)) return false;
  return true;
}

function slotKeys(s: PathState, move: PlaceMove): (string | null)[] {
  return (s.slots ?? []).map((x) => ((x as MovableSlot).movedKey ? (x as MovableSlot).movedKey(move) : null));
}

/** Whether the old run's state `a`, moved by the edit, is the new run's `b` in all a later statement's walk reads. */
function sameMoved(a: PathState, b: PathState, e: Mover): boolean {
  if (!sameState(a, b, KNOWN | MODE)) return false;
  // Results of tests on objects decide later tests: the identity leaves them out, this does not.
  if (a.facts.size !== b.facts.size) return false;
  for (const [k, f] of a.facts) {
    const o = b.facts.get(k);
    if (!o || factKey(o) !== factKey(f)) return false;
  }
  if (a.conds.length !== b.conds.length || a.conds.some((c, i) => condKey(c) !== condKey(b.conds[i]))) return false;
  if (!sameStrMapMoved(a.ptrs, a.ptrs.size, b.ptrs, e) || !sameStrMapMoved(a.idx, a.idx.size, b.idx, e)) return false;
  if (a.dirty.size !== b.dirty.size) return false;
  for (const [k, w] of a.dirty) {
    const id = e.id(k);
    const o = id === null ? undefined : b.dirty.get(id);
    if (!o || o.value !== w.value || o.param !== w.param || o.conds.map(condKey).join('&') !== w.conds.map(condKey).join('&')) return false;
  }
  const ka = slotKeys(a, e.place);
  const kb = slotKeys(b, SAME);
  return ka.length === kb.length && ka.every((k, i) => k !== null && k === kb[i]);
}

function sameStates(a: readonly PathState[], b: readonly PathState[], e: Mover): boolean {
  return a.length === b.length && a.every((s, i) => sameMoved(s, b[i], e));
}

/** The labels' seen states of the last run, moved, are the new run's: the same states in the same order. */
function sameSeenMoved(a: SeenAtLabels, b: SeenAtLabels, e: Mover): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const o = b.get(k);
    if (!o || !sameStates(v.states(), o.states(), e)) return false;
  }
  return true;
}

function sameFlowMoved(a: Flow, b: Flow, e: Mover): boolean {
  if (!sameStates(a.normal, b.normal, e) || !sameStates(a.brk, b.brk, e) || !sameStates(a.cont, b.cont, e)) return false;
  // The order of the labels decides which a goto back restarts at first (statements.ts execSeq).
  if (a.gotos.size !== b.gotos.size || [...a.gotos.keys()].join('\0') !== [...b.gotos.keys()].join('\0')) return false;
  for (const [k, v] of a.gotos) {
    const o = b.gotos.get(k);
    if (!o || !sameStates(v, o, e)) return false;
  }
  return true;
}

/** A finding of the old run with every place in `file` moved, or null when one has no place after the edit. */
function movedFinding(f: Finding, file: string, e: FunctionEdit): Finding | null {
  let ok = true;
  const out = moveFinding(f, file, (line, column) => {
    const m = e.place(line, column);
    if (!m) ok = false;
    return m ?? [line, column];
  });
  return ok ? out : null;
}

/** The first statement a later pass walks again: the least label that a goto in a statement at or after it goes to (`texts` of the statements). */
function revisitFrom(children: Node[], texts: string[]): number {
  const labels = new Map<string, number>();
  children.forEach((c, i) => {
    const m = c.type === 'labeled_statement' ? /^(\w+)\s*:/.exec(texts[i]) : null;
    if (m) labels.set(m[1], i);
  });
  let from = children.length;
  if (!labels.size) return from;
  texts.forEach((text, i) => {
    for (const m of text.matchAll(/\bgoto\s+(\w+)/g)) {
      const at = labels.get(m[1]);
      if (at !== undefined && at <= i) from = Math.min(from, at);
    }
  });
  return from;
}

/** A finding's node, for the rules' first finding per node: its rule and span. */
function nodeKey(f: Finding): string {
  const p = f as Finding & { endLine?: number; endColumn?: number };
  return `${f.rule}:${f.line}:${f.column}:${p.endLine}:${p.endColumn}`;
}

/** The listeners' findings, each rule's made so far (insertion order is the order they were made). */
interface FindingSource {
  readonly findings: Map<number, Finding>;
}

/**
 * One traced run of a function: given the last run's trace (or none), says
 * where the walk starts (`from`), watches its boundaries, and makes the new
 * trace and the whole run's findings.
 */
export class LocalResume implements SeqWatch {
  from?: { i: number; flow: Flow; steps: number; seen: SeenAtLabels };
  private readonly trace: LocalTrace;
  private edit: FunctionEdit | null = null;
  /** Last run's statement at new statement i, for the statements wholly after the edit. */
  private readonly oldAt = new Map<number, number>();
  /** The first statement wholly after the edit, in the last run's text. */
  private oldFirstAfter = 0;
  /** Statements (1-based line, column of their start) of this text and the last run's, to tell where a finding lies. */
  private readonly starts: [number, number][];
  private oldStarts: [number, number][] = [];
  /** The edited statements hold a label of the body where a goto goes back: the passes of the two texts do not match. */
  private labelEdited = false;
  private readonly counts: number[];
  /** The statement (pass, index) walked since the last boundary. */
  private lastWalked: [number, number] | null = null;
  /** Node keys of the findings kept from the last run (statements before the restart): a later pass finding them again is dropped. */
  private readonly keptKeys = new Set<string>();
  private maxPass = 0;
  /** Where the walk stopped: the last run's findings of the rest, moved, by (pass, statement) of this run. */
  private stopped: [number, number, Finding[]][] | null = null;

  constructor(
    private readonly prev: LocalTrace | null,
    fn: Node,
    private readonly file: string,
    whole: string,
    tag: string,
    private readonly rules: FindingSource[],
  ) {
    this.counts = rules.map(() => 0);
    const body = fn.childForFieldName('body');
    const kids = (body?.namedChildren ?? []).filter((c): c is Node => !!c);
    const start = fn.startIndex;
    const text = fn.text;
    const spans = kids.map((c): [number, number] => [c.startIndex - start, c.endIndex - start]);
    this.starts = kids.map((c) => [c.startPosition.row + 1, c.startPosition.column + 1]);
    const labels = new Set<number>();
    kids.forEach((c, i) => c.type === 'labeled_statement' && labels.add(i));
    this.trace = {
      text,
      start,
      row: fn.startPosition.row,
      column: fn.startPosition.column,
      whole,
      tag,
      children: spans,
      labels,
      revisitFrom: revisitFrom(
        kids,
        spans.map(([a, b]) => text.slice(a, b)),
      ),
      at: [],
      found: [],
      passes: 1,
      steps: 0,
      usable: true,
    };
    localWalkCounts.traced++;
    const t = this.trace;
    if (!prev || !prev.usable || prev.whole !== whole || prev.tag !== tag) return;
    if (prev.start !== t.start || prev.row !== t.row || prev.column !== t.column || /[^\x00-\x7f]/.test(t.text)) return;
    const e = new FunctionEdit(prev.text, t.text, t.row, t.column);
    this.edit = e;
    // Statements wholly before the first change: the same text at the same places.
    let k = 0;
    while (k < t.children.length && k < prev.children.length && t.children[k][1] <= e.p && prev.children[k][1] <= e.p) k++;
    while (k > 0 && !prev.at[0]?.[k]) k--;
    // Statements wholly after the last change, matched from the end.
    const n0 = prev.children.length;
    const n1 = t.children.length;
    let firstAfter = n1;
    this.oldFirstAfter = n0;
    for (let x = 1; x <= Math.min(n0, n1); x++) {
      const [s0, e0] = prev.children[n0 - x];
      const [s1] = t.children[n1 - x];
      if (s0 < prev.text.length - e.q || e.offset(s0) !== s1 || e.offset(e0) < 0) break;
      this.oldAt.set(n1 - x, n0 - x);
      firstAfter = n1 - x;
      this.oldFirstAfter = n0 - x;
    }
    const lines = lineStarts(prev.text);
    this.oldStarts = prev.children.map(([a]) => {
      let r = 0;
      while (r + 1 < lines.length && lines[r + 1] <= a) r++;
      return [prev.row + r + 1, a - lines[r] + (r === 0 ? prev.column : 0) + 1];
    });
    if (prev.revisitFrom < n0 || t.revisitFrom < n1)
      for (let x = k; x < Math.max(firstAfter, this.oldFirstAfter); x++) if ((x < firstAfter && labels.has(x)) || (x < this.oldFirstAfter && prev.labels.has(x))) this.labelEdited = true;
    if (k > 0) {
      const b = prev.at[0][k];
      this.from = { i: k, flow: copyFlow(b.flow), steps: b.steps, seen: copySeen(b.seen) };
      t.at[0] = [];
      t.found[0] = [];
      for (let i = 0; i < k; i++) {
        t.at[0][i] = prev.at[0][i];
        t.found[0][i] = prev.found[0]?.[i] ?? [];
        for (const f of t.found[0][i]) this.keptKeys.add(nodeKey(f));
      }
      localWalkCounts.restarted++;
    }
  }

  before(i: number, flow: Flow, steps: number, pass: number, seen: SeenAtLabels): boolean {
    this.collect();
    if (pass > this.maxPass) this.maxPass = pass;
    if (this.trace.usable) (this.trace.at[pass] ??= [])[i] = { flow: copyFlow(flow), steps, seen: copySeen(seen) };
    const j = this.oldAt.get(i);
    if (this.edit && j !== undefined && (pass > 0 || i > (this.from?.i ?? -1)) && this.converged(i, j, pass, flow, steps, seen)) return true;
    localWalkCounts.statements++;
    this.lastWalked = [pass, i];
    return false;
  }

  /** The findings made so far (`found`, in order) that lie at or after the start of statement `from` (`starts`). */
  private static lyingFrom(found: Finding[][][], upTo: [number, number], starts: [number, number][], from: number): Finding[] {
    const out: Finding[] = [];
    if (from >= starts.length) return out;
    const [l, c] = starts[from];
    found.forEach((byStmt, p) =>
      byStmt.forEach((fs, x) => {
        if (p > upTo[0] || (p === upTo[0] && x >= upTo[1])) return;
        for (const f of fs) if (f.line > l || (f.line === l && f.column >= c)) out.push(f);
      }),
    );
    return out;
  }

  /** The new walk before statement i of `pass` is the last run's before j: the rest is the last run's. */
  private converged(i: number, j: number, pass: number, flow: Flow, steps: number, seen: SeenAtLabels): boolean {
    const prev = this.prev!;
    const e = this.edit!;
    if (this.labelEdited) return false;
    // The last run's walk from here must not reach an edited statement again: a later pass starts at a label after the edit.
    const later = pass < prev.passes - 1;
    if (later && prev.revisitFrom < this.oldFirstAfter) return false;
    const old = boundary(prev, pass, j);
    if (!old) return false;
    const total = steps + (prev.steps - old.steps);
    if (total > MAX_FUNCTION_STEPS || total > MAX_ROOT_STEPS) return false;
    const mover = composed([...old.edits, e]);
    if (!sameFlowMoved(old.flow, flow, mover) || !sameSeenMoved(old.seen, seen, mover)) return false;
    // The rules keep a node's first finding: the nodes the rest walks must hold the same findings so far.
    const mine = LocalResume.lyingFrom(this.trace.found, [pass, i], this.starts, later ? Math.min(i, this.trace.revisitFrom) : i);
    const theirs = LocalResume.lyingFrom(prev.found, [pass, j], this.oldStarts, later ? Math.min(j, prev.revisitFrom) : j);
    if (mine.length !== theirs.length) return false;
    const movedTheirs = theirs.map((f) => movedFinding(f, this.file, e));
    if (movedTheirs.some((f) => !f)) return false;
    const json = (fs: Finding[]) => fs.map((f) => JSON.stringify(f)).sort().join('\n');
    if (json(mine) !== json(movedTheirs as Finding[])) return false;
    // The last run's findings from (pass, j) on, moved to this run's statements.
    const shift = j - i;
    const rest: [number, number, Finding[]][] = [];
    for (let p = pass; p < prev.found.length; p++)
      for (let x = p === pass ? j : 0; x < (prev.found[p]?.length ?? 0); x++) {
        const fs = prev.found[p]?.[x];
        if (!fs) continue;
        const moved = fs.map((f) => movedFinding(f, this.file, e));
        if (moved.some((f) => !f)) return false;
        rest.push([p, x - shift, moved as Finding[]]);
      }
    this.stopped = rest;
    localWalkCounts.steps += steps - (this.from?.steps ?? 0);
    this.trace.steps = total;
    this.trace.passes = prev.passes;
    // The boundaries after (pass, i) are the last run's, moved: kept by reference (a chain of at most MAX_TAIL runs).
    const depth = prev.at[pass]?.[j] ? 1 : (prev.tail?.depth ?? 0) + 1;
    if (depth <= MAX_TAIL) this.trace.tail = { prev, edit: e, pass, from: i + 1, shift, steps: steps - old.steps, depth };
    localWalkCounts.stoppedEarly++;
    return true;
  }

  /** The findings the rules made since the last boundary: the statement last walked's (a node a kept statement found: dropped). */
  private collect(): void {
    if (!this.lastWalked) return;
    const [p, i] = this.lastWalked;
    this.lastWalked = null;
    const out = ((this.trace.found[p] ??= [])[i] ??= []);
    this.rules.forEach((r, ri) => {
      let n = 0;
      for (const f of r.findings.values()) if (n++ >= this.counts[ri] && !this.keptKeys.has(nodeKey(f))) out.push(f);
      this.counts[ri] = r.findings.size;
    });
  }

  /** After the run (`steps`: its count): the whole function's findings, and the trace for the next run. */
  finish(steps: number): { findings: Finding[]; trace: LocalTrace } {
    const t = this.trace;
    if (this.stopped) {
      for (const [p, x, fs] of this.stopped) (t.found[p] ??= [])[x] = fs;
    } else {
      this.collect();
      t.steps = steps;
      t.passes = this.maxPass + 1;
      localWalkCounts.steps += steps - (this.from?.steps ?? 0);
      if (steps > MAX_FUNCTION_STEPS) t.usable = false;
    }
    return { findings: t.found.flatMap((byStmt) => byStmt.flat()), trace: t };
  }
}
