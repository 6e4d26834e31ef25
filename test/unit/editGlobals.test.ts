// Summaries that read a global's designated initializer depend on the file's
// top-level declarations, not on its function bodies: typing inside a
// function of the same file keeps them (no analysis again), while an edit to
// the table itself changes the finding. Whatever is kept, the findings after
// every edit equal a fresh Workspace's (random edits, property style).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { interpreterWork } from '../../engine/analysis/interpreter';
import { Rng } from '../fuzz/rng';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/globals/ops_global.c');

function copyFixture(): { root: string; file: string; text: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-globals-'));
  const file = path.join(root, 'ops_global.c');
  fs.copyFileSync(FIXTURE, file);
  return { root, file, text: fs.readFileSync(file, 'utf8') };
}

async function fresh(root: string, file: string, text: string) {
  const ws = new Workspace({ root });
  ws.build();
  ws.setText(file, text);
  return (await ws.check([root])).findings;
}

test('an edit inside a function body keeps the summaries that read the file\'s global table; an edit to the table does not', async () => {
  const { root, file, text } = copyFixture();
  const ws = new Workspace({ root });
  ws.build();
  const first = (await ws.check([root])).findings;
  assert.equal(first.length, 1);
  assert.equal(first[0].rule, 'lazy-mmu/read-after-write');
  assert.equal(first[0].line, 40);

  // Typed in a function no section calls (no call added, so no call-graph search changes): nothing is
  // analysed again (before, any edit to the file forgot every summary that had read its globals).
  const typed = text.replace('\tint x = 0;\n', '\tint x = 0;\n\tx += 2;\n');
  assert.notEqual(typed, text);
  ws.setText(file, typed);
  let s0 = interpreterWork.steps;
  const afterOther = (await ws.check([root])).findings;
  assert.equal(interpreterWork.steps - s0, 0, 'an edit outside the section analysed it again');
  assert.deepEqual(afterOther, await fresh(root, file, typed));

  // Typed inside the opener above the section: only the opener runs again (its callees' summaries,
  // which read the table, are reused), and the finding moves down a line.
  const typedAbove = typed.replace('\tarch_enter_lazy_mmu_mode();\n', '\t/* typed */\n\tarch_enter_lazy_mmu_mode();\n');
  ws.setText(file, typedAbove);
  s0 = interpreterWork.steps;
  const afterBody = (await ws.check([root])).findings;
  const openerOnly = interpreterWork.steps - s0;
  assert.ok(openerOnly > 0);
  assert.deepEqual(afterBody, await fresh(root, file, typedAbove));
  assert.equal(afterBody.length, 1);
  assert.equal(afterBody[0].line, 41);

  // The table now points at a function that writes nothing: the finding goes.
  const table = typedAbove.replace('.pte_entry = clear_one,', '.pte_entry = keep_one,');
  ws.setText(file, table);
  const afterTable = (await ws.check([root])).findings;
  assert.deepEqual(afterTable, []);
  assert.deepEqual(afterTable, await fresh(root, file, table));
  fs.rmSync(root, { recursive: true, force: true });
});

test('random edits to a file whose section reaches its writer through a global table: incremental findings equal fresh ones', async () => {
  const { root, file, text } = copyFixture();
  const rng = new Rng(15);
  const typed = [
    '\tcpu_relax();',
    '\t/* typed */',
    '\tset_pte_at(NULL, 0, pte, __pte(0));',
    '\tv = ptep_get(pte);',
    '\t.pte_entry = keep_one,',
    '\t.pte_entry = clear_one,',
    'static const struct walk_ops other_ops = { .pte_entry = clear_one };',
    '\tarch_flush_lazy_mmu_mode();',
  ];
  const ws = new Workspace({ root });
  ws.build();
  await ws.check([root]);
  let lines = text.split('\n');
  const seen = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const at = rng.int(lines.length);
    const what = rng.int(4);
    if (what === 0) lines.splice(at, 1);
    else if (what === 3 && lines.some((l) => l.includes('.pte_entry ='))) {
      // Flip the table's entry (the edit to top-level declarations).
      lines = lines.map((l) => (l.includes('.pte_entry = clear_one,') ? l.replace('clear_one', 'keep_one') : l.includes('.pte_entry = keep_one,') ? l.replace('keep_one', 'clear_one') : l));
    } else lines.splice(at, 0, rng.pick(typed));
    const now = lines.join('\n');
    ws.setText(file, now);
    const got = (await ws.check([root])).findings;
    assert.deepEqual(got, await fresh(root, file, now), `edit ${i} (kind ${what}, line ${at + 1})`);
    seen.add(JSON.stringify(got.map((f) => [f.rule, f.line])));
  }
  // The edits mattered: the findings changed along the way.
  assert.ok(seen.size >= 3, `only ${seen.size} different findings lists over the edits`);
  fs.rmSync(root, { recursive: true, force: true });
});
