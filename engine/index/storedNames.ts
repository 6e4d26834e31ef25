// The index cache's name table as it is stored: every name's characters one
// after the other in one string, and where each ends (issue 15). A kernel
// tree's table is ~811,000 names (function names, calls, conditions, macro
// bodies: ~22 million characters); deserialised one string each, they cost a
// warm rerun ~150 ms to read and, as young objects that live as long as the
// index, their copies in the scavenges (docs/perf/rerun5.md). One string is
// one allocation, never copied by a scavenge. A name's own string is made
// when something asks for it (a file decoded, a save renumbering it). The
// table's names by hash (what encodedDefinitions.ts looks names up in) are
// made when the cache is written and stored with it: a warm run would
// otherwise hash the 22 million characters again (~0.1 s).
//
// A name made here is a slice of the table's string (V8 shares the
// characters of slices of 13 or more): it keeps that string alive, as the
// encodings that use the table do anyway. The index cache keeps a table whose
// characters are all ASCII as bytes instead (a view on the file's buffer, no
// string of 22 million characters made when read: docs/perf/rerun10.md); its
// names are made from them.

/** A table's ids to names: a scan thread's or a decode's array, or a stored table. */
export type Names = readonly string[] | StoredNames;

export class StoredNames {
  /** The strings made so far, by id (the same string for the same id). */
  private readonly made: (string | undefined)[];

  /** `text`: every name in id order (as a string, or as bytes, one per character below 0x80); `ends[id]`: where name id ends in it (it starts where id - 1 ends). */
  constructor(
    readonly text: string | Buffer,
    readonly ends: Int32Array,
    /** Applied to a name when first made (the process-wide intern table, for a table that is not the first: see indexCache.ts). */
    private readonly keep: (name: string) => string = (n) => n,
    /** nameSlots() of these names as stored with them, if they were (checked for size only: the file's form says how it was made). */
    readonly slots?: Int32Array,
  ) {
    this.made = new Array(ends.length);
  }

  /** Packs `names` in the stored form (what the cache writes). */
  static pack(names: readonly string[]): { text: string; ends: Int32Array } {
    const ends = new Int32Array(names.length);
    let at = 0;
    for (let id = 0; id < names.length; id++) ends[id] = at += names[id].length;
    return { text: names.join(''), ends };
  }

  get length(): number {
    return this.ends.length;
  }

  /** Where name `id` starts in `text`. */
  start(id: number): number {
    return id === 0 ? 0 : this.ends[id - 1];
  }

  /** Name `id` as a string (made once). */
  get(id: number): string {
    let s = this.made[id];
    if (s === undefined) {
      const text = this.text;
      this.made[id] = s = this.keep(typeof text === 'string' ? text.slice(this.start(id), this.ends[id]) : text.toString('latin1', this.start(id), this.ends[id]));
    }
    return s;
  }

  /** Whether name `id` is `s`, compared in place. */
  is(id: number, s: string): boolean {
    const from = this.start(id);
    if (this.ends[id] - from !== s.length) return false;
    const text = this.text;
    if (typeof text === 'string') return text.startsWith(s, from);
    for (let k = 0; k < s.length; k++) if (text[from + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  /** The table's characters as bytes when every one is ASCII (what the index cache stores then), else as they are. */
  static asBytes(text: string): string | Buffer {
    return Buffer.byteLength(text, 'utf8') === text.length ? Buffer.from(text, 'latin1') : text;
  }
}

/** A stored list in its packed form (text and ends), or null when it is not one (another build's entry, a damaged one). */
export function packedList(text: unknown, ends: unknown): StoredNames | null {
  if (typeof text !== 'string' || !(ends instanceof Int32Array)) return null;
  let at = 0;
  for (let k = 0; k < ends.length; k++) {
    if (ends[k] < at) return null;
    at = ends[k];
  }
  return at === text.length ? new StoredNames(text, ends) : null;
}

/** Name `id` of a table, whichever its form. */
export function nameOf(names: Names, id: number): string {
  return names instanceof StoredNames ? names.get(id) : (names as readonly string[])[id];
}

/**
 * The names by hash: open addressing, id + 1 per slot (0 = empty), a power
 * of two at least twice the names. The stored form holds it (indexCache.ts):
 * a change to nameHash or to the probing is a change of that form.
 */
export function nameSlots(names: Names): Int32Array {
  let size = 1;
  while (size < 2 * names.length) size <<= 1;
  if (names instanceof StoredNames && names.slots?.length === size) return names.slots;
  const slots = new Int32Array(size);
  const mask = size - 1;
  const hashOfId = names instanceof StoredNames ? (id: number) => nameHash(names.text, names.start(id), names.ends[id]) : (id: number) => nameHash(names[id], 0, names[id].length);
  for (let id = 0; id < names.length; id++) {
    let p = hashOfId(id) & mask;
    while (slots[p] !== 0) p = (p + 1) & mask;
    slots[p] = id + 1;
  }
  return slots;
}

/** FNV-1a over the UTF-16 code units of s[from, to) (a table's bytes: one per character), mixed (its low bits pick a slot). */
export function nameHash(s: string | Buffer, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  if (typeof s === 'string') for (let k = from; k < to; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  else for (let k = from; k < to; k++) h = Math.imul(h ^ s[k], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}
