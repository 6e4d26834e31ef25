// Edit latency through the real language server (dist/server.js over stdio):
// with the tree indexed, scripted edits to one file; each latency is from
// sending didChange to the publishDiagnostics carrying that version. Used by
// scripts/bench.ts; never by the tests.
//
// The edits are what typing in the file looks like: at places spread evenly
// over the file's function bodies (statement lines), a new statement line is
// typed in, and then taken out again. Places inside a lazy MMU section's
// functions, or in functions they call, make the server analyse those again;
// the others reuse what the last check found. With `insideFn`, edits at every
// statement line of that function follow (copy_pte_range: the tree's heaviest
// section opener), measured apart.
import * as fs from 'fs';
import { pathToFileURL } from 'url';
import { LspClient } from '../test/protocol/lspClient';

export interface EditLatency {
  edits: number;
  indexMs: number;
  p50: number;
  p95: number;
  max: number;
  /** Edits answered in 30 ms or less. */
  within30: number;
  /** The slowest edits: where (1-based line of the file before the edit) and how long. */
  slowest: { line: number; ms: number }[];
  /** The server process's peak resident set (VmHWM), MB, after the edits (NaN where /proc is not there). */
  serverPeakMb: number;
  /** The server's resident set (VmRSS) and peak so far (VmHWM), MB, at the end of each phase: does it grow with the edits? */
  serverMemory: ServerMemory[];
  /** The edits typed inside one named function (every statement line of it), measured apart. */
  inside?: { fn: string; edits: number; p50: number; p95: number; max: number; within30: number };
  /**
   * The spread edits in two parts: those that changed the program as the
   * analysis sees it, and the ordinary ones, as the server said after each
   * (`lazymmu/lastCheck`, server/lastCheckRequest.ts: a call-graph search
   * came out different, or an edited function's summary or survey did).
   * Absent when the server does not answer that request.
   */
  byKind?: { changing: LatencyPart; ordinary: LatencyPart };
}

export interface LatencyPart {
  edits: number;
  p50: number;
  p95: number;
  max: number;
  within30: number;
}

function part(ms: number[]): LatencyPart {
  const sorted = [...ms].sort((a, b) => a - b);
  return { edits: sorted.length, p50: pct(sorted, 50), p95: pct(sorted, 95), max: sorted[sorted.length - 1], within30: sorted.filter((x) => x <= 30).length };
}

export interface ServerMemory {
  /** What the server had done then: 'first diagnostics', 'N edits', ... */
  phase: string;
  rssMb: number;
  peakMb: number;
}

