import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseScenario, simulate } from '../../engine/simulator';

// Translations of herdtools7 catalogue/aarch64-VMSA tests: each file names
// the original and its verdict from VMSA-kinds.txt (`expect ...`).
const DIR = path.resolve(__dirname, '../../../test/simulator/vmsa');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.lzmmu')).sort();

test('at least 24 translations, including the four named in the domain brief', () => {
  assert.ok(files.length >= 24, `${files.length} translations`);
  for (const n of ['coWRExpNExp', 'coWRExpNExp+DSB-ISB', 'coWR-pte', 'nBBM+LDR']) assert.ok(files.includes(`${n}.lzmmu`), n);
  const multi = files.filter((f) => (fs.readFileSync(path.join(DIR, f), 'utf8').match(/^cpu \d/gm) ?? []).length > 1);
  assert.ok(multi.length >= 5, 'multi-CPU tests are covered');
});

for (const f of files) {
  test(`fidelity: ${f.replace(/\.lzmmu$/, '')}`, () => {
    const text = fs.readFileSync(path.join(DIR, f), 'utf8');
    assert.match(text, /^# Translation of herdtools7 catalogue\/aarch64-VMSA\/tests\/.+\.litmus$/m);
    const r = parseScenario(text, f);
    assert.deepEqual(r.errors, []);
    const sc = r.scenario!;
    assert.ok(sc.expect, 'file states the herd verdict');
    const res = simulate(sc, 'arm64-v6.16');
    assert.equal(res.bounded, null);
    assert.equal(res.verdict, sc.expect);
    // architecture-level scenarios do not depend on the kernel model
    assert.equal(simulate(sc, 'arm64-eager').verdict, sc.expect);
    if (res.exists) assert.ok(res.witness && res.witness.length > 0);
  });
}
