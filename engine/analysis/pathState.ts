// The abstract state carried along one path through a function: the lazy
// mode, which page-table entry each pointer names, known integer values,
// other facts about values (values.ts), and the entries written since the
// last flush (with how they were written).
import { Fact, factKey, isTestPath, joinFactMaps } from './values';

/** A place in the source with a word on what happens there. */
export interface Hop {
  /** For a call hop: the function called there. */
  callee?: string;
  /** For an exit: the statement is the body of an if/loop without braces. */
  braceless?: boolean;
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
  conds: string[];
  param?: number;
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

export class PathState {
  mode: ModeState = { depth: 0, paused: 0 };
  /** Access path ("ptep", "vmf->pte") -> entry id. */
  ptrs = new Map<string, string>();
  vals = new Map<string, number[]>();
  /** Variables known to be non-zero / non-NULL on this path (after `if (!p) break;`). */
  nonzero = new Set<string>();
  /** Facts by access path, `.` for `->` (values.ts): NULL, function designators, globals, records, members. */
  facts = new Map<string, Fact>();
  /** Conditions taken that the facts could not decide (kept only when surveying, see FunctionRun). */
  guards: GuardNote[] = [];
  dirty = new Map<string, PendingWrite>();
  /** A flush (or leave/pause) happened since the function was entered. */
  flushed = false;
  conds: string[] = [];
  /** Where the current section was entered, and with which API shape (kept out of the key). */
  section?: SectionStart;
  /** Where the path left the function (a return, or the closing brace). */
  exitAt?: Hop;
  /** Values of calls evaluated in the current statement, by node id. */
  callVals = new Map<number, Val>();

  clone(): PathState {
    const s = new PathState();
    s.mode = { ...this.mode };
    s.ptrs = new Map(this.ptrs);
    s.vals = new Map(this.vals);
    s.nonzero = new Set(this.nonzero);
    s.facts = new Map(this.facts);
    s.guards = this.guards;
    s.dirty = new Map(this.dirty);
    s.flushed = this.flushed;
    s.conds = this.conds;
    s.callVals = new Map(this.callVals);
    s.section = this.section;
    s.exitAt = this.exitAt;
    return s;
  }

  /** Batching is on: writes are deferred and reads may see stale entries. */
  get batching(): boolean {
    return this.mode.depth > 0 && this.mode.paused === 0;
  }

  flush(): void {
    this.dirty.clear();
    this.flushed = true;
  }

  /** Identity for merging equal states (write chains and conditions left out). */
  key(): string {
    return `${modeKey(this.mode)}/${this.flushed ? 1 : 0};${ptrsKey(this)};${valsKey(this)};${sortedKeys(this.dirty)};${sortedKeys(this.nonzero)}${factsKey(this)}`;
  }
}

// Key parts, sorted by key (sorting the [key, value] pairs themselves would
// stringify every pair on every comparison: the interpreter's hottest spot).
function sortedKeys(m: Map<string, unknown> | Set<string>): string {
  return m.size === 0 ? '' : m.size === 1 ? (m.keys().next().value as string) : [...m.keys()].sort().join(',');
}

function ptrsKey(s: PathState): string {
  if (s.ptrs.size === 0) return '';
  let out = '';
  for (const k of [...s.ptrs.keys()].sort()) out += `${k}=${s.ptrs.get(k)},`;
  return out;
}

/** Facts in the state's identity; results of tests on objects are not (states differing only in them are joined, see dedupe). */
function factsKey(s: PathState): string {
  if (s.facts.size === 0) return '';
  let out = ';';
  for (const k of [...s.facts.keys()].sort()) if (!isTestPath(k)) out += `${k}=${factKey(s.facts.get(k)!)},`;
  return out;
}

function valsKey(s: PathState): string {
  if (s.vals.size === 0) return '';
  let out = '';
  for (const k of [...s.vals.keys()].sort()) out += `${k}=${s.vals.get(k)!.join('|')},`;
  return out;
}

/** Merges states that are equal but for chains; keeps the one with fewer conditions. */
export function dedupe(states: PathState[]): PathState[] {
  const byKey = new Map<string, PathState>();
  for (const s of states) {
    const k = s.key();
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, s);
      continue;
    }
    const kept = s.conds.length < prev.conds.length ? s : prev;
    const other = kept === s ? prev : s;
    // What tests on objects gave on only one of the two paths is not known after.
    const tests = [...kept.facts].filter(([f]) => isTestPath(f)).some(([f, v]) => factKey(v) !== (other.facts.get(f) ? factKey(other.facts.get(f)!) : ''));
    if (tests) {
      const j = kept.clone();
      for (const [f, v] of kept.facts) if (isTestPath(f) && (!other.facts.get(f) || factKey(other.facts.get(f)!) !== factKey(v))) j.facts.delete(f);
      byKey.set(k, j);
    } else byKey.set(k, kept);
  }
  return [...byKey.values()];
}

/**
 * Bounds a state set. Beyond `max` states, states are joined in steps that
 * lose as little as possible: first those that differ only in pending writes
 * (united), then those that also differ in pointer identities (differing ones
 * become unknown), and only last those with different known values. Known
 * values are what keeps infeasible paths out, so they are given up last.
 */
export function bound(states: PathState[], max: number): PathState[] {
  let d = dedupe(states);
  if (d.length <= max) return d;
  const stateMode = (s: PathState) => `${modeKey(s.mode)}/${s.flushed}`;
  const steps: ((s: PathState) => string)[] = [
    (s) => `${stateMode(s)};${valsKey(s)};${sortedKeys(s.nonzero)}${factsKey(s)};${ptrsKey(s)}`,
    (s) => `${stateMode(s)};${valsKey(s)};${sortedKeys(s.nonzero)}${factsKey(s)}`,
    stateMode,
  ];
  for (const groupKey of steps) {
    d = joinGroups(d, groupKey);
    if (d.length <= max) break;
  }
  if (process.env.LAZYMMU_DEBUG) console.error(`bound: joined ${states.length} states into ${d.length}`);
  return d;
}

function joinGroups(states: PathState[], groupKey: (s: PathState) => string): PathState[] {
  const groups = new Map<string, PathState[]>();
  for (const s of states) {
    const k = groupKey(s);
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  const out: PathState[] = [];
  for (const g of groups.values()) {
    const j = g[0].clone();
    for (const s of g.slice(1)) {
      for (const [k, v] of j.ptrs) if (s.ptrs.get(k) !== v) j.ptrs.set(k, `?${k}`);
      for (const k of s.ptrs.keys()) if (!j.ptrs.has(k)) j.ptrs.set(k, `?${k}`);
      for (const [k, v] of j.vals) {
        const o = s.vals.get(k);
        if (!o) j.vals.delete(k);
        else j.vals.set(k, [...new Set([...v, ...o])]);
      }
      for (const [k, w] of s.dirty) if (!j.dirty.has(k)) j.dirty.set(k, w);
      for (const k of [...j.nonzero]) if (!s.nonzero.has(k)) j.nonzero.delete(k);
      j.facts = joinFactMaps(j.facts, s.facts);
      if (s.guards.length < j.guards.length) j.guards = s.guards;
      if (s.conds.length < j.conds.length) j.conds = s.conds;
    }
    out.push(j);
  }
  return out;
}
