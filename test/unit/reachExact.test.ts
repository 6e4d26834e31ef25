// The call-graph search (index/reachability.ts) against a plain
// breadth-first search written here (its behaviour before the searches
// were made cheaper, docs/perf/searches2.md: each caller looked up through
// index.resolve, every level sorted by frontierOrder), on generated trees
// that have what its shortcuts decide differently: a name with one definition
// (static and called from another file, or ruled out by the configuration's
// #if), a name defined in an #if and its #else of one file and in other files,
// a macro and a function of one name, barriers by name, test files and
// userspace-only definitions. For every definition its whole chain, the entry
// a call by each name finds from each file, the names on some chain and the
// answer read back from its serial form (as written, and with each name
// listed once, as stores before cold5 hold it) must be the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { Node_, Reachability, ReachStep, StoredReach, anyMatch } from '../../engine/index/reachability';
import { ConfigOracle } from '../../engine/config/oracle';
import { KernelConfig } from '../../engine/config/kernelConfig';
import { Rng } from '../fuzz/rng';
import { StoredNames } from '../../engine/index/storedNames';

const TARGETS = new Set(['might_sleep', 'mutex_lock']);
const DEPTH = 6;
// Short names, and long ones sharing their first 6 and 12 characters (a level is sorted by numeric keys of 6 characters each).
const NAMES = Array.from({ length: 18 }, (_, i) => [`fn${i}`, `__sys_fn${i}`, `__sys_fn_long${i % 2}_${i}`][i % 3]);
const FILES = ['a.c', 'b.c', 'c_test.c', 'd.h', 'e.h'];
const BARRIERS = [/^barrier_/];
const testFile = (f: string) => f.endsWith('_test.c');

/** The fuzzers' seeded mulberry32 (test/fuzz/rng.ts) as a plain function: the same inputs on every run. */
function rng(seed: number): () => number {
  const g = new Rng(seed);
  return () => g.next();
}

/** A file's text: functions (some static, some in an #if/#else pair or userspace-only) and macros. */
function randomFile(r: () => number): string {
  const pool = [...NAMES, ...TARGETS, 'barrier_fn', 'mac_a'];
  const calls = () => [...new Set(Array.from({ length: 1 + Math.floor(r() * 3) }, () => pool[Math.floor(r() * pool.length)]))];
  const fn = (name: string) => `${r() < 0.3 ? 'static ' : ''}void ${name}(int x)\n{\n${calls().map((c) => `\t${c}(x);\n`).join('')}}\n`;
  const out: string[] = [];
  for (let k = 0; k < 6; k++) {
    const name = NAMES[Math.floor(r() * NAMES.length)];
    const shape = r();
    if (shape < 0.15) out.push(`#ifdef CONFIG_SMP\n${fn(name)}#else\n${fn(name)}#endif\n`);
    else if (shape < 0.22) out.push(`#ifdef CONFIG_NO_SUCH_OPTION\n${fn(name)}#endif\n`);
    else if (shape < 0.27) out.push(`#ifndef __KERNEL__\n${fn(name)}#endif\n`);
    else if (shape < 0.35) out.push(`#define ${r() < 0.5 ? 'mac_a' : name}(x) ${calls().map((c) => `${c}(x)`).join(', ')}\n`);
    else out.push(fn(name));
  }
  if (r() < 0.3) out.push(`void barrier_fn(int x)\n{\n\tmight_sleep();\n}\n`);
  return out.join('\n');
}

interface Reference {
  steps: Map<Node_, ReachStep>;
  relevant: string[];
}

