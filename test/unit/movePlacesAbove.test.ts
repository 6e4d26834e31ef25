// An edit moves the places the kept summaries hold in the edited file
// (SummaryStore.movePlaces); a summary whose places there all lie above the
// edit has nothing to move and is not gone over. A file of many openers, each
// with a read after write: a line typed into the last one goes over the
// places of few summaries, one typed into the first over all of them
// (placesGoneOver, counted, never timed); and after each edit, typed or taken
// out, the findings equal a fresh Workspace's on the edited text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freshFindings } from './freshFindings';
import { Workspace } from '../../engine/workspace';
import { placesGoneOver } from '../../engine/analysis/summaries/store';

const OPENERS = 30;

function opener(k: number): string[] {
  return [
    `static void mp_opener_${k}(struct mm_struct *mm, pte_t *ptep, unsigned long addr, pte_t v)`,
    '{',
    '\tarch_enter_lazy_mmu_mode();',
    '\tset_pte_at(mm, addr, ptep, v);',
    '\tv = ptep_get(ptep);',
    '\tarch_leave_lazy_mmu_mode();',
    '}',
    '',
  ];
}

test('a line typed into the last of many openers goes over the places of few kept summaries; the findings equal a fresh check after each edit', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-moveplaces-'));
  try {
    const lines = ['typedef struct { unsigned long pte; } pte_t;', 'struct mm_struct;', ''];
    for (let k = 0; k < OPENERS; k++) lines.push(...opener(k));
    const original = lines.join('\n');
    const file = path.join(root, 'many.c');
    fs.writeFileSync(file, original);
    const ws = new Workspace({ root, analysisStore: false });
    ws.build();
    ws.setText(file, original);
    const first = (await ws.check([root])).findings;
    assert.equal(first.length, OPENERS, 'a read after write in each opener');
    // The `set_pte_at` line of opener k (0-based), after which a line is typed.
    const writeLine = (k: number) => 3 + 8 * k + 3;
    const goneOver: number[] = [];
    for (const k of [OPENERS - 1, 0, OPENERS - 2, 1]) {
      const typed = [...lines.slice(0, writeLine(k) + 1), '\tcpu_relax();', ...lines.slice(writeLine(k) + 1)].join('\n');
      for (const text of [typed, original]) {
        const before = placesGoneOver.count;
        ws.setText(file, text);
        goneOver.push(placesGoneOver.count - before);
        assert.deepEqual((await ws.check([root])).findings, await freshFindings(root, 'many.c', text), `opener ${k}`);
      }
    }
    // Typed into the last opener, then into the first: every summary's places are below the latter.
    const [last, , atFirst] = goneOver;
    assert.ok(atFirst >= OPENERS, `typed into the first opener: ${atFirst} places gone over`);
    assert.ok(last * 5 < atFirst, `typed into the last opener: ${last} places gone over, into the first ${atFirst}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
