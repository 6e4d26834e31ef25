// The editor's wait for its first diagnostics, through the real language
// server (dist/server.js over stdio): a tree opened as the workspace folder
// and one file opened in it, timed from the server's start to the first
// publishDiagnostics carrying a finding for that file (provisional or not)
// and to the final one (the whole tree's sections checked). Used by
// scripts/bench.ts; never by the tests.
import * as fs from 'fs';
import { pathToFileURL } from 'url';
import { LspClient, isProvisional } from '../test/protocol/lspClient';
import { serverMemory } from './benchEdits';

export interface FirstDiagnostics {
  /** Server start to the index's end (its phase log line), ms. */
  indexMs: number;
  /** Server start to the first publish with a finding for the file, ms. */
  firstMs: number;
  /** Whether that first publish was provisional (the open file's sections only). */
  firstProvisional: boolean;
  findingsFirst: number;
  /** Server start to the final publish (every section of the tree analysed), ms. */
  finalMs: number;
  findingsFinal: number;
  /** The server's peak RSS (VmHWM) at the final publish, MB: the index's build and the first check. */
  serverPeakMb: number;
}

export async function firstDiagnostics(root: string, file: string, cacheDir: string, timeoutMs = 1_800_000): Promise<FirstDiagnostics> {
  const t0 = Date.now();
  const c = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cacheDir } });
  const uri = pathToFileURL(file).href;
  try {
    await c.initialize(root);
    await c.open(uri, fs.readFileSync(file, 'utf8'), 1);
    const final = await c.waitFor('final diagnostics', () => c.diagnosticsFor(uri, 1), timeoutMs);
    const finalMs = Date.now() - t0;
    const serverPeakMb = serverMemory(c.proc.pid, 'final').peakMb;
    // (A file without findings: its final publish is the first answer.)
    const first = c.timeline.find((e) => e.method === 'publishDiagnostics' && e.params.uri === uri && e.params.diagnostics.length) ?? { params: final, at: Date.now() };
    const indexAt = c.logsAt[c.logs.findIndex((m) => /phase: index /.test(m))];
    return {
      indexMs: indexAt !== undefined ? indexAt - t0 : NaN,
      firstMs: first.at! - t0,
      firstProvisional: isProvisional(first.params),
      findingsFirst: first.params.diagnostics.length,
      finalMs,
      findingsFinal: final.diagnostics.length,
      serverPeakMb,
    };
  } finally {
    await c.shutdown().catch(() => c.proc.kill());
  }
}
