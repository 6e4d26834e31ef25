// `lazymmu/memory`: the server's memory after a full garbage collection, for
// the edit-storm test (memory must return to its level), and how many
// Workspaces are still reachable (test/protocol/released.test.ts). Only a server
// started with `node --expose-gc` answers; otherwise the request is an error,
// so a normal session exposes nothing and never pays for a forced GC.
import { Connection, ResponseError, ErrorCodes } from 'vscode-languageserver/node';
import { liveWorkspaces } from '../engine/workspace';

export interface MemoryReport {
  /** V8 heap in use after GC (bytes). */
  heapUsed: number;
  /** V8 heap reserved (bytes): what V8 holds from the system, garbage room included. */
  heapTotal: number;
  /** Memory held outside the V8 heap by JS objects (incl. WebAssembly memory, buffers). */
  external: number;
  arrayBuffers: number;
  rss: number;
  /** Workspaces still reachable after the GC: one per index the server uses (a partial index or a replaced one is let go of). */
  workspaces: number;
}

export function registerMemoryRequest(connection: Connection): void {
  connection.onRequest('lazymmu/memory', async (): Promise<MemoryReport | ResponseError<void>> => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) return new ResponseError(ErrorCodes.MethodNotFound, 'lazymmu/memory needs the server started with --expose-gc');
    // Two rounds with a turn of the event loop between them: weak callbacks and finalizers run.
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, workspaces: liveWorkspaces() };
  });
}
