// The analysis store after an editor's edits (issue 15 point 4): an edit's
// check puts the openers it computed without keying them (no content digest
// on the edit path); they are keyed when the store is written, from the
// texts as they are then. An opener whose inputs another edit touched before
// the write is not written under the new texts' key: a new process on the
// same cache computes it again, and every answer equals a cacheless
// Workspace's. What was computed is read from Workspace.storeCounts and the
// keys made from keyCounts (never timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { keyCounts } from '../../engine/store/contentKeys';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/store');
const READ = 'young = pte_young(ptep_get(ptep)); /* read after the helper\'s write */';

function setUp(): { root: string; cache: string; a: string; text: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-store-edit-'));
  const root = path.join(dir, 'tree');
  fs.cpSync(FIXTURE, root, { recursive: true });
  const a = path.join(root, 'store_a.c');
  const text = fs.readFileSync(a, 'utf8');
  assert.ok(text.includes(READ));
  return { root, cache: path.join(dir, 'cache'), a, text };
}

/** An editor's Workspace: the caller writes the store (as the language server). */
async function editor(root: string, cache: string): Promise<Workspace> {
  const ws = new Workspace({ root, cacheDir: cache, log: () => {}, storeSavedByCaller: true });
  ws.build();
  await ws.check([root]);
  ws.saveStore();
  return ws;
}

/** A new process on the tree as it is on disk: its findings, and what it took from the store. */
async function reload(root: string, cache?: string) {
  const ws = new Workspace({ root, cacheDir: cache, log: () => {} });
  ws.build();
  const r = await ws.check([root]);
  return { findings: JSON.stringify(r.findings), count: r.findings.length, counts: { ...ws.storeCounts } };
}

test("an edit's check makes no content keys; the write keys what it computed, and a new process takes it", async () => {
  const { root, cache, a, text } = setUp();
  const ws = await editor(root, cache);
  // The read after write taken out of store_open_a's section.
  const edited = text.replace(READ, 'young = 0;');
  ws.setText(a, edited);
  const before = keyCounts.deps;
  const r = await ws.check([root]);
  assert.equal(r.findings.length, 0, 'the edit took the only read after write out');
  assert.equal(ws.storeCounts.sectionsComputed, 2);
  assert.equal(keyCounts.deps, before, 'no content key made by the check');
  ws.saveStore();
  assert.equal(keyCounts.deps, before + 1, 'the write keyed the one opener the edit touched');
  // The editor saves the file; a new process takes both openers from the store and answers as a cacheless one.
  fs.writeFileSync(a, edited);
  const after = await reload(root, cache);
  assert.deepEqual([after.counts.sectionsFromStore, after.counts.sectionsComputed], [2, 0]);
  assert.equal(after.findings, (await reload(root)).findings);
  assert.equal(after.count, 0);
});

test('an opener computed, then edited again before the write, is not written under the new text\'s key', async () => {
  const { root, cache, a, text } = setUp();
  const ws = await editor(root, cache);
  // First edit: no read after write; checked (store_open_a computed, not keyed yet).
  ws.setText(a, text.replace(READ, 'young = 0;'));
  assert.equal((await ws.check([root])).findings.length, 0);
  // Second edit: a read after write again (another accessor), not checked before the write.
  const second = text.replace(READ, 'young = pte_dirty(ptep_get(ptep));');
  ws.setText(a, second);
  ws.saveStore();
  // On disk as the editor had it: store_open_a is computed (the first edit's product would miss the read).
  fs.writeFileSync(a, second);
  const after = await reload(root, cache);
  assert.deepEqual([after.counts.sectionsFromStore, after.counts.sectionsComputed], [1, 1]);
  const cacheless = await reload(root);
  assert.equal(after.findings, cacheless.findings);
  assert.equal(after.count, 1, 'the read after write of the second edit');
  assert.match(after.findings, /pte_dirty|read-after-write/);
});

test('an edit undone before the write: the product computed for the text on disk is written and taken', async () => {
  const { root, cache, a, text } = setUp();
  const ws = await editor(root, cache);
  ws.setText(a, text.replace(READ, 'young = 0;'));
  await ws.check([root]);
  ws.setText(a, text);
  const r = await ws.check([root]);
  ws.saveStore();
  const after = await reload(root, cache);
  assert.deepEqual([after.counts.sectionsFromStore, after.counts.sectionsComputed], [2, 0]);
  assert.equal(after.findings, JSON.stringify(r.findings));
  assert.equal(after.findings, (await reload(root)).findings);
  assert.equal(after.count, 1);
});
