// The local rules' walk of an edited function restarted where the edit
// begins and stopped where the paths are the last walk's again
// (engine/analysis/walk/localResume.ts), on a large fixture function
// (test/fixtures/localResume/large_fn.c: two break-before-make hazards, a
// section with kernel accesses before its flush, flags tested again, labels
// reached by forward gotos). One Workspace is given every edit, as the
// language server gives it (the file is an editor's buffer, so its walks are
// traced); after each, its findings must equal a fresh Workspace's on the
// edited text. And the walk after an ordinary edit must walk a few of the
// function's statements, not all of them (localWalkCounts.steps, statements x
// paths, counted, never timed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { freshFindings } from './freshFindings';
import { Workspace } from '../../engine/workspace';
import { localWalkCounts } from '../../engine/analysis/walk/localResume';
import { Rng } from '../fuzz/rng';

const ROOT = path.join(__dirname, '../../../test/fixtures/localResume');
const FILE = path.join(ROOT, 'large_fn.c');

/** The findings of a fresh Workspace over a copy of the fixture with `text`, named as the fixture's places. */
const fresh = (text: string): Promise<unknown> => freshFindings(ROOT, 'large_fn.c', text);

/** 0-based lines of the function's body that are a whole statement ending in `;`. */
function statementLines(lines: string[]): number[] {
  const from = lines.findIndex((l) => l.startsWith('static int lr_remap('));
  const to = lines.findIndex((l, i) => i > from && l === '}');
  const out: number[] = [];
  for (let i = from + 1; i < to; i++) if (/^\t+[^\t].*;$/.test(lines[i])) out.push(i);
  return out;
}

/** Statements typed into the function: some change nothing the rules follow, others what they find. */
const TYPED = [
  'cpu_relax();',
  'tries = tries + 3;',
  'quick = false;',
  'dirty = !dirty;',
  'old = ptep_get(ptep);',
  'ptep_clear(mm, addr, ptep);',
  'flush_tlb_page(mm, addr);',
  'set_pte_at(mm, addr, ptep, pfn_pte(new_pfn + 1, PAGE_KERNEL));',
  'v = p[3];',
  'arch_flush_lazy_mmu_mode();',
  'if (!pte_present(old))\n\t\treturn -EINVAL;',
  'if (quick)\n\t\tgoto out;',
];

test('random edits inside a large function: after each, the findings (restarted walks) equal a fresh Workspace', async () => {
  const original = fs.readFileSync(FILE, 'utf8');
  const ws = new Workspace({ root: ROOT });
  ws.build();
  ws.setText(FILE, original);
  const first = (await ws.check([ROOT])).findings;
  assert.equal(first.length, 4, 'the fixture has its four findings');
  assert.deepEqual(first, await fresh(original));

  const rng = new Rng(9);
  const counts0 = { ...localWalkCounts };
  let lines = original.split('\n');
  let differentFindings = 0;
  for (let n = 0; n < 70; n++) {
    const stmts = statementLines(lines);
    const r = rng.next();
    let what: string;
    if (r < 0.1) {
      lines = original.split('\n');
      what = 'back to the original';
    } else if (r < 0.3 && stmts.length > 20) {
      const at = rng.pick(stmts);
      what = `line ${at + 1} deleted: ${lines[at].trim()}`;
      lines = [...lines.slice(0, at), ...lines.slice(at + 1)];
    } else {
      const at = rng.pick(stmts);
      const typed = rng.pick(TYPED);
      const indent = /^\t+/.exec(lines[at])![0];
      what = `${typed} typed after line ${at + 1}`;
      lines = [...lines.slice(0, at + 1), ...`${indent}${typed}`.split('\n'), ...lines.slice(at + 1)];
    }
    const text = lines.join('\n');
    ws.setText(FILE, text);
    const got = (await ws.check([ROOT])).findings;
    assert.deepEqual(got, await fresh(text), `edit ${n}: ${what}`);
    if (JSON.stringify(got.map((f) => [f.line, f.rule])) !== JSON.stringify(first.map((f) => [f.line, f.rule]))) differentFindings++;
  }
  // The edits exercised the restart: walks started after the first statement, and stopped early.
  assert.ok(localWalkCounts.restarted - counts0.restarted > 20, `${localWalkCounts.restarted - counts0.restarted} walks restarted`);
  assert.ok(localWalkCounts.stoppedEarly - counts0.stoppedEarly > 20, `${localWalkCounts.stoppedEarly - counts0.stoppedEarly} walks stopped early`);
  assert.ok(differentFindings > 10, `${differentFindings} edits changed the findings`);
});

test('an ordinary edit inside a large function walks a few of its statements again, not the whole function', async () => {
  const original = fs.readFileSync(FILE, 'utf8');
  const lines = original.split('\n');
  const ws = new Workspace({ root: ROOT });
  ws.build();
  ws.setText(FILE, original);
  let s0 = localWalkCounts.steps;
  await ws.check([ROOT]);
  const whole = localWalkCounts.steps - s0;
  assert.ok(whole > 100, `the whole function's walk: ${whole} steps`);

  // `cpu_relax();` typed after the statements near the end, the middle and the start, each then taken out.
  const stmts = statementLines(lines);
  for (const at of [stmts[stmts.length - 4], stmts[stmts.length >> 1], stmts[3]]) {
    for (const text of [[...lines.slice(0, at + 1), '\tcpu_relax();', ...lines.slice(at + 1)].join('\n'), original]) {
      s0 = localWalkCounts.steps;
      ws.setText(FILE, text);
      const got = (await ws.check([ROOT])).findings;
      const walked = localWalkCounts.steps - s0;
      assert.deepEqual(got, await fresh(text), `after line ${at + 1}`);
      assert.ok(walked * 5 < whole, `after line ${at + 1}: ${walked} steps walked again, of ${whole}`);
    }
  }
});
