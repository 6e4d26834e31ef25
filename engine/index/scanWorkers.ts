// Scans many files across worker_threads, synchronously for the caller: the
// main thread blocks on a shared counter (Atomics.wait) and drains the
// workers' ports with receiveMessageOnPort, decoding each batch as it comes
// (names by each worker's ids: a batch brings only the names new to its worker's table).
// Falls back to scanning in this thread when the worker script is not there
// (e.g. a bundle without it) or when there are few files. What the scan holds
// at once is bounded by inputBounds.ts SCAN_LIMITS: the batches in flight
// (the workers wait for a place) and each worker's young generation.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { MessageChannel, Worker, receiveMessageOnPort } from 'worker_threads';
import { decodeScan } from './scanCodec';
import { internFresh } from './fileScan';
import { SIGNAL_IN_FLIGHT, SIGNAL_SENT, SIGNAL_SLOTS, SIGNAL_WAKE, ScannedOne, WorkerBatch, WorkerInput, scanOne } from './scanWorker';
import { SCAN_LIMITS, ScanLimits } from '../inputBounds';

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

/** What a scan on workers did (tests, measurements). */
export interface ScanStats {
  /** Batches the workers sent. */
  batches: number;
  /** The most batches sent and not yet taken in, seen as each batch was taken in. */
  mostInFlight: number;
  /** Batches that started a fresh name table (a worker's table past limits.threadNames). */
  freshTables: number;
}

/**
 * V8 reads --max-semi-space-size when each isolate starts, and it wins over a
 * Worker's resourceLimits: the CLI's child sets it for its main thread
 * (bin/lazymmu.js), and each scan worker would grow the same young
 * generation. Cleared for the isolates started from now on (the main
 * thread's heap is laid out already), so that SCAN_LIMITS.threadYoungMb holds.
 */
let semiSpaceFlagCleared = false;
function workersOwnYoungGeneration(): void {
  if (semiSpaceFlagCleared) return;
  semiSpaceFlagCleared = true;
  v8.setFlagsFromString('--max-semi-space-size=0');
}

/**
 * How this thread takes in a name new to a worker's table: appends the string
 * the index will keep for `s` to `own`, that worker's ids -> names. By
 * default the process's intern table (one string per distinct name across
 * the workers); a cold build's cache encoding takes them into its own table
 * instead (indexCache.ts EarlyEncoding.takeName), so that each name is
 * looked up once there rather than in both tables.
 */
export type TakeName = (own: string[], s: string) => void;
const internTaken: TakeName = (own, s) => {
  own.push(internFresh(s));
};

/**
 * Scans `files` and calls `each` with every result (in no particular order).
 * `meanwhile` is work of the caller's that does not need the scan: when the
 * workers scan, this thread does it before draining their ports (up to
 * limits.batchesInFlight batches wait in the ports meanwhile), instead of
 * waiting for them. With no workers nothing would overlap: it is not called,
 * and left to the caller's later use. Returns what the workers did (null when
 * this thread scanned).
 */
export function scanFiles(
  files: string[],
  entryParam: RegExp,
  each: (r: ScannedOne) => void,
  meanwhile?: () => void,
  limits: Readonly<ScanLimits> = SCAN_LIMITS,
  takeName: TakeName = internTaken,
): ScanStats | null {
  const n = workerCount();
  const script = workerScript();
  if (n < 2 || !script || files.length < MIN_FILES_FOR_WORKERS) {
    for (const f of files) each(scanOne(f, entryParam));
    return null;
  }
  workersOwnYoungGeneration();
  const signal = new SharedArrayBuffer(4 * SIGNAL_SLOTS);
  const counter = new Int32Array(signal);
  const stats: ScanStats = { batches: 0, mostInFlight: 0, freshTables: 0 };
  // The next file to take: each worker takes files one at a time, so the work divides by how fast each goes.
  const claim = new SharedArrayBuffer(4);
  const ports = [];
  const workers: Worker[] = [];
  for (let w = 0; w < n; w++) {
    const { port1, port2 } = new MessageChannel();
    const input: WorkerInput = {
      lazymmuScan: true, files, claim, entrySource: entryParam.source, entryFlags: entryParam.flags, port: port2, signal,
      batchFiles: limits.batchFiles, batchesInFlight: limits.batchesInFlight, threadNames: limits.threadNames,
    };
    const worker = new Worker(script, { workerData: input, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: limits.threadYoungMb } });
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
      const seen = Atomics.load(counter, SIGNAL_WAKE);
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
          stats.batches++;
          stats.mostInFlight = Math.max(stats.mostInFlight, Atomics.load(counter, SIGNAL_SENT) - (stats.batches - 1));
          if (msg.fresh) {
            names[w] = [];
            stats.freshTables++;
          }
          const own = names[w];
          for (const s of msg.names) takeName(own, s);
          for (const f of msg.files) received.add(f.file);
          for (const f of msg.files)
            each({
              file: f.file, size: f.size, mtimeMs: f.mtimeMs, hash: f.hash, error: f.error,
              scan: f.at >= 0 ? decodeScan(msg.data, f.at, own, f.file) : undefined,
              encoded: f.at >= 0 ? { data: msg.data, at: f.at, names: own } : undefined,
            });
          // Taken in: its place goes back to the workers.
          Atomics.sub(counter, SIGNAL_IN_FLIGHT, 1);
          Atomics.notify(counter, SIGNAL_IN_FLIGHT);
        }
      }
      if (!got && live > 0) {
        if (Atomics.wait(counter, SIGNAL_WAKE, seen, 2000) === 'timed-out' && Date.now() - lastNews > STALL_MS) {
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
  return stats;
}
