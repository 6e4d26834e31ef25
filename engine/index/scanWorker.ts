// The scan of one file (read, hash, cheap scan), and the worker_threads entry
// that runs it over the files it takes one at a time from a shared counter
// (so no core idles while another still has a share to do), scanning straight into the encoding
// with the worker's name table: fileScan.scanInto). The worker posts batches of results
// encoded with scanCodec and bumps a shared counter so that the main thread,
// which waits synchronously, wakes up. One name table per worker, not per
// batch: a batch carries only the names new to its worker, so the main thread
// interns each distinct name once per worker instead of once per batch (and
// the structured clone carries each name once). A table past threadNames
// names is let go at the next batch, which starts a fresh one (`fresh`: ids
// from 0 again). At most batchesInFlight
// batches wait for the main thread at once (inputBounds.ts SCAN_LIMITS): a
// worker with one ready waits for a place first.
import * as crypto from 'crypto';
import * as fs from 'fs';
import { isMainThread, workerData, MessagePort } from 'worker_threads';
import { FileScan, scanFile, scanInto, looksBinary } from './fileScan';
import { EncodedScan, NameTable } from './scanCodec';
import { loadSpace } from './blankBytes';

export interface ScannedOne {
  file: string;
  size: number;
  mtimeMs: number;
  hash: string;
  scan?: FileScan;
  /** The scan as a worker encoded it (the disk cache copies it rather than encoding the scan again). */
  encoded?: EncodedScan;
  error?: string;
}

export function contentHash(buf: Uint8Array): string {
  return crypto.createHash('sha1').update(buf).digest('base64');
}

/**
 * Where a file is read: `at(n, keep)` a buffer of at least n bytes whose
 * first `keep` bytes are those of the last one given (a file that grew while
 * read).
 */
interface ReadSpace {
  at(n: number, keep: number): Buffer;
}

/** Read space reused file after file (the scan is synchronous and keeps nothing of the bytes). */
let reused = Buffer.alloc(0);
/** Read space bigger than this is let go after its file (a generated 50 MB file is not kept for the process's life). */
const KEEP_READ_SPACE = 8 << 20;
const ownSpace: ReadSpace & { release(): void } = {
  at(n, keep) {
    if (reused.length < n) {
      const b = Buffer.allocUnsafe(Math.max(n, 2 * reused.length, 1 << 20));
      reused.copy(b, 0, 0, keep);
      reused = b;
    }
    return reused;
  },
  /** After a file: a space grown past KEEP_READ_SPACE is let go. */
  release() {
    if (reused.length > KEEP_READ_SPACE) reused = Buffer.alloc(0);
  },
};

/** The scan threads read into the blanker's memory, where the scan reads the file (no copy: blankBytes.loadSpace; a grown memory keeps its bytes). */
const blankerSpace: ReadSpace = { at: (n) => loadSpace(n) };

