// Which path states are the same state: the identity the interpreter merges
// states by (a statement's dedupe) and a loop or label remembers states by
// (StateSet), as a hash and an exact comparison instead of a key string.
//
// The identity is PathState.key()'s, part for part: the mode and whether a
// flush happened, pointer identities and index versions, known values,
// pending entries with their written kinds, non-zero names, written-value
// kinds, facts but the results of tests on objects; a local run's states
// (listeners' slots) are told apart by values, non-zero names, kinds, facts
// and the slots only. Making that key (~264 characters, a new string whenever
// a map changed, hashed again by each Map it went into) was ~30% of a heavy
// opener's run (docs/perf/interp3.md); here each map's part is a number (made
// once per content of the map, cached on it: cowMap.ts), and states whose
// hashes are equal are compared entry by entry, so a collision never merges
// two different states. Nothing is interned: no table grows with the server.
import type { CowMap, CowSet } from './cowMap';
import { hashPart } from './cowMap';
import type { PathState, PendingWrite } from './pathState';
import { type Fact, factKey, isTestPath } from './values';

// FNV-1a over a string's UTF-16 units: no table to keep, the same number in every run.
function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** A listener's slot's key() and its hash: the slots' part of a local run's state identity (PathSlot.hash). */
export interface HashedKey {
  readonly key: string;
  readonly hash: number;
}

/**
 * `key` hashed, or `last` when it was made of the same key: a slot keeps its
 * last HashedKey (its clones copy it) as it keeps its key until a write.
 * Hashing the slots' joined key at every dedupe was ~14% of a local run
 * (do_swap_page), most of it flattening the joined string (view26.md).
 */
export function hashedKey(key: string, last: HashedKey | undefined): HashedKey {
  return last !== undefined && last.key === key ? last : { key, hash: strHash(key) };
}

/** One entry's hash, from its key's and its value's (a map's is the sum over its entries: no order). */
function entry(k: number, v: number): number {
  const h = Math.imul(k ^ Math.imul(v, 0x9e3779b1), 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** Order matters: part i of a state. */
function combine(h: number, part: number): number {
  return Math.imul(h ^ part, 0x01000193) + 0x7f4a7c15;
}

// The makers below are module functions handed to hashPart, not closures made at each call:
// stateHash runs for every state a statement's dedupe meets (a closure each was ~11% of the
// bytes an opener's run allocates inside copy_pte_range).
function makeStrMapHash(m: CowMap<string, string | number>): number {
  let h = 0;
  for (const [k, v] of m) h = (h + entry(strHash(k), typeof v === 'number' ? v | 0 : strHash(v))) | 0;
  return h;
}

function strMapHash(m: CowMap<string, string | number>): number {
  return hashPart(m, makeStrMapHash);
}

function makeSetHash(m: CowSet<string>): number {
  let h = 0;
  for (const k of m) h = (h + strHash(k)) | 0;
  return h;
}

function setHash(m: CowSet<string>): number {
  return hashPart(m, makeSetHash);
}

function makeValsHash(m: CowMap<string, number[]>): number {
  let h = 0;
  for (const [k, v] of m) {
    let vh = v.length;
    for (const x of v) vh = combine(vh, x | 0);
    h = (h + entry(strHash(k), vh)) | 0;
  }
  return h;
}

function valsHash(m: CowMap<string, number[]>): number {
  return hashPart(m, makeValsHash);
}

function makeDirtyHash(m: CowMap<string, PendingWrite>): number {
  let h = 0;
  for (const [k, w] of m) h = (h + entry(strHash(k), w.value === undefined ? -1 : w.value)) | 0;
  return h;
}

function dirtyHash(s: PathState): number {
  return hashPart(s.dirty, makeDirtyHash);
}

function makeFactsHash(m: CowMap<string, Fact>): number {
  if (m.size === 0) return 0x2545f491;
  let h = 0;
  for (const [k, f] of m) if (!isTestPath(k)) h = (h + entry(strHash(k), strHash(factKey(f)))) | 0;
  return h;
}

function factsHash(s: PathState): number {
  return hashPart(s.facts, makeFactsHash);
}

/** The listeners' states, in the state's identity (states that differ there are not merged), as one string. */
export function slotsKey(s: PathState): string {
  return s.slots ? `;${s.slots.map((x) => x.key()).join('|')}` : '';
}

/** The hash of the slots' keys (slotsKey's parts, each hashed by its slot). */
function slotsHash(s: PathState): number {
  let h = 0x3c6ef372;
  if (s.slots) for (const x of s.slots) h = combine(h, x.hash());
  return h;
}

/** Whether two states' slots have the same keys (slotsKey equal). */
function sameSlots(a: PathState, b: PathState): boolean {
  const x = a.slots;
  const y = b.slots;
  if (!x || !y) return !x === !y;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i].key() !== y[i].key()) return false;
  return true;
}

// Parts of a state a comparison looks at: its identity, or what bound() groups states by when it joins them.
/** The mode (depth, paused, atomic) and whether a flush happened. */
export const MODE = 1;
/** Pointer identities and index versions. */
export const POINTERS = 2;
/** Pending entries with their written kinds. */
export const PENDING = 4;
/** What decides branches: known values, non-zero names, written-value kinds, facts (but results of tests). */
export const KNOWN = 8;
/** The listeners' slots (slotsKey). */
export const SLOTS = 16;

/** A state's identity: a local run's (listeners' slots) leaves out what its listeners do not need (see PathState.key). */
export function identityParts(s: PathState): number {
  return s.slots ? KNOWN | SLOTS : MODE | POINTERS | PENDING | KNOWN;
}

