// linux-6.12: what changes when the interpreter knows what a section wrote
// and how entries are named through indexes (issue 11, points 4 and 5).
//
// fs/proc/task_mmu.c pagemap_scan_pmd_entry() may split a huge PMD inside its
// section (pagemap_scan_thp_entry() returns -ENOENT), leaving the pmd empty
// (file THP) or a table entry (pmd_populate()); then pte_offset_map_lock()
// reads the pmd back. That first read and the re-check under the lock stay
// reported; pmd_clear_bad() is called only if the pmd read back looks bad,
// which neither an empty pmd (goto nomap first) nor a table entry can, so the
// split no longer reaches its pmd_ERROR(*pmd) read.
//
// mm/vmscan.c: 6.12's walk_pte_range() reads ptep_get(pte + i) before the
// write through pte + i: nothing to report there; walk_pmd_range_locked()
// still tests pmd_dirty(pmd[i]) after pmdp_test_and_clear_young(.., pmd + i).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { kernelTree } from './kernelTree';
import { lineOf, runCheckJson } from './cliRun';

test('6.12: the pmd read back after a THP split stays reported; pmd_clear_bad() is not reached through the split; vmscan indexing', () => {
  const tree = kernelTree('6.12');
  const files = ['fs/proc/task_mmu.c', 'mm/pgtable-generic.c', 'mm/vmscan.c'];
  const { report } = runCheckJson(tree, files.map((f) => path.join(tree, f)), ['--arch', 'arm64']);
  const raw = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/read-after-write');
  const show = (x: unknown) => JSON.stringify(x, null, 1).slice(0, 8000);
  const text = (f: string) => fs.readFileSync(path.join(tree, f), 'utf8');

  const pg = text('mm/pgtable-generic.c');
  const mapStart = lineOf(pg, /^pte_t \*__pte_offset_map\(/);
  const firstRead = lineOf(pg, /pmdval = pmdp_get_lockless\(pmd\);/, mapStart);
  const lockStart = lineOf(pg, /^pte_t \*__pte_offset_map_lock\(/);
  const recheck = lineOf(pg, /pmd_same\(pmdval, pmdp_get_lockless\(pmd\)\)/, lockStart);
  const clearBad = lineOf(pg, /pmd_ERROR\(\*pmd\);/, lineOf(pg, /^void pmd_clear_bad\(/));

  const inSection = (d: (typeof raw)[number]) => d.related.some((r) => r.file === 'fs/proc/task_mmu.c' && /^pagemap_scan_thp_entry\(\) writes the entry through pmd/.test(r.message));
  for (const line of [firstRead, recheck]) {
    const d = raw.find((x) => x.file === 'mm/pgtable-generic.c' && x.line === line);
    assert.ok(d && inSection(d), `the read on mm/pgtable-generic.c:${line} after pagemap_scan_thp_entry()'s write stays reported: ${show(raw)}`);
  }
  // Not through the split: a read reached only if the pmd the split wrote looked bad.
  const splitHops = /^(split_huge_pmd|__split_huge_pmd|split_huge_pmd_locked|__split_huge_pmd_locked|__split_huge_zero_page_pmd)\(\)/;
  const bad = raw.filter((x) => x.file === 'mm/pgtable-generic.c' && x.line === clearBad);
  for (const d of bad) {
    assert.ok(!d.related.some((r) => splitHops.test(r.message)), `pmd_clear_bad()'s read is not reached through the split: ${show(d)}`);
    assert.doesNotMatch(d.message, /other writes? reach/, `only one write reaches pmd_clear_bad()'s read: ${d.message}`);
  }

  // vmscan: the read of pmd[i] after the write through pmd + i; none in walk_pte_range.
  const vm = text('mm/vmscan.c');
  const pmdStart = lineOf(vm, /^static void walk_pmd_range_locked\(/);
  const pmdWrite = lineOf(vm, /if \(!pmdp_\w*young\w*\(vma, addr, pmd \+ i\)\)/, pmdStart);
  const pmdRead = lineOf(vm, /if \(pmd_dirty\(pmd\[i\]\)/, pmdWrite);
  const vmRaw = raw.filter((x) => x.file === 'mm/vmscan.c');
  assert.deepEqual(
    vmRaw.map((x) => [x.function, x.line, x.related[0]?.line]),
    [['walk_pmd_range_locked', pmdRead, pmdWrite]],
    `vmscan read-after-write findings: ${show(vmRaw)}`,
  );
});
