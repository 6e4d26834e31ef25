// The bounded fuzz slice (issue 7), front end: 10,000 mutated inputs through
// the index scanner and the parser (twice each, same result). The whole
// engine's slice is fuzzEngine.test.ts (a separate file, so node --test can
// run the two at once). Long runs: `npm run fuzz`. Inputs come from the
// Debian 6.12 tree at run time.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { kernelTree } from '../realtree/kernelTree';
import { makeInput } from './harness';
import { loadSeeds } from './seeds';
import { scanFile } from '../../engine/index/fileScan';
import { ensureParser, parseKernelC } from '../../engine/parse/cParser';
import { loadCatalogue } from '../../engine/catalogue/catalogue';

const FRONT_END_INPUTS = 10_000;

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
