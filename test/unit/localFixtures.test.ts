// Holds the local (one-function) checkers to their spec: every fixture in
// test/fixtures/bbm and test/fixtures/kafb marks the lines that must be
// flagged (see test/fixtureExpectations.ts); the flagged lines must match
// exactly, and each finding must explain the arm64 reason and its places.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { builtinCatalogue, Catalogue } from '../../engine/catalogue/catalogue';
import { ensureParser } from '../../engine/parse/cParser';
import { FunctionRef, SourceCache } from '../../engine/analysis/sourceCache';
import { Finding } from '../../engine/findings';
import { TreeArchitectures } from '../../engine/architectures';
import { HEAD_LIMIT, MESSAGE_LIMIT, renderMessage, renderSentence } from '../../engine/message';
import { breakBeforeMakeFindings, mayNeedBreakBeforeMake } from '../../engine/checkers/breakBeforeMake';
import { kernelAccessBeforeFlushFindings, mayAccessBeforeFlush } from '../../engine/checkers/kernelAccessBeforeFlush';
import { compareWithExpectations, formatFindings, isNegativeFixture, parseExpectations } from '../fixtureExpectations';

// Compiled to out/test/unit: go back to the repo root for the sources.
const repoRoot = path.join(__dirname, '../../..');
const cat = builtinCatalogue();

interface LocalRule {
  rule: string;
  dir: string;
  findings: (fn: FunctionRef, c: Catalogue, arch: TreeArchitectures) => Finding[];
  prefilter: (calls: string[], c: Catalogue) => boolean;
  /** Call lists the prefilter must accept, and ones it must reject. */
  accepts: string[][];
  rejects: string[][];
  /** What each finding must say and point at. */
  explain: (f: Finding) => string | null;
}

const text = (f: Finding) => renderMessage(f.message);

/** Messages hold places as data (no "line N" typed into text), a short first sentence and a bounded length. */
function messageProblems(f: Finding): string[] {
  const out: string[] = [];
  for (const s of f.message) for (const p of s) if (typeof p === 'string' && /\bline \d/.test(p)) out.push(`line number typed into the message: ${p}`);
  const head = renderSentence(f.message[0]);
  if (head.length > HEAD_LIMIT) out.push(`first sentence of ${head.length} characters: ${head}`);
  if (text(f).length > MESSAGE_LIMIT) out.push(`message of ${text(f).length} characters: ${text(f)}`);
  return out;
}

const RULES: LocalRule[] = [
  {
    rule: 'lazy-mmu/break-before-make',
    dir: 'bbm',
    findings: breakBeforeMakeFindings,
    prefilter: mayNeedBreakBeforeMake,
    accepts: [['ptep_get', 'set_pte_at', 'mk_pte'], ['set_pmd_at', 'pfn_pmd']],
    rejects: [['ptep_get', 'set_pte_at'], ['mk_pte', 'memcpy']],
    explain: (f) =>
      !/break-before-make/.test(text(f)) || !/TLB conflict abort/.test(text(f))
        ? `message lacks the arm64 rule: ${text(f)}`
        : f.impact.kind !== 'hazard' || f.impact.architectures.join() !== 'arm64'
          ? `impact ${JSON.stringify(f.impact)}: breaking arm64's own rule is a hazard on arm64`
        : !f.related.length
          ? `line ${f.line}: no related location for the read that shows the entry live`
          : null,
  },
  {
    rule: 'lazy-mmu/kernel-access-before-flush',
    dir: 'kafb',
    findings: kernelAccessBeforeFlushFindings,
    prefilter: mayAccessBeforeFlush,
    accepts: [['arch_enter_lazy_mmu_mode', 'set_pte_at', 'memset'], ['lazy_mmu_mode_enable', '__kernel_map_pages']],
    rejects: [['set_pte_at', 'memset'], ['arch_enter_lazy_mmu_mode', 'memcpy']],
    explain: (f) =>
      !/spurious translation fault/.test(text(f)) || !/dsb\(ishst\); isb\(\)/.test(text(f))
        ? `message lacks the arm64 reason: ${text(f)}`
        : f.impact.kind !== 'hazard' || f.impact.architectures.join() !== 'arm64'
          ? `impact ${JSON.stringify(f.impact)}: arm64 (assumed outside a kernel tree) defers the barriers`
        : f.related.length < 2
          ? `line ${f.line}: expected related locations for the enter and the mapping write`
          : null,
  },
];

for (const r of RULES) {
  const fixtureDir = path.join(repoRoot, 'test/fixtures', r.dir);
  const fixtures = fs.readdirSync(fixtureDir).filter((f) => f.endsWith('.c')).sort();

  test(`${r.rule}: fixtures are present`, () => {
    assert.ok(fixtures.length >= 6, `expected at least 6 fixtures in ${fixtureDir}, found ${fixtures.length}`);
    assert.ok(fixtures.some(isNegativeFixture) && fixtures.some((f) => !isNegativeFixture(f)));
  });

  test(`${r.rule}: prefilter`, () => {
    for (const calls of r.accepts) assert.equal(r.prefilter(calls, cat), true, calls.join(','));
    for (const calls of r.rejects) assert.equal(r.prefilter(calls, cat), false, calls.join(','));
  });

  for (const name of fixtures) {
    test(`${r.rule} fixture ${name}`, async () => {
      await ensureParser();
      const file = path.join(fixtureDir, name);
      const text = fs.readFileSync(file, 'utf8');
      const expectations = parseExpectations(text, name);
      if (isNegativeFixture(name)) assert.equal(expectations.length, 0, `${name}: a neg_ fixture must not carry expect markers`);
      else assert.ok(expectations.some((e) => e.rule === r.rule), `${name}: a positive fixture must mark a ${r.rule} line`);

      const cache = new SourceCache(cat, (f) => (f === file ? text : null));
      const fns = cache.allFunctions(file);
      assert.ok(fns.length > 0, `${name}: no function found`);
      const arch = new TreeArchitectures(fixtureDir, cat);
      const findings = fns.flatMap((fn) => r.findings(fn, cat, arch));
      const problems = compareWithExpectations(findings, expectations, r.rule);
      for (const f of findings) {
        if (f.file !== file) problems.push(`finding reported in ${f.file}, expected ${file}`);
        if (!(f.line >= 1 && f.column >= 1 && f.endLine >= f.line)) problems.push(`bad position ${f.line}:${f.column}`);
        const why = r.explain(f);
        if (why) problems.push(why);
        problems.push(...messageProblems(f));
      }
      cache.clear();
      assert.deepEqual(problems, [], `${name}:\n${problems.map((p) => '  - ' + p).join('\n')}\nfindings:\n${formatFindings(findings)}`);
    });
  }
}
