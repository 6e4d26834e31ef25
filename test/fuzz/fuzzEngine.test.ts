// The bounded fuzz slice (issue 7), whole engine: 10,500 mutated inputs
// through Workspace.check, each checked twice on a long-lived Workspace (over
// a tiny temp root: the input is the only file) and, every 50th, once more on
// a fresh Workspace. Asserted per input: no throw, the two checks give the
// same findings and problems (JSON), the fresh Workspace agrees, and the
// interpreter's deterministic work counter stays under WORK_BOUND. 10,000
// inputs use the COMPACT profile (the same generator, statement mix, seed
// files and mutations in smaller pieces); 500 use the FULL profile of the long
// runs, whose inputs reach the interpreter's work budgets (a check of one of
// them costs seconds: see docs/reliability.md). Long runs: `npm run fuzz`.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { kernelTree } from '../realtree/kernelTree';
import { FuzzRunner, FuzzStats, WORK_BOUND } from './harness';
import { COMPACT, FULL, InputProfile } from './generate';

const COMPACT_INPUTS = 10_000;
const FULL_INPUTS = 500;

async function slice(profile: InputProfile, first: number, count: number): Promise<FuzzStats> {
  const r = new FuzzRunner(kernelTree('6.12'), profile);
  try {
    for (let s = first; s < first + count; s++) await r.run(s);
    const st = r.stats;
    console.log(`fuzz engine (${profile === FULL ? 'FULL' : 'COMPACT'}, seeds ${first}-${first + count - 1}): ${JSON.stringify({ ...st, failures: st.failures.length, workBound: WORK_BOUND })}`);
    assert.deepEqual(
      st.failures.map((f) => `seed ${f.seed} (${f.origin}; ${f.mutations.join(',')}): ${f.what}: ${f.error.slice(0, 400)}`),
      [],
    );
    assert.equal(st.inputs, count);
    assert.ok(st.maxSteps <= WORK_BOUND);
    assert.ok(st.withFindings > 0, 'some inputs must reach the checkers');
    return st;
  } finally {
    r.dispose();
  }
}

test('fuzz: 10,000 compact inputs through the whole engine: no throw, same result twice, under the work bound', async () => {
  // Seeds 100001.. are disjoint from the other slices'.
  const st = await slice(COMPACT, 100_001, COMPACT_INPUTS);
  assert.ok(st.generated > 1000 && st.kernelSlices > 1000, 'both kinds of input');
});

test('fuzz: 500 full-size inputs through the whole engine (some reach the work budget): same assertions', async () => {
  // Seeds 20001.. as before this slice grew (20250 reaches the interpreter's root budget).
  const st = await slice(FULL, 20_001, FULL_INPUTS);
  assert.ok(st.maxSteps > 500_000, `an input that reaches the interpreter's budget (max ${st.maxSteps} steps)`);
});
