// linux-6.12, whole tree, arm64: the CONFIG_DEBUG_PAGEALLOC nesting of the
// domain brief (a section in mm/ reaches apply_to_pte_range's enter through
// the page allocator), and no unbalanced-section or pause-misuse finding on
// the madvise and task_mmu walkers (which leave and re-enter inside loops and
// have several exits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { kernelTree } from './kernelTree';
import { runCheckJson } from './cliRun';

test('6.12 whole tree: DEBUG_PAGEALLOC nesting found with its chain; madvise/task_mmu walkers balanced', () => {
  const tree = kernelTree('6.12');
  const { report } = runCheckJson(tree, [tree], ['--arch', 'arm64']);
  const nested = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/nested-section');
  const show = (x: unknown) => JSON.stringify(x, null, 1).slice(0, 6000);

  const viaAllocator = nested.filter(
    (d) =>
      d.file.startsWith('mm/') &&
      d.conditions.includes('CONFIG_DEBUG_PAGEALLOC') &&
      d.conditions.some((c) => /debug_pagealloc_enabled_static\(\)/.test(c)) &&
      d.related.some((r) => r.file === 'mm/page_alloc.c') &&
      d.related.some((r) => /^__kernel_map_pages\(\) calls set_memory_valid\(\)/.test(r.message)) &&
      d.related.some((r) => /^apply_to_pte_range\(\) calls arch_enter_lazy_mmu_mode\(\)/.test(r.message)),
  );
  assert.ok(viaAllocator.length > 0, `a nesting through the page allocator to apply_to_pte_range: ${show(nested)}`);
  // zap_pte_range's section: the pages it frees, and the mmu_gather batch page
  // it allocates (the domain's example), both nest under DEBUG_PAGEALLOC.
  const zap = viaAllocator.find((d) => d.file === 'mm/memory.c' && d.function === 'zap_pte_range');
  assert.ok(zap, `zap_pte_range's section: ${show(viaAllocator)}`);
  // The legacy API forbids nesting, but 6.12's implementations tolerate it (Xen PV counts nested enters): the contract.
  assert.match(zap.message, /^`\w+\(\)` can enter the lazy MMU mode again/);
  assert.match(zap.message, /The legacy API does not permit nesting/);
  assert.deepEqual(zap.impact, { kind: 'contract', architectures: [] });
  assert.ok(
    zap.related.some((r) => /^__tlb_remove_folio_pages\(\) nests the same way/.test(r.message)),
    `the mmu_gather batch allocation is among the calls that nest: ${show(zap.related)}`,
  );
  // The chain is one hop per call, ending at the enter.
  const last = zap.related.filter((r) => / calls /.test(r.message)).pop();
  assert.match(last?.message ?? '', /apply_to_pte_range\(\) calls arch_enter_lazy_mmu_mode\(\)/);

  const walkers = ['mm/madvise.c', 'fs/proc/task_mmu.c'];
  const bad = report.diagnostics.filter(
    (d) => walkers.includes(d.file) && (d.rule === 'lazy-mmu/unbalanced-section' || d.rule === 'lazy-mmu/pause-misuse'),
  );
  assert.deepEqual(bad, [], `madvise/task_mmu walkers: ${show(bad)}`);
  assert.ok(report.diagnostics.some((d) => walkers.includes(d.file)), 'the walkers were analysed (they have other findings)');
  assert.equal(path.isAbsolute(report.root), true);
});
