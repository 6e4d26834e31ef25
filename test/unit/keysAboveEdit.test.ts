// After a window reload the openers come from the analysis store, and an
// edit makes the store check again those that read the edited file. An
// opener whose every read of that file lies above the edit (its regions end
// at a definition line before the edit's first line, the names it looked up
// defined there) has the key it had: it stays checked, and no key is made
// for it again (store/readsAbove.ts). One that read a region the edit
// touched or moved is checked as before. Asserted: the findings equal a
// cacheless Workspace's after each edit, which openers come from the store,
// and how many keys were made (keyCounts, not timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { cacheless, inFixtureCopy, reloaded } from './storeReload';
import { keyCounts } from '../../engine/store/contentKeys';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/store');

test('after a reload, an edit below the regions an opener read keeps it checked: no key made again; an edit above them checks it again', async () => {
  await inFixtureCopy(FIXTURE, async (root, cache) => {
    const helpers = path.join(root, 'store_helpers.c');
    const text = fs.readFileSync(helpers, 'utf8');
    // The reload, with store_helpers.c open in the editor (its text given, as the server does).
    const ws = await reloaded(root, cache, [[helpers, text]]);
    assert.equal(ws.storeCounts.sectionsFromStore, 2, 'both openers taken from the store');
    // store_open_a reads store_write_helper (above store_plain_helper); store_open_b reads store_plain_helper.
    for (const [what, edited, keys, fromStore] of [
      // Inside store_plain_helper, below store_write_helper's region: store_open_a's key is not made again,
      // store_open_b's is (it read the edited function: its key fails, and it is computed here from then on).
      ['a line typed into the last helper', text.replace('\taddr += 1;\n', '\taddr += 1;\n\taddr += 5;\n'), 1, 1],
      ['edited again there', text.replace('\taddr += 1;\n', '\taddr += 2;\n'), 0, 1],
      ['undone', text, 0, 1],
      // A line added where store_write_helper's region ends (before the next definition's name line): checked again, computed again.
      ['a blank line added between the helpers', text.replace('\nvoid store_plain_helper', '\n\nvoid store_plain_helper'), 1, 0],
      // From here both openers are computed in this Workspace: no key is made, the findings still a cacheless Workspace's.
      ['the helper above edited', text.replace('set_pte_at(mm, addr, ptep, v);\n}', 'set_pte_at(mm, addr, ptep, v);\n\taddr++;\n}'), 0, 0],
      ['a function added at the end', `${text}\nvoid store_more(void)\n{\n}\n`, 0, 0],
      ['a comment line added at the top', `/* new */\n${text}`, 0, 0],
    ] as const) {
      assert.notEqual(edited === text, what !== 'undone');
      ws.setText(helpers, edited);
      const deps = keyCounts.deps;
      const r = await ws.check([root]);
      assert.equal(JSON.stringify(r.findings), await cacheless(root, [[helpers, edited]]), `${what}: the findings equal a cacheless Workspace's`);
      assert.equal(ws.storeCounts.sectionsFromStore, fromStore, `${what}: openers taken from the store`);
      assert.equal(keyCounts.deps - deps, keys, `${what}: keys made for the openers the edit may have changed`);
    }
  });
});

test("after a reload, an edit inside a function body keeps an opener that read the file's globals, and one keyed by the call graph while no file's part of the graph changed", async () => {
  await inFixtureCopy(path.join(__dirname, '../../../test/fixtures/rerun'), async (root, cache) => {
    const table = path.join(root, 'table_walk.c');
    const other = path.join(root, 'other.c');
    const texts = new Map([table, other].map((f) => [f, fs.readFileSync(f, 'utf8')]));
    const ws = await reloaded(root, cache, texts);
    const all = ws.storeCounts.sectionsFromStore;
    assert.ok(all >= 2, 'table_section and walk_pte_range taken from the store');
    // table_section reads table_walk.c's globals (the_ops) and the functions above table_unrelated;
    // walk_pte_range is keyed by the call graph (its callers bind its `fn`).
    for (const [what, file, edited, keys, fromStore] of [
      ['a statement edited in a function no opener reads (other.c): the graph kept', other, texts.get(other)!.replace('x += 2;', 'x += 3;'), 0, all],
      ["a statement edited in table_unrelated, below table_section's reads: the globals kept", table, texts.get(table)!.replace('x++;', 'x += 5;'), 0, all],
      // A declaration after the last function changes the text outside definitions: table_section's key is made, and fails.
      ['a global declared at the end of table_walk.c', table, `${texts.get(table)!}int table_more;\n`, 1, all - 1],
      // A call added changes other.c's part of the call graph: walk_pte_range's key is made, and fails.
      ['a call added in other.c', other, texts.get(other)!.replace('x += 2;', 'x += abs(n);'), 1, all - 2],
    ] as const) {
      ws.setText(file, edited);
      const deps = keyCounts.deps;
      const r = await ws.check([root]);
      const want = [...texts].map(([f, t]) => [f, f === file ? edited : t] as const);
      assert.equal(JSON.stringify(r.findings), await cacheless(root, want), `${what}: the findings equal a cacheless Workspace's`);
      assert.equal(ws.storeCounts.sectionsFromStore, fromStore, `${what}: openers taken from the store`);
      assert.equal(keyCounts.deps - deps, keys, `${what}: keys made for the openers the edit may have changed`);
      texts.set(file, edited);
    }
  });
});