/** The search as it was: each caller's resolution through index.resolve, every level sorted whole. */
function reference(idx: WorkspaceIndex): Reference {
  const isMacro = (n: Node_) => 'params' in n;
  const order = (an: string, a: Node_, bn: string, b: Node_) =>
    an !== bn ? (an < bn ? -1 : 1) : a.file !== b.file ? (a.file < b.file ? -1 : 1) : Number(isMacro(a)) - Number(isMacro(b)) || a.line - b.line;
  const userspaceOnly = (c: string) => c.split('&&').some((x) => /^!\s*\(?\s*(defined\s*\(?\s*)?__KERNEL__\s*\)?\s*\)?$/.test(x.trim()));
  const resolvesTo = (name: string, file: string, node: Node_) =>
    isMacro(node)
      ? idx.resolve(name, file).length === 0 && idx.macros(name).includes(node as never)
      : idx.resolve(name, file).some((d) => d.file === node.file && d.line === node.line);
  const callers = idx.callersByName();
  const steps = new Map<Node_, ReachStep>();
  const relevant = new Set<string>(TARGETS);
  const visited = new Set<Node_>();
  let frontier: { name: string; node: Node_ | null }[] = [...TARGETS].sort().map((name) => ({ name, node: null }));
  for (let dist = 1; dist <= DEPTH && frontier.length; dist++) {
    const next: { name: string; node: Node_ }[] = [];
    for (const { name, node } of frontier)
      for (const c of callers.get(name) ?? []) {
        if (visited.has(c)) continue;
        if (BARRIERS.some((b) => b.test(c.name)) || testFile(c.file) || userspaceOnly(c.condition)) continue;
        if (node && !resolvesTo(name, c.file, node)) continue;
        steps.set(c, { dist, via: name, next: node });
        relevant.add(c.name);
        visited.add(c);
        next.push({ name: c.name, node: c });
      }
    frontier = next.sort((a, b) => order(a.name, a.node, b.name, b.node));
  }
  return { steps, relevant: [...relevant] };
}

test('the call-graph search and its serial form give what a plain breadth-first search gives', () => {
  let reaching = 0;
  let several = 0;
  let ruledOut = 0;
  // Seeds whose serial form lists a name twice (two steps' definitions share it).
  let twice = 0;
  for (let seed = 1; seed <= 25; seed++) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-reach-exact-'));
    try {
      const r = rng(seed);
      for (const f of FILES) fs.writeFileSync(path.join(root, f), randomFile(r));
      // A .config that sets CONFIG_SMP and leaves the rest off: the configuration rules some definitions out.
      const config = new ConfigOracle(root, 'arm64', { kind: 'file', file: '', label: 'test', values: KernelConfig.parse('CONFIG_SMP=y\n') });
      const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue: loadCatalogue(), config: config.active ? config : undefined });
      assert.ok(idx.config, 'a configuration decides');
      idx.build();
      const search = (stored?: ReturnType<Reachability['toStored']>) => new Reachability(idx, TARGETS, DEPTH, BARRIERS, testFile, stored);
      const computed = search();
      const serial = computed.toStored();
      const restored = search(serial);
      // A stored answer of the previous shape (files and names as arrays of strings), here an empty one, or a
      // packed list whose ends do not fit its text: not taken, computed (taken, it would answer no chain).
      const previousShape = search({ files: ['x.c'], names: ['y'], nodes: new Int32Array(0), steps: new Int32Array(0), relevant: new Int32Array(0) } as unknown as typeof serial);
      const badEnds = search({ ...serial, nodes: new Int32Array(0), steps: new Int32Array(0), nameEnds: serial.nameEnds.map((e) => e + 1) });
      // The same answer with each name listed once (the form stores written before cold5 hold): read alike.
      const namedOnce = search(listingNamesOnce(serial));
      const ref = reference(idx);
      const at = (n: Node_ | null) => (n ? `${path.basename(n.file)}:${n.name}:${n.line}${'params' in n ? 'm' : ''}` : '-');
      const refChain = (d: Node_): string[] => {
        const out: string[] = [];
        for (let n: Node_ | null = d, g = 0; n && g <= DEPTH; g++) {
          const st = ref.steps.get(n);
          if (!st) break;
          out.push(`${at(n)}/${st.via}`);
          n = st.next;
        }
        return out;
      };
      for (const f of idx.files()) {
        for (const d of [...idx.functionsIn(f), ...idx.macrosIn(f)] as Node_[]) {
          const want = refChain(d);
          if (want.length) reaching++;
          if (!('params' in d) && !idx.resolve(d.name, d.file).includes(d)) ruledOut++;
          for (const reach of [computed, restored, namedOnce, previousShape, badEnds]) assert.deepEqual(reach.chain(d).map((s) => `${at(s.node)}/${s.calls}`), want, `seed ${seed}: ${at(d)}`);
        }
        for (const name of [...NAMES, 'mac_a', 'barrier_fn']) {
          if (idx.definitionsNamed(name).filter((d) => d.file === f).length > 1) several++;
          const cands: Node_[] = idx.resolve(name, f).length ? idx.resolve(name, f) : idx.macros(name);
          let best: Node_ | null = null;
          for (const c of cands) if (ref.steps.has(c) && (!best || ref.steps.get(c)!.dist < ref.steps.get(best)!.dist)) best = c;
          for (const reach of [computed, restored, namedOnce, previousShape, badEnds]) assert.equal(at(reach.entry(name, f)?.node ?? null), at(best), `seed ${seed}: ${name} from ${f}`);
        }
      }
      const serialNames = new StoredNames(serial.nameText, serial.nameEnds);
      // The names on a chain as a set (a computed answer's serial form lists a name two steps share twice).
      assert.deepEqual([...new Set([...serial.relevant].map((i) => serialNames.get(i)))].sort(), [...ref.relevant].sort(), `seed ${seed}: names on a chain`);
      // A computed answer's serial form: name i is step i's definition's name (no table looked up), then the targets'.
      const steps = serial.nodes.length / 3;
      for (let k = 0; k < steps; k++) assert.equal(serial.nodes[3 * k + 1], k, `seed ${seed}: step ${k} named by its own number`);
      assert.ok(serialNames.length <= steps + TARGETS.size, `seed ${seed}: only the targets' names after the steps'`);
      if (new Set(Array.from({ length: steps }, (_, k) => serialNames.get(k))).size < steps) twice++;
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  assert.ok(reaching > 200, `chains exist to compare (${reaching})`);
  assert.ok(ruledOut > 10, `definitions the configuration rules out (${ruledOut})`);
  assert.ok(several > 20, `names defined twice in one file (${several})`);
  assert.ok(twice > 5, `serial forms that list a name twice (${twice})`);
});

