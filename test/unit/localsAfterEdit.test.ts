// An editor's edit undone makes a file's text again the one whose local
// rules' verdicts the analysis store holds (store/keptLocals.ts: keyed by the
// file's content and what its derived APIs read). Taking them costs that
// key: every derived API name's definitions serialised and hashed, ~15 ms of
// CPU on 6.12's mm/memory.c, at every edit that restores the text (each of
// the edit bench's lines is typed in, then taken out). A file whose
// functions this Workspace walked keeps their verdicts in memory, per
// function, across edits (checkers/localVerdicts.ts): its checks take those.
// Asserted: after an edit and its undo no file's verdicts come from the
// store (StoreCounts), and the findings equal a cacheless Workspace's; a
// reload, which walked nothing, still takes every file's from the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { cacheless, inFixtureCopy } from './storeReload';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/warm');

test('an edit undone takes the local verdicts kept in memory, not the store\'s; a reload takes the store\'s', async () => {
  await inFixtureCopy(FIXTURE, async (root, cache) => {
    const local = path.join(root, 'warm_local.c');
    const original = fs.readFileSync(local, 'utf8');
    const files = fs.readdirSync(root).length;
    const options = { root, cacheDir: cache, log: () => {}, storeSavedByCaller: true };
    const ws = new Workspace(options);
    ws.build();
    ws.setText(local, original);
    const first = await ws.check([root]);
    assert.ok(first.findings.some((f) => f.rule === 'lazy-mmu/break-before-make'), 'the fixture has local rules\' findings');
    assert.equal(ws.storeCounts.localsComputed, files);
    const typed = original.replace('\tpte_t old = ptep_get(ptep);\n', '\tpte_t old = ptep_get(ptep);\n\tcpu_relax();\n');
    assert.notEqual(typed, original);
    for (const [what, text] of [['a statement typed', typed], ['undone', original]] as const) {
      ws.setText(local, text);
      const got = JSON.stringify((await ws.check([root])).findings);
      assert.equal(ws.storeCounts.localsFromStore, 0, `${what}: no file's verdicts from the store`);
      assert.equal(ws.storeCounts.localsComputed, files, `${what}: every file's from the verdicts kept here`);
      assert.equal(got, await cacheless(root, [[local, text]]), `${what}: findings equal a cacheless Workspace's`);
    }
    ws.saveStore();

    const reload = new Workspace(options);
    reload.build();
    reload.setText(local, original);
    const got = JSON.stringify((await reload.check([root])).findings);
    assert.equal(reload.storeCounts.localsFromStore, files, 'the reload takes every file\'s verdicts from the store');
    assert.equal(got, await cacheless(root, [[local, original]]));
  });
});

test('after a reload, an edit of a derived API a file\'s stored verdicts read checks them again against the index as edited', async () => {
  await inFixtureCopy(FIXTURE, async (root, cache) => {
    const options = { root, cacheDir: cache, log: () => {}, storeSavedByCaller: true };
    const cold = new Workspace(options);
    cold.build();
    const before = await cold.check([root]);
    assert.ok(before.findings.some((f) => f.rule === 'lazy-mmu/break-before-make' && f.file.endsWith('warm_local.c') && f.line === 9), 'the break-before-make through warm_set()');
    cold.saveStore();
    const reload = new Workspace(options);
    reload.build();
    await reload.check([root]);
    assert.equal(reload.storeCounts.localsComputed, 0, 'every file\'s verdicts from the store');
    // A strong warm_set() in a file warm_local.c's verdicts never read: the name's definitions changed (not
    // its helper's text), so they are judged again with the index as edited, and the weak forwarding one loses.
    const other = path.join(root, 'warm_other.c');
    const text = fs.readFileSync(other, 'utf8').replace('int warm_other', 'void warm_set(unsigned long addr, pte_t *ptep, pte_t v)\n{\n\twarm_log(addr);\n}\n\nint warm_other');
    reload.setText(other, text);
    const got = await reload.check([root]);
    assert.ok(!got.findings.some((f) => f.file.endsWith('warm_local.c') && f.line === 9), 'no break-before-make through warm_set() now');
    assert.equal(JSON.stringify(got.findings), await cacheless(root, [[other, text]]));
  });
});
