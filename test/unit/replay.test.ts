// Findings whose rule has a path replay on the simulator's models with the
// verdicts the domain predicts (engine/replay.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { replayFinding } from '../../engine/replay';

const FIX = path.join(__dirname, '../../../test/fixtures');

async function replayed(file: string, rule: string) {
  const r = await checkTree({ root: FIX, paths: [path.join(FIX, file)] });
  const f = r.findings.find((x) => x.rule === rule && x.path);
  assert.ok(f, `a ${rule} finding with a path in ${file}`);
  const rep = replayFinding(f)!;
  assert.ok(rep, 'replayed');
  for (const [m, x] of Object.entries(rep)) assert.equal(x.bounded, null, `${m} explored completely`);
  return { f, rep };
}

test('nested-section replays as seed 000: naive nesting can fault; v6.16 and the generic layer cannot', async () => {
  const { f, rep } = await replayed('sections/nested_direct.c', 'lazy-mmu/nested-section');
  assert.equal(rep['arm64-naive-nesting'].exists, true);
  assert.equal(rep['arm64-v6.16'].exists, false);
  assert.equal(rep['arm64-generic'].exists, false);
  assert.ok(rep['arm64-naive-nesting'].steps.some((s) => s.line === f.line), 'witness steps keep source lines');
});

test('kernel-access-before-flush replays: arm64 v6.16 can fault, arm64 before lazy support cannot', async () => {
  const { rep } = await replayed('kafb/direct_set_pte_at.c', 'lazy-mmu/kernel-access-before-flush');
  assert.equal(rep['arm64-v6.16'].exists, true);
  assert.equal(rep['arm64-eager'].exists, false);
});

test('read-after-write replays: arm64 reads the new value, Xen PV can read the stale one', async () => {
  const { rep } = await replayed('raw/interproc_depth2.c', 'lazy-mmu/read-after-write');
  assert.equal(rep['arm64-v6.16'].exists, false);
  assert.equal(rep['x86-xen-pv'].exists, true);
});
