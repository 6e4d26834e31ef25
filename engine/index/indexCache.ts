// The on-disk cache of the cheap scan, outside the repository:
// ${LAZYMMU_CACHE:-~/.cache/lazymmu}/index/<hash of the root>/scan-<key>.bin,
// and beside it scan-<key>.bin.delta: the files changed since that base was
// written (a rerun after an edit writes only those, see save()).
// An entry is reused without reading the file when (path, size, mtime) match;
// when they do not, the file is read and its content hash decides (a touched
// but unchanged file is not rescanned). The key covers the scanner's version
// and whatever changes a scan's result (the entry-pointer pattern).
// A file holds a head (the files, their stats and content hashes: what a
// rerun compares with the tree) and a body (the name table and the scans'
// words: ~60 of a kernel tree's 65 MB), each in the aligned serial form; the
// body is read only when the build asks for it, so a rerun that finds nothing
// changed reads ~5 MB (docs/perf/rerun10.md).
// Long because the stored form is one concept read and written here: the
// base and its delta, the rows' stat probe, the early encoding of a cold
// run's save (the name table's own form is storedNames.ts).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deserializeAligned, isAligned, serializeAligned } from '../alignedSerial';
import { BodyParts, FILE_MAGIC, FileParts, PREAMBLE, writeCacheFile } from './cacheFile';
import { settleCacheWrites, writeOffThread } from './cacheWriter';
import { noteOwner } from '../cacheSweep';
import { FileScan } from './fileScan';
import { intern } from './nameTable';
import { EncodedScan, Ints, NameTable, Recoder, encodeScan } from './scanCodec';
import { ListedStats, StoredRows } from './cachedRows';
import { StoredNames } from './storedNames';

/** Bump when fileScan's output changes for the same input. */
const SCAN_VERSION = 3;
/**
 * Bump when the stored form changes: a file of another form is not read (and
 * is rewritten by the build). 3 held the names as an array of strings (and
 * was SCAN_VERSION's value); 4 holds them as one string and their hash
 * table (storedNames.ts: a change to its hash changes the form); 5 is
 * 4 in the aligned serial form (../alignedSerial.ts: the arrays read as
 * views on the file's buffer, not copied); 6 is 5 split in a head and a
 * body (FILE_MAGIC) so that the body can be left unread; 7 is 6 with the
 * names' characters as bytes when they are all ASCII (read as a view).
 */
const FORMAT_VERSION = 7;

/** Bodies of at least this many words are written on another thread (cacheWriter.ts); smaller ones take less than its start. */
const OFF_THREAD_WORDS = 1 << 21;

/**
 * The first name table a process reads makes its names as they are: each is
 * distinct, so interning them would only share them with names scanned
 * later (an edited file's: a few) for the intern table's memory. Later
 * tables' (a delta, a seed's cache, a rebuild) are interned as copies, so
 * strings shared across tables stay one copy but for the first, and the
 * intern table holds no slice of an old table's string.
 */
let tableAdopted = false;
function adoptOrIntern(s: Body): StoredNames {
  const adopt = !tableAdopted;
  tableAdopted = true;
  return new StoredNames(s.nameText, s.nameEnds, adopt ? undefined : intern, s.nameSlots);
}

export function defaultCacheBase(): string {
  return process.env.LAZYMMU_CACHE || path.join(os.homedir(), '.cache', 'lazymmu');
}

export interface CachedFile {
  size: number;
  mtimeMs: number;
  hash: string;
  /** Decoded on demand; `as`: the scan of the same text at another path (a worktree's copy of the file). */
  scan(as?: string): FileScan;
  /** The stored encoding (what save() copies back without encoding the scan again). */
  encoded: EncodedScan;
}

/** A stored file's head: what is read first. */
interface Head {
  v: number;
  key: string;
  /** A base file's identity, named by the delta written against it. */
  stamp?: string;
  /** A delta: the stamp of the base it applies to, and the base's files it removes. */
  base?: string;
  removed?: string[];
  files: string[];
  sizes: Float64Array;
  mtimes: Float64Array;
  hashes: string[];
  at: Int32Array;
}

/** A stored file's body: what only a build reads. */
interface Body {
  /** The name table (storedNames.ts): every name in id order (bytes when all are ASCII), where each ends, and the names by hash. */
  nameText: string | Buffer;
  nameEnds: Int32Array;
  nameSlots: Int32Array;
  data: Int32Array;
}

/** A stored file as read, with its name table (a StoredPart of cachedRows.ts); `data` and `names` are set once its body is read. */
type Loaded = Head & { data: Int32Array; names: StoredNames };

