// Holds the break-before-make checker to its spec: every fixture in
// test/fixtures/bbm marks the lines that must be flagged (see
// test/fixtureExpectations.ts); the flagged lines must match exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';
import { ensureParser } from '../../engine/parse/cParser';
import { SourceCache } from '../../engine/analysis/sourceCache';
import { breakBeforeMakeFindings, mayNeedBreakBeforeMake } from '../../engine/checkers/breakBeforeMake';
import { compareWithExpectations, formatFindings, isNegativeFixture, parseExpectations } from '../fixtureExpectations';

// Compiled to out/test/unit: go back to the repo root for the sources.
const repoRoot = path.join(__dirname, '../../..');
const fixtureDir = path.join(repoRoot, 'test/fixtures/bbm');
const RULE = 'lazy-mmu/break-before-make';
const cat = builtinCatalogue();

const fixtures = fs
  .readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.c'))
  .sort();

test('break-before-make fixtures are present', () => {
  assert.ok(fixtures.length >= 6, `expected at least 6 fixtures in ${fixtureDir}, found ${fixtures.length}`);
  assert.ok(fixtures.some(isNegativeFixture) && fixtures.some((f) => !isNegativeFixture(f)));
});

test('break-before-make prefilter', () => {
  assert.equal(mayNeedBreakBeforeMake(['ptep_get', 'set_pte_at', 'mk_pte'], cat), true);
  assert.equal(mayNeedBreakBeforeMake(['set_pmd_at', 'pfn_pmd'], cat), true);
  assert.equal(mayNeedBreakBeforeMake(['ptep_get', 'set_pte_at'], cat), false);
  assert.equal(mayNeedBreakBeforeMake(['mk_pte', 'memcpy'], cat), false);
});

for (const name of fixtures) {
  test(`break-before-make fixture ${name}`, async () => {
    await ensureParser();
    const file = path.join(fixtureDir, name);
    const text = fs.readFileSync(file, 'utf8');
    const expectations = parseExpectations(text, name);
    if (isNegativeFixture(name)) assert.equal(expectations.length, 0, `${name}: a neg_ fixture must not carry expect markers`);
    else assert.ok(expectations.some((e) => e.rule === RULE), `${name}: a positive fixture must mark a ${RULE} line`);

    const cache = new SourceCache(cat, (f) => (f === file ? text : null));
    const fns = cache.allFunctions(file);
    assert.ok(fns.length > 0, `${name}: no function found`);
    const findings = fns.flatMap((fn) => breakBeforeMakeFindings(fn, cat));
    const problems = compareWithExpectations(findings, expectations, RULE);
    for (const f of findings) {
      if (f.file !== file) problems.push(`finding reported in ${f.file}, expected ${file}`);
      if (!(f.line >= 1 && f.column >= 1 && f.endLine >= f.line)) problems.push(`bad position ${f.line}:${f.column}`);
      if (!/break-before-make/.test(f.message) || !/amalgamation/.test(f.message)) problems.push(`message lacks the arm64 rule: ${f.message}`);
      if (!f.related.length) problems.push(`line ${f.line}: no related location for the read that shows the entry live`);
    }
    cache.clear();
    assert.deepEqual(problems, [], `${name}:\n${problems.map((p) => '  - ' + p).join('\n')}\nfindings:\n${formatFindings(findings)}`);
  });
}
