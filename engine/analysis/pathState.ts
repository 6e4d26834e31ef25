// The abstract state carried along one path through a function: the lazy
// mode, which page-table entry each pointer names, known integer values,
// other facts about values (values.ts), and the entries written since the
// last flush (with how they were written and what kind of value was written:
// analysis/entryValues.ts).
import { Cond, joinConjuncts } from '../config/cond';
import { joinKinds, Kinds } from './entryValues';
import { Fact, factKey, isTestPath, joinFactMaps } from './values';
import { CowMap, CowSet, keyPart } from './cowMap';
import { KNOWN, MODE, POINTERS, SLOTS, slotsKey, StateGroups } from './stateIdentity';

/** A place in the source with a word on what happens there. */
export interface Hop {
  /** For a call hop: the function called there. */
  callee?: string;
  /** For an exit: the statement's keyword and label ("return", "goto out", "break"); none at the closing brace. */
  statement?: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
}

/** A write to an entry not yet flushed. `param` marks the caller's write, seen from a callee. */
export interface PendingWrite {
  /** Call hops from the analysed function down to the writer, outermost first; empty for `param`. */
  chain: Hop[];
  /** The #if conditions (conjuncts) of the path that made the write. */
  conds: Cond[];
  param?: number;
  /** The kinds the written value can be (entryValues.ts); undefined: any. */
  value?: Kinds;
}

export interface SectionStart extends Hop {
  shape: string;
  /** The function whose code enters the section. */
  fn: string;
}

/** A condition a path took that the facts in hand could not decide (with its place). */
export interface GuardNote {
  text: string;
  file: string;
  line: number;
  column: number;
}

/** Possible constant values, or null when unknown. */
export type Val = number[] | null;

export interface ModeState {
  /** Enable count: 0 off, 1 in a section, >1 nested; below 0 when a function left its caller's section. */
  depth: number;
  paused: number;
  /** Spinlocks held / preemption or interrupts off (the catalogue's atomicEnter/atomicLeave), when more than 0. */
  atomic?: number;
}

/** The mode as a key ("1/0", "1/0/a1" when atomic). */
export function modeKey(m: ModeState): string {
  return m.atomic ? `${m.depth}/${m.paused}/a${m.atomic}` : `${m.depth}/${m.paused}`;
}

/** A copy of a mode with its properties as a spread gives them (a clone's hottest line: spread is slower). */
function copyMode(m: ModeState): ModeState {
  return m.atomic === undefined ? { depth: m.depth, paused: m.paused } : { depth: m.depth, paused: m.paused, atomic: m.atomic };
}

export class PathState {
  mode: ModeState;
  /** Access path ("ptep", "vmf->pte") -> entry id (entryIdentity.ts). */
  ptrs: CowMap<string, string>;
  /** Index variable -> the version of its value (its last assignment site), so `pte[i]` names one entry per version. */
  idx: CowMap<string, string>;
  /** Variable -> the kinds of the entry value it holds, when it holds one read back after a write or built here. */
  entryVals: CowMap<string, Kinds>;
  vals: CowMap<string, number[]>;
  /** Variables known to be non-zero / non-NULL on this path (after `if (!p) break;`). */
  nonzero: CowSet<string>;
  /** Facts by access path, `.` for `->` (values.ts): NULL, function designators, globals, records, members. */
  facts: CowMap<string, Fact>;
  /** Conditions taken that the facts could not decide (kept only when surveying, see FunctionRun). */
  guards: GuardNote[];
  dirty: CowMap<string, PendingWrite>;
  /** A flush (or leave/pause) happened since the function was entered. */
  flushed: boolean;
  /** The path's #if conditions, as conjuncts (engine/config/cond.ts). */
  conds: Cond[];
  /** Where the current section was entered, and with which API shape (kept out of the key). */
  section?: SectionStart;
  /** Where the path left the function (a return, or the closing brace). */
  exitAt?: Hop;
  /** The goto/break this path last took, until the join it leads to judges it (see FunctionRun.joinJumps). */
  jump?: Hop;
  /**
   * The goto/break that brought this path, with its mode, to a join where other
   * paths arrive with another mode: the statement that leaves a section open
   * (or skips a resume). Cleared by the next enter or resume. A finding on the
   * function's exit is placed here rather than on the return or closing brace.
   */
  leftBy?: Hop;
  /** Values of calls evaluated in the current statement, by node id. */
  callVals: CowMap<number, Val>;
  /** Entry-value kinds of expressions evaluated in the current statement, by node id (reads, mk_pte(), ...). */
  exprVals: CowMap<number, Kinds>;
  /**
   * The path listeners' own states (analysis/events.ts), one per listener in
   * its order; undefined when the run has none (the interprocedural runs).
   */
  slots?: PathSlot[];

