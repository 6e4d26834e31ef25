// Scans many files across worker_threads, synchronously for the caller: the
// main thread blocks on a shared counter (Atomics.wait) and drains the
// workers' ports with receiveMessageOnPort, decoding each batch as it comes
// (names by each worker's ids: a batch brings only the names new to its worker).
// Falls back to scanning in this thread when the worker script is not there
// (e.g. a bundle without it) or when there are few files.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MessageChannel, Worker, receiveMessageOnPort } from 'worker_threads';
import { decodeScan } from './scanCodec';
import { internFresh } from './fileScan';
import { ScannedOne, WorkerBatch, WorkerInput, scanOne } from './scanWorker';

/** Below this many files the workers' start-up costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 400;
/** A worker silent this long is given up on. */
const STALL_MS = 60_000;

function workerScript(): string | null {
  for (const f of [path.join(__dirname, 'scanWorker.js'), path.join(__dirname, 'engine', 'index', 'scanWorker.js')])
    if (fs.existsSync(f)) return f;
  return null;
}

export function workerCount(): number {
  const env = Number(process.env.LAZYMMU_SCAN_WORKERS);
  if (Number.isFinite(env) && env >= 0 && process.env.LAZYMMU_SCAN_WORKERS !== '') return Math.floor(env);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(0, Math.min(cores, 8));
}

/**
 * Scans `files` and calls `each` with every result (in no particular order).
 * `meanwhile` is work of the caller's that does not need the scan: when the
 * workers scan, this thread does it before draining their ports (their batches
 * wait in the ports), instead of waiting for them. With no workers nothing
 * would overlap: it is not called, and left to the caller's later use.
 */
export function scanFiles(files: string[], entryParam: RegExp, each: (r: ScannedOne) => void, meanwhile?: () => void): void {
  const n = workerCount();
  const script = workerScript();
  if (n < 2 || !script || files.length < MIN_FILES_FOR_WORKERS) {
    for (const f of files) each(scanOne(f, entryParam));
    return;
  }
  const signal = new SharedArrayBuffer(4);
  const counter = new Int32Array(signal);
  // The next file to take: each worker takes files one at a time, so the work divides by how fast each goes.
  const claim = new SharedArrayBuffer(4);
  const ports = [];
  const workers: Worker[] = [];
  for (let w = 0; w < n; w++) {
    const { port1, port2 } = new MessageChannel();
    const input: WorkerInput = { lazymmuScan: true, files, claim, entrySource: entryParam.source, entryFlags: entryParam.flags, port: port2, signal };
    const worker = new Worker(script, { workerData: input, transferList: [port2] });
    worker.unref();
    workers.push(worker);
    ports.push(port1);
  }
  let live = n;
  const done = new Array(n).fill(false);
  const received = new Set<string>();
  // Per worker: its name ids -> interned names, grown by each batch.
  const names: string[][] = Array.from({ length: n }, () => []);
  try {
    meanwhile?.();
    let lastNews = Date.now();
    while (live > 0) {
      const seen = Atomics.load(counter, 0);
      let got = false;
      for (let w = 0; w < n; w++) {
        if (done[w]) continue;
        for (let m = receiveMessageOnPort(ports[w]); m; m = receiveMessageOnPort(ports[w])) {
          got = true;
          const msg = m.message as WorkerBatch | { done: true };
          if ('done' in msg) {
            done[w] = true;
            live--;
            break;
          }
          const own = names[w];
          for (const s of msg.names) own.push(internFresh(s));
          for (const f of msg.files) received.add(f.file);
          for (const f of msg.files)
            each({
              file: f.file, size: f.size, mtimeMs: f.mtimeMs, hash: f.hash, error: f.error,
              scan: f.at >= 0 ? decodeScan(msg.data, f.at, own, f.file) : undefined,
              encoded: f.at >= 0 ? { data: msg.data, at: f.at, names: own } : undefined,
            });
        }
      }
      if (!got && live > 0) {
        if (Atomics.wait(counter, 0, seen, 2000) === 'timed-out' && Date.now() - lastNews > STALL_MS) {
          // A worker that died or hangs: what nobody sent (taken by it, or not taken yet) is scanned here.
          // Every worker is given up on (their later batches are not read): no file is reported twice.
          Atomics.store(new Int32Array(claim), 0, files.length);
          for (const f of files) if (!received.has(f)) each(scanOne(f, entryParam));
          live = 0;
        }
      } else lastNews = Date.now();
    }
  } finally {
    for (const p of ports) p.close();
    for (const w of workers) void w.terminate();
  }
}
