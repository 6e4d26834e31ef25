// Two builds side by side in ONE process: the same edits inside
// copy_pte_range (scripts/benchEdits.ts's places, `cpu_relax();` typed in and
// taken out again) given to a Workspace of each checkout's out/, the two
// alternated edit by edit, so that both meet the same machine load (two
// processes run one after the other on this shared 2-core machine do not).
// Prints the CPU (user + system) of the opener's run (root summaries, as
// benchEditCpu.ts counts them) and of the whole check, p50 / p95 per build,
// and how many checks' findings differed between the builds (an
// optimisation must give 0). No analysis store (STORE=0 in benchEditCpu's
// terms): the store's digests are not the interpreter's. Never run by the tests.
//
//   node out/scripts/benchEditCpuAB.js CHECKOUT_A CHECKOUT_B [TREE]
//   (M edits, default 24, from the environment; each checkout built with `npx tsc -p .` and its wasm)
import * as fs from 'fs';
import * as path from 'path';
import { defaultCacheBase } from '../engine/index/indexCache';

interface Side {
  checkout: string;
  ws: { setText(file: string, text: string): void; check(paths: string[]): Promise<{ findings: unknown[] }> };
  acc: { ms: number; depth: number };
  run: number[];
  all: number[];
}

function pct(a: number[], p: number): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** A Workspace of `checkout`'s own engine, its root summaries' CPU counted in `acc`. */
async function side(checkout: string, root: string, file: string, text: string): Promise<Side> {
  const out = path.resolve(checkout, 'out');
  const { Workspace } = require(path.join(out, 'engine', 'workspace'));
  const { Interpreter } = require(path.join(out, 'engine', 'analysis', 'interpreter'));
  const acc = { ms: 0, depth: 0 };
  const summarize = Interpreter.prototype.summarize;
  Interpreter.prototype.summarize = function (this: unknown, ...args: unknown[]) {
    if (acc.depth > 0) return summarize.apply(this, args);
    acc.depth++;
    const c0 = process.cpuUsage();
    try {
      return summarize.apply(this, args);
    } finally {
      const c = process.cpuUsage(c0);
      acc.ms += (c.user + c.system) / 1000;
      acc.depth--;
    }
  };
  const ws = new Workspace({ root, arch: 'arm64', cacheDir: defaultCacheBase(), analysisStore: false });
  ws.build();
  ws.setText(file, text);
  await ws.check([file]);
  return { checkout, ws, acc, run: [], all: [] };
}

async function main(): Promise<void> {
  const [a, b, treeArg] = process.argv.slice(2);
  if (!a || !b) throw new Error('usage: benchEditCpuAB.js CHECKOUT_A CHECKOUT_B [TREE]');
  const root = path.resolve(treeArg ?? path.join(defaultCacheBase(), 'linux-source-6.12'));
  const file = path.join(root, 'mm', 'memory.c');
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const { statementLinesOf } = require(path.join(path.resolve(a, 'out'), 'scripts', 'benchEdits'));
  const inside: number[] = statementLinesOf(text, 'copy_pte_range');
  const m = Number(process.env.M ?? 24);
  const at = Array.from({ length: m }, (_, k) => inside[Math.floor((k * inside.length) / m)]);
  const sides = [await side(a, root, file, text), await side(b, root, file, text)];
  let differing = 0;
  for (const [k, ln] of at.entries())
    for (const t of [[...lines.slice(0, ln), '\tcpu_relax();', ...lines.slice(ln)].join('\n'), text]) {
      const found: string[] = [];
      // Which build goes first alternates, so neither always meets the other's garbage.
      for (const s of k % 2 ? sides : [...sides].reverse()) {
        s.acc.ms = 0;
        const c0 = process.cpuUsage();
        s.ws.setText(file, t);
        const r = await s.ws.check([file]);
        const c = process.cpuUsage(c0);
        s.run.push(s.acc.ms);
        s.all.push((c.user + c.system) / 1000);
        found.push(JSON.stringify(r.findings));
      }
      if (found[0] !== found[1]) {
        differing++;
        console.log(`findings differ after the edit at line ${ln + 1}`);
      }
    }
  for (const s of sides)
    console.log(
      `${s.checkout}: ${s.run.length} checks; the opener's run CPU ms p50 ${pct(s.run, 50).toFixed(1)}, p95 ${pct(s.run, 95).toFixed(1)}; ` +
        `the whole check p50 ${pct(s.all, 50).toFixed(1)}, p95 ${pct(s.all, 95).toFixed(1)}`,
    );
  console.log(`checks whose findings differed between the builds: ${differing}`);
  if (differing) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
