// The language server keeps one Workspace and gives it each edit: summaries,
// call-graph searches and per-function findings from the last check are
// reused where the edit did not touch them, and the places they hold are
// moved with the text. Whatever was reused, the findings after every edit
// must be exactly those of a fresh Workspace given the same texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { Rng } from '../fuzz/rng';
import { interpreterWork } from '../../engine/analysis/interpreter';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');
/** Edits per fixture folder (LAZYMMU_INCREMENTAL_EDITS for longer runs). */
const EDITS = Number(process.env.LAZYMMU_INCREMENTAL_EDITS ?? 40);

/** Lines a developer might type (or half-type) into a lazy-MMU file. */
const TYPED = [
  '',
  '/* a comment */',
  '\tptep_get(ptep);',
  '\tpte_t old = ptep_get(pte);',
  '\tset_pte_at(mm, addr, ptep, pte);',
  '\tset_pte_at(mm, addr, pte, __pte(0));',
  '\tarch_enter_lazy_mmu_mode();',
  '\tarch_leave_lazy_mmu_mode();',
  '\tarch_flush_lazy_mmu_mode();',
  '\tflush_tlb_kernel_range(addr, end);',
  '\tcpu_relax();',
  '\tif (!pte)',
  '\t\treturn -ENOMEM;',
  '\tmight_sleep();',
  '\tpte_alloc_map(mm, pmd, addr);',
  '{',
  '}',
  'static void typed_helper(pte_t *ptep) { set_pte_at(NULL, 0, ptep, __pte(0)); }',
  'static int typed_reader(pte_t *ptep) { return pte_val(ptep_get(ptep)); }',
];

async function freshCheck(root: string, texts: Map<string, string>): Promise<unknown> {
  const ws = new Workspace({ root });
  ws.build();
  for (const [f, t] of texts) ws.setText(f, t);
  return (await ws.check([root])).findings;
}

for (const [dir, seed] of [['raw', 1], ['sections', 2], ['bbm', 3], ['kafb', 4], ['across', 5]] as const) {
  test(`incremental checks equal fresh ones over ${EDITS} random edits (fixtures/${dir})`, async () => {
    const root = path.join(FIXTURES, dir);
    const files = fs.readdirSync(root).filter((f) => f.endsWith('.c')).sort().map((f) => path.join(root, f));
    const rng = new Rng(seed);
    const texts = new Map<string, string>();
    const ws = new Workspace({ root });
    ws.build();
    let last = JSON.stringify((await ws.check([root])).findings);
    let changed = 0;
    for (let i = 0; i < EDITS; i++) {
      const file = rng.pick(files);
      const lines = (texts.get(file) ?? fs.readFileSync(file, 'utf8')).split('\n');
      const at = rng.int(lines.length);
      const what = rng.int(10);
      if (what < 5) lines.splice(at, 0, rng.pick(TYPED));
      else if (what < 7) lines.splice(at, 1);
      else if (what < 8) lines.splice(at, 0, lines[rng.int(lines.length)]);
      else if (what < 9) lines[at] = `${lines[at] ?? ''} /* typed */`;
      const text = what === 9 ? null : lines.join('\n');
      if (text === null) texts.delete(file);
      else texts.set(file, text);
      ws.setText(file, text);
      const got = (await ws.check([root])).findings;
      assert.deepEqual(got, await freshCheck(root, texts), `edit ${i} (${path.basename(file)}, kind ${what}, line ${at + 1})`);
      const now = JSON.stringify(got);
      if (now !== last) changed++;
      last = now;
    }
    // The edits must matter: findings appear, go and move.
    assert.ok(changed >= 5, `only ${changed} of ${EDITS} edits changed the findings`);
  });
}

test('an edit inside a callee that does not change what it does re-analyses the callee only (early cut-off)', async () => {
  // The fixture alone in its workspace: the work counted is this file's, not the other fixtures' (some of
  // whose summaries are cut by recursion and so are recomputed on every check).
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-cutoff-'));
  const file = path.join(root, 'callee_read_chain.c');
  fs.copyFileSync(path.join(FIXTURES, 'raw', 'callee_read_chain.c'), file);
  const text = fs.readFileSync(file, 'utf8');
  const ws = new Workspace({ root });
  ws.build();
  const before = (await ws.check([file])).findings;
  const workOf = async (edited: string) => {
    assert.notEqual(edited, text);
    ws.setText(file, edited);
    const s0 = interpreterWork.steps;
    const got = (await ws.check([file])).findings;
    const work = interpreterWork.steps - s0;
    const fresh = new Workspace({ root });
    fresh.build();
    fresh.setText(file, edited);
    assert.deepEqual(got, (await fresh.check([file])).findings);
    ws.setText(file, null);
    await ws.check([file]);
    return { got, work };
  };
  // A comment line inside crc_restore, two calls below the section's opener: its text changed, its summary did not.
  const inCallee = await workOf(text.replace('\tpte_t v = ptep_get(q);\n', '\tpte_t v = ptep_get(q);\n\t/* typed */\n'));
  // The same inside the opener: the opener is analysed again (its callees' summaries are reused).
  const inOpener = await workOf(text.replace('\tint ret = 0;\n', '\tint ret = 0;\n\t/* typed */\n'));
  // The finding moved down a line with everything after the comment.
  assert.equal(inCallee.got.length, before.length);
  assert.equal(inCallee.got[0].line, before[0].line + 1);
  assert.ok(inCallee.work > 0 && inCallee.work * 3 < inOpener.work, `work after the callee edit ${inCallee.work}, after the opener edit ${inOpener.work}`);
  fs.rmSync(root, { recursive: true, force: true });
});
