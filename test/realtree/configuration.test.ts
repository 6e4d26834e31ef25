// Kconfig, Kbuild and Debian's configurations on the real trees (Debian's
// linux-source 6.1 and 6.12, linux-config-6.12): what each architecture can
// ever enable and build, and what the findings say about it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { kernelTree } from './kernelTree';
import { REPO, runCheckJson } from './cliRun';
import { ArchOptions } from '../../engine/config/archOptions';
import { ConfigOracle } from '../../engine/config/oracle';
import { debianConfig } from '../../engine/config/debianConfig';

const show = (x: unknown) => JSON.stringify(x, null, 1).slice(0, 6000);

test('6.1: arm64 can never enable HIGHMEM, HIGHPTE or PREEMPT_RT; x86 can have highmem (32-bit)', () => {
  const tree = kernelTree('6.1');
  const arm64 = ArchOptions.compute(tree, 'arm64');
  for (const s of ['HIGHMEM', 'HIGHPTE', 'PREEMPT_RT']) assert.equal(arm64.possible(s), false, s);
  assert.match(arm64.why('HIGHPTE'), /defined only for other architectures/);
  assert.match(arm64.why('PREEMPT_RT'), /depends on CONFIG_ARCH_SUPPORTS_RT; .*nothing on arm64 selects it/);
  for (const s of ['TRANSPARENT_HUGEPAGE', 'DEBUG_PAGEALLOC', 'DEBUG_VM']) assert.equal(arm64.possible(s), true, s);
  assert.ok(arm64.always('ARM64') && arm64.always('MMU'));
  assert.ok(arm64.isDebug('DEBUG_PAGEALLOC'));
  const x86 = ArchOptions.compute(tree, 'x86');
  for (const s of ['HIGHMEM', 'HIGHPTE', 'X86_32']) assert.equal(x86.possible(s), true, s);
  // In 6.1 no architecture selects ARCH_SUPPORTS_RT yet (x86 does from 6.12 on): a fact of the tree.
  assert.equal(x86.possible('PREEMPT_RT'), false);
});

test('6.12: arm64 cannot enable HUGETLB_PAGE_OPTIMIZE_VMEMMAP, so it never builds mm/hugetlb_vmemmap.c; x86 can and does', () => {
  const tree = kernelTree('6.12');
  const arm64 = new ConfigOracle(tree, 'arm64');
  assert.equal(arm64.archOptions()!.possible('HUGETLB_PAGE_OPTIMIZE_VMEMMAP'), false);
  const b = arm64.builds(path.join(tree, 'mm', 'hugetlb_vmemmap.c'));
  assert.equal(b.built, false);
  assert.match(
    (b as { why: string }).why,
    /^mm\/hugetlb_vmemmap\.c is built only when CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP: .*CONFIG_ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP.*nothing on arm64 selects it/,
  );
  assert.equal(arm64.builds(path.join(tree, 'mm', 'memory.c')).built, true);
  const x86 = new ConfigOracle(tree, 'x86');
  for (const s of ['HUGETLB_PAGE_OPTIMIZE_VMEMMAP', 'HIGHMEM', 'HIGHPTE', 'PREEMPT_RT']) assert.equal(x86.archOptions()!.possible(s), true, s);
  assert.equal(x86.builds(path.join(tree, 'mm', 'hugetlb_vmemmap.c')).built, true);
});

