// The section hover's rendering (server/hover.ts) on section infos too large
// for a hover: lists are cut with a count, chains keep their ends, and the
// whole text stays under its bound, cut at a line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MAX_CHARS, MAX_ITEMS, sectionHover, shortChain } from '../../server/hover';
import type { SectionInfo } from '../../engine/sectionInfo';

const big = (n: number, name: (i: number) => string): SectionInfo => ({
  file: '/t/mm/memory.c',
  function: 'copy_pte_range',
  shape: 'legacy',
  enter: { api: 'arch_enter_lazy_mmu_mode', line: 10, column: 2 },
  leave: { api: 'arch_leave_lazy_mmu_mode', line: 9000, column: 2 },
  writes: Array.from({ length: n }, (_, i) => ({ api: 'set_pte_at', entry: `ptep + ${i}`, line: 11 + i, column: 2 })),
  reads: [],
  calls: Array.from({ length: n }, (_, i) => ({
    callee: name(i),
    line: 11 + i,
    column: 2,
    sites: [{ line: 11 + i, column: 2 }],
    params: ['ptep'],
    defined: true,
    writesParams: [],
    readsParams: [],
    flushes: false,
    maySleep: Array.from({ length: 17 }, (_, k) => `hop_${i}_${k}`),
    effects: [],
  })),
  readsAfterWrite: [],
});

test('chains of more than three names keep the first and last with the count between', () => {
  assert.equal(shortChain(['a', 'b']), '`a()` → `b()`');
  assert.equal(shortChain(['a', 'b', 'c']), '`a()` → `b()` → `c()`');
  assert.equal(shortChain(['a', 'b', 'c', 'd', 'e']), '`a()` → … 3 more … → `e()`');
});

test('a section of hundreds of writes and calls: each list cut at MAX_ITEMS with a count, chains short', () => {
  const md = sectionHover(big(300, (i) => `helper_${i}`));
  assert.ok(md.length <= MAX_CHARS + 80, `${md.length} characters`);
  const writes = md.split('**Writes**')[1].split('\n\n**')[0];
  assert.equal((writes.match(/^- \[line/gm) ?? []).length, MAX_ITEMS);
  assert.match(writes, new RegExp(`- … and ${300 - MAX_ITEMS} more`));
  assert.match(md, /may sleep: `hop_0_0\(\)` → … 15 more … → `hop_0_16\(\)`/);
  assert.doesNotMatch(md, /hop_0_5/);
  assert.match(md, /\[line 11\]\(file:\/\/\/t\/mm\/memory\.c#L11\)/);
});

test('very long names still give a hover under the bound, cut at a line', () => {
  const md = sectionHover(big(40, (i) => `h${i}_${'x'.repeat(400)}`));
  assert.ok(md.length <= MAX_CHARS + 80, `${md.length} characters`);
  assert.match(md, /\*… \(cut: the section is larger than a hover shows\)\*$/);
});
