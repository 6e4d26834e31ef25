import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSimulate } from '../../cli/simulate';

const SCEN = path.resolve(__dirname, '../../../test/simulator/scenarios');

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSimulate(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('text output: reachability, outcomes, witness with source lines', async () => {
  const r = await run([path.join(SCEN, 'copy_pte_range_raw.lzmmu'), '--model', 'x86-xen-pv']);
  assert.equal(r.code, 0);
  assert.match(r.out, /REACHABLE -> Allowed/);
  assert.match(r.out, /outcomes \(1\)/);
  assert.match(r.out, /\[mm\/memory.c:1157\]/);
});

test('default model is arm64-v6.16; exit 0 even when not reachable', async () => {
  const r = await run([path.join(SCEN, 'copy_pte_range_raw.lzmmu')]);
  assert.equal(r.code, 0);
  assert.match(r.out, /under arm64-v6.16/);
  assert.match(r.out, /not reachable -> Forbidden/);
});

test('json output, single model and all models', async () => {
  const one = await run([path.join(SCEN, 'nested_debug_pagealloc.lzmmu'), '--model', 'arm64-naive-nesting', '--format', 'json']);
  assert.equal(one.code, 0);
  const j = JSON.parse(one.out);
  assert.equal(j.exists, true);
  assert.ok(Array.isArray(j.outcomes) && Array.isArray(j.witness));
  assert.ok(j.witness[0].state.entries);
  const all = await run([path.join(SCEN, 'nested_debug_pagealloc.lzmmu'), '--model=all', '--format=json']);
  const ja = JSON.parse(all.out);
  assert.equal(ja.models['arm64-naive-nesting'].exists, true);
  assert.equal(ja.models['arm64-v6.16'].exists, false);
  assert.equal(ja.models['arm64-generic'].exists, false);
});

test('usage and parse errors exit 2 with file:line:col', async () => {
  assert.equal((await run([])).code, 2);
  assert.equal((await run(['x.lzmmu', '--model', 'vax'])).code, 2);
  assert.equal((await run(['x.lzmmu', '--format', 'xml'])).code, 2);
  assert.equal((await run(['x.lzmmu', '--bogus'])).code, 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lzmmu-'));
  const f = path.join(dir, 'bad.lzmmu');
  fs.writeFileSync(f, 'page a = 0\nentry x = invalid(a)\ncpu 0 {\n  frob(x)\n}\n');
  const r = await run([f]);
  assert.equal(r.code, 2);
  assert.ok(r.err.includes(`${f}:4:3: error: unknown operation 'frob'`), r.err);
  const missing = await run([path.join(dir, 'nope.lzmmu')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope.lzmmu:1:1: error: cannot read file/);
});

test('bounds are printed', async () => {
  const r = await run([path.join(SCEN, 'copy_pte_range_raw.lzmmu'), '--max-states', '2']);
  assert.equal(r.code, 0);
  assert.match(r.out, /BOUNDED: .*maxStates=2/);
});
