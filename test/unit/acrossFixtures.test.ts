// break-before-make and kernel-access-before-flush across calls: the write or
// the mapping sits in helpers that forward their parameters (the whole check,
// through checkTree, derives those helpers as APIs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { compareWithExpectations, formatFindings, parseExpectations } from '../fixtureExpectations';

const dir = path.join(__dirname, '../../../test/fixtures/across');
const RULES = ['lazy-mmu/break-before-make', 'lazy-mmu/kernel-access-before-flush'];

for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.c')).sort()) {
  test(`across-calls fixture ${name}`, async () => {
    const file = path.join(dir, name);
    const expectations = parseExpectations(fs.readFileSync(file, 'utf8'), name);
    const result = await checkTree({ root: dir, paths: [file] });
    const problems = RULES.flatMap((rule) => compareWithExpectations(result.findings.filter((f) => f.rule === rule), expectations, rule));
    assert.deepEqual(problems, [], `${name}:\n  - ${problems.join('\n  - ')}\n${formatFindings(result.findings)}`);
  });
}