/** The process's VmRSS and VmHWM from /proc, MB (NaN where /proc is not there). */
export function serverMemory(pid: number | undefined, phase: string): ServerMemory {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { phase, rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return { phase, rssMb: NaN, peakMb: NaN };
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Stops early (fewer edits, said in the result) after this long. */
const BUDGET_MS = Number(process.env.LAZYMMU_BENCH_EDIT_BUDGET_S ?? 600) * 1000;

/** 0-based lines that hold a statement inside a function body (tab-indented, ending in ';', no macro continuation). */
export function statementLines(text: string): number[] {
  const lines = text.split('\n');
  const out: number[] = [];
  let depth = 0;
  lines.forEach((l, i) => {
    if (depth > 0 && /^\t+\S.*;\s*$/.test(l) && !l.trimEnd().endsWith('\\')) out.push(i);
    if (!l.startsWith('#')) for (const c of l.replace(/\/\*.*?\*\/|\/\/.*$|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '')) depth += c === '{' ? 1 : c === '}' ? -1 : 0;
    if (depth < 0) depth = 0;
  });
  return out;
}

/** 0-based statement lines of the body of function `fn` (a definition whose name starts a line). */
export function statementLinesOf(text: string, fn: string): number[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${fn}(`));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l === '}');
  return statementLines(text).filter((i) => i > start && i < end);
}

export async function editLatency(root: string, file: string, edits: number, insideFn?: string): Promise<EditLatency> {
  const c = new LspClient();
  try {
    const t0 = Date.now();
    await c.initialize(root);
    const uri = pathToFileURL(file).href;
    const text = fs.readFileSync(file, 'utf8');
    await c.open(uri, text, 1);
    await c.waitFor('first diagnostics', () => c.diagnosticsFor(uri, 1), 600_000);
    const indexMs = Date.now() - t0;
    const memory = [serverMemory(c.proc.pid, 'first diagnostics')];
    const lat: { line: number; ms: number; changing?: boolean }[] = [];
    const candidates = statementLines(text);
    const places = Math.ceil(edits / 2);
    const typed = '\tcpu_relax();\n';
    const started = Date.now();
    // The spread edits, then (insideFn) one at every statement line of that function.
    const inside = insideFn ? statementLinesOf(text, insideFn) : [];
    const lines = [...Array.from({ length: places }, (_, k) => candidates[Math.floor((k * candidates.length) / places)]), ...inside];
    const latIn: number[] = [];
    let v = 2;
    for (let k = 0; k < lines.length && Date.now() - started < BUDGET_MS; k++) {
      if (k < places && lat.length >= edits) continue;
      const line = lines[k];
      const at = { line, character: 0 };
      const steps = [
        { range: { start: at, end: at }, text: typed },
        { range: { start: at, end: { line: line + 1, character: 0 } }, text: '' },
      ];
      for (const change of steps) {
        const s = process.hrtime.bigint();
        await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [change] });
        await c.waitFor(`diagnostics for version ${v}`, () => c.diagnosticsFor(uri, v), 120_000);
        const ms = Number(process.hrtime.bigint() - s) / 1e6;
        // Asked after the latency is taken: what the edit changed, from the server's own facts (null: not told).
        const said = await c.conn
          .sendRequest<{ searches: boolean; summaries: string[]; surveys: string[] } | null>('lazymmu/lastCheck', { uri, version: v })
          .catch(() => null);
        const changing = said ? said.searches || said.summaries.length > 0 || said.surveys.length > 0 : undefined;
        if (k < places) lat.push({ line: line + 1, ms, changing });
        else latIn.push(ms);
        if (process.env.LAZYMMU_BENCH_VERBOSE) console.error(`edit ${v - 1} at line ${line + 1}: ${ms.toFixed(1)} ms`);
        v++;
      }
      // The end of the spread edits (and every 100 of them), then of the edits inside the function.
      const n = lat.length + latIn.length;
      if ((k < places && n % 100 === 0) || k === places - 1 || k === lines.length - 1) memory.push(serverMemory(c.proc.pid, k < places ? `${n} edits spread` : `${latIn.length} edits inside ${insideFn}`));
    }
    const sorted = lat.map((l) => l.ms).sort((a, b) => a - b);
    const sortedIn = latIn.sort((a, b) => a - b);
    const serverPeakMb = serverMemory(c.proc.pid, 'end').peakMb;
    return {
      serverPeakMb,
      serverMemory: memory,
      edits: lat.length,
      indexMs,
      p50: pct(sorted, 50),
      p95: pct(sorted, 95),
      max: sorted[sorted.length - 1],
      within30: sorted.filter((x) => x <= 30).length,
      slowest: [...lat].sort((a, b) => b.ms - a.ms).slice(0, 5),
      ...(lat.length && lat.every((l) => l.changing !== undefined)
        ? { byKind: { changing: part(lat.filter((l) => l.changing).map((l) => l.ms)), ordinary: part(lat.filter((l) => !l.changing).map((l) => l.ms)) } }
        : {}),
      ...(insideFn && sortedIn.length
        ? {
            inside: {
              fn: insideFn,
              edits: sortedIn.length,
              p50: pct(sortedIn, 50),
              p95: pct(sortedIn, 95),
              max: sortedIn[sortedIn.length - 1],
              within30: sortedIn.filter((x) => x <= 30).length,
            },
          }
        : {}),
    };
  } finally {
    await c.shutdown().catch(() => c.proc.kill());
  }
}
