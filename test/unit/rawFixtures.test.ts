// Holds the read-after-write checker to its spec: every fixture in
// test/fixtures/raw marks the lines that must be flagged (see
// test/fixtureExpectations.ts); the flagged lines must match exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { RULES } from '../../engine/findings';
import {
  compareWithExpectations,
  formatFindings,
  isNegativeFixture,
  parseExpectations,
} from '../fixtureExpectations';

// Compiled to out/test/unit: go back to the repo root for the sources.
const repoRoot = path.join(__dirname, '../../..');
const fixtureDir = path.join(repoRoot, 'test/fixtures/raw');
const examplesDir = path.join(repoRoot, 'examples');
const RULE = 'lazy-mmu/read-after-write';

const fixtures = fs
  .readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.c'))
  .sort();

test('raw fixtures are present', () => {
  assert.ok(fixtures.length >= 20, `expected the raw fixtures in ${fixtureDir}, found ${fixtures.length}`);
  assert.ok(fixtures.some(isNegativeFixture), 'expected some neg_ fixtures');
  assert.ok(fixtures.some((f) => !isNegativeFixture(f)), 'expected some positive fixtures');
});

// The marker parser and comparison themselves, on synthetic input.
test('expectation markers parse and compare', () => {
  const src = [
    'a = ptep_get(p); /* expect: read-after-write */ /* expect-related: f_one, f_two */',
    'b = ptep_get(p);',
    'c = *p; /* expect: lazy-mmu/read-after-write */ /* expect-condition: !CONFIG_X */',
  ].join('\n');
  const exps = parseExpectations(src, 'synthetic');
  assert.deepEqual(
    exps.map((e) => [e.rule, e.line, e.related, e.conditions]),
    [
      [RULE, 1, ['f_one', 'f_two'], []],
      [RULE, 3, [], ['!CONFIG_X']],
    ],
  );
  const at = (line: number, related: string[], conditions: string[]) => ({
    rule: RULE as (typeof RULES)[number], severity: 'warning' as const, function: 'fn', message: [['m']],
    impact: { kind: 'hazard' as const, architectures: [] },
    file: '/x.c', line, column: 1, endLine: line, endColumn: 2, conditions,
    related: related.map((message) => ({ file: '/x.c', line: 1, column: 1, message })),
  });
  assert.deepEqual(
    compareWithExpectations([at(1, ['calls f_one', 'calls f_two()', 'set_pte_at'], []), at(3, [], ['!CONFIG_X'])], exps, RULE),
    [],
  );
  // line 1: f_one only as part of a longer name; line 2: not marked; line 3: missing.
  const bad = compareWithExpectations([at(1, ['calls f_one_x', 'f_two'], []), at(2, [], [])], exps, RULE);
  assert.equal(bad.length, 3, bad.join('\n'));
  assert.throws(() => parseExpectations('x; /* expect-related: f */'), /without an 'expect:'/);
  assert.throws(() => parseExpectations('x; /* expect: no-such-rule */'), /unknown rule/);
  assert.ok(isNegativeFixture('/a/b/neg_thing.c') && !isNegativeFixture('thing_neg_.c'));
});

for (const name of fixtures) {
  test(`read-after-write fixture ${name}`, async () => {
    const file = path.join(fixtureDir, name);
    const expectations = parseExpectations(fs.readFileSync(file, 'utf8'), name);
    if (isNegativeFixture(name)) {
      assert.equal(expectations.length, 0, `${name}: a neg_ fixture must not carry expect markers`);
    } else {
      assert.ok(
        expectations.some((e) => e.rule === RULE),
        `${name}: a positive fixture must mark at least one ${RULE} line (or be renamed neg_*)`,
      );
    }

    const result = await checkTree({ root: fixtureDir, arch: 'arm64', paths: [file] });
    const findings = result.findings.filter((f) => f.rule === RULE);
    const problems = compareWithExpectations(findings, expectations, RULE);
    for (const f of findings) {
      if (path.resolve(f.file) !== file) problems.push(`finding reported in ${f.file}, expected ${file}`);
      if (!(f.line >= 1 && f.column >= 1)) problems.push(`finding with a non 1-based position ${f.line}:${f.column}`);
      for (const r of f.related) {
        if (!path.isAbsolute(r.file)) problems.push(`related hop with a relative path: ${r.file}`);
      }
    }
    const inputProblems = result.problems.map((p) => `  ${p.file}: ${p.message}`).join('\n');
    assert.deepEqual(
      problems,
      [],
      `${name}:\n${problems.map((p) => '  - ' + p).join('\n')}\nfindings of ${RULE}:\n${formatFindings(findings)}` +
        (inputProblems ? `\ninput problems:\n${inputProblems}` : ''),
    );
  });
}

// The files behind the README's first command (`lazymmu check --root examples examples`):
// every rule's findings must be exactly the marked lines, so the README stays true.
const examples = fs.existsSync(examplesDir)
  ? fs.readdirSync(examplesDir).filter((f) => f.endsWith('.c')).sort()
  : [];

for (const name of examples) {
  test(`example ${name}`, async () => {
    const file = path.join(examplesDir, name);
    const expectations = parseExpectations(fs.readFileSync(file, 'utf8'), name);
    const result = await checkTree({ root: examplesDir, arch: 'arm64', paths: [file] });
    const problems = RULES.flatMap((rule) => compareWithExpectations(result.findings, expectations, rule));
    assert.deepEqual(
      problems,
      [],
      `${name}:\n${problems.map((p) => '  - ' + p).join('\n')}\nall findings:\n${formatFindings(result.findings)}`,
    );
  });
}
