// The bounded fuzz slice (issue 7): 10,000 mutated inputs through the index
// scanner and the parser (twice each, same result), and a smaller set through
// the whole engine (Workspace.check twice, same JSON, under the work bound).
// Long runs: `npm run fuzz`. Inputs come from the Debian 6.12 tree at run time.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { kernelTree } from '../realtree/kernelTree';
import { FuzzRunner, WORK_BOUND, makeInput } from './harness';
import { loadSeeds } from './seeds';
import { scanFile } from '../../engine/index/fileScan';
import { ensureParser, parseKernelC } from '../../engine/parse/cParser';
import { loadCatalogue } from '../../engine/catalogue/catalogue';

const FRONT_END_INPUTS = 10_000;
const ENGINE_INPUTS = 300;

test('fuzz: 10,000 mutated inputs through the scanner and parser never throw and repeat', async () => {
  const seeds = loadSeeds(kernelTree('6.12'));
  const cat = loadCatalogue();
  await ensureParser();
  let errors = 0;
  for (let s = 1; s <= FRONT_END_INPUTS; s++) {
    const inp = makeInput(s, seeds);
    const bytes = inp.raw ?? Buffer.from(inp.text, 'utf8');
    const a = JSON.stringify(scanFile(bytes));
    const b = JSON.stringify(scanFile(bytes));
    assert.equal(a, b, `seed ${s}: scanFile differs between two runs`);
    const t1 = parseKernelC('fuzz.c', inp.text, cat).tree;
    const t2 = parseKernelC('fuzz.c', inp.text, cat).tree;
    try {
      assert.equal(t1.rootNode.descendantCount, t2.rootNode.descendantCount, `seed ${s}: parse differs`);
      assert.equal(t1.rootNode.endIndex, t2.rootNode.endIndex, `seed ${s}: parse differs`);
      if (t1.rootNode.hasError) errors++;
    } finally {
      t1.delete();
      t2.delete();
    }
  }
  console.log(`fuzz front end: ${FRONT_END_INPUTS} inputs, ${errors} with parse errors`);
});

test('fuzz: mutated inputs through the whole engine: no throw, same result twice, under the work bound', async () => {
  const r = new FuzzRunner(kernelTree('6.12'));
  try {
    // Seeds 20001.. are disjoint from the front-end slice's.
    for (let s = 20001; s < 20001 + ENGINE_INPUTS; s++) await r.run(s);
    const st = r.stats;
    console.log(`fuzz engine: ${JSON.stringify({ ...st, failures: st.failures.length, workBound: WORK_BOUND })}`);
    assert.deepEqual(st.failures.map((f) => `seed ${f.seed} (${f.origin}; ${f.mutations.join(',')}): ${f.what}: ${f.error.slice(0, 400)}`), []);
    assert.equal(st.inputs, ENGINE_INPUTS);
    assert.ok(st.maxSteps <= WORK_BOUND);
    assert.ok(st.withFindings > 0, 'some inputs must reach the checkers');
  } finally {
    r.dispose();
  }
});
