// CPU time per edit of mm/memory.c, in-process: a Workspace given each edit
// (setText) and checked as the language server does, at the edit bench's
// places (scripts/benchEdits.ts): N spread over the file's function bodies
// and M inside copy_pte_range, each a `cpu_relax();` line typed in and taken
// out again. CPU time (user + system) rather than wall time, so that runs of
// two checkouts side by side on a loaded machine can be compared. Never run
// by the tests. Each line also says how much of it was the analysis roots'
// interpreter runs (Interpreter.summarize entered from outside any summary:
// the opener's path-sensitive run with the callees it re-summarises), and
// STORE=0 leaves the analysis store out (engine/store/). The interpreter's
// work counter (statements executed x states carried, limits.ts) per edit is
// printed too: a count, comparable under any load. The store is written
// after each check as the language server may (storeSavedByCaller; the
// server writes it when idle), measured apart from the check.
//
// VERBOSE=1 prints each edit (its 1-based line, CPU, steps); LINES=119,2852 (1-based)
// edits those lines instead of the spread places; TYPED='might_sleep();' types that
// statement instead of `cpu_relax();`.
//
// Each kind's edits are also reported in two parts (its overall row kept):
// those that changed the program as the analysis sees it, and the ordinary
// ones. Told apart by the Workspace's own facts after each check
// (Workspace.lastCheckChanges): a call-graph search came out different, or
// an edited function's summary or survey differs from the one before the
// edit in what its callers and the contextual searches take from it.
//
// PROF=DIR writes a CPU profile of each kind's edits alone (not the build or
// the first check) to DIR/<kind>.cpuprofile.
//
//   node out/scripts/benchEditCpu.js [TREE]   (N, M, STORE, PROF from the environment; default 30, 12, 1, none)
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as path from 'path';
import { Workspace } from '../engine/workspace';
import { defaultCacheBase } from '../engine/index/indexCache';
import { statementLines, statementLinesOf } from './benchEdits';
import { Interpreter } from '../engine/analysis/interpreter';
import { interpreterWork } from '../engine/analysis/limits';

/** CPU ms spent in root summaries (wrapping the method: this script only). */
const interp = { ms: 0, depth: 0 };
const summarize = Interpreter.prototype.summarize;
Interpreter.prototype.summarize = function (this: Interpreter, ...args: Parameters<Interpreter['summarize']>) {
  if (interp.depth > 0) return summarize.apply(this, args);
  interp.depth++;
  const c0 = process.cpuUsage();
  try {
    return summarize.apply(this, args);
  } finally {
    const c1 = process.cpuUsage(c0);
    interp.ms += (c1.user + c1.system) / 1000;
    interp.depth--;
  }
} as Interpreter['summarize'];

/** Runs `f` under the inspector's CPU profiler when PROF names a folder, writing DIR/<name>.cpuprofile. */
async function profiled(name: string, f: () => Promise<void>): Promise<void> {
  const dir = process.env.PROF;
  if (!dir) return f();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.start');
  await f();
  const { profile } = await post('Profiler.stop');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name.replace(/\W+/g, '_')}.cpuprofile`), JSON.stringify(profile));
  session.disconnect();
}

function pct(a: number[], p: number): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function main(): Promise<void> {
  const root = path.resolve(process.argv[2] ?? path.join(defaultCacheBase(), 'linux-source-6.12'));
  const file = path.join(root, 'mm', 'memory.c');
  // As the language server: the store written by the caller, after the diagnostics (measured apart).
  const ws = new Workspace({ root, arch: 'arm64', cacheDir: defaultCacheBase(), analysisStore: process.env.STORE !== '0', storeSavedByCaller: true });
  ws.build();
  const text = fs.readFileSync(file, 'utf8');
  ws.setText(file, text);
  await ws.check([file]);
  ws.saveStore();
  const lines = text.split('\n');
  const cand = statementLines(text);
  const inside = statementLinesOf(text, 'copy_pte_range');
  const typed = process.env.TYPED ?? 'cpu_relax();';
  const n = Number(process.env.N ?? 30);
  const m = Number(process.env.M ?? 12);
  const places: [string, number[]][] = [
    process.env.LINES
      ? ['lines', process.env.LINES.split(',').map((l) => Number(l) - 1)]
      : ['spread', Array.from({ length: n }, (_, k) => cand[Math.floor((k * cand.length) / n)])],
    ['inside copy_pte_range', Array.from({ length: m }, (_, k) => inside[Math.floor((k * inside.length) / m)])],
  ];
  for (const [kind, at] of places) {
    if (!at.length) continue;
    const cpu: number[] = [];
    const runs: number[] = [];
    const saves: number[] = [];
    const steps: number[] = [];
    /** Per edit: whether it changed the program (lastCheckChanges). */
    const changing: boolean[] = [];
    await profiled(kind, async () => {
      for (const ln of at)
        for (const t of [[...lines.slice(0, ln), `\t${typed}`, ...lines.slice(ln)].join('\n'), text]) {
          const c0 = process.cpuUsage();
          interp.ms = 0;
          const w0 = interpreterWork.steps;
          ws.setText(file, t);
          await ws.check([file]);
          steps.push(interpreterWork.steps - w0);
          const c1 = process.cpuUsage(c0);
          cpu.push((c1.user + c1.system) / 1000);
          const changes = ws.lastCheckChanges();
          changing.push(changes.searches || changes.summaries.length > 0 || changes.surveys.length > 0);
          runs.push(interp.ms);
          const s0 = process.cpuUsage();
          ws.saveStore();
          const s1 = process.cpuUsage(s0);
          saves.push((s1.user + s1.system) / 1000);
          const fnName = (k: string) => k.slice(k.indexOf('\0') + 1);
          const changed = [...(changes.searches ? ['a call-graph search'] : []), ...changes.summaries.map((k) => `${fnName(k)}'s summary`), ...changes.surveys.map((k) => `${fnName(k)}'s survey`)];
          if (process.env.VERBOSE)
            console.log(`  line ${ln + 1}: CPU ${cpu[cpu.length - 1].toFixed(1)} ms, root summaries ${interp.ms.toFixed(1)} ms, steps ${steps[steps.length - 1]}${changed.length ? `; changed the program: ${changed.join(', ')}` : ''}`);
        }
    });
    console.log(
      `${kind}: ${cpu.length} edits, CPU ms p50 ${pct(cpu, 50).toFixed(1)}, p95 ${pct(cpu, 95).toFixed(1)}, max ${pct(cpu, 100).toFixed(1)}; ` +
        `of which root summaries p50 ${pct(runs, 50).toFixed(1)}, p95 ${pct(runs, 95).toFixed(1)}; ` +
        `interpreter steps (statements x states) p50 ${pct(steps, 50)}; ` +
        `then the store's write p50 ${pct(saves, 50).toFixed(1)}, p95 ${pct(saves, 95).toFixed(1)}`,
    );
    for (const [part, want] of [['changing the program', true], ['ordinary', false]] as const) {
      const some = cpu.filter((_, i) => changing[i] === want);
      if (some.length) console.log(`  ${kind}, ${part}: ${some.length} edits, CPU ms p50 ${pct(some, 50).toFixed(1)}, p95 ${pct(some, 95).toFixed(1)}, max ${pct(some, 100).toFixed(1)}`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
