// Kconfig possibility and Kbuild file conditions on a miniature tree we wrote
// (test/fixtures/kconfig/tree): which options each architecture can enable,
// which files it builds, and why not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readKconfig } from '../../engine/config/kconfig';
import { ArchOptions } from '../../engine/config/archOptions';
import { Kbuild, readMakefile } from '../../engine/config/kbuild';
import { show } from '../../engine/config/cond';
import { ConfigOracle } from '../../engine/config/oracle';

const TREE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'kconfig', 'tree');
const arm64 = ArchOptions.compute(TREE, 'arm64');
const x86 = ArchOptions.compute(TREE, 'x86');

test('source with $(SRCARCH), rsource, a missing osource; help text is not read as entries', () => {
  const m = readKconfig(TREE, 'arm64');
  assert.deepEqual(m.files, ['Kconfig', 'scripts/Kconfig.include', 'arch/arm64/Kconfig', 'mm/Kconfig', 'mm/Kconfig.extra', 'lib/Kconfig.debug']);
  assert.deepEqual(m.unresolved, []);
  assert.ok(!m.symbols.has('HELP_IS_NOT_A_SYMBOL') && !m.symbols.has('NOT_A_SYMBOL_EITHER'));
  assert.ok(m.symbols.has('EXTRA_OPT'), 'rsource "Kconfig.extra" is relative to mm/');
  assert.equal(readKconfig(TREE, 'x86').files[2], 'arch/x86/Kconfig');
});

test('def_bool y with no prompt is always on; what it selects too', () => {
  assert.ok(arm64.always('ARM64') && arm64.always('MMU') && arm64.always('ARCH_HAS_FOO'));
  assert.ok(arm64.always('ARCH_WANT_SELECTED'), 'select ... if MMU, MMU always on');
  assert.ok(!arm64.always('TRANSPARENT_HUGEPAGE'), 'a prompt lets the user say n');
  assert.ok(x86.always('X86') && !x86.always('X86_64'), 'X86_64 depends on 64BIT, which has a prompt on x86');
});

test('possible: prompts, defaults, selects, implies, choices, if-blocks, depends', () => {
  for (const s of ['TRANSPARENT_HUGEPAGE', 'FOO_FEATURE', 'MODEL_FLAT', 'SELECTED_ONLY', 'IMPLIED', 'EXTRA_OPT', 'DEBUG_PAGEALLOC', 'COMPILER_THING'])
    assert.equal(arm64.possible(s), true, `arm64 ${s}`);
  assert.equal(arm64.possible('NOMMU_ONLY'), false, 'inside if !MMU, and arm64 always has MMU');
  assert.equal(arm64.possible('MODEL_X86_ONLY'), false, 'a choice member that depends on X86');
  assert.equal(arm64.possible('NEVER_SELECTED'), false, 'no prompt, no default, nothing selects it');
  assert.equal(arm64.possible('OPTIMIZE_VMEMMAP'), false, 'depends on what only x86 selects');
  assert.equal(x86.possible('OPTIMIZE_VMEMMAP'), true);
  assert.equal(x86.possible('FOO_FEATURE'), false, 'x86 does not select ARCH_HAS_FOO');
});

test('options of another architecture are impossible; names no Kconfig declares are unknown', () => {
  assert.equal(arm64.possible('HIGHMEM'), false);
  assert.equal(arm64.possible('HIGHPTE'), false);
  assert.match(arm64.why('HIGHPTE'), /defined only for other architectures \(arch\/x86\/Kconfig\)/);
  assert.equal(x86.possible('HIGHMEM'), true, 'on 32-bit x86: the 64BIT prompt is visible for ARCH=x86');
  assert.equal(x86.possible('HIGHPTE'), true);
  assert.equal(arm64.possible('NO_SUCH_OPTION_ANYWHERE'), undefined);
});

test('why an option is impossible follows the dependency down', () => {
  assert.equal(
    arm64.why('OPTIMIZE_VMEMMAP'),
    'CONFIG_OPTIMIZE_VMEMMAP depends on CONFIG_ARCH_WANT_OPTIMIZE_VMEMMAP; CONFIG_ARCH_WANT_OPTIMIZE_VMEMMAP has no prompt or default that can hold on arm64, and nothing on arm64 selects it',
  );
  assert.match(arm64.why('NOMMU_ONLY'), /depends on !CONFIG_MMU, which arm64 always has/);
});

