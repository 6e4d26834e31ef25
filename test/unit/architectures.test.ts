// Facts that depend on the checked tree (engine/architectures.ts): which
// implementations of the lazy MMU mode the tree has (probed in its arch/
// files), which code arm64's own rules judge whatever --arch indexes, what is
// test code, and each rule's impact. The fake kernel tree test/fixtures/tree
// marks the expected findings and impacts in mm/ (see its README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { TreeArchitectures } from '../../engine/architectures';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';
import { validateAdditions, withAdditions } from '../../engine/catalogue/catalogueAdditions';
import { RULES } from '../../engine/findings';
import { compareWithExpectations, formatFindings, parseExpectations } from '../fixtureExpectations';

const REPO = path.join(__dirname, '..', '..', '..');
const TREE = path.join(REPO, 'test', 'fixtures', 'tree');
const cat = builtinCatalogue();
const under = (dir: string) => (f: { file: string }) => f.file.startsWith(path.join(TREE, dir) + path.sep);

test('the implementations are probed in the tree: x86 Xen PV (crashes on nesting) and powerpc hash here; outside a kernel tree, the defaults', () => {
  const here = new TreeArchitectures(TREE, cat).implementations();
  assert.deepEqual(here.map((i) => i.name).sort(), ['powerpc hash', 'x86 Xen PV']);
  const xen = here.find((i) => i.id === 'x86-xen-pv')!;
  assert.equal(xen.nestingCrashes, true);
  assert.equal(xen.defers.has('set_pte_at') && xen.defers.has('pte_clear') && !xen.defers.has('ptep_get_and_clear'), true);
  assert.equal(here.find((i) => i.id === 'powerpc-hash')!.disablesPreemption, true);
  // Not a kernel tree: each fact's 'otherwise' (what the newest tree here does).
  const elsewhere = new TreeArchitectures(path.join(REPO, 'test', 'fixtures', 'raw'), cat).implementations();
  assert.deepEqual(elsewhere.map((i) => i.id).sort(), ['arm64', 'powerpc-hash', 'sparc64', 'x86-xen-pv']);
  assert.equal(elsewhere.find((i) => i.id === 'x86-xen-pv')!.nestingCrashes, false);
  assert.equal(elsewhere.find((i) => i.id === 'arm64')!.defersKernelBarriers, true);
});

test('arm64 rules judge generic code and arch/arm64 only; test code is recognised by path', () => {
  const a = new TreeArchitectures(TREE, cat);
  const at = (rel: string) => path.join(TREE, rel);
  for (const rule of ['lazy-mmu/break-before-make', 'lazy-mmu/kernel-access-before-flush']) {
    assert.equal(a.judges(rule, at('mm/remap.c')), true);
    assert.equal(a.judges(rule, at('arch/arm64/mm/remap.c')), true);
    assert.equal(a.judges(rule, at('arch/x86/mm/split.c')), false);
    assert.equal(a.judges(rule, at('arch/powerpc/mm/x.c')), false);
  }
  assert.equal(a.judges('lazy-mmu/read-after-write', at('arch/x86/mm/split.c')), true, 'rules about the mode itself judge every architecture');
  assert.equal(a.canRunOn([at('mm/raw.c'), at('arch/x86/xen/mmu_pv.c')], 'x86'), true);
  assert.equal(a.canRunOn([at('mm/raw.c'), at('arch/arm64/mm/remap.c')], 'x86'), false);
  for (const t of ['mm/tests/lazy_mmu_mode_kunit.c', 'drivers/foo/bar_kunit.c', 'lib/tests/x.c', 'lib/kunit/test.c']) assert.equal(a.isTestCode(at(t)), true, t);
  for (const t of ['mm/memory.c', 'mm/testsx.c', 'lib/kunitx/a.c', 'kunit.c']) assert.equal(a.isTestCode(at(t)), false, t);
});

test('the architecture of a file: by its path under the root, also when the path is not normalised or the root has a trailing slash', () => {
  const at = (rel: string) => path.join(TREE, rel);
  for (const a of [new TreeArchitectures(TREE, cat), new TreeArchitectures(TREE + path.sep, cat)]) {
    assert.equal(a.archOf(at('arch/x86/mm/split.c')), 'x86');
    assert.equal(a.archOf(at('mm/raw.c')), null);
    // Spelled with `..` or `.` (path.relative would resolve them): the arch/ directory is still found, a file outside the root has none.
    assert.equal(a.archOf(`${TREE}/mm/../arch/x86/mm/split.c`), 'x86');
    assert.equal(a.archOf(`${TREE}/./arch/arm64/mm/remap.c`), 'arm64');
    assert.equal(a.archOf(`${TREE}/mm/../../tree-elsewhere/arch/x86/a.c`), null);
    assert.equal(a.archOf(`${TREE}//arch/x86/a.c`), 'x86');
    assert.equal(a.archOf(`${TREE}x/arch/x86/a.c`), null, 'a sibling folder whose name starts with the root\'s');
    assert.equal(a.canRunOn([at('mm/raw.c'), `${TREE}/mm/../arch/arm64/mm/remap.c`], 'x86'), false);
  }
});

