// Two builds side by side in ONE process: the same edits inside
// copy_pte_range (scripts/benchEdits.ts's places, `cpu_relax();` typed in and
// taken out again), and N spread over the file's function bodies (as
// benchEditCpu.ts's), given to a Workspace of each checkout's out/, the two
// alternated edit by edit, so that both meet the same machine load (two
// processes run one after the other on this shared 2-core machine do not).
// Prints the CPU (user + system) of the opener's run (root summaries, as
// benchEditCpu.ts counts them) and of the whole check, p50 / p95 per build,
// and how many checks' findings differed between the builds (an
// optimisation must give 0). No analysis store (STORE=0 in benchEditCpu's
// terms): the store's digests are not the interpreter's. Each kind's checks
// are also reported in two parts, those that changed the program and the
// ordinary ones, and the local rules' share of each check (the CPU of
// LocalVerdicts.ofFile, checkers/localVerdicts.ts), as told by the build that says (Workspace.lastCheckChanges,
// see benchEditCpu.ts), the same split for both builds; and how many checks
// searched chains again (ContextReach.chain: chains not served from the last
// check) and the CPU of those searches; and the typed and taken-out halves
// apart, A / B, with how many of the paired checks B made in less CPU. Never
// run by the tests.
//
//   node out/scripts/benchEditCpuAB.js CHECKOUT_A CHECKOUT_B [TREE]
//   (M edits inside copy_pte_range (FN=name: inside that function of mm/memory.c), default 24, and N spread ones, default 0, from the environment;
//   R repeats the whole series R times, default 1: more checks for the low percentiles;
//   VERBOSE=1 prints each check's CPU per build;
//   COLD=1 builds each side's index anew (an empty cache each, removed at the end), as a cold server does;
//   LINES=2852,841 (1-based) edits those lines of mm/memory.c (kind "lines") instead of the N spread ones;
//   each checkout built with `npx tsc -p .` and its wasm)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultCacheBase } from '../engine/index/indexCache';

interface Side {
  checkout: string;
  ws: {
    setText(file: string, text: string): void;
    check(paths: string[]): Promise<{ findings: unknown[] }>;
    /** Not in builds before edits8. */
    lastCheckChanges?(): { searches: boolean; summaries: string[]; surveys: string[] };
  };
  acc: { ms: number; depth: number };
  /** CPU ms of the local rules' verdicts in the current check. */
  locals: { ms: number };
  /** Per kind: the local rules' CPU ms per check. */
  local: Map<string, number[]>;
  /** The contextual searches in the current check: chains searched and their CPU ms (ContextReach.chain, outermost). */
  searches: { n: number; ms: number; depth: number };
  /** Per kind: the contextual searches' CPU ms and chains searched per check. */
  search: Map<string, [number, number][]>;
  /** Per kind of place (spread, inside copy_pte_range): the opener's run and the whole check, CPU ms per check. */
  run: Map<string, number[]>;
  all: Map<string, number[]>;
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
  const locals = { ms: 0 };
  const { LocalVerdicts } = require(path.join(out, 'engine', 'checkers', 'localVerdicts'));
  const ofFile = LocalVerdicts.prototype.ofFile;
  LocalVerdicts.prototype.ofFile = function (this: unknown, ...args: unknown[]) {
    const c0 = process.cpuUsage();
    try {
      return ofFile.apply(this, args);
    } finally {
      const c = process.cpuUsage(c0);
      locals.ms += (c.user + c.system) / 1000;
    }
  };
  const searches = { n: 0, ms: 0, depth: 0 };
  const { ContextReach } = require(path.join(out, 'engine', 'analysis', 'contextReach'));
  const chain = ContextReach.prototype.chain;
  ContextReach.prototype.chain = function (this: unknown, ...args: unknown[]) {
    searches.n++;
    if (searches.depth > 0) return chain.apply(this, args);
    searches.depth++;
    const c0 = process.cpuUsage();
    try {
      return chain.apply(this, args);
    } finally {
      const c = process.cpuUsage(c0);
      searches.ms += (c.user + c.system) / 1000;
      searches.depth--;
    }
  };
  // COLD=1: each side's index scanned anew into a cache of its own (as a cold editor's server builds it), not read from the shared one.
  const cold = process.env.COLD === '1';
  const cacheDir = cold ? fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-ab-cold-')) : defaultCacheBase();
  if (cold) process.on('exit', () => fs.rmSync(cacheDir, { recursive: true, force: true }));
  const ws = new Workspace({ root, arch: 'arm64', cacheDir, analysisStore: false });
  ws.build();
  ws.setText(file, text);
  await ws.check([file]);
  return { checkout, ws, acc, locals, local: new Map(), searches, search: new Map(), run: new Map(), all: new Map() };
}

