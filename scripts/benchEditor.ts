// The editor's wait for its first diagnostics, through the real language
// server (dist/server.js over stdio): a tree opened as the workspace folder
// and one file opened in it, timed from the server's start to the first
// publishDiagnostics carrying a finding for that file (provisional or not)
// and to the final one (the whole tree's sections checked); with
// `firstEdit` (a window reload), then one edit (a statement typed into
// copy_pte_range, then taken out: what the server keeps at its shutdown is
// the text on disk's) timed to its diagnostics, once the reload's background
// analysis for edits is made (server/main.ts prepareEdits). Used by
// scripts/bench.ts; never by the tests.
import * as fs from 'fs';
import { pathToFileURL } from 'url';
import { LspClient, isProvisional } from '../test/protocol/lspClient';
import { serverMemory, statementLinesOf } from './benchEdits';

/** The server's log line when a reload's analysis for edits is made (server/main.ts prepareEdits). */
const PREPARED = /phase: analysis for edits of \S+ made/;

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
  /** With `firstEdit`: server start to the end of the reload's background analysis for edits, ms. */
  preparedMs?: number;
  /** With `firstEdit`: the first edit, didChange to its diagnostics, ms. */
  firstEditMs?: number;
  /** With `firstEdit`: the server's peak RSS after that edit, MB. */
  peakAfterEditMb?: number;
}

export async function firstDiagnostics(root: string, file: string, cacheDir: string, firstEdit = false, timeoutMs = 1_800_000): Promise<FirstDiagnostics> {
  const t0 = Date.now();
  const c = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cacheDir } });
  const uri = pathToFileURL(file).href;
  try {
    await c.initialize(root);
    const text = fs.readFileSync(file, 'utf8');
    await c.open(uri, text, 1);
    const final = await c.waitFor('final diagnostics', () => c.diagnosticsFor(uri, 1), timeoutMs);
    const finalMs = Date.now() - t0;
    const serverPeakMb = serverMemory(c.proc.pid, 'final').peakMb;
    // (A file without findings: its final publish is the first answer.)
    const first = c.timeline.find((e) => e.method === 'publishDiagnostics' && e.params.uri === uri && e.params.diagnostics.length) ?? { params: final, at: Date.now() };
    const indexAt = c.logsAt[c.logs.findIndex((m) => /phase: index /.test(m))];
    const after: Pick<FirstDiagnostics, 'preparedMs' | 'firstEditMs' | 'peakAfterEditMb'> = {};
    if (firstEdit) {
      await c.waitFor('the analysis for edits', () => c.logs.some((m) => PREPARED.test(m)), 300_000);
      after.preparedMs = c.logsAt[c.logs.findIndex((m) => PREPARED.test(m))] - t0;
      const at = { line: statementLinesOf(text, 'copy_pte_range')[0] ?? 0, character: 0 };
      const s = process.hrtime.bigint();
      await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: at, end: at }, text: '\tcpu_relax();\n' }] });
      await c.waitFor("the first edit's diagnostics", () => c.diagnosticsFor(uri, 2), timeoutMs);
      after.firstEditMs = Number(process.hrtime.bigint() - s) / 1e6;
      after.peakAfterEditMb = serverMemory(c.proc.pid, 'first edit').peakMb;
      await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text }] });
      await c.waitFor('the text on disk again', () => c.diagnosticsFor(uri, 3), timeoutMs);
    }
    return {
      indexMs: indexAt !== undefined ? indexAt - t0 : NaN,
      firstMs: first.at! - t0,
      firstProvisional: isProvisional(first.params),
      findingsFirst: first.params.diagnostics.length,
      finalMs,
      findingsFinal: final.diagnostics.length,
      serverPeakMb,
      ...after,
    };
  } finally {
    await c.shutdown().catch(() => c.proc.kill());
  }
}
