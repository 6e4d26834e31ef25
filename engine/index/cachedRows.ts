// The index cache's rows as read (indexCache.ts), by row number: the base's
// rows first, then its delta's. A warm run's build reads each listed file's
// stat, size, mtime, content hash and encoding from the stored arrays through
// its row; nothing is made per row (a kernel tree's 46,748 rows were made
// twice, an object and a closure each in the cache's load and again in the
// build's entries: ~0.4 s of a rerun with the scavenges that copied them).
// An encoding or a decoded scan is made only when a file is asked for.
import * as fs from 'fs';
import type { FileScan } from './fileScan';
import { EncodedScan, decodeScan } from './scanCodec';
import type { Names } from './storedNames';

/** One stored file's arrays (the base's or the delta's), as indexCache.ts reads them. */
export interface StoredPart {
  files: string[];
  sizes: Float64Array;
  mtimes: Float64Array;
  hashes: string[];
  at: Int32Array;
  data: Int32Array;
  names: Names;
  /** A delta's: the base's files it removes. */
  removed?: string[];
}

export class StoredRows {
  /** Each stored file's row (a delta's row replaces the base's; a file the delta removes has none). */
  private readonly row = new Map<string, number>();
  /** Rows below this are the base's. */
  readonly baseRows: number;

  constructor(
    readonly base: StoredPart | null,
    readonly delta: StoredPart | null,
  ) {
    this.baseRows = base?.files.length ?? 0;
    if (base) for (let i = 0; i < base.files.length; i++) this.row.set(base.files[i], i);
    if (delta) {
      for (let i = 0; i < delta.files.length; i++) this.row.set(delta.files[i], this.baseRows + i);
      for (const f of delta.removed ?? []) this.row.delete(f);
    }
  }

  /** Files stored. */
  get size(): number {
    return this.row.size;
  }

  /** `file`'s row, -1 when it has none. */
  of(file: string): number {
    return this.row.get(file) ?? -1;
  }

  /** Every stored file with its row. */
  entries(): IterableIterator<[string, number]> {
    return this.row.entries();
  }

  /** The part holding row `r` (the base's or the delta's). */
  partOf(r: number): StoredPart {
    return r < this.baseRows ? this.base! : this.delta!;
  }

  /** `r`'s index in its part. */
  indexOf(r: number): number {
    return r < this.baseRows ? r : r - this.baseRows;
  }

  sizeOf(r: number): number {
    return this.partOf(r).sizes[this.indexOf(r)];
  }

  mtimeOf(r: number): number {
    return this.partOf(r).mtimes[this.indexOf(r)];
  }

  hashOf(r: number): string {
    return this.partOf(r).hashes[this.indexOf(r)];
  }

  /** Where row `r`'s words start in its part's data. */
  atOf(r: number): number {
    return this.partOf(r).at[this.indexOf(r)];
  }

  encoded(r: number): EncodedScan {
    const p = this.partOf(r);
    return { data: p.data, at: p.at[this.indexOf(r)], names: p.names };
  }

  /** Row `r`'s scan decoded, its definitions carrying `file`. */
  decode(r: number, file: string): FileScan {
    const p = this.partOf(r);
    return decodeScan(p.data, p.at[this.indexOf(r)], p.names, file);
  }
}

/**
 * A listing's files stat'd against the stored rows, by listing position:
 * `row[pos]` is the file's row when its (size, mtime) are the row's, else -1
 * (no row, a stat that differs, or none). A file that has a row is stat'd
 * once here and its size and mtime kept (NaN when it could not be), so the
 * build that follows stats nothing again and no Stats object outlives its
 * call; a file without a row is not stat'd (NaN).
 */
export class ListedStats {
  readonly row: Int32Array;
  readonly size: Float64Array;
  readonly mtimeMs: Float64Array;

  constructor(
    readonly files: readonly string[],
    /** The rows the stats were compared with (a build whose rows are others, the cache's body unreadable, stats again). */
    readonly rows: StoredRows,
  ) {
    const n = files.length;
    this.row = new Int32Array(n).fill(-1);
    this.size = new Float64Array(n).fill(NaN);
    this.mtimeMs = new Float64Array(n).fill(NaN);
    for (let pos = 0; pos < n; pos++) {
      const r = rows.of(files[pos]);
      if (r < 0) continue;
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(files[pos], { throwIfNoEntry: false });
      } catch {
        // Not readable now: the build says so.
      }
      if (!st) continue;
      this.size[pos] = st.size;
      this.mtimeMs[pos] = st.mtimeMs;
      if (st.size === rows.sizeOf(r) && st.mtimeMs === rows.mtimeOf(r)) this.row[pos] = r;
    }
  }
}
