// Holds the kernel-access-before-flush checker to its spec: every fixture in
// test/fixtures/kafb marks the lines that must be flagged (see
// test/fixtureExpectations.ts); the flagged lines must match exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';
import { ensureParser } from '../../engine/parse/cParser';
import { SourceCache } from '../../engine/analysis/sourceCache';
import { kernelAccessBeforeFlushFindings, mayAccessBeforeFlush } from '../../engine/checkers/kernelAccessBeforeFlush';
import { compareWithExpectations, formatFindings, isNegativeFixture, parseExpectations } from '../fixtureExpectations';

// Compiled to out/test/unit: go back to the repo root for the sources.
const repoRoot = path.join(__dirname, '../../..');
const fixtureDir = path.join(repoRoot, 'test/fixtures/kafb');
const RULE = 'lazy-mmu/kernel-access-before-flush';
const cat = builtinCatalogue();

const fixtures = fs
  .readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.c'))
  .sort();

test('kernel-access-before-flush fixtures are present', () => {
  assert.ok(fixtures.length >= 6, `expected at least 6 fixtures in ${fixtureDir}, found ${fixtures.length}`);
  assert.ok(fixtures.some(isNegativeFixture) && fixtures.some((f) => !isNegativeFixture(f)));
});

test('kernel-access-before-flush prefilter', () => {
  assert.equal(mayAccessBeforeFlush(['arch_enter_lazy_mmu_mode', 'set_pte_at', 'memset'], cat), true);
  assert.equal(mayAccessBeforeFlush(['lazy_mmu_mode_enable', '__kernel_map_pages'], cat), true);
  assert.equal(mayAccessBeforeFlush(['set_pte_at', 'memset'], cat), false);
  assert.equal(mayAccessBeforeFlush(['arch_enter_lazy_mmu_mode', 'memcpy'], cat), false);
});

for (const name of fixtures) {
  test(`kernel-access-before-flush fixture ${name}`, async () => {
    await ensureParser();
    const file = path.join(fixtureDir, name);
    const text = fs.readFileSync(file, 'utf8');
    const expectations = parseExpectations(text, name);
    if (isNegativeFixture(name)) assert.equal(expectations.length, 0, `${name}: a neg_ fixture must not carry expect markers`);
    else assert.ok(expectations.some((e) => e.rule === RULE), `${name}: a positive fixture must mark a ${RULE} line`);

    const cache = new SourceCache(cat, (f) => (f === file ? text : null));
    const fns = cache.allFunctions(file);
    assert.ok(fns.length > 0, `${name}: no function found`);
    const findings = fns.flatMap((fn) => kernelAccessBeforeFlushFindings(fn, cat));
    const problems = compareWithExpectations(findings, expectations, RULE);
    for (const f of findings) {
      if (f.file !== file) problems.push(`finding reported in ${f.file}, expected ${file}`);
      if (!(f.line >= 1 && f.column >= 1 && f.endLine >= f.line)) problems.push(`bad position ${f.line}:${f.column}`);
      if (!/spurious translation fault/.test(f.message) || !/dsb\(ishst\); isb\(\)/.test(f.message)) problems.push(`message lacks the arm64 reason: ${f.message}`);
      if (f.related.length < 2) problems.push(`line ${f.line}: expected related locations for the enter and the mapping write`);
    }
    cache.clear();
    assert.deepEqual(problems, [], `${name}:\n${problems.map((p) => '  - ' + p).join('\n')}\nfindings:\n${formatFindings(findings)}`);
  });
}
