// Edits taken back (an undo, a statement typed and taken out): the summaries
// an edit dropped are kept for the file's text before it, and taken back
// when the file's text is that one again (engine/analysis/summaries/store.ts
// `restore`). On a heavy opener a goto goes back in
// (test/fixtures/undoEdits/copy_again.c, the shape of copy_pte_range) and
// its caller: many seeded edits, some going back to an earlier text, one
// Workspace given each as an editor's buffer; after each, its findings must
// equal a fresh Workspace's on the edited text. And the check after an edit
// is taken out runs a part of the opener's statements, not all of them
// (interpreterWork.steps, statements x states, counted, never timed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { freshFindings } from './freshFindings';
import { Workspace } from '../../engine/workspace';
import { interpreterWork } from '../../engine/analysis/interpreter';
import { summariesRestored } from '../../engine/analysis/summaries/store';
import { Rng } from '../fuzz/rng';

const ROOT = path.join(__dirname, '../../../test/fixtures/undoEdits');
const FILE = path.join(ROOT, 'copy_again.c');

const fresh = (text: string): Promise<unknown> => freshFindings(ROOT, 'copy_again.c', text);

/** Statements typed into a function body: no-ops, flushes, writes, reads, early exits. */
const TYPED = [
  'cpu_relax();',
  'arch_flush_lazy_mmu_mode();',
  'set_pte_at(dst_mm, addr, dst_pte, ptent);',
  'ptent = ptep_get(dst_pte);',
  'if (pte_none(ptent))\n\treturn -EAGAIN;',
  'if (rss > 4)\n\tgoto again;',
  'arch_leave_lazy_mmu_mode();',
  'arch_enter_lazy_mmu_mode();',
  'v = ptep_get(dst);',
  'ret = 0;',
];

/** 0-based lines inside the functions' bodies that are a whole statement ending in `;`, with their indent. */
function statementLines(lines: string[]): number[] {
  return lines.flatMap((l, i) => (/^\t+[^\t].*;( \/\*.*\*\/)?$/.test(l) && !/^\t+(int|pte_t|struct|unsigned) /.test(l) ? [i] : []));
}

test('seeded edits of an opener a goto goes back in, some taken back: after each, the findings equal a fresh Workspace, and the summaries of texts seen before are taken back', async () => {
  const original = fs.readFileSync(FILE, 'utf8');
  const ws = new Workspace({ root: ROOT });
  ws.build();
  ws.setText(FILE, original);
  const first = (await ws.check([ROOT])).findings;
  assert.equal(first.length, 2, 'the fixture has its two reads after write');
  assert.deepEqual(first, await fresh(original));
  const rng = new Rng(23);
  const history: string[] = [original];
  const restored0 = summariesRestored.count;
  let back = 0;
  let differentFindings = 0;
  for (let k = 0; k < 40; k++) {
    let lines = history[history.length - 1].split('\n');
    const r = rng.next();
    let what: string;
    if (r < 0.5 && history.length > 1) {
      // Undo: one of the last few texts again (the buffer's history).
      const at = history.length - 2 - rng.int(Math.min(3, history.length - 1));
      lines = history[at].split('\n');
      what = `back to text ${at}`;
      back++;
    } else if (r < 0.65) {
      const stmts = statementLines(lines);
      const at = rng.pick(stmts);
      what = `line ${at + 1} deleted: ${lines[at].trim()}`;
      lines.splice(at, 1);
    } else {
      const at = rng.pick(statementLines(lines));
      const indent = /^\t+/.exec(lines[at])![0];
      const typed = rng.pick(TYPED);
      what = `${typed} typed after line ${at + 1}`;
      lines.splice(at + 1, 0, ...typed.split('\n').map((l) => indent + l));
    }
    const text = lines.join('\n');
    history.push(text);
    ws.setText(FILE, text);
    const got = (await ws.check([ROOT])).findings;
    assert.deepEqual(got, await fresh(text), `edit ${k}: ${what}`);
    if (got.length !== first.length) differentFindings++;
  }
  assert.ok(back > 12, `${back} edits went back to an earlier text`);
  assert.ok(differentFindings > 5, `${differentFindings} edits added or removed findings`);
  const restored = summariesRestored.count - restored0;
  assert.ok(restored > 8, `${restored} summaries taken back`);
});

test('a statement typed into the opener and taken out: the check after taking it out runs a part of the opener, not the whole', async () => {
  const original = fs.readFileSync(FILE, 'utf8');
  const lines = original.split('\n');
  const ws = new Workspace({ root: ROOT });
  ws.build();
  ws.setText(FILE, original);
  await ws.check([ROOT]);
  const fnStart = lines.findIndex((l) => l.startsWith('static int hl_copy_range('));
  const inside = statementLines(lines).filter((i) => i > fnStart && i < fnStart + 55);
  assert.ok(inside.length > 10);
  for (const at of [inside[2], inside[inside.length >> 1], inside[inside.length - 3]]) {
    const typed = [...lines.slice(0, at + 1), '\t\tcpu_relax();', ...lines.slice(at + 1)].join('\n');
    const steps: number[] = [];
    for (const text of [typed, original]) {
      const s0 = interpreterWork.steps;
      ws.setText(FILE, text);
      const got = (await ws.check([ROOT])).findings;
      steps.push(interpreterWork.steps - s0);
      assert.deepEqual(got, await fresh(text), `after line ${at + 1}`);
    }
    const [whole, takenOut] = steps;
    assert.ok(whole > 200, `typed after line ${at + 1}: ${whole} steps`);
    assert.ok(takenOut * 5 < whole, `taken out after line ${at + 1}: ${takenOut} steps, of ${whole}`);
  }
});
