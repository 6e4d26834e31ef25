// A whole index cache file written on another thread (issue 15, docs/perf/par2.md):
// a cold build's save hands its parts (cacheFile.ts) to a worker, which makes
// the names' hash slots, joins the words, serializes and writes them while
// this thread goes on to the analysis (~0.6 s of a 6.12 tree's cold run, with
// the second core idle after the scan). The arrays are transferred, not
// copied. Also the worker_threads entry that does it.
//
// What a write off this thread must not change: the bytes (the same
// writeCacheFile as this thread's), and what a reader of the file finds (a
// temporary file renamed: the old file or the new one, never a part). A later
// read or write of the same file in this process waits for it first
// (settleCacheWrites), so it sees what an in-thread save would have left; the
// worker is not unref'd, so the process does not exit before it is done. A
// worker that fails or is killed leaves the old file or none (its temporary
// file removed, or left under another name nothing reads).
import * as fs from 'fs';
import * as path from 'path';
import { Worker, isMainThread, workerData } from 'worker_threads';
import { FileParts, writeCacheFile } from './cacheFile';

/** A write not done after this long is no longer waited for (a reader then finds the old file or the new one). */
const STALL_MS = 60_000;

interface WriteJob {
  lazymmuCacheWrite: true;
  parts: FileParts;
  /** [0]: 0 while writing, 1 written, 2 failed. */
  status: Int32Array;
}

const WRITING = 0;
const WRITTEN = 1;
const FAILED = 2;

interface Pending {
  file: string;
  status: Int32Array;
  done: Promise<boolean>;
}
const pending: Pending[] = [];

function writerScript(): string | null {
  for (const f of [path.join(__dirname, 'cacheWriter.js'), path.join(__dirname, 'engine', 'index', 'cacheWriter.js')]) if (fs.existsSync(f)) return f;
  return null;
}

/** An array's buffer when it can be handed over whole (its own, not a slice of Node's pool). */
function ownBuffer(a: ArrayBufferView): ArrayBuffer | null {
  const b = a.buffer;
  return b instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === b.byteLength ? b : null;
}

/**
 * Starts writing `parts` on a worker; false when no worker could take it (no
 * worker script beside this one: the caller writes in its thread). The body's
 * arrays are transferred: the caller must not use them after a true.
 */
export function writeOffThread(parts: FileParts): boolean {
  const script = writerScript();
  if (!script) return false;
  settleCacheWrites(parts.file);
  const status = new Int32Array(new SharedArrayBuffer(4));
  const transfer = [parts.body.nameEnds, ...parts.body.data, ...(typeof parts.body.nameText === 'string' ? [] : [parts.body.nameText])]
    .map(ownBuffer)
    .filter((b): b is ArrayBuffer => b !== null);
  const job: WriteJob = { lazymmuCacheWrite: true, parts, status };
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: job, transferList: [...new Set(transfer)] });
  } catch {
    return false;
  }
  const done = new Promise<boolean>((resolve) => {
    // An error (the script failed to load, the thread ran out of memory) is the write's failure, not the process's.
    worker.on('error', () => Atomics.compareExchange(status, 0, WRITING, FAILED));
    worker.on('exit', () => {
      Atomics.compareExchange(status, 0, WRITING, FAILED);
      resolve(Atomics.load(status, 0) === WRITTEN);
    });
  });
  pending.push({ file: parts.file, status, done });
  return true;
}

/** Waits (this thread blocked) for the writes of `file` started here, or of every file; true when none failed. */
export function settleCacheWrites(file?: string): boolean {
  let ok = true;
  for (let k = pending.length - 1; k >= 0; k--) {
    const p = pending[k];
    if (file !== undefined && p.file !== file) continue;
    Atomics.wait(p.status, 0, WRITING, STALL_MS);
    if (Atomics.load(p.status, 0) !== WRITTEN) ok = false;
    pending.splice(k, 1);
  }
  return ok;
}

/** Resolves once every write started so far is done (the event loop runs meanwhile); true when none failed. */
export async function cacheWritesDone(): Promise<boolean> {
  const all = pending.splice(0);
  return (await Promise.all(all.map((p) => p.done))).every((ok) => ok);
}

// The worker's side: write, then say how it went (the thread ends with it).
if (!isMainThread && (workerData as WriteJob | null)?.lazymmuCacheWrite) {
  const job = workerData as WriteJob;
  let outcome = FAILED;
  try {
    // A Buffer comes through the thread's message as a plain Uint8Array: a Buffer again, as the file's form has it (storedNames.ts).
    const text = job.parts.body.nameText as string | Uint8Array;
    if (typeof text !== 'string' && !Buffer.isBuffer(text)) job.parts.body.nameText = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
    writeCacheFile(job.parts);
    outcome = WRITTEN;
  } finally {
    Atomics.store(job.status, 0, outcome);
    Atomics.notify(job.status, 0);
  }
}
