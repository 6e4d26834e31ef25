// The by-name search's answer (definitionSearch.ts): which files have a line
// that may define each name, for the ~10^4 names a partial index asks about
// out of ~7x10^5 a kernel tree's search finds. Kept as bytes and flat arrays,
// not a string and an array per name: put in straight from grep's output.
/**
 * Name -> the files (absolute paths) with a line that may define it. A tree
 * gives ~10^6 lines and ~7x10^5 names, of which a check asks for ~10^4: kept
 * flat (per name its last entry, entries chained back) rather than as an
 * array per name, and answered as arrays on demand. The names are kept as
 * bytes (one pool, an open-addressing table of their hashes), put in straight
 * from grep's output (addBytes): a string and a Map entry per name was most of
 * the main thread's time after the search (~3 s of CPU on 6.12, loaded).
 * Names are identifiers (ASCII): a name's string and its bytes say the same.
 */
export class DefinitionSites {
  private files: string[] = [];
  /** The names' bytes, one after another. */
  private pool: Uint8Array;
  private poolUsed = 0;
  /** Per name id: its start in the pool, its length, its last entry (-1: none), side by side (one cache line). */
  private meta: Int32Array;
  private names = 0;
  /** Open addressing, two ints a slot: the name's hash and its id + 1 (0: empty); at most half full. */
  private table: Int32Array;
  /** Per entry: its file, and the entry before it of the same name (-1: none). */
  private entries: Int32Array;
  private used = 0;
  /** How many times an array was grown (or the table rehashed) because the expected sizes were short. */
  regrown = 0;

  /**
   * Sized for `expected` names and entries (the search estimates them from grep's output): grown from
   * small arrays, a kernel tree's ~7x10^5 names cost five rehashes of the table and the arrays' copies,
   * ~0.3 s of the main thread's CPU on the cold open's path (docs/perf/open6.md).
   */
  constructor(expected: { names: number; entries: number } = { names: 0, entries: 0 }) {
    const names = Math.max(1 << 16, expected.names);
    this.pool = new Uint8Array(Math.max(1 << 20, names * AVERAGE_NAME));
    this.meta = new Int32Array(3 * names);
    let slots = 1 << 16;
    while (slots < 2 * names) slots *= 2;
    this.table = new Int32Array(2 * slots);
    this.entries = new Int32Array(2 * Math.max(1 << 16, expected.entries));
  }

  /** A file's number for add() (files come one after another). */
  file(f: string): number {
    this.files.push(f);
    return this.files.length - 1;
  }

  add(name: string, file: number): void {
    const h = hashOf(name);
    let id = this.findString(name, h);
    if (id < 0) {
      const bytes = Buffer.from(name, 'latin1');
      id = this.insert(bytes, 0, bytes.length, h);
    }
    this.link(id, file);
  }

  /** add() for the name in `buf` from `a` to `b` (exclusive): no string made. */
  addBytes(buf: Uint8Array, a: number, b: number, file: number): void {
    let h = FNV_OFFSET;
    for (let i = a; i < b; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    const len = b - a;
    let id = -1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const t = table[2 * slot + 1];
      if (t === 0) break;
      if (table[2 * slot] !== h) continue;
      const c = t - 1;
      if (this.meta[3 * c + 1] !== len) continue;
      const s = this.meta[3 * c];
      let i = 0;
      while (i < len && this.pool[s + i] === buf[a + i]) i++;
      if (i === len) {
        id = c;
        break;
      }
    }
    if (id < 0) id = this.insert(buf, a, b, h);
    this.link(id, file);
  }

  get(name: string): string[] | undefined {
    const id = this.findString(name, hashOf(name));
    if (id < 0) return undefined;
    const out: string[] = [];
    for (let e = this.meta[3 * id + 2]; e >= 0; e = this.entries[2 * e + 1]) out.push(this.files[this.entries[2 * e]]);
    return out.reverse();
  }

  get size(): number {
    return this.names;
  }

  *[Symbol.iterator](): IterableIterator<[string, string[]]> {
    for (let id = 0; id < this.names; id++) {
      const name = Buffer.from(this.pool.buffer, this.pool.byteOffset + this.meta[3 * id], this.meta[3 * id + 1]).toString('latin1');
      yield [name, this.get(name)!];
    }
  }

  /** The name's id, or -1. */
  private findString(name: string, h: number): number {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const t = table[2 * slot + 1];
      if (t === 0) return -1;
      const c = t - 1;
      if (table[2 * slot] !== h || this.meta[3 * c + 1] !== name.length) continue;
      const s = this.meta[3 * c];
      let i = 0;
      while (i < name.length && this.pool[s + i] === name.charCodeAt(i)) i++;
      if (i === name.length) return c;
    }
  }

  /** A new name (not in the table): its bytes pooled, its id placed. */
  private insert(buf: Uint8Array, a: number, b: number, h: number): number {
    const len = b - a;
    if (this.poolUsed + len > this.pool.length) {
      this.regrown++;
      this.pool = grown(this.pool, this.poolUsed + len);
    }
    for (let i = 0; i < len; i++) this.pool[this.poolUsed + i] = buf[a + i];
    const id = this.names++;
    if (3 * this.names > this.meta.length) {
      this.regrown++;
      this.meta = grown(this.meta, 3 * this.names);
    }
    this.meta[3 * id] = this.poolUsed;
    this.meta[3 * id + 1] = len;
    this.meta[3 * id + 2] = -1;
    this.poolUsed += len;
    if (this.names * 4 > this.table.length) {
      // Twice the slots, every name placed again from its slot's hash.
      this.regrown++;
      const old = this.table;
      this.table = new Int32Array(old.length * 2);
      for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.place(old[s], old[s + 1]);
    }
    this.place(h, id + 1);
    return id;
  }

  private place(h: number, idPlusOne: number): void {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    let slot = h & mask;
    while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    table[2 * slot] = h;
    table[2 * slot + 1] = idPlusOne;
  }

  private link(id: number, file: number): void {
    const l = this.meta[3 * id + 2];
    if (l >= 0 && this.entries[2 * l] === file) return;
    if (2 * this.used + 2 > this.entries.length) {
      this.regrown++;
      this.entries = grown(this.entries, 2 * this.used + 2);
    }
    this.entries[2 * this.used] = file;
    this.entries[2 * this.used + 1] = l;
    this.meta[3 * id + 2] = this.used++;
  }
}

/** `a` copied into an array at least twice as long and at least `need`. */
function grown<T extends Uint8Array | Int32Array>(a: T, need: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, need));
  b.set(a);
  return b;
}

function hashOf(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ (name.charCodeAt(i) & 0xff), FNV_PRIME);
  return h;
}

/** Bytes a name takes in the pool, on average, with room (identifiers of a kernel tree: ~18). */
const AVERAGE_NAME = 24;

/** FNV-1a, 32 bits (Math.imul keeps it in int32). */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