test('debug options: defined under "Kernel hacking" or in a Kconfig.debug file', () => {
  assert.ok(arm64.isDebug('DEBUG_PAGEALLOC'));
  assert.ok(!arm64.isDebug('TRANSPARENT_HUGEPAGE'));
});

test('the solved facts are cached on disk and reused while the Kconfig files are unchanged', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kconfig-'));
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kconfig-tree-'));
  fs.cpSync(TREE, tree, { recursive: true });
  const first = ArchOptions.load(tree, 'arm64', cache);
  const files = fs.readdirSync(path.join(cache, 'kconfig'));
  assert.equal(files.length, 1);
  assert.deepEqual(ArchOptions.load(tree, 'arm64', cache).facts, first.facts);
  // An edit to a Kconfig file is seen: FOO_FEATURE loses its prompt and nothing selects it.
  const mmK = path.join(tree, 'mm', 'Kconfig');
  fs.writeFileSync(mmK, fs.readFileSync(mmK, 'utf8').replace('bool "A feature that needs the architecture\'s foo"', 'bool'));
  fs.utimesSync(mmK, new Date(), new Date(Date.now() + 5000));
  assert.equal(ArchOptions.load(tree, 'arm64', cache).possible('FOO_FEATURE'), false);
  assert.equal(first.possible('FOO_FEATURE'), true);
});

test('Kbuild: obj-$(CONFIG_X), a variable assigned under a condition, composite objects, ifdef, gated directories', () => {
  const kb = new Kbuild(TREE, 'arm64');
  const cond = (f: string) => show(kb.fileCondition(f));
  assert.equal(cond('mm/core.c'), '1');
  assert.equal(cond('mm/memory.c'), 'CONFIG_MMU');
  assert.equal(cond('mm/walk.c'), 'CONFIG_MMU', 'second line of a continued assignment');
  assert.equal(cond('mm/nommu.c'), '!CONFIG_MMU', 'replaced when mmu-$(CONFIG_MMU) := ... holds');
  assert.equal(cond('mm/vmemmap.c'), 'CONFIG_OPTIMIZE_VMEMMAP');
  assert.equal(cond('mm/extra_main.c'), 'CONFIG_EXTRA_OPT');
  assert.equal(cond('mm/extra_debug.c'), 'CONFIG_EXTRA_OPT && CONFIG_DEBUG_PAGEALLOC');
  assert.equal(cond('mm/highmem.c'), 'CONFIG_HIGHMEM');
  assert.equal(cond('mm/thp_helpers.c'), 'CONFIG_TRANSPARENT_HUGEPAGE');
  assert.equal(cond('foo/foo.c'), 'CONFIG_FOO_FEATURE');
  assert.equal(cond('mm/not_in_makefile.c'), '1', 'a file the Makefile never names: unknown, so built');
  assert.equal(cond('include/linux/mini.h'), '1');
  assert.equal(cond('arch/x86/mm/pgtable.c'), '0', "another architecture's directory");
  assert.equal(show(new Kbuild(TREE, 'x86').fileCondition('arch/x86/mm/pgtable.c')), '1');
});

test('Kbuild: ifeq/ifneq/else forms and unknown make functions', () => {
  const b = readMakefile(
    [
      'ifeq ($(CONFIG_A),y)',
      'obj-y += a.o',
      'else',
      'obj-y += not_a.o',
      'endif',
      'ifneq ($(CONFIG_B),)',
      'obj-y += b.o',
      'endif',
      'obj-$(subst m,y,$(CONFIG_C)) += c.o sub/',
      'obj-y += $(patsubst %.c,%.o,$(wildcard *.c))',
      'foo-objs := foo_1.o foo_2.o',
      'obj-$(CONFIG_FOO) += foo.o',
      '\tobj-y += recipe_line_is_not_an_assignment.o',
    ].join('\n'),
    'arm64',
  );
  const get = (k: string) => show(b.objects.get(k)!);
  assert.equal(get('a.o'), 'CONFIG_A');
  assert.equal(get('not_a.o'), '!CONFIG_A');
  assert.equal(get('b.o'), 'CONFIG_B');
  assert.equal(get('c.o'), 'CONFIG_C');
  assert.equal(show(b.dirs.get('sub')!), 'CONFIG_C');
  assert.equal(get('foo_2.o'), 'CONFIG_FOO');
  assert.ok(!b.objects.has('recipe_line_is_not_an_assignment.o'));
});