/** `s` with each name listed once, in order of first use, and renumbered (a serial form as written before cold5). */
function listingNamesOnce(s: StoredReach): StoredReach {
  const old = new StoredNames(s.nameText, s.nameEnds);
  const list: string[] = [];
  const ids = new Map<string, number>();
  const of = (i: number) => {
    const n = old.get(i);
    let k = ids.get(n);
    if (k === undefined) ids.set(n, (k = list.push(n) - 1));
    return k;
  };
  const nodes = s.nodes.slice();
  const steps = s.steps.slice();
  for (let i = 0; i < nodes.length; i += 3) nodes[i + 1] = of(nodes[i + 1]);
  for (let i = 0; i < steps.length; i += 3) steps[i + 1] = of(steps[i + 1]);
  const relevant = Int32Array.from(new Set([...s.relevant].map(of)));
  const packed = StoredNames.pack(list);
  assert.ok(list.length <= old.length);
  return { ...s, nameText: packed.text, nameEnds: packed.ends, nodes, steps, relevant };
}

test('the barriers tested as one pattern answer as each tested in turn', () => {
  const cat = loadCatalogue();
  // The catalogue's (one alternation), and patterns that cannot be joined (flags, a back-reference): each in turn.
  const lists = [cat.chainBarriers, [...cat.chainBarriers, /^(ab)\1$/], [/^Print_/i, /^trace_/], []];
  const names = ['schedule', '__schedule', 'schedule_work', 'wake_up_process', 'printk', 'vprintk_emit', 'pr_err', 'pr_err_once',
    'pr_errx', 'dev_warn', 'netdev_dbg_ratelimited', 'trace_foo', 'do_trace', 'kunit_x', 'ababab', 'abab', 'PRINT_X', 'print_x', 'zap_pte_range', ''];
  for (const res of lists)
    for (const name of names) assert.equal(anyMatch(res)(name), res.some((r) => r.test(name)), `${name} against ${res.length} patterns`);
});
