// Names as small integers: the table a scan worker (and the index cache)
// numbers every name, condition and macro body with, and the process-wide
// intern table of the strings the index keeps.
//
// The scanner looks names up by their bytes (idOfBytes): a name seen before
// costs a hash of its bytes and a byte compare, no string. Only a name new to
// the table becomes a string, once. Before, every call of every body was cut
// out of the file's text as a string and looked up twice (intern, then the
// worker's table): ~40% of a worker's CPU on a kernel tree.

/**
 * Names are interned as fresh strings: a slice of a bigger string would keep
 * that string (a file's text, a function body) alive as long as the index.
 */
const interned = new Map<string, string>();
export function intern(name: string): string {
  let s = interned.get(name);
  if (s === undefined) {
    s = Buffer.from(name, 'latin1').toString('latin1');
    interned.set(s, s);
  }
  return s;
}

/** Interns a string that is already a fresh copy (e.g. deserialized): no copy needed. */
export function internFresh(name: string): string {
  const s = interned.get(name);
  if (s !== undefined) return s;
  interned.set(name, name);
  return name;
}

/** Strings up to this length are keyed by their bytes (names, most conditions); longer ones (macro bodies) by a Map. */
const BYTE_KEYED_MAX = 128;

export class NameTable {
  readonly names: string[] = [];
  /** Strings the byte table does not key (longer than BYTE_KEYED_MAX, or not Latin-1). */
  private ids = new Map<string, number>();
  // Byte-keyed lookup, laid out for few cache misses (a kernel tree has ~10^6 names): open addressing over
  // `slots`, two Int32 per slot (id + 1, 0 = empty; the bytes' hash); a name's bytes at arena[at[2 id], + at[2 id + 1]).
  private slots: Int32Array = new Int32Array(2 << 12);
  private at: Int32Array = new Int32Array(512);
  private arena: Uint8Array = new Uint8Array(1 << 14);
  private arenaUsed = 0;
  private byteKeyed = 0;

  /** The id of `s`, numbered when first seen. */
  id(s: string): number {
    if (s.length <= BYTE_KEYED_MAX) {
      const h = latin1Hash(s);
      if (h !== null) {
        const found = this.findString(s, h);
        if (found >= 0) return found;
        const i = this.add(s);
        this.putBytes(i, s, h);
        return i;
      }
    }
    let i = this.ids.get(s);
    if (i === undefined) this.ids.set(s, (i = this.add(s)));
    return i;
  }

  /** The id of the Latin-1 text buf[s, e) (what `id(latin1 text)` gives), numbered when first seen. */
  idOfBytes(buf: Buffer, s: number, e: number): number {
    let h = NAME_HASH_SEED;
    for (let k = e - 1; k >= s; k--) h = Math.imul(h ^ buf[k], NAME_HASH_PRIME);
    return this.idOfHashedBytes(buf, s, e, h);
  }

  /**
   * idOfBytes with the bytes' hash already made by the caller: FNV-1a from
   * the last byte to the first (NAME_HASH_SEED, NAME_HASH_PRIME), the order
   * in which the scanner walks back from a call's `(` over the name.
   */
  idOfHashedBytes(buf: Buffer, s: number, e: number, h: number): number {
    const n = e - s;
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let p = slotOf(h) & mask; ; p = (p + 1) & mask) {
      const v = slots[2 * p];
      if (v === 0) break;
      if (slots[2 * p + 1] !== h) continue;
      const id = v - 1;
      if (this.at[2 * id + 1] !== n) continue;
      const a = this.arena;
      let k = 0;
      for (let o = this.at[2 * id]; k < n && a[o + k] === buf[s + k]; k++);
      if (k === n) return id;
    }
    const str = buf.toString('latin1', s, e);
    if (n > BYTE_KEYED_MAX) {
      // Long strings are keyed by the map (id() may have met this one).
      let i = this.ids.get(str);
      if (i === undefined) this.ids.set(str, (i = this.add(str)));
      this.putBytes(i, str, h);
      return i;
    }
    const id = this.add(str);
    this.putBytes(id, str, h);
    return id;
  }

  /** The id of the short Latin-1 string s (hash h) in the byte table, or -1. */
  private findString(s: string, h: number): number {
    const n = s.length;
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let p = slotOf(h) & mask; ; p = (p + 1) & mask) {
      const v = slots[2 * p];
      if (v === 0) return -1;
      if (slots[2 * p + 1] !== h) continue;
      const id = v - 1;
      if (this.at[2 * id + 1] !== n) continue;
      const a = this.arena;
      let k = 0;
      for (let o = this.at[2 * id]; k < n && a[o + k] === s.charCodeAt(k); k++);
      if (k === n) return id;
    }
  }

  private add(s: string): number {
    this.names.push(s);
    return this.names.length - 1;
  }

  /** Puts names[id] (= s) in the byte table under hash h. */
  private putBytes(id: number, s: string, h: number): void {
    if (2 * id + 2 > this.at.length) {
      const b = new Int32Array(Math.max(2 * id + 2, this.at.length * 2));
      b.set(this.at);
      this.at = b;
    }
    if (this.arenaUsed + s.length > this.arena.length) {
      const b = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + s.length));
      b.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = b;
    }
    const o = this.arenaUsed;
    for (let k = 0; k < s.length; k++) this.arena[o + k] = s.charCodeAt(k);
    this.arenaUsed += s.length;
    this.at[2 * id] = o;
    this.at[2 * id + 1] = s.length;
    // At most half full.
    if (++this.byteKeyed * 4 > this.slots.length) this.rehash();
    this.place(id + 1, h);
  }

  private place(v: number, h: number): void {
    const mask = (this.slots.length >> 1) - 1;
    let p = slotOf(h) & mask;
    while (this.slots[2 * p] !== 0) p = (p + 1) & mask;
    this.slots[2 * p] = v;
    this.slots[2 * p + 1] = h;
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let p = 0; p < old.length; p += 2) if (old[p] !== 0) this.place(old[p], old[p + 1]);
  }
}

/** FNV's low bits depend only on the inputs' low bits: mixed before they pick a slot. */
function slotOf(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b);
  return h ^ (h >>> 16);
}

export const NAME_HASH_SEED = 0x811c9dc5 | 0;
export const NAME_HASH_PRIME = 0x01000193;

/** idOfBytes' hash of the Latin-1 bytes of s; null when s is not Latin-1 (no bytes stand for it). */
function latin1Hash(s: string): number | null {
  let h = NAME_HASH_SEED;
  for (let k = s.length - 1; k >= 0; k--) {
    const c = s.charCodeAt(k);
    if (c > 255) return null;
    h = Math.imul(h ^ c, NAME_HASH_PRIME);
  }
  return h;
}

function grow(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
