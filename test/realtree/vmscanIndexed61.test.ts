// linux-6.1 mm/vmscan.c: the multi-gen LRU walkers clear an entry's young bit
// with ptep_test_and_clear_young(.., pte + i) and then test pte_dirty(pte[i])
// in the same iteration: by the API contract a read after write of the same
// entry (issue 11, point 4). The loop-top reads of pte[i] come after i++ and
// read another entry: not reported. walk_pmd_range_locked() does the same
// with pmd + i / pmd[i]; its index is reassigned at the loop's end (the next
// set bit), so its loop-top reads are clean too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { kernelTree } from './kernelTree';
import { lineOf, runCheckJson } from './cliRun';

test('6.1: vmscan reads of pte[i] / pmd[i] after a write through pte + i / pmd + i are reported; loop-top reads are not', () => {
  const tree = kernelTree('6.1');
  const file = path.join(tree, 'mm/vmscan.c');
  const text = fs.readFileSync(file, 'utf8');
  const { report } = runCheckJson(tree, [file], ['--arch', 'x86']);
  const raw = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/read-after-write' && d.file === 'mm/vmscan.c');
  const show = JSON.stringify(raw, null, 1).slice(0, 8000);

  const walkers: [string, RegExp, string, string][] = [
    ['walk_pte_range', /^static bool walk_pte_range\(/, 'ptep_test_and_clear_young', 'pte'],
    ['lru_gen_look_around', /^void lru_gen_look_around\(/, 'ptep_test_and_clear_young', 'pte'],
    ['walk_pmd_range_locked', /^static void walk_pmd_range_locked\(/, 'pmdp_test_and_clear_young', 'pmd'],
  ];
  for (const [fn, start, writer, p] of walkers) {
    const from = lineOf(text, start);
    const enter = lineOf(text, /arch_enter_lazy_mmu_mode\(\);/, from);
    const write = lineOf(text, new RegExp(`if \\(!${writer}\\(.*, ${p} \\+ i\\)\\)`), enter);
    const read = lineOf(text, new RegExp(`if \\(${p}_dirty\\(${p}\\[i\\]\\)`), write);
    const leave = lineOf(text, /arch_leave_lazy_mmu_mode\(\);/, read);

    const d = raw.find((x) => x.line === read);
    assert.ok(d, `${fn}: the ${p}_dirty(${p}[i]) read on line ${read} is reported: ${show}`);
    assert.equal(d.function, fn);
    assert.match(d.message, new RegExp(`${p}\\[i\\]`));
    assert.equal(d.related[0]?.line, write, `${fn}: the write is the ${writer}() on line ${write}`);
    assert.match(d.related[0].message, new RegExp(`^${writer}\\(\\) writes the entry through ${p} \\+ i`));

    // Every other read of the entries in the section is of another entry (after i++ or i = next bit).
    const others = raw.filter((x) => x.function === fn && x.line !== read);
    assert.deepEqual(others.map((x) => x.line), [], `${fn}: only line ${read} is reported: ${show}`);
    const loopTop = lineOf(text, new RegExp(`\\(${p}\\[i\\]`), enter);
    assert.ok(loopTop < write && leave > read, `${fn}: a loop-top read of ${p}[i] (line ${loopTop}) precedes the write`);
  }
});