/** The hash of `parts` of a state. Equal parts, equal hashes. */
export function stateHash(s: PathState, parts: number): number {
  let h = parts;
  if (parts & KNOWN) h = combine(combine(combine(combine(h, valsHash(s.vals)), setHash(s.nonzero)), strMapHash(s.entryVals)), factsHash(s));
  if (parts & MODE) {
    const m = s.mode;
    h = combine(combine(combine(combine(h, m.depth), m.paused), m.atomic ?? 0), s.flushed ? 1 : 0);
  }
  if (parts & POINTERS) h = combine(combine(h, strMapHash(s.ptrs)), strMapHash(s.idx));
  if (parts & PENDING) h = combine(h, dirtyHash(s));
  if (parts & SLOTS) h = combine(h, slotsHash(s));
  return h;
}

/** Whether `parts` of two states are the same. */
export function sameState(a: PathState, b: PathState, parts: number): boolean {
  if (parts & SLOTS && !sameSlots(a, b)) return false;
  if (parts & MODE) {
    const m = a.mode;
    const o = b.mode;
    if (m.depth !== o.depth || m.paused !== o.paused || (m.atomic ?? 0) !== (o.atomic ?? 0) || a.flushed !== b.flushed) return false;
  }
  if (parts & POINTERS && !(sameStrMaps(a.ptrs, b.ptrs) && sameStrMaps(a.idx, b.idx))) return false;
  if (parts & PENDING && !sameDirty(a.dirty, b.dirty)) return false;
  return !(parts & KNOWN) || (sameVals(a.vals, b.vals) && sameSets(a.nonzero, b.nonzero) && sameStrMaps(a.entryVals, b.entryVals) && sameFacts(a.facts, b.facts));
}

/**
 * States grouped by `parts` (each state's identity when undefined), in the
 * order each group's first state came; with each group's first state. A
 * group is a state's own identity or what bound() joins by.
 */
export class StateGroups<T> {
  private readonly byHash = new Map<number, number[]>();
  readonly firsts: PathState[] = [];
  readonly values: T[] = [];

  constructor(private readonly parts?: number) {}

  /** The place of `s`'s group, or -1. */
  find(s: PathState): number {
    const parts = this.parts ?? identityParts(s);
    const places = this.byHash.get(stateHash(s, parts));
    if (places) for (const i of places) if (sameState(this.firsts[i], s, parts)) return i;
    return -1;
  }

  /** A copy holding the same groups (their first states shared: a group never writes them). */
  copy(): StateGroups<T> {
    const c = new StateGroups<T>(this.parts);
    for (const [h, places] of this.byHash) c.byHash.set(h, [...places]);
    c.firsts.push(...this.firsts);
    c.values.push(...this.values);
    return c;
  }

  /** A new group, first `s` (not in any group yet), holding `v`: its place. */
  add(s: PathState, v: T): number {
    const h = stateHash(s, this.parts ?? identityParts(s));
    const places = this.byHash.get(h);
    const at = this.firsts.length;
    if (places) places.push(at);
    else this.byHash.set(h, [at]);
    this.firsts.push(s);
    this.values.push(v);
    return at;
  }
}

/**
 * States remembered by identity (a loop's states seen at its head, a label's):
 * each kept as a copy, so a state changed after it was added is still
 * remembered as it was (as its key string was).
 */
export class StateSet {
  private groups = new StateGroups<null>();

  /** A copy to add to apart (a local run's trace keeps a label's seen states as they were: walk/localResume.ts). */
  copy(): StateSet {
    const c = new StateSet();
    c.groups = this.groups.copy();
    return c;
  }

  /** The states remembered, in the order they were added. */
  states(): readonly PathState[] {
    return this.groups.firsts;
  }

  has(s: PathState): boolean {
    return this.groups.find(s) >= 0;
  }

  add(s: PathState): void {
    if (this.groups.find(s) < 0) this.groups.add(s.clone(), null);
  }
}

function sameStrMaps(a: CowMap<string, string | number>, b: CowMap<string, string | number>): boolean {
  if (a.sharesWith(b)) return true;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const o = b.get(k);
    if (o !== v || (o === undefined && !b.has(k))) return false;
  }
  return true;
}

function sameSets(a: CowSet<string>, b: CowSet<string>): boolean {
  if (a.sharesWith(b)) return true;
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}

/** Values as the key rendered them (`join('|')`): the same numbers in the same order. */
function sameValues(a: number[], b: number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && String(a[i]) !== String(b[i])) return false;
  return true;
}

function sameVals(a: CowMap<string, number[]>, b: CowMap<string, number[]>): boolean {
  if (a.sharesWith(b)) return true;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const o = b.get(k);
    if (!o || !sameValues(v, o)) return false;
  }
  return true;
}

function sameDirty(a: PathState['dirty'], b: PathState['dirty']): boolean {
  if (a.sharesWith(b)) return true;
  if (a.size !== b.size) return false;
  for (const [k, w] of a) {
    const o = b.get(k);
    if (!o || o.value !== w.value) return false;
  }
  return true;
}

/**
 * Facts but the results of tests on objects (which the identity leaves out:
 * see dedupe); as in the key, no facts at all is not the same as only results
 * of tests.
 */
function sameFacts(a: PathState['facts'], b: PathState['facts']): boolean {
  if (a.sharesWith(b)) return true;
  if ((a.size === 0) !== (b.size === 0)) return false;
  let n = 0;
  for (const [k, f] of a) {
    if (isTestPath(k)) continue;
    n++;
    const o = b.get(k);
    if (!o || (o !== f && factKey(o) !== factKey(f))) return false;
  }
  for (const k of b.keys()) if (!isTestPath(k)) n--;
  return n === 0;
}