test('Kbuild: a directory\'s conditions are made once, shared by the files one list line names and by the files no line names', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kbuild-'));
  try {
    fs.writeFileSync(path.join(root, 'Kbuild'), 'obj-$(CONFIG_A) += drv/\nobj-y += arch/$(SRCARCH)/\n');
    fs.mkdirSync(path.join(root, 'drv', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'drv', 'Makefile'), 'obj-$(CONFIG_B) += sub/\n');
    fs.writeFileSync(path.join(root, 'drv', 'sub', 'Makefile'), 'obj-$(CONFIG_C) += one.o two.o\nobj-$(CONFIG_D) += three.o\nobj-y += four.o\n');
    const files = ['drv/sub/one.c', 'drv/sub/two.c', 'drv/sub/three.c', 'drv/sub/four.c', 'drv/sub/unnamed.c', 'drv/sub/other.c', 'drv/top.c', 'arch/x86/mm/x.c', 'root.c', 'drv/sub/h.h'];
    const kb = new Kbuild(root, 'arm64');
    const cond = (f: string) => show(kb.fileCondition(f));
    assert.equal(cond('drv/sub/one.c'), 'CONFIG_A && CONFIG_B && CONFIG_C');
    assert.equal(cond('drv/sub/three.c'), 'CONFIG_A && CONFIG_B && CONFIG_D');
    assert.equal(cond('drv/sub/four.c'), 'CONFIG_A && CONFIG_B');
    assert.equal(cond('drv/sub/unnamed.c'), 'CONFIG_A && CONFIG_B');
    assert.equal(cond('drv/top.c'), 'CONFIG_A');
    assert.equal(cond('arch/x86/mm/x.c'), '0');
    assert.equal(cond('root.c'), '1');
    assert.equal(cond('drv/sub/h.h'), '1');
    // Made once per directory and line: the same object, not an equal one made again per file.
    assert.equal(kb.fileCondition('drv/sub/one.c'), kb.fileCondition('drv/sub/two.c'));
    assert.equal(kb.fileCondition('drv/sub/unnamed.c'), kb.fileCondition('drv/sub/other.c'));
    assert.notEqual(kb.fileCondition('drv/sub/one.c'), kb.fileCondition('drv/sub/three.c'));
    // Whatever the order the files are asked in, each answer is the one a fresh reading gives.
    const fresh = new Kbuild(root, 'arm64');
    for (const f of [...files].reverse()) assert.deepEqual(kb.fileCondition(f), fresh.fileCondition(f), f);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('the configuration oracle finds a file\'s Kbuild condition under any spelling of its path', () => {
  const oracle = new ConfigOracle(TREE, 'arm64');
  const want = show(oracle.fileCondition(path.join(TREE, 'mm', 'memory.c')));
  assert.equal(want, 'CONFIG_MMU');
  const root = path.resolve(TREE);
  for (const spelled of [`${root}/mm/./memory.c`, `${root}//mm/memory.c`, `${root}/../tree/mm/memory.c`, `${root}/foo/../mm/memory.c`, `${root}/./mm/memory.c`])
    assert.equal(show(oracle.fileCondition(spelled)), want, spelled);
  assert.equal(show(oracle.fileCondition(`${root}/arch/x86/mm/pgtable.c`)), '0');
  assert.equal(show(oracle.fileCondition(`${root}-other/mm/memory.c`)), '1', 'a sibling whose name starts with the root is outside it');
  assert.equal(show(oracle.fileCondition(path.join(root, '..', 'elsewhere.c'))), '1', 'outside the root');
});