  /** An empty state, or a copy of `from` (its maps shared until written: cowMap.ts). */
  constructor(from?: PathState) {
    if (from) {
      this.mode = copyMode(from.mode);
      this.ptrs = from.ptrs.copy();
      this.idx = from.idx.copy();
      this.entryVals = from.entryVals.copy();
      this.vals = from.vals.copy();
      this.nonzero = from.nonzero.copy();
      this.facts = from.facts.copy();
      this.guards = from.guards;
      this.dirty = from.dirty.copy();
      this.flushed = from.flushed;
      this.conds = from.conds;
      this.callVals = from.callVals.copy();
      this.exprVals = from.exprVals.copy();
      this.section = from.section;
      this.exitAt = from.exitAt;
      this.jump = from.jump;
      this.leftBy = from.leftBy;
      if (from.slots) this.slots = from.slots.map((x) => x.clone());
      this.keyMemo = from.keyMemo;
      this.keyOf = from.keyOf;
    } else {
      this.mode = { depth: 0, paused: 0 };
      this.ptrs = new CowMap();
      this.idx = new CowMap();
      this.entryVals = new CowMap();
      this.vals = new CowMap();
      this.nonzero = new CowSet();
      this.facts = new CowMap();
      this.guards = [];
      this.dirty = new CowMap();
      this.flushed = false;
      this.conds = [];
      this.callVals = new CowMap();
      this.exprVals = new CowMap();
      this.keyMemo = undefined;
      this.keyOf = undefined;
    }
  }

  clone(): PathState {
    return new PathState(this);
  }

  /** Batching is on: writes are deferred and reads may see stale entries. */
  get batching(): boolean {
    return this.mode.depth > 0 && this.mode.paused === 0;
  }

  flush(): void {
    this.dirty.clear();
    this.flushed = true;
  }

