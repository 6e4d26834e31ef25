// locals.json (keptLocals.ts: the local rules' verdicts per file) as read and
// written: a base and a delta (storeDelta.ts), the base's common entries
// packed. Of a kernel tree's ~47,000 files, all but a few dozen have no local
// finding and read nothing besides their own text: their entry is the
// file's content hash alone. Those are kept under the key "" (no file is
// named so) as two strings, the files joined by newlines and their hashes
// side by side, so a rerun parses two strings, not an object per file
// (JSON.parse of the whole 5 MB and a Map of 47,000 entries was ~0.35 s of
// CPU of a 6.12 rerun after an edit, loaded: docs/perf/rerun13.md). The other
// entries, the delta's and this process's are kept as they are. A check asks
// the files in the order they were written (the index's), so a file's row is
// found by comparing with the next row's name in place; a file asked out of
// that order makes a name -> row map once.
import { DeltaEntries, readWithDelta, writeWithDelta } from './storeDelta';
import type { LocalsEntry } from './keptLocals';

/** The key of the packed entries (no file has an empty name). */
const PACKED = '';
/** A content hash's length (index/scanWorker.ts contentHash: SHA-1 in base64); an entry with another is kept unpacked. */
const HASH_LEN = 28;

/** The packed entries as stored: files joined by '\n' (each followed by one), their hashes concatenated in the same order. */
interface PackedEntries {
  files: string;
  hashes: string;
}

/** Whether an entry is the file's content hash alone (packable); a malformed one (an older file's) is kept as it is. */
function plain(file: string, e: LocalsEntry): boolean {
  if (!e || typeof e !== 'object' || typeof e.hash !== 'string' || !Array.isArray(e.findings)) return false;
  return (
    e.findings.length === 0 && e.leftOut === undefined && e.names === undefined && e.fns === undefined && e.digest === undefined && e.hash.length === HASH_LEN && !file.includes('\n') && file !== PACKED
  );
}

function isPacked(p: unknown): p is PackedEntries {
  if (!p || typeof p !== 'object') return false;
  const { files, hashes } = p as PackedEntries;
  return typeof files === 'string' && typeof hashes === 'string' && (files === '' || files.endsWith('\n')) && hashes.length === HASH_LEN * rowsIn(files);
}

function rowsIn(files: string): number {
  let n = 0;
  for (let at = files.indexOf('\n'); at >= 0; at = files.indexOf('\n', at + 1)) n++;
  return n;
}

/** The local verdicts of a store (locals.json and its delta), with what the next save writes. */
export class LocalsTable {
  private files = '';
  private hashes = '';
  private rows = 0;
  /** The entries not packed: the base's others, the delta's, this process's. */
  private readonly others: Map<string, LocalsEntry>;
  /** Packed rows removed or replaced since (by the delta or this process): `others` holds them, or not. */
  private readonly unpacked = new Set<string>();
  /** The next row a lookup in order compares with, and where its name starts. */
  private next = 0;
  private nextAt = 0;
  /** Out of order: each row by name, and where each row's name starts (made once). */
  private byName: Map<string, number> | null = null;
  private starts: Int32Array | null = null;
  /** The base's stamp and the keys changed since it was written (storeDelta.ts). */
  private readonly delta: DeltaEntries<LocalsEntry>;

  constructor(
    private readonly file: string,
    private readonly world: string,
    log: (msg: string) => void,
  ) {
    this.delta = readWithDelta<LocalsEntry>(file, world, log);
    const entries = this.delta.entries;
    const packed = entries.get(PACKED);
    entries.delete(PACKED);
    if (isPacked(packed)) {
      this.files = packed.files;
      this.hashes = packed.hashes;
      this.rows = packed.hashes.length / HASH_LEN;
    }
    this.others = entries;
    // The delta's keys (set or removed) replace the packed rows of the same files.
    for (const k of this.delta.changed) this.unpacked.add(k);
  }

  /** The entry of `file` (a packed one made on the way: its hash and no finding), or undefined. */
  get(file: string): LocalsEntry | undefined {
    const e = this.others.get(file);
    if (e !== undefined || this.unpacked.has(file)) return e;
    const r = this.rowOf(file);
    return r < 0 ? undefined : { hash: this.hashes.slice(r * HASH_LEN, (r + 1) * HASH_LEN), findings: [] };
  }

  /** Whether `file` has an entry (none made). */
  has(file: string): boolean {
    return this.others.has(file) || (!this.unpacked.has(file) && this.rowOf(file) >= 0);
  }

  /** The names an entry's key read (undefined for a packed one: none). */
  namesOf(file: string): string[] | undefined {
    return this.others.get(file)?.names;
  }

  set(file: string, e: LocalsEntry): void {
    this.others.set(file, e);
    this.unpacked.add(file);
    this.delta.changed.add(file);
  }

  /** How many entries (the save's rule for a delta counts them). */
  get size(): number {
    return this.rows + this.others.size;
  }

  /** Writes the changed entries as a delta of the base while they are few, else the whole base, packed (storeDelta.ts). */
  save(): void {
    const d = { entries: this as LocalsTable, stamp: this.delta.stamp, changed: this.delta.changed };
    writeWithDelta(this.file, this.world, d, 'json', () => this.wholeForm());
    this.delta.stamp = d.stamp;
  }

  /** The whole base as written: the packable entries packed under "" (the rows' order kept, new files after), then the others. */
  private *wholeForm(): Iterable<[string, unknown]> {
    const files: string[] = [];
    const hashes: string[] = [];
    const rest: [string, LocalsEntry][] = [];
    for (const [f, e] of this.all())
      if (plain(f, e)) {
        files.push(f);
        hashes.push(e.hash);
      } else rest.push([f, e]);
    const packed: PackedEntries = { files: files.map((f) => `${f}\n`).join(''), hashes: hashes.join('') };
    yield [PACKED, packed];
    yield* rest;
  }

  /** Every entry: the packed rows not replaced (in their order), then the others. */
  private *all(): Iterable<[string, LocalsEntry]> {
    for (let r = 0, at = 0; r < this.rows; r++) {
      const end = this.files.indexOf('\n', at);
      const f = this.files.slice(at, end);
      at = end + 1;
      if (!this.unpacked.has(f)) yield [f, { hash: this.hashes.slice(r * HASH_LEN, (r + 1) * HASH_LEN), findings: [] }];
    }
    yield* this.others;
  }

  /** The packed row of `file`, or -1. */
  private rowOf(file: string): number {
    const files = this.files;
    if (this.next < this.rows && files.startsWith(file, this.nextAt) && files.charCodeAt(this.nextAt + file.length) === 10) {
      this.nextAt += file.length + 1;
      return this.next++;
    }
    if (!this.byName) {
      this.byName = new Map();
      this.starts = new Int32Array(this.rows + 1);
      for (let r = 0, at = 0; r < this.rows; r++) {
        const end = files.indexOf('\n', at);
        this.starts[r] = at;
        this.byName.set(files.slice(at, end), r);
        at = end + 1;
      }
      this.starts[this.rows] = files.length;
    }
    const r = this.byName.get(file);
    if (r === undefined) return -1;
    // In order again from the row after it.
    this.next = r + 1;
    this.nextAt = this.starts![r + 1];
    return r;
  }
}