test('6.1 arm64 whole tree: no chain or path needs HIGHPTE, HIGHMEM or PREEMPT_RT; the vmscan HIGHPTE nesting is gone', () => {
  const tree = kernelTree('6.1');
  const { report } = runCheckJson(tree, [tree], ['--arch', 'arm64']);
  const needsImpossible = report.diagnostics.filter((d) =>
    [...d.conditions, ...d.related.map((r) => r.message)].some((c) => /CONFIG_(HIGHPTE|HIGHMEM|PREEMPT_RT)\b/.test(c)),
  );
  assert.deepEqual(needsImpossible, [], show(needsImpossible));
  const vmscanNesting = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/nested-section' && d.file === 'mm/vmscan.c' && d.function === 'walk_pte_range');
  assert.deepEqual(vmscanNesting, [], show(vmscanNesting));
  // Conditions carry no comments and no repeats.
  for (const d of report.diagnostics) {
    assert.ok(!d.conditions.some((c) => /\/\*|\/\//.test(c)), show(d));
    assert.equal(new Set(d.conditions).size, d.conditions.length, show(d));
  }
  // What stays says which options it needs: the DEBUG_PAGEALLOC nestings name a debug option.
  const zap = report.diagnostics.find((d) => d.rule === 'lazy-mmu/nested-section' && d.function === 'zap_pte_range');
  assert.ok(zap?.requires?.some((r) => r.option === 'CONFIG_DEBUG_PAGEALLOC' && r.debug), show(zap));
  // free_pcp_prepare() is defined in both branches of #ifdef CONFIG_DEBUG_VM in mm/page_alloc.c and both
  // call free_pages_prepare(): the nestings through it do not need CONFIG_DEBUG_VM (the index reads #else).
  const throughPcp = report.diagnostics.filter(
    (d) => d.rule === 'lazy-mmu/nested-section' && d.related.some((r) => /^free_pcp_prepare\(\) calls free_pages_prepare\(\)/.test(r.message)),
  );
  assert.ok(throughPcp.length >= 3, `the page-freeing nestings go through free_pcp_prepare(): ${show(report.diagnostics.map((d) => d.related.map((r) => r.message)))}`);
  for (const d of throughPcp) {
    assert.ok(!d.conditions.includes('CONFIG_DEBUG_VM'), show(d));
    assert.ok(!d.requires?.some((r) => r.option === 'CONFIG_DEBUG_VM'), show(d));
    const hop = d.related.find((r) => /^free_pcp_prepare\(\) calls/.test(r.message))!;
    assert.doesNotMatch(hop.message, /CONFIG_DEBUG_VM/, show(d));
  }
  assert.equal(report.configuration?.arch, 'arm64');
});

test('6.12 arm64: the break-before-make findings of mm/hugetlb_vmemmap.c are latent, with the reason', () => {
  const tree = kernelTree('6.12');
  const file = path.join(tree, 'mm', 'hugetlb_vmemmap.c');
  for (const arch of ['arm64', 'x86']) {
    const { report } = runCheckJson(tree, [file], ['--arch', arch]);
    const bbm = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/break-before-make');
    assert.ok(bbm.length >= 2, `${arch}: ${show(report.diagnostics)}`);
    for (const d of bbm) {
      assert.equal(d.latent?.arch, 'arm64', show(d));
      assert.match(d.latent!.reason, /CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP/);
    }
  }
});

test("Debian's 6.12 arm64 configuration leaves DEBUG_PAGEALLOC off; the findings that need it say so, and the output names the configuration", () => {
  const tree = kernelTree('6.12');
  const deb = debianConfig(tree, 'arm64');
  assert.equal(deb.kind, 'distribution');
  assert.match(deb.label, /^Debian linux-config-6\.12 \S+ \(config\.arm64_none_arm64\)$/);
  assert.equal(deb.values.value('DEBUG_PAGEALLOC'), 'n');
  assert.equal(deb.values.value('ARM64'), 'y');
  const memory = path.join(tree, 'mm', 'memory.c');
  const { report } = runCheckJson(tree, [memory], ['--arch', 'arm64', '--kernel-config', 'debian']);
  assert.equal(report.configuration?.pinned?.kind, 'distribution');
  assert.match(report.configuration!.text, /^Debian linux-config-6\.12 .*config\.arm64_none_arm64/);
  const zap = report.diagnostics.find((d) => d.rule === 'lazy-mmu/nested-section' && d.function === 'zap_pte_range');
  assert.ok(zap, show(report.diagnostics));
  assert.deepEqual(
    zap.requires?.find((r) => r.option === 'CONFIG_DEBUG_PAGEALLOC'),
    { option: 'CONFIG_DEBUG_PAGEALLOC', debug: true, configured: 'n' },
    show(zap),
  );
  // The text output: a note on the finding, the summary line at the end.
  const text = spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--root', tree, '--arch', 'arm64', '--kernel-config', 'debian', memory], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.match(text.stdout, /note: needs CONFIG_DEBUG_PAGEALLOC, a debug option Debian linux-config-6\.12 .* leaves off/);
  assert.match(text.stdout, /\nlazymmu: configuration: Debian linux-config-6\.12 \S+ \(config\.arm64_none_arm64\), with the tree's Kconfig and Kbuild for arm64; .*\n$/);
});
