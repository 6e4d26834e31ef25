// The scan of one file (read, hash, cheap scan), and the worker_threads entry
// that runs it over a share of the files. The worker posts batches of results
// encoded with scanCodec and bumps a shared counter so that the main thread,
// which waits synchronously, wakes up. One name table per worker, not per
// batch: a batch carries only the names new to its worker, so the main thread
// interns each distinct name once per worker instead of once per batch (and
// the structured clone carries each name once).
import * as crypto from 'crypto';
import * as fs from 'fs';
import { isMainThread, workerData, MessagePort } from 'worker_threads';
import { FileScan, scanFile, looksBinary } from './fileScan';
import { EncodedScan, NameTable, encodeScan } from './scanCodec';

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

export function scanOne(file: string, entryParam: RegExp): ScannedOne {
  let buf: Buffer;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
    buf = fs.readFileSync(file);
  } catch (e) {
    return { file, size: -1, mtimeMs: -1, hash: '', error: `cannot read: ${(e as Error).message}` };
  }
  const scan = looksBinary(buf) ? { functions: [], macros: [] } : scanFile(buf, entryParam);
  return { file, size: st.size, mtimeMs: st.mtimeMs, hash: contentHash(buf), scan };
}

export interface WorkerBatch {
  files: { file: string; size: number; mtimeMs: number; hash: string; error?: string; at: number }[];
  /** Names new to this worker's table: they take the next ids after the earlier batches' names. */
  names: string[];
  data: Int32Array;
}

export interface WorkerInput {
  lazymmuScan: true;
  files: string[];
  entrySource: string;
  entryFlags: string;
  port: MessagePort;
  signal: SharedArrayBuffer;
}

const BATCH = 256;

function run(w: WorkerInput): void {
  const entry = new RegExp(w.entrySource, w.entryFlags);
  const signal = new Int32Array(w.signal);
  const t = new NameTable();
  for (let b = 0; b < w.files.length; b += BATCH) {
    const sent = t.names.length;
    const out: number[] = [];
    const files: WorkerBatch['files'] = [];
    for (const f of w.files.slice(b, b + BATCH)) {
      const r = scanOne(f, entry);
      files.push({ file: f, size: r.size, mtimeMs: r.mtimeMs, hash: r.hash, error: r.error, at: r.scan ? out.length : -1 });
      if (r.scan) encodeScan(r.scan, t, out);
    }
    const data = Int32Array.from(out);
    w.port.postMessage({ files, names: t.names.slice(sent), data } satisfies WorkerBatch, [data.buffer]);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  }
  w.port.postMessage({ done: true });
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

if (!isMainThread && workerData && (workerData as WorkerInput).lazymmuScan) run(workerData as WorkerInput);