  /**
   * Identity for merging equal states (write chains and conditions left out), spelled out as a string: for scripts
   * (restartShare.ts). The engine compares states by stateIdentity.ts, which is this identity part for part.
   */
  key(): string {
    // A local run's paths (listeners' slots, events.ts) are told apart by the slots and what decides branches; pointer
    // identities, pending writes and the mode are the interprocedural rules' and would only multiply its paths.
    if (this.slots) return `${valsKey(this)};${sortedKeys(this.nonzero)};${mapKey(this.entryVals)}${factsKey(this)}${slotsKey(this)}`;
    // Each part is kept by its map until written (cowMap.ts); the whole is made again only when a part differs
    // (compared by value), so a state keyed again, or a clone nothing was written to, costs no new string.
    const head = `${modeKey(this.mode)}/${this.flushed ? 1 : 0}`;
    const p = mapKey(this.ptrs);
    const i = mapKey(this.idx);
    const v = valsKey(this);
    const d = dirtyKey(this);
    const z = sortedKeys(this.nonzero);
    const e = mapKey(this.entryVals);
    const f = factsKey(this);
    const o = this.keyOf;
    if (o && o[0] === head && o[1] === p && o[2] === i && o[3] === v && o[4] === d && o[5] === z && o[6] === e && o[7] === f) return this.keyMemo!;
    this.keyOf = [head, p, i, v, d, z, e, f];
    return (this.keyMemo = `${head};${i ? `${p}#${i}` : p};${v};${d};${z};${e}${f}`);
  }

  /** The last key() and the parts it was made of. */
  private keyMemo: string | undefined;
  private keyOf: string[] | undefined;
}

/** A listener's state on one path (analysis/events.ts): its own copy and identity. */
export interface PathSlot {
  clone(): PathSlot;
  key(): string;
  /** key()'s hash: the slot keeps its last HashedKey (stateIdentity.ts hashedKey) and its clones copy it. */
  hash(): number;
}

// Key parts, sorted by key (sorting the [key, value] pairs themselves would
// stringify every pair on every comparison: the interpreter's hottest spot).
function sortedKeys(m: CowSet<string>): string {
  return keyPart(m, () => (m.size === 0 ? '' : m.size === 1 ? (m.keys().next().value as string) : [...m.keys()].sort().join(',')));
}

function mapKey(m: CowMap<string, string | number>): string {
  return keyPart(m, () => {
    let out = '';
    for (const k of [...m.keys()].sort()) out += `${k}=${m.get(k)},`;
    return out;
  });
}

/** Pending entries, each with the kinds of its written value when known. */
function dirtyKey(s: PathState): string {
  return keyPart(s.dirty, (m) => {
    let out = '';
    for (const k of [...m.keys()].sort()) {
      const v = m.get(k)!.value;
      out += v === undefined ? `${k},` : `${k}=${v},`;
    }
    return out;
  });
}

/** Facts in the state's identity; results of tests on objects are not (states differing only in them are joined, see dedupe). */
function factsKey(s: PathState): string {
  return keyPart(s.facts, (m) => {
    if (m.size === 0) return '';
    let out = ';';
    for (const k of [...m.keys()].sort()) if (!isTestPath(k)) out += `${k}=${factKey(m.get(k)!)},`;
    return out;
  });
}

function valsKey(s: PathState): string {
  return keyPart(s.vals, (m) => {
    let out = '';
    for (const k of [...m.keys()].sort()) out += `${k}=${m.get(k)!.join('|')},`;
    return out;
  });
}

/** Merges states that are equal but for chains (the same identity: stateIdentity.ts); keeps the one with fewer conditions. */
export function dedupe(states: PathState[]): PathState[] {
  // One state is its own set (the key is made when something asks for it).
  if (states.length < 2) return states.slice();
  // Per identity, in the order each first came: the state kept. Its identity stays its first state's: a join below
  // may drop results of tests from the facts, which an identity leaves out but for whether there are facts at all.
  const groups = new StateGroups<PathState>();
  for (const s of states) {
    const at = groups.find(s);
    if (at < 0) {
      groups.add(s, s);
      continue;
    }
    const prev = groups.values[at];
    const kept = s.conds.length < prev.conds.length ? s : prev;
    const other = kept === s ? prev : s;
    // The same state reached under other conditions: it holds when either path's do (an #if and its #else join back).
    const conds = joinConjuncts(prev.conds, s.conds);
    // What tests on objects gave on only one of the two paths is not known after.
    const tests = !kept.facts.sharesWith(other.facts) && testsDiffer(kept.facts, other.facts);
    if (tests || conds !== kept.conds) {
      const j = kept.clone();
      j.conds = conds;
      if (tests) for (const [f, v] of kept.facts) if (isTestPath(f) && !sameFact(v, other.facts.get(f))) j.facts.delete(f);
      groups.values[at] = j;
    } else groups.values[at] = kept;
  }
  return groups.values;
}

function sameFact(a: Fact, b: Fact | undefined): boolean {
  return a === b || (!!b && factKey(a) === factKey(b));
}

/** Whether a test on an object in `a` has no result or another one in `b`. */
function testsDiffer(a: CowMap<string, Fact>, b: CowMap<string, Fact>): boolean {
  for (const [f, v] of a) if (isTestPath(f) && !sameFact(v, b.get(f))) return true;
  return false;
}

/**
 * Bounds a state set. Beyond `max` states, states are joined in steps that
 * lose as little as possible: first those that differ only in pending writes
 * (united), then those that also differ in pointer identities (differing ones
 * become unknown), and only last those with different known values. Known
 * values are what keeps infeasible paths out, so they are given up last,
 * except for the listeners' states (slots): a slot has no join, so states
 * whose slots differ are joined only at the very last step, keeping the
 * first one's (as the old local walker dropped states past its bound).
 */
export function bound(states: PathState[], max: number): PathState[] {
  let d = dedupe(states);
  // A local run (states with listeners' slots, events.ts) keeps apart only
  // the paths its listeners tell apart; what the interpreter knows on paths
  // they hold alike is joined (soundly: values united, facts met), so a
  // body's paths number what the rules need, not what the interpreter could.
  if (d.length > 1 && d[0].slots) d = joinBySlots(d);
  if (d.length <= max) return d;
  // Written-value kinds decide guards like known values do: given up with them (stateIdentity.ts KNOWN).
  const steps = [MODE | KNOWN | POINTERS | SLOTS, MODE | KNOWN | SLOTS, MODE | SLOTS];
  // Without listeners the last step is the mode alone; with them, slots are given up last.
  if (d.some((s) => s.slots)) steps.push(MODE);
  for (const parts of steps) {
    d = joinGroups(d, parts);
    if (d.length <= max) break;
  }
  if (process.env.LAZYMMU_DEBUG) console.error(`bound: joined ${states.length} states into ${d.length}`);
  return d;
}

/** States grouped by their slots' identity, each group joined (a state alone in its group is kept as it is). */
function joinBySlots(states: PathState[]): PathState[] {
  const groups = new StateGroups<PathState[]>(SLOTS);
  for (const s of states) {
    const at = groups.find(s);
    if (at < 0) groups.add(s, [s]);
    else groups.values[at].push(s);
  }
  if (groups.values.length === states.length) return states;
  return groups.values.flatMap((g) => (g.length === 1 ? g : joinGroups(g, 0)));
}

/** States joined per group of equal `parts` (stateIdentity.ts; 0: all one group). */
function joinGroups(states: PathState[], parts: number): PathState[] {
  const groups = new StateGroups<PathState[]>(parts);
  for (const s of states) {
    const at = groups.find(s);
    if (at < 0) groups.add(s, [s]);
    else groups.values[at].push(s);
  }
  const out: PathState[] = [];
  for (const g of groups.values) {
    const j = g[0].clone();
    for (const s of g.slice(1)) {
      for (const [k, v] of j.ptrs) if (s.ptrs.get(k) !== v) j.ptrs.set(k, `?${k}`);
      for (const k of s.ptrs.keys()) if (!j.ptrs.has(k)) j.ptrs.set(k, `?${k}`);
      // An index whose versions differ names no entry either path named.
      for (const [k, v] of j.idx) if (s.idx.get(k) !== v) j.idx.set(k, '?');
      for (const k of s.idx.keys()) if (!j.idx.has(k)) j.idx.set(k, '?');
      for (const [k, v] of j.entryVals) {
        const o = joinKinds(v, s.entryVals.get(k));
        if (o === undefined) j.entryVals.delete(k);
        else j.entryVals.set(k, o);
      }
      for (const [k, v] of j.vals) {
        const o = s.vals.get(k);
        if (!o) j.vals.delete(k);
        else j.vals.set(k, [...new Set([...v, ...o])]);
      }
      for (const [k, w] of s.dirty) {
        const jw = j.dirty.get(k);
        if (!jw) j.dirty.set(k, w);
        else if (jw.value !== w.value) j.dirty.set(k, { ...jw, value: joinKinds(jw.value, w.value) });
      }
      for (const k of [...j.nonzero]) if (!s.nonzero.has(k)) j.nonzero.delete(k);
      j.facts = new CowMap(joinFactMaps(j.facts, s.facts));
      if (s.guards.length < j.guards.length) j.guards = s.guards;
      j.conds = joinConjuncts(j.conds, s.conds);
    }
    out.push(j);
  }
  return out;
}