/** A file's bytes (a view of `space`, valid until its next use), size and mtime: one open, fstat and read. */
function readOne(file: string, space: ReadSpace): { size: number; mtimeMs: number; buf: Buffer } | { error: string } {
  let fd = -1;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      // What readFileSync would refuse (a directory) or read to its end (a FIFO, from the descriptor
      // already open: opening it again would wait for a second writer): let it.
      return { size: st.size, mtimeMs: st.mtimeMs, buf: fs.readFileSync(fd) };
    }
    let buf = space.at(st.size + 1, 0);
    // Read to the end as readFileSync does, even if the file grew since fstat. A read that gives
    // less than asked once fstat's size is in has met the end: no read more to see 0 (one system
    // call of five per file, ~14% of the read's CPU over a kernel tree). A short read before that
    // size (a network or FUSE file system may give one) reads on.
    let got = 0;
    for (;;) {
      if (got === buf.length) buf = space.at(buf.length * 2, got);
      const asked = buf.length - got;
      const r = fs.readSync(fd, buf, got, asked, null);
      got += r;
      if (r === 0 || (r < asked && got >= st.size)) break;
    }
    return { size: st.size, mtimeMs: st.mtimeMs, buf: buf.subarray(0, got) };
  } catch (e) {
    return { error: `cannot read: ${(e as Error).message}` };
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Read, hash and scan one file (this thread's form: the scan as objects). */
export function scanOne(file: string, entryParam: RegExp): ScannedOne {
  const r = readOne(file, ownSpace);
  if ('error' in r) return { file, size: -1, mtimeMs: -1, hash: '', error: r.error };
  const scan = looksBinary(r.buf) ? { functions: [], macros: [] } : scanFile(r.buf, entryParam);
  const hash = contentHash(r.buf);
  ownSpace.release();
  return { file, size: r.size, mtimeMs: r.mtimeMs, hash, scan };
}

/** Read, hash and scan one file into a worker's batch: the scan encoded on `out` with the worker's name ids. */
function scanOneInto(file: string, entryParam: RegExp, t: NameTable, out: number[]): WorkerBatch['files'][number] {
  const r = readOne(file, blankerSpace);
  if ('error' in r) return { file, size: -1, mtimeMs: -1, hash: '', error: r.error, at: -1 };
  const at = out.length;
  // Hashed first: the scan may grow the blanker's memory, which leaves r.buf empty.
  const hash = contentHash(r.buf);
  scanInto(r.buf, entryParam, t, out, true);
  return { file, size: r.size, mtimeMs: r.mtimeMs, hash, at };
}

export interface WorkerBatch {
  files: { file: string; size: number; mtimeMs: number; hash: string; error?: string; at: number }[];
  /** This batch starts a fresh table: its ids begin at 0, the earlier batches' names are not used again. */
  fresh: boolean;
  /** Names new to this worker's table: they take the next ids after the earlier batches' names (since the last fresh table). */
  names: string[];
  data: Int32Array;
}

export interface WorkerInput {
  lazymmuScan: true;
  /** Every file of the scan: the workers take them one at a time through `claim`. */
  files: string[];
  /** files[claim[0]] is the next file nobody has taken (Atomics.add): a worker slowed down (a big file, a busy core) takes fewer. */
  claim: SharedArrayBuffer;
  entrySource: string;
  entryFlags: string;
  port: MessagePort;
  /** Int32 slots, see SIGNAL_*. */
  signal: SharedArrayBuffer;
  batchFiles: number;
  batchesInFlight: number;
  threadNames: number;
}

/** signal's slots: bumped at every message (the main thread waits on it); batches sent; batches sent and not yet taken in by the main thread. */
export const SIGNAL_WAKE = 0;
export const SIGNAL_SENT = 1;
export const SIGNAL_IN_FLIGHT = 2;
export const SIGNAL_SLOTS = 3;

/** Takes one of the `bound` places for a batch in flight, waiting until the main thread gives one back. */
function takePlace(signal: Int32Array, bound: number): void {
  for (;;) {
    const v = Atomics.load(signal, SIGNAL_IN_FLIGHT);
    if (v < bound) {
      if (Atomics.compareExchange(signal, SIGNAL_IN_FLIGHT, v, v + 1) === v) return;
    } else Atomics.wait(signal, SIGNAL_IN_FLIGHT, v, 1000);
  }
}

function wake(signal: Int32Array): void {
  Atomics.add(signal, SIGNAL_WAKE, 1);
  Atomics.notify(signal, SIGNAL_WAKE);
}

function run(w: WorkerInput): void {
  const entry = new RegExp(w.entrySource, w.entryFlags);
  const signal = new Int32Array(w.signal);
  const claim = new Int32Array(w.claim);
  let t = new NameTable();
  for (let more = true; more; ) {
    const fresh = t.names.length >= w.threadNames;
    if (fresh) {
      t = new NameTable();
      // The dropped table is most of this thread's old generation, which would otherwise wait for a full
      // collection that 30% heap growth puts off past the scan's end: collect now when the process exposes
      // gc (the CLI's child, bin/lazymmu.js); elsewhere the table goes at the next full collection.
      (globalThis as { gc?: () => void }).gc?.();
    }
    const sent = t.names.length;
    const out: number[] = [];
    const files: WorkerBatch['files'] = [];
    while (files.length < w.batchFiles) {
      const k = Atomics.add(claim, 0, 1);
      if (k >= w.files.length) {
        more = false;
        break;
      }
      files.push(scanOneInto(w.files[k], entry, t, out));
    }
    if (files.length === 0) break;
    const data = Int32Array.from(out);
    takePlace(signal, w.batchesInFlight);
    w.port.postMessage({ files, fresh, names: t.names.slice(sent), data } satisfies WorkerBatch, [data.buffer]);
    Atomics.add(signal, SIGNAL_SENT, 1);
    wake(signal);
  }
  w.port.postMessage({ done: true });
  wake(signal);
}

if (!isMainThread && workerData && (workerData as WorkerInput).lazymmuScan) run(workerData as WorkerInput);
