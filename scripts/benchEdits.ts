// Edit latency through the real language server (dist/server.js over stdio):
// with the tree indexed, scripted edits to one file; each latency is from
// sending didChange to the publishDiagnostics carrying that version (the
// server's debounce included). Used by scripts/bench.ts; never by the tests.
import * as fs from 'fs';
import { pathToFileURL } from 'url';
import { LspClient } from '../test/protocol/lspClient';

export interface EditLatency {
  edits: number;
  indexMs: number;
  p50: number;
  p95: number;
  max: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Stops early (fewer edits, said in the result) after this long: the whole-tree server can be slow per edit. */
const BUDGET_MS = Number(process.env.LAZYMMU_BENCH_EDIT_BUDGET_S ?? 600) * 1000;

export async function editLatency(root: string, file: string, edits: number): Promise<EditLatency> {
  const c = new LspClient();
  try {
    const t0 = Date.now();
    await c.initialize(root);
    const uri = pathToFileURL(file).href;
    const text = fs.readFileSync(file, 'utf8');
    await c.open(uri, text, 1);
    await c.waitFor('first diagnostics', () => c.diagnosticsFor(uri, 1), 600_000);
    const indexMs = Date.now() - t0;
    const lat: number[] = [];
    // Alternately insert and remove a comment at the top of a line in the middle of the file.
    const line = Math.floor(text.split('\n').length / 2);
    const started = Date.now();
    const ins = '/* edit */ ';
    for (let v = 2; v < edits + 2 && Date.now() - started < BUDGET_MS; v++) {
      const insert = v % 2 === 0;
      const change = insert
        ? { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: ins }
        : { range: { start: { line, character: 0 }, end: { line, character: ins.length } }, text: '' };
      const s = process.hrtime.bigint();
      await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [change] });
      await c.waitFor(`diagnostics for version ${v}`, () => c.diagnosticsFor(uri, v), 120_000);
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (process.env.LAZYMMU_BENCH_VERBOSE) console.error(`edit ${v - 1}: ${lat[lat.length - 1].toFixed(0)} ms`);
    }
    lat.sort((a, b) => a - b);
    return { edits: lat.length, indexMs, p50: pct(lat, 50), p95: pct(lat, 95), max: lat[lat.length - 1] };
  } finally {
    await c.shutdown().catch(() => c.proc.kill());
  }
}