async function main(): Promise<void> {
  const [a, b, treeArg] = process.argv.slice(2);
  if (!a || !b) throw new Error('usage: benchEditCpuAB.js CHECKOUT_A CHECKOUT_B [TREE]');
  const root = path.resolve(treeArg ?? path.join(defaultCacheBase(), 'linux-source-6.12'));
  const file = path.join(root, 'mm', 'memory.c');
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const { statementLines, statementLinesOf } = require(path.join(path.resolve(a, 'out'), 'scripts', 'benchEdits'));
  const fnName = process.env.FN ?? 'copy_pte_range';
  const cand: number[] = statementLines(text);
  // A definition whose name starts a line (statementLinesOf), or one with its return type before it on the line.
  const start = lines.findIndex((l) => new RegExp(`^\\w.*\\b${fnName}\\(`).test(l) && !/;\s*$/.test(l));
  const end = lines.findIndex((l, i) => i > start && l === '}');
  const inside: number[] = fnName === 'copy_pte_range' ? statementLinesOf(text, fnName) : cand.filter((i) => start >= 0 && i > start && i < end);
  if (!inside.length) throw new Error(`no statement lines inside ${fnName}`);
  const m = Number(process.env.M ?? 24);
  const n = Number(process.env.N ?? 0);
  const chosen = process.env.LINES ? process.env.LINES.split(',').map((l) => Number(l) - 1) : null;
  const series: [string, number][] = [
    ...(chosen ? chosen.map((ln): [string, number] => ['lines', ln]) : Array.from({ length: n }, (_, k): [string, number] => ['spread', cand[Math.floor((k * cand.length) / n)]])),
    ...Array.from({ length: m }, (_, k): [string, number] => [`inside ${fnName}`, inside[Math.floor((k * inside.length) / m)]]),
  ];
  const at = Array.from({ length: Number(process.env.R ?? 1) }, () => series).flat();
  const sides = [await side(a, root, file, text), await side(b, root, file, text)];
  let differing = 0;
  /** Per kind: whether each check changed the program, as the first build that says told. */
  const changing = new Map<string, boolean[]>();
  for (const [k, [kind, ln]] of at.entries())
    for (const t of [[...lines.slice(0, ln), '\tcpu_relax();', ...lines.slice(ln)].join('\n'), text]) {
      const found: string[] = [];
      let changed: boolean | undefined;
      // Which build goes first alternates, so neither always meets the other's garbage.
      for (const s of k % 2 ? sides : [...sides].reverse()) {
        s.acc.ms = 0;
        s.locals.ms = 0;
        s.searches.n = 0;
        s.searches.ms = 0;
        const c0 = process.cpuUsage();
        s.ws.setText(file, t);
        const r = await s.ws.check([file]);
        const c = process.cpuUsage(c0);
        for (const [m, v] of [[s.run, s.acc.ms], [s.local, s.locals.ms], [s.all, (c.user + c.system) / 1000]] as const) {
          if (!m.has(kind)) m.set(kind, []);
          m.get(kind)!.push(v);
        }
        if (!s.search.has(kind)) s.search.set(kind, []);
        s.search.get(kind)!.push([s.searches.ms, s.searches.n]);
        found.push(JSON.stringify(r.findings));
        const ch = s.ws.lastCheckChanges?.();
        if (ch && changed === undefined) changed = ch.searches || ch.summaries.length > 0 || ch.surveys.length > 0;
      }
      if (!changing.has(kind)) changing.set(kind, []);
      changing.get(kind)!.push(!!changed);
      if (found[0] !== found[1]) {
        differing++;
        console.log(`findings differ after the edit at line ${ln + 1}`);
      }
      if (process.env.VERBOSE)
        console.log(
          `  line ${ln + 1} (${kind}): ${sides.map((s) => `${s.run.get(kind)!.at(-1)!.toFixed(1)} + local ${s.local.get(kind)!.at(-1)!.toFixed(1)} of ${s.all.get(kind)!.at(-1)!.toFixed(1)} ms`).join(' / ')}${changed ? ' (changed the program)' : ''}`,
        );
    }
  for (const s of sides)
    for (const [kind, run] of s.run) {
      const all = s.all.get(kind)!;
      console.log(
        `${s.checkout}, ${kind}: ${run.length} checks; the opener's run CPU ms min ${Math.min(...run).toFixed(1)}, p25 ${pct(run, 25).toFixed(1)}, ` +
          `p50 ${pct(run, 50).toFixed(1)}, p95 ${pct(run, 95).toFixed(1)}; ` +
          `the whole check min ${Math.min(...all).toFixed(1)}, p25 ${pct(all, 25).toFixed(1)}, p50 ${pct(all, 50).toFixed(1)}, p95 ${pct(all, 95).toFixed(1)}`,
      );
      const local = s.local.get(kind)!;
      const share = local.reduce((x, y) => x + y, 0) / all.reduce((x, y) => x + y, 0);
      console.log(`  ${kind}, the local rules: p50 ${pct(local, 50).toFixed(1)}, p95 ${pct(local, 95).toFixed(1)} ms; ${(100 * share).toFixed(0)}% of the checks' CPU`);
      const search = s.search.get(kind)!;
      const searched = search.filter(([, n]) => n > 0);
      console.log(
        `  ${kind}, the contextual searches (chains not served from the last check): ${searched.length} checks searched ${searched.reduce((x, [, n]) => x + n, 0)} chains, ` +
          `${searched.reduce((x, [ms]) => x + ms, 0).toFixed(0)} ms CPU in all`,
      );
      for (const [part, want] of [['changing the program', true], ['ordinary', false]] as const) {
        const some = all.filter((_, i) => changing.get(kind)![i] === want);
        if (some.length) console.log(`  ${kind}, ${part}: ${some.length} checks, the whole check p50 ${pct(some, 50).toFixed(1)}, p95 ${pct(some, 95).toFixed(1)}`);
      }
    }
  // The typed and taken-out halves apart (the checks alternate: typed, then taken out), paired check by
  // check: a taken-out half is mostly restored from what the typed one kept, so only the typed half shows
  // what the opener's run costs.
  const [sa, sb] = sides;
  for (const kind of sa.run.keys())
    for (const [half, parity] of [['typed', 0], ['taken out', 1]] as const) {
      const pick = (xs: number[]) => xs.filter((_, i) => i % 2 === parity);
      const [ra, rb, wa, wb] = [pick(sa.run.get(kind)!), pick(sb.run.get(kind)!), pick(sa.all.get(kind)!), pick(sb.all.get(kind)!)];
      const lower = (x: number[], y: number[]) => y.filter((v, i) => v < x[i]).length;
      console.log(
        `  ${kind}, ${half} (${ra.length} checks): the opener's run p50 ${pct(ra, 50).toFixed(1)} / ${pct(rb, 50).toFixed(1)} ms, the second lower in ${lower(ra, rb)}; ` +
          `the whole check p50 ${pct(wa, 50).toFixed(1)} / ${pct(wb, 50).toFixed(1)}, p95 ${pct(wa, 95).toFixed(1)} / ${pct(wb, 95).toFixed(1)} ms, the second lower in ${lower(wa, wb)}`,
      );
    }
  console.log(`checks whose findings differed between the builds: ${differing}`);
  if (differing) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