/** A head read, its file still open: the body is read from it (the same file, even if a save has replaced it since). */
interface Opened {
  part: Loaded;
  fd: number;
  bodyAt: number;
  bodyLength: number;
}

export { ListedStats, StoredRows } from './cachedRows';

/**
 * What save() writes per file: its stat, hash and scan, encoded already (copied, not encoded again; a file
 * kept encoded by the build has no decoded scan) or not.
 */
export type CacheEntry = { size: number; mtimeMs: number; hash: string; scan?: FileScan; encoded?: EncodedScan };
type Entries = Map<string, CacheEntry>;

/** The rows a build keeps as they were read: by listing position, the file's row (cachedRows.ts), -1 for a file the entries hold. */
export interface KeptRows {
  files: readonly string[];
  row: Int32Array;
}

/**
 * A whole save's encoding begun while the scan threads still scan: each
 * scanned file renumbered into the cache's name table as its batch arrives
 * (the build's thread would otherwise wait for the threads, then do it all
 * after the scan: ~1 s of a kernel tree's cold run). The entry then needs no
 * `encoded`, so a batch's words are let go once decoded. save() lays these
 * rows out first, in the order they were added, and appends the rest.
 */
export class EarlyEncoding {
  readonly table = new NameTable();
  readonly recoder = new Recoder(this.table);
  /**
   * The words, in pieces of their exact size (one growing array would hold up
   * to twice the words while the scan threads' heaps are still alive: the
   * scan's end is near a kernel tree's peak).
   */
  private readonly pieces: Int32Array[] = [];
  private readonly piece = new Ints();
  private done = 0;

  constructor(private readonly pieceWords = PIECE_WORDS) {}
  /** Each entry encoded here: its file and where its words start. */
  readonly rows = new Map<CacheEntry, { file: string; at: number }>();

  /**
   * A scan worker's new name taken in (scanWorkers.ts TakeName): the string
   * this table keeps for it, its id noted for the worker's table, so that
   * encodeAsScanned looks nothing up again. The index keeps these strings
   * (one per distinct name, as the intern table would give).
   */
  readonly takeName = (own: string[], s: string): void => {
    const id = this.table.id(s);
    own.push(this.table.names[id]);
    this.recoder.known(own, own.length - 1, id);
  };

  encodeAsScanned(file: string, entry: CacheEntry, encoded: EncodedScan): void {
    this.rows.set(entry, { file, at: this.length });
    this.recoder.copy(encoded, this.piece);
    if (this.piece.length >= this.pieceWords) {
      this.done += this.piece.length;
      this.pieces.push(this.piece.toArray());
      this.piece.length = 0;
    }
  }

  /** Words encoded so far. */
  get length(): number {
    return this.done + this.piece.length;
  }

  /** The words encoded here followed by `rest`, in pieces of their exact size (the file's writer joins them: cacheFile.ts). */
  piecesThen(rest: Ints): Int32Array[] {
    return [...this.pieces, this.piece.toArray(), rest.toArray()];
  }
}

/** Words per piece of an EarlyEncoding (4 MB). */
const PIECE_WORDS = 1 << 20;

/**
 * A delta is written instead of the whole cache while the files changed since
 * the base was written are at most this share of the tree (1/DELTA_SHARE),
 * or at most DELTA_MIN of them.
 */
const DELTA_SHARE = 16;
const DELTA_MIN = 64;

export class IndexCache {
  readonly file: string;
  private readonly key: string;
  /** What was read (base and delta): save() copies the base's unchanged files' encodings word for word. */
  private loaded: Loaded | null = null;
  private loadedDelta: Loaded | null = null;
  private readDone = false;
  /** The heads read whose bodies are not read yet. */
  private unreadBodies: Opened[] = [];
  /** Bytes read from the cache's files (tests: a rerun that finds nothing changed reads the heads only). */
  bytesRead = 0;

