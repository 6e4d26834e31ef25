// `lazymmu/memory`: the server's memory after a full garbage collection, for
// the edit-storm test (memory must return to its level). Only a server
// started with `node --expose-gc` answers; otherwise the request is an error,
// so a normal session exposes nothing and never pays for a forced GC.
import { Connection, ResponseError, ErrorCodes } from 'vscode-languageserver/node';

export interface MemoryReport {
  /** V8 heap in use after GC (bytes). */
  heapUsed: number;
  /** Memory held outside the V8 heap by JS objects (incl. WebAssembly memory, buffers). */
  external: number;
  arrayBuffers: number;
  rss: number;
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
    return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
  });
}
