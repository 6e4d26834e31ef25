// The on-disk cache of the cheap scan, outside the repository:
// ${LAZYMMU_CACHE:-~/.cache/lazymmu}/index/<hash of the root>/scan-<key>.bin.
// An entry is reused without reading the file when (path, size, mtime) match;
// when they do not, the file is read and its content hash decides (a touched
// but unchanged file is not rescanned). The key covers the scanner's version
// and whatever changes a scan's result (the entry-pointer pattern).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { noteOwner } from '../cacheSweep';
import { FileScan } from './fileScan';
import { EncodedScan, Ints, NameTable, Recoder, decodeScan, encodeScan, internAll } from './scanCodec';

/** Bump when fileScan's output changes for the same input. */
const SCAN_VERSION = 3;

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

interface Stored {
  v: number;
  key: string;
  files: string[];
  sizes: Float64Array;
  mtimes: Float64Array;
  hashes: string[];
  at: Int32Array;
  names: string[];
  data: Int32Array;
}

export class IndexCache {
  readonly file: string;
  private readonly key: string;
  /** What load() read: save() copies its unchanged files' encodings word for word. */
  private loaded: Stored | null = null;

  constructor(base: string, private readonly root: string, keyParts: string[]) {
    const rootHash = crypto.createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 16);
    this.key = crypto.createHash('sha1').update([String(SCAN_VERSION), ...keyParts].join('\0')).digest('hex').slice(0, 16);
    this.file = path.join(base, 'index', rootHash, `scan-${this.key}.bin`);
  }

  /** The stored entries by absolute path (empty when there is no usable cache). */
  load(): Map<string, CachedFile> {
    const out = new Map<string, CachedFile>();
    let s: Stored;
    try {
      s = v8.deserialize(fs.readFileSync(this.file)) as Stored;
    } catch {
      return out;
    }
    if (!s || s.v !== SCAN_VERSION || s.key !== this.key) return out;
    this.loaded = s;
    let names: string[] | null = null;
    const data = s.data;
    for (let i = 0; i < s.files.length; i++) {
      const at = s.at[i];
      out.set(s.files[i], {
        size: s.sizes[i],
        mtimeMs: s.mtimes[i],
        hash: s.hashes[i],
        scan: (as?: string) => decodeScan(data, at, (names ??= internAll(s.names)), as ?? s.files[i]),
        encoded: { data, at, names: s.names },
      });
    }
    return out;
  }

  /**
   * When every listed file has the (size, mtime) the cache holds and the cache
   * holds no other file: a digest of the files' paths and content hashes.
   * Otherwise null. Decodes no scan.
   */
  unchangedDigest(files: string[]): string | null {
    let s: Stored;
    try {
      s = v8.deserialize(fs.readFileSync(this.file)) as Stored;
    } catch {
      return null;
    }
    if (!s || s.v !== SCAN_VERSION || s.key !== this.key || s.files.length !== files.length) return null;
    const at = new Map<string, number>();
    s.files.forEach((f, i) => at.set(f, i));
    const h = crypto.createHash('sha1');
    for (const f of [...files].sort()) {
      const i = at.get(f);
      if (i === undefined) return null;
      let st: fs.Stats;
      try {
        st = fs.statSync(f);
      } catch {
        return null;
      }
      if (st.size !== s.sizes[i] || st.mtimeMs !== s.mtimes[i]) return null;
      h.update(f).update('\0').update(s.hashes[i]).update('\n');
    }
    return h.digest('hex');
  }

  /**
   * Writes the entries (atomically: a temporary file renamed over the old one).
   * Scans already encoded are not encoded again: those load() read are copied
   * word for word when the name table starts as the loaded one (a rerun after
   * a one-file edit re-encoded the whole tree's ~10^7 words: seconds of a warm
   * run); a scan thread's are renumbered (Recoder). When fewer than half the
   * entries are the loaded ones, the table starts empty, which also drops
   * names no file uses now.
   */
  save(entries: Map<string, { size: number; mtimeMs: number; hash: string; scan: FileScan; encoded?: EncodedScan }>): void {
    const prev = this.loaded;
    let fromPrev = 0;
    if (prev) for (const e of entries.values()) if (e.encoded?.data === prev.data) fromPrev++;
    const verbatim = !!prev && fromPrev * 2 >= entries.size;
    // Where each loaded scan ends: scans are stored one after the other.
    const endOf = new Map<number, number>();
    if (verbatim) prev!.at.forEach((a, j) => endOf.set(a, j + 1 < prev!.at.length ? prev!.at[j + 1] : prev!.data.length));
    const t = new NameTable();
    if (verbatim) for (const n of prev!.names) t.id(n);
    const recoder = new Recoder(t);
    const out = new Ints();
    const files: string[] = [];
    const sizes = new Float64Array(entries.size);
    const mtimes = new Float64Array(entries.size);
    const hashes: string[] = [];
    const at = new Int32Array(entries.size);
    let i = 0;
    for (const [f, e] of entries) {
      files.push(f);
      sizes[i] = e.size;
      mtimes[i] = e.mtimeMs;
      hashes.push(e.hash);
      at[i] = out.length;
      if (verbatim && e.encoded?.data === prev!.data) out.append(prev!.data.subarray(e.encoded.at, endOf.get(e.encoded.at)));
      else if (e.encoded) recoder.copy(e.encoded, out);
      else encodeScan(e.scan, t, out);
      i++;
    }
    const stored: Stored = { v: SCAN_VERSION, key: this.key, files, sizes, mtimes, hashes, at, names: t.names, data: out.toArray() };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, v8.serialize(stored));
    fs.renameSync(tmp, this.file);
    noteOwner(path.dirname(this.file), this.root);
  }
}
