// The section rules on the real trees, as the arguments allow (issue 11,
// points 1-3): the 6.1 madvise walkers sleep inside their section (the
// split), 6.12 fixed it; an apply_to_page_range() callback's effect appears
// in a chain; on 7.2 arm64's kernel-mapping walkers cannot reach
// walk_pgd_range()'s allocation, and the vmscan walkers' walk is never NULL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTree } from './kernelTree';
import { JsonDiagnostic, runCheckJson } from './cliRun';

const show = (ds: JsonDiagnostic[]) => JSON.stringify(ds.map((d) => [d.rule, `${d.file}:${d.line}`, d.function, d.message, d.related.map((r) => r.message)]), null, 1).slice(0, 8000);
const hops = (d: JsonDiagnostic) => d.related.map((r) => r.message);

test('6.1: both madvise walkers split a huge page inside their section, which reaches down_write()', () => {
  const tree = kernelTree('6.1');
  const { report } = runCheckJson(tree, [tree], ['--arch', 'arm64']);
  const sleeps = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/sleep-in-section' && d.file === 'mm/madvise.c');
  for (const [fn, callee] of [['madvise_cold_or_pageout_pte_range', 'split_huge_page'], ['madvise_free_pte_range', 'split_folio']]) {
    const d = sleeps.find((x) => x.function === fn && x.message.startsWith(`\`${callee}()\` may sleep inside a lazy MMU section: it reaches \`down_write()\``));
    assert.ok(d, `${fn}: ${show(sleeps)}`);
    assert.ok(hops(d).some((m) => m.startsWith('anon_vma_lock_write() calls down_write()')), show([d]));
    assert.ok(hops(d).some((m) => /^split_huge_page_to_list\(\) calls anon_vma_lock_write\(\)/.test(m)), show([d]));
  }
});

test('6.12: the madvise split is outside the mode; an apply_to_page_range() callback frees a page inside apply_to_pte_range()\'s section', () => {
  const tree = kernelTree('6.12');
  const { report } = runCheckJson(tree, [tree], ['--arch', 'arm64']);
  const madvise = report.diagnostics.filter((d) => d.file === 'mm/madvise.c' && d.rule === 'lazy-mmu/sleep-in-section');
  assert.deepEqual(madvise.filter((d) => /split/.test(d.message) || hops(d).some((m) => /down_write/.test(m))), [], show(madvise));

  const nested = report.diagnostics.find((d) => d.rule === 'lazy-mmu/nested-section' && d.function === 'apply_to_pte_range');
  assert.ok(nested, show(report.diagnostics.filter((d) => d.file === 'mm/memory.c')));
  const call = hops(nested).find((m) => /^fn\(\) = \w+\(\) is called inside the section$/.test(m));
  assert.ok(call, show([nested]));
  // The calls that bound fn come first, from the caller naming the callback down to apply_to_pte_range().
  assert.ok(hops(nested).some((m) => /^\w+\(\) passes \w+ to apply_to(_existing)?_page_range\(\)$/.test(m)), show([nested]));
  assert.ok(hops(nested).includes('apply_to_pmd_range() passes its fn to apply_to_pte_range()'), show([nested]));
  // kasan's shadow depopulation frees the page it unmaps, inside the section (6.12 does not pause the mode there).
  assert.ok(hops(nested).some((m) => /kasan_depopulate_vmalloc_pte\(\)/.test(m)), show([nested]));
  assert.ok(hops(nested).includes('apply_to_pte_range() calls arch_enter_lazy_mmu_mode()'), show([nested]));
  assert.ok(nested.conditions.includes('CONFIG_DEBUG_PAGEALLOC'), show([nested]));

  // What docs/findings-6.12.md judges a hazard stays: the THP split's notifiers in pagemap_scan_pmd_entry()'s
  // section, one finding for the section that names both notifier calls.
  const pagemap = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/sleep-in-section' && d.function === 'pagemap_scan_pmd_entry');
  assert.equal(pagemap.length, 1, show(pagemap));
  assert.ok(hops(pagemap[0]).some((m) => m.startsWith('pagemap_scan_thp_entry() calls __split_huge_pmd()')), show(pagemap));
  for (const callee of ['mmu_notifier_invalidate_range_start', 'mmu_notifier_invalidate_range_end'])
    assert.ok(hops(pagemap[0]).some((m) => m.startsWith(`${callee}()`)), `${callee}: ${show(pagemap)}`);
});

test('7.2: no chain through walk_pgd_range()\'s allocation for walkers that cannot install; the vmscan walk is never NULL', () => {
  const tree = kernelTree('7.2');
  const { report } = runCheckJson(tree, [tree], ['--arch', 'arm64']);
  const chains = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/alloc-in-section' || d.rule === 'lazy-mmu/nested-section');
  assert.deepEqual(chains.filter((d) => hops(d).includes('walk_pgd_range() calls __p4d_alloc()')), [], show(chains));
  const walkers = ['range_split_to_ptes', 'update_range_prot', 'walk_kernel_page_table_range_lockless'];
  assert.deepEqual(chains.filter((d) => walkers.includes(d.function) && d.rule === 'lazy-mmu/alloc-in-section'), [], show(chains));
  // What these walkers still reach, they reach through the ops' own callbacks (split_to_ptes_ops allocates tables).
  const viaOps = chains.filter((d) => walkers.includes(d.function));
  assert.deepEqual(viaOps.filter((d) => !hops(d).some((m) => /calls ops->\w+\(\) = \w+\(\)/.test(m))), [], show(viaOps));

  // 7.2's vmscan walkers open their sections with the generic layer: their nesting is what it allows, shown on request.
  const allowed = runCheckJson(tree, [tree], ['--arch', 'arm64', '--allowed-nesting']).report;
  const vmscan = allowed.diagnostics.filter((d) => d.file === 'mm/vmscan.c' && d.rule === 'lazy-mmu/nested-section');
  assert.deepEqual(vmscan.filter((d) => d.function === 'walk_pte_range' || d.function === 'walk_pmd_range_locked'), [], show(vmscan));
  // lru_gen_look_around's walk may be NULL: its chain through folio_activate() stays, and says it could not decide `walk`.
  const around = vmscan.find((d) => d.function === 'lru_gen_look_around');
  assert.ok(around, show(vmscan));
  const hop = around.related.find((r) => /^walk_update_folio\(\) calls folio_activate\(\)/.test(r.message));
  assert.ok(hop?.undecided?.some((u) => u.text === '!walk'), show([around]));
});
