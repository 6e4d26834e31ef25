// The early cut-off compares a changed function's summary as it was with the
// one made again (SummaryStore.revalidate, sameForCallers) once per caller
// whose summary used it: many openers calling one helper compare the same two
// summaries. Each pair is compared once between edits (the summaries do not
// change but for their places, which only an edit or an undo moves): a
// `cpu_relax();` typed into the helper and taken out makes a few strings, not
// two per opener (counted, never timed); the findings equal a fresh
// Workspace's after each edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freshFindings } from './freshFindings';
import { Workspace } from '../../engine/workspace';
import { summariesCompared } from '../../engine/analysis/summaries/store';

const OPENERS = 20;

test("a helper's summary compared once per edit however many openers used it; findings equal a fresh check", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-sameforcallers-'));
  try {
    const lines = [
      'typedef struct { unsigned long pte; } pte_t;',
      'struct mm_struct;',
      '',
      'static void sfc_helper(struct mm_struct *mm, pte_t *ptep, unsigned long addr, pte_t v)',
      '{',
      '\tset_pte_at(mm, addr, ptep, v);',
      '}',
      '',
    ];
    const helperBody = 5;
    for (let k = 0; k < OPENERS; k++)
      lines.push(
        `static void sfc_opener_${k}(struct mm_struct *mm, pte_t *ptep, unsigned long addr, pte_t v)`,
        '{',
        '\tarch_enter_lazy_mmu_mode();',
        '\tsfc_helper(mm, ptep, addr, v);',
        '\tv = ptep_get(ptep);',
        '\tarch_leave_lazy_mmu_mode();',
        '}',
        '',
      );
    const original = lines.join('\n');
    const file = path.join(root, 'helper.c');
    fs.writeFileSync(file, original);
    const ws = new Workspace({ root, analysisStore: false });
    ws.build();
    ws.setText(file, original);
    const first = (await ws.check([root])).findings;
    assert.equal(first.length, OPENERS, "a read after the helper's write in each opener");
    const typed = [...lines.slice(0, helperBody + 1), '\tcpu_relax();', ...lines.slice(helperBody + 1)].join('\n');
    for (const [what, text] of [['typed into the helper', typed], ['taken out', original]]) {
      const before = summariesCompared.strings;
      ws.setText(file, text);
      assert.deepEqual((await ws.check([root])).findings, await freshFindings(root, 'helper.c', text), what);
      const made = summariesCompared.strings - before;
      assert.ok(made <= 4, `${what}: ${made} summaries made into strings for ${OPENERS} openers`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
