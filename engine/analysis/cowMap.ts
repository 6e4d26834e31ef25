// Copy-on-write maps and sets for PathState (pathState.ts). The interpreter
// clones a path's state at nearly every statement and then changes one or two
// of its nine maps, if any: copying all of them on every clone was a quarter
// of an edit's CPU inside a heavy opener (copy_pte_range) plus much of the
// garbage. A clone here shares the storage and copies it on its first write;
// the iteration order is the plain Map's (insertion order), so everything that
// reads a state sees exactly what it saw with plain maps.
//
// Each also keeps the part of the state's identity string (PathState.key)
// made from it, and its hash (stateIdentity.ts), until it is written: a clone
// that changes one map recomputes only that map's part. Values are never
// changed in place (the interpreter replaces them), so a part stays true until
// a set/delete/clear.

/** The storage every empty map or set starts with: shared, so never written (the first write copies). */
const EMPTY_MAP = new Map<unknown, unknown>();
const EMPTY_SET = new Set<unknown>();

export class CowMap<K, V> implements ReadonlyMap<K, V> {
  private m: Map<K, V>;
  /** `m` may be another CowMap's too: copied before the first write. */
  private shared: boolean;
  /** The identity part a PathState key function made of this map (see keyPart), until the next write. */
  part: string | undefined = undefined;
  /** The hash stateIdentity.ts made of this map's entries, until the next write. */
  hashed: number | undefined = undefined;

  /** An empty map, or one that takes `owned` over (the caller does not use it after). */
  constructor(owned?: Map<K, V>) {
    this.m = owned ?? (EMPTY_MAP as Map<K, V>);
    this.shared = !owned;
  }

  /** A map with the same entries, sharing this one's storage until either is written. */
  copy(): CowMap<K, V> {
    const c = new CowMap<K, V>();
    c.m = this.m;
    this.shared = true;
    c.part = this.part;
    c.hashed = this.hashed;
    return c;
  }

  /** Whether both hold the same storage (so the same entries). */
  sharesWith(o: CowMap<K, V>): boolean {
    return this.m === o.m;
  }

  private own(): Map<K, V> {
    if (this.shared) {
      // Copied entry by entry: for the few entries a state's map holds, 1.5-2.5x faster than
      // `new Map(m)` (the constructor goes through the iterator protocol), and a clone's first
      // write is among the interpreter's hottest lines (docs/perf/alloc21.md).
      const m = new Map<K, V>();
      for (const [k, v] of this.m) m.set(k, v);
      this.m = m;
      this.shared = false;
    }
    this.part = undefined;
    this.hashed = undefined;
    return this.m;
  }

  get size(): number {
    return this.m.size;
  }
  get(k: K): V | undefined {
    return this.m.get(k);
  }
  has(k: K): boolean {
    return this.m.has(k);
  }
  set(k: K, v: V): this {
    // The same value under an existing key changes nothing (Map.set keeps the key's place).
    if (this.m.get(k) !== v || !this.m.has(k)) this.own().set(k, v);
    return this;
  }
  delete(k: K): boolean {
    if (!this.m.has(k)) return false;
    return this.own().delete(k);
  }
  clear(): void {
    if (this.m.size === 0) return;
    this.m = EMPTY_MAP as Map<K, V>;
    this.shared = true;
    this.part = undefined;
    this.hashed = undefined;
  }
  keys(): MapIterator<K> {
    return this.m.keys();
  }
  values(): MapIterator<V> {
    return this.m.values();
  }
  entries(): MapIterator<[K, V]> {
    return this.m.entries();
  }
  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.m[Symbol.iterator]();
  }
  forEach(f: (v: V, k: K, map: ReadonlyMap<K, V>) => void): void {
    this.m.forEach((v, k) => f(v, k, this));
  }
}

export class CowSet<T> implements ReadonlySet<T> {
  private s: Set<T>;
  private shared: boolean;
  /** As CowMap.part and CowMap.hashed. */
  part: string | undefined = undefined;
  hashed: number | undefined = undefined;

  constructor() {
    this.s = EMPTY_SET as Set<T>;
    this.shared = true;
  }

  copy(): CowSet<T> {
    const c = new CowSet<T>();
    c.s = this.s;
    this.shared = true;
    c.part = this.part;
    c.hashed = this.hashed;
    return c;
  }

  /** Whether both hold the same storage (so the same members). */
  sharesWith(o: CowSet<T>): boolean {
    return this.s === o.s;
  }

  private own(): Set<T> {
    if (this.shared) {
      // Member by member, as CowMap.own copies.
      const c = new Set<T>();
      for (const x of this.s) c.add(x);
      this.s = c;
      this.shared = false;
    }
    this.part = undefined;
    this.hashed = undefined;
    return this.s;
  }

  get size(): number {
    return this.s.size;
  }
  has(x: T): boolean {
    return this.s.has(x);
  }
  add(x: T): this {
    if (!this.s.has(x)) this.own().add(x);
    return this;
  }
  delete(x: T): boolean {
    if (!this.s.has(x)) return false;
    return this.own().delete(x);
  }
  clear(): void {
    if (this.s.size === 0) return;
    this.s = EMPTY_SET as Set<T>;
    this.shared = true;
    this.part = undefined;
    this.hashed = undefined;
  }
  keys(): SetIterator<T> {
    return this.s.keys();
  }
  values(): SetIterator<T> {
    return this.s.values();
  }
  entries(): SetIterator<[T, T]> {
    return this.s.entries();
  }
  [Symbol.iterator](): SetIterator<T> {
    return this.s[Symbol.iterator]();
  }
  forEach(f: (v: T, k: T, set: ReadonlySet<T>) => void): void {
    this.s.forEach((v) => f(v, v, this));
  }
}

/** The hash `make` gives `m`'s entries, made once per content of `m` (each map has one maker: see stateIdentity.ts). */
export function hashPart<M extends CowMap<string, unknown> | CowSet<string>>(m: M, make: (m: M) => number): number {
  return (m.hashed ??= make(m));
}

/** The identity part `make` gives `m`, made once per content of `m` (each map has one maker: see PathState). */
export function keyPart<M extends CowMap<string, unknown> | CowSet<string>>(m: M, make: (m: M) => string): string {
  return (m.part ??= make(m));
}
