// Holds the section checkers (nested-section, unbalanced-section,
// pause-misuse, alloc-in-section, sleep-in-section) to the fixtures in
// test/fixtures/sections: flagged lines per rule must match the markers
// (`expect:` for what is reported by default, `expect-allowed:` for nesting
// the generic layer allows, `expect-impact:` for hazard/contract).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { compareWithExpectations, formatFindings, isNegativeFixture, parseExpectations } from '../fixtureExpectations';

const repoRoot = path.join(__dirname, '../../..');
const dir = path.join(repoRoot, 'test/fixtures/sections');
const RULES = [
  'lazy-mmu/nested-section',
  'lazy-mmu/unbalanced-section',
  'lazy-mmu/pause-misuse',
  'lazy-mmu/alloc-in-section',
  'lazy-mmu/sleep-in-section',
];

const fixtures = fs.readdirSync(dir).filter((f) => f.endsWith('.c')).sort();

test('section fixtures are present, positive and negative', () => {
  assert.ok(fixtures.length >= 6);
  assert.ok(fixtures.some(isNegativeFixture));
});

for (const name of fixtures) {
  test(`section fixture ${name}`, async () => {
    const file = path.join(dir, name);
    const expectations = parseExpectations(fs.readFileSync(file, 'utf8'), name);
    // Each fixture is its own tree, so helpers of one fixture do not leak into another.
    const result = await checkTree({ root: dir, arch: 'arm64', paths: [file] });
    const problems: string[] = [];
    for (const rule of RULES) {
      const findings = result.findings.filter((f) => f.rule === rule);
      problems.push(...compareWithExpectations(findings, expectations, rule));
    }
    assert.deepEqual(problems, [], `${name}:\n  - ${problems.join('\n  - ')}\n${formatFindings(result.findings)}`);
  });
}