test('--arch x86: the findings and impacts marked in mm/; nothing from arm64 rules in arch/x86', async () => {
  const r = await checkTree({ root: TREE, arch: 'x86', paths: [TREE] });
  const problems: string[] = [];
  for (const f of fs.readdirSync(path.join(TREE, 'mm')).filter((x) => x.endsWith('.c'))) {
    const file = path.join(TREE, 'mm', f);
    const exps = parseExpectations(fs.readFileSync(file, 'utf8'), f);
    const mine = r.findings.filter((x) => x.file === file);
    for (const rule of RULES) problems.push(...compareWithExpectations(mine, exps, rule).map((p) => `${f}: ${p}`));
  }
  const x86 = r.findings.filter((f) => under('arch/x86')(f) && (f.rule === 'lazy-mmu/break-before-make' || f.rule === 'lazy-mmu/kernel-access-before-flush'));
  assert.deepEqual(x86, [], `arch/x86 (indexed with --arch x86) gets no break-before-make or kernel-access-before-flush:\n${formatFindings(x86)}`);
  assert.deepEqual(problems, [], `${problems.join('\n')}\n${formatFindings(r.findings)}`);
});

test("an architecture's own code is judged by what its implementation does, not by the generic contract", async () => {
  const problems: string[] = [];
  for (const [arch, rel] of [['x86', 'arch/x86/mm/own.c'], ['powerpc', 'arch/powerpc/mm/own.c']]) {
    const file = path.join(TREE, rel);
    const r = await checkTree({ root: TREE, arch, paths: [file] });
    const exps = parseExpectations(fs.readFileSync(file, 'utf8'), rel);
    for (const rule of RULES) problems.push(...compareWithExpectations(r.findings, exps, rule).map((p) => `${rel}: ${p}`));
    problems.push(...(problems.length ? [formatFindings(r.findings)] : []));
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('--arch arm64: arch/arm64 and generic code are judged by break-before-make', async () => {
  const r = await checkTree({ root: TREE, arch: 'arm64', paths: [TREE] });
  const bbm = r.findings.filter((f) => f.rule === 'lazy-mmu/break-before-make');
  assert.deepEqual(bbm.map((f) => path.relative(TREE, f.file)).sort(), ['arch/arm64/mm/remap.c', 'mm/remap.c']);
  for (const f of bbm) assert.deepEqual(f.impact, { kind: 'hazard', architectures: ['arm64'] });
});

test('users extend the implementations: a new one needs a name and an arch; a known one gains writers', () => {
  assert.deepEqual(validateAdditions({ lazyModeImplementations: { 'x86-xen-pv': { defers: ['my_set'] } } }), []);
  assert.match(validateAdditions({ lazyModeImplementations: { mine: { defers: ['my_set'] } } }).join('\n'), /mine\.name must be a non-empty string/);
  assert.match(
    validateAdditions({ lazyModeImplementations: { mine: { name: 'mine', arch: 'riscv', nestingCrashes: { file: 'x', pattern: '(' } } } }).join('\n'),
    /nestingCrashes must be true, false or \{file, pattern, otherwise\}/,
  );
  assert.match(validateAdditions({ ruleArchitectures: { 'lazy-mmu/break-before-make': ['arm 64'] } }).join('\n'), /must be a list of architecture names/);
  assert.match(validateAdditions({ testCodeFiles: 'x' }).join('\n'), /testCodeFiles must be a list of glob patterns/);
  const c = withAdditions(cat, {
    lazyModeImplementations: { 'x86-xen-pv': { defers: ['my_set'] }, mine: { name: 'RISC-V mine', arch: 'riscv', disablesPreemption: true } },
    testCodeFiles: ['selftests/**'],
  });
  const xen = c.lazyModeImplementations.get('x86-xen-pv')!;
  assert.ok(xen.defers.includes('my_set') && xen.defers.includes('set_pte'), 'extended, not replaced');
  assert.equal(c.lazyModeImplementations.get('mine')!.present, true);
  const impls = new TreeArchitectures(path.join(REPO, 'test', 'fixtures', 'raw'), c).implementations();
  assert.ok(impls.some((i) => i.name === 'RISC-V mine' && i.disablesPreemption));
  assert.equal(new TreeArchitectures(TREE, c).isTestCode(path.join(TREE, 'selftests/a/b.c')), true);
});