  constructor(base: string, private readonly root: string, keyParts: string[]) {
    const rootHash = crypto.createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 16);
    this.key = crypto.createHash('sha1').update([String(SCAN_VERSION), ...keyParts].join('\0')).digest('hex').slice(0, 16);
    this.file = path.join(base, 'index', rootHash, `scan-${this.key}.bin`);
  }

  /** Whether the base file is on disk (once a write of it started in this process is done). */
  exists(): boolean {
    settleCacheWrites(this.file);
    return fs.existsSync(this.file);
  }

  /** The delta written against the base file (see save()). */
  private get deltaFile(): string {
    return `${this.file}.delta`;
  }

  /** `file`'s head, its file left open for the body; null when absent, of another form or key, or damaged. */
  private readHead(file: string): Opened | null {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return null;
    }
    try {
      const pre = this.readAt(fd, 0, PREAMBLE);
      if (!pre || !pre.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) throw new Error('another form');
      const headLength = pre.readUInt32LE(FILE_MAGIC.length);
      const bodyLength = pre.readUInt32LE(FILE_MAGIC.length + 4);
      if (headLength % 8 || PREAMBLE + headLength + bodyLength !== fs.fstatSync(fd).size) throw new Error('damaged');
      const bytes = this.readAt(fd, PREAMBLE, headLength);
      const s = bytes && isAligned(bytes) ? (deserializeAligned(bytes) as Head) : null;
      if (!s || s.v !== FORMAT_VERSION || s.key !== this.key || !Array.isArray(s.files)) throw new Error('another form or key');
      return { part: s as Loaded, fd, bodyAt: PREAMBLE + headLength, bodyLength };
    } catch {
      fs.closeSync(fd);
      return null;
    }
  }

  /** `length` bytes of `fd` from `at`, in a buffer of their own (at a multiple of 8 in memory); null when the file is shorter. */
  private readAt(fd: number, at: number, length: number): Buffer | null {
    const b = Buffer.allocUnsafeSlow(length);
    for (let done = 0; done < length; ) {
      const n = fs.readSync(fd, b, done, length - done, at + done);
      if (n <= 0) return null;
      done += n;
      this.bytesRead += n;
    }
    return b;
  }

  /** Reads the heads of the base and its delta once per IndexCache (unchangedDigest() and the build share them). */
  private read(): void {
    if (this.readDone) return;
    this.readDone = true;
    // A save of this file still being written on another thread (cacheWriter.ts): read what it leaves, as after an in-thread save.
    settleCacheWrites(this.file);
    const base = this.readHead(this.file);
    const delta = base?.part.stamp ? this.readHead(this.deltaFile) : null;
    const deltaApplies = !!delta && delta.part.base === base!.part.stamp;
    if (delta && !deltaApplies) fs.closeSync(delta.fd);
    this.loaded = base?.part ?? null;
    this.loadedDelta = deltaApplies ? delta.part : null;
    this.unreadBodies = [base, deltaApplies ? delta : null].filter((o): o is Opened => o !== null);
  }

  /** Closes the files whose heads were read and bodies not (a result-cache hit reads no body: its files are let go here, not at exit). */
  close(): void {
    for (const o of this.unreadBodies) fs.closeSync(o.fd);
    this.unreadBodies = [];
  }

  /**
   * The heads and their bodies, read once (the base's first: its name table is
   * adopted, the delta's interned). A body that cannot be read leaves no cache
   * read at all: every file is then scanned.
   */
  private readWhole(): void {
    this.read();
    const opened = this.unreadBodies;
    this.unreadBodies = [];
    let ok = true;
    for (const o of opened) {
      try {
        if (!ok) continue;
        const bytes = this.readAt(o.fd, o.bodyAt, o.bodyLength);
        const b = bytes && isAligned(bytes) ? (deserializeAligned(bytes) as Body) : null;
        if (!b || !(typeof b.nameText === 'string' || Buffer.isBuffer(b.nameText)) || !(b.nameEnds instanceof Int32Array) || !(b.data instanceof Int32Array)) throw new Error('damaged');
        Object.assign(o.part, b, { names: adoptOrIntern(b) });
      } catch {
        ok = false;
      } finally {
        fs.closeSync(o.fd);
      }
    }
    if (!ok) {
      this.loaded = this.loadedDelta = null;
      this.rowsMade = null;
    }
  }

  /** The rows made once: unchangedDigest() (heads only) and the build (the bodies read first) both read them. */
  private rowsMade: StoredRows | null = null;

  /**
   * Every stored file's row: the base's, then the delta's (empty when there is
   * no usable cache), with the names and the scans' words read. The same
   * object as headRows() gave unless a body could not be read.
   */
  rows(): StoredRows {
    this.readWhole();
    return (this.rowsMade ??= new StoredRows(this.loaded, this.loadedDelta));
  }

  /** rows() with only the heads read: each row's file, size, mtime and content hash, no encoding. */
  private headRows(): StoredRows {
    this.read();
    return (this.rowsMade ??= new StoredRows(this.loaded, this.loadedDelta));
  }

  /** The stored entries by absolute path, each made now (a seed's cache; tests). The build reads rows() instead. */
  load(): Map<string, CachedFile> {
    const rows = this.rows();
    const out = new Map<string, CachedFile>();
    for (const [file, r] of rows.entries()) {
      out.set(file, { size: rows.sizeOf(r), mtimeMs: rows.mtimeOf(r), hash: rows.hashOf(r), scan: (as?: string) => rows.decode(r, as ?? file), encoded: rows.encoded(r) });
    }
    return out;
  }

  /**
   * When every listed file has the (size, mtime) the cache holds and the cache
   * holds no other file: a digest of the files' paths and content hashes.
   * Otherwise null. Decodes no scan; every listed file is stat'd, even after a
   * difference, and what it says is kept for the build that follows
   * (ListedStats: no Stats object kept per file).
   */
  unchangedDigest(files: string[]): { digest: string | null; stats: ListedStats } {
    const rows = this.headRows();
    const stats = new ListedStats(files, rows);
    if (!rows.size || rows.size !== files.length) return { digest: null, stats };
    for (let pos = 0; pos < files.length; pos++) if (stats.row[pos] < 0) return { digest: null, stats };
    // Hashed only when every file matched (a rerun after an edit needs no digest: ~0.1 s of hashing); `files` is sorted (listFiles).
    const h = crypto.createHash('sha1');
    for (let pos = 0; pos < files.length; pos++) h.update(files[pos]).update('\0').update(rows.hashOf(stats.row[pos])).update('\n');
    return { digest: h.digest('hex'), stats };
  }

  /**
   * Writes the entries (atomically: a temporary file renamed over the old one).
   * While few files differ from the base that was read (a rerun after an
   * edit), only those are written, as a delta beside the base (rewriting a
   * kernel tree's ~50 MB base cost more than a second of a warm rerun);
   * otherwise the whole cache, with a new stamp. Scans already encoded are
   * not encoded again: those load() read from the base are copied word for
   * word when the name table starts as the loaded one; others already encoded
   * (a scan thread's, the delta's) are renumbered (Recoder). When fewer than
   * half the entries are the base's, the table starts empty, which also drops
   * names no file uses now. A large whole cache is written on another thread
   * (write()): true then, and the file is in place once it is done
   * (settleCacheWrites, cacheWritesDone).
   */
  save(entries: Entries, early?: EarlyEncoding, kept?: KeptRows): boolean {
    // One write of a file at a time; and this save's base is what the last one left.
    settleCacheWrites(this.file);
    this.readWhole();
    const prev = this.loaded;
    const rows = kept ? this.rows() : null;
    // Rows kept as they were read: the base's are current as they are; the delta's go into the new delta.
    const keptBase = new Uint8Array(prev?.files.length ?? 0);
    let keptCount = 0;
    const fromDelta: Entries = new Map();
    if (kept && rows)
      for (let pos = 0; pos < kept.files.length; pos++) {
        const r = kept.row[pos];
        if (r < 0) continue;
        keptCount++;
        if (r < rows.baseRows) keptBase[r] = 1;
        else fromDelta.set(kept.files[pos], this.entryOf(rows, r));
      }
    if (prev?.stamp) {
      // The base's rows still current: kept by the build, or an entry with the same file, encoding and (size, mtime, hash).
      const row = new Map<string, number>();
      prev.files.forEach((f, i) => row.set(f, i));
      const changed: Entries = fromDelta;
      for (const [f, e] of entries) {
        const i = row.get(f);
        const same =
          i !== undefined && e.encoded?.data === prev.data && e.encoded.at === prev.at[i] && e.size === prev.sizes[i] && e.mtimeMs === prev.mtimes[i] && e.hash === prev.hashes[i];
        if (same) keptBase[i] = 1;
        else changed.set(f, e);
      }
      const removed = prev.files.filter((f, i) => !keptBase[i] && !changed.has(f));
      if (changed.size + removed.length <= Math.max(DELTA_MIN, (entries.size + keptCount) / DELTA_SHARE)) {
        return this.write(this.deltaFile, this.encode(changed, false, { base: prev.stamp, removed }));
      }
    }
    // The whole cache: the kept rows made entries (in the listing's order), then the others.
    let all = entries;
    if (kept && rows && keptCount) {
      all = new Map();
      for (let pos = 0; pos < kept.files.length; pos++) if (kept.row[pos] >= 0) all.set(kept.files[pos], this.entryOf(rows, kept.row[pos]));
      for (const [f, e] of entries) all.set(f, e);
    }
    // A delta written against the old base no longer applies (its stamp says so too): removed once the new base is in place.
    return this.write(this.file, this.encode(all, true, { stamp: crypto.randomBytes(8).toString('hex') }, early), this.deltaFile);
  }

  /** Row `r` as an entry (its encoding copied by the save, not encoded again). */
  private entryOf(rows: StoredRows, r: number): CacheEntry {
    return { size: rows.sizeOf(r), mtimeMs: rows.mtimeOf(r), hash: rows.hashOf(r), encoded: rows.encoded(r) };
  }

  /** The file's head and its body's parts (the names' hash slots and the words' one array are made by its writer: cacheFile.ts). */
  private encode(entries: Entries, reuseBase: boolean, extra: Partial<Head>, early?: EarlyEncoding): { head: Head; body: BodyParts } {
    const prev = this.loaded;
    let fromPrev = 0;
    if (prev && reuseBase) for (const e of entries.values()) if (e.encoded?.data === prev.data) fromPrev++;
    const verbatim = fromPrev > 0 && fromPrev * 2 >= entries.size;
    // Where each loaded scan ends: scans are stored one after the other.
    const endOf = new Map<number, number>();
    if (verbatim) prev!.at.forEach((a, j) => endOf.set(a, j + 1 < prev!.at.length ? prev!.at[j + 1] : prev!.data.length));
    // The early encoding's table starts empty, as a save that copies no base's words does.
    const begun = verbatim ? undefined : early;
    const t = begun?.table ?? new NameTable();
    if (verbatim) for (let id = 0; id < prev!.names.length; id++) t.id(prev!.names.get(id));
    const recoder = begun?.recoder ?? new Recoder(t);
    // The rest's words, after the early ones.
    const out = new Ints();
    const base = begun?.length ?? 0;
    // Rows in the order of their words (load() and the next save read a row's end at the next row's start).
    const rows: [string, CacheEntry, number][] = [];
    for (const [entry, r] of begun?.rows ?? []) if (entries.get(r.file) === entry) rows.push([r.file, entry, r.at]);
    const placed = new Set(rows.map((r) => r[0]));
    for (const [f, e] of entries) if (!placed.has(f)) rows.push([f, e, -1]);
    const files: string[] = [];
    const sizes = new Float64Array(entries.size);
    const mtimes = new Float64Array(entries.size);
    const hashes: string[] = [];
    const at = new Int32Array(entries.size);
    let i = 0;
    for (const [f, e, encodedAt] of rows) {
      files.push(f);
      sizes[i] = e.size;
      mtimes[i] = e.mtimeMs;
      hashes.push(e.hash);
      at[i] = encodedAt >= 0 ? encodedAt : base + out.length;
      // A row encoded while the scan ran is in `out` already.
      if (encodedAt < 0) {
        if (verbatim && e.encoded?.data === prev!.data) out.append(prev!.data.subarray(e.encoded.at, endOf.get(e.encoded.at)));
        else if (e.encoded) recoder.copy(e.encoded, out);
        else encodeScan(e.scan!, t, out);
      }
      i++;
    }
    const { text, ends } = StoredNames.pack(t.names);
    return {
      head: { v: FORMAT_VERSION, key: this.key, ...extra, files, sizes, mtimes, hashes, at },
      body: { nameText: StoredNames.asBytes(text), nameEnds: ends, data: begun ? begun.piecesThen(out) : [out.toArray()] },
    };
  }

  /**
   * Writes `file` (cacheFile.ts); a body of OFF_THREAD_WORDS or more on
   * another thread (cacheWriter.ts) when one can take it: then its arrays are
   * its, and the file is in place once that thread is done. Whether it went
   * there.
   */
  private write(file: string, { head, body }: { head: Head; body: BodyParts }, removeAfter?: string): boolean {
    const parts: FileParts = { file, head: Buffer.concat(serializeAligned(head)), body, removeAfter };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    noteOwner(path.dirname(this.file), this.root);
    const words = body.data.reduce((n, p) => n + p.length, 0);
    if (words >= IndexCache.offThreadWords && writeOffThread(parts)) return true;
    writeCacheFile(parts);
    return false;
  }

  /** OFF_THREAD_WORDS, but for tests (a fixture tree's body is far smaller). */
  static offThreadWords = OFF_THREAD_WORDS;
}

/** A cache file's whole stored object, its head's fields and its body's (tests and tools; a build reads the two apart); null when the file is of another form. */
export function storedForm(file: string): Record<string, unknown> | null {
  const b = fs.readFileSync(file);
  if (b.length < PREAMBLE || !b.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) return null;
  const headLength = b.readUInt32LE(FILE_MAGIC.length);
  return { ...(deserializeAligned(b.subarray(PREAMBLE, PREAMBLE + headLength)) as object), ...(deserializeAligned(b.subarray(PREAMBLE + headLength)) as object) };
}
