// The call-graph searches a check computed wait in the analysis store for
// their serial form until the store is written (the language server writes
// when idle). The first edit after a check used to make them all first,
// since their serial form reads the live index (each step's definition
// named by its rank among its file's same-name definitions): ~1.2 s of CPU
// on the first edit of 6.12's mm/memory.c after the first diagnostics, the
// edit bench's slowest edit but one. Now an edit keeps what they read of
// the edited file as it was (the ranks, the graph's digest), and only an
// edit that changes a search makes that search's serial form, before the
// change. Asserted: an edit that keeps the searches makes no serial form;
// one that changes a search makes that one's; what is written after the
// edits equals what a Workspace that wrote before any edit wrote, entry for
// entry; a reload on the tree as it is on disk takes every search from the
// store; each check equals a cacheless Workspace's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { reachCounts } from '../../engine/index/reachability';
import { readStore } from '../../engine/store/storeFile';
import { cacheless, inFixtureCopy } from './storeReload';
import { deserializeAligned } from '../../engine/alignedSerial';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/chains');

/** The searches written to a cache folder's store (searches.bin), by kind. */
function storedSearches(cache: string): Map<string, unknown> {
  const dir = path.join(cache, 'analysis');
  const [store] = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'searches.bin')));
  const file = path.join(dir, store, 'searches.bin');
  // The header frame (after the magic line) names the world the entries were written for.
  const raw = fs.readFileSync(file);
  const at = raw.indexOf('\n') + 1;
  const head = deserializeAligned(raw.subarray(at + 4, at + 4 + raw.readUInt32LE(at))) as { world: string };
  return readStore(file, head.world, () => {}, 'v8');
}

test('an edit keeps the pending searches unmade; what is written after edits equals what was written before any', async () => {
  await inFixtureCopy(FIXTURE, async (root, cache) => {
    const helpers = path.join(root, 'chain_helpers.c');
    const original = fs.readFileSync(helpers, 'utf8');
    const options = { root, log: () => {}, storeSavedByCaller: true };

    // Written before any edit.
    const before = new Workspace({ ...options, cacheDir: path.join(cache, 'before') });
    before.build();
    await before.check([root]);
    before.saveStore();
    const written = storedSearches(path.join(cache, 'before'));
    assert.equal(written.size, 4, 'the four searches written');

    const ws = new Workspace({ ...options, cacheDir: path.join(cache, 'edited') });
    ws.build();
    await ws.check([root]);
    const edits: [string, string, number][] = [
      // A statement typed into a function on the sleep chain, and lines added above every function: no search changes.
      ['a statement typed', original.replace('\tmutex_lock(&chain_lock);\n', '\tmutex_lock(&chain_lock);\n\tcpu_relax();\n'), 0],
      ['lines added above', `/* a comment */\n\n${original.replace('\tmutex_lock(&chain_lock);\n', '\tmutex_lock(&chain_lock);\n\tcpu_relax();\n')}`, 0],
      // A function no section calls starts sleeping: the sleep search changes, its serial form is made first.
      ['a function starts sleeping', original.replace('int chain_unrelated(int x)\n{\n', 'int chain_unrelated(int x)\n{\n\tmight_sleep();\n'), 1],
      ['undone', original, 0],
    ];
    for (const [what, text, made] of edits) {
      if (what !== 'undone') assert.notEqual(text, original, what);
      const n0 = reachCounts.serialForms;
      ws.setText(helpers, text);
      const got = JSON.stringify((await ws.check([root])).findings);
      assert.equal(reachCounts.serialForms - n0, made, `${what}: serial forms made by the edit and its check`);
      assert.equal(got, await cacheless(root, [[helpers, text]]), `${what}: findings equal a cacheless Workspace's`);
    }
    ws.saveStore();
    const after = storedSearches(path.join(cache, 'edited'));
    assert.deepEqual([...after.keys()].sort(), [...written.keys()].sort());
    for (const [kind, entry] of written) assert.deepEqual(after.get(kind), entry, `the ${kind} search written after the edits is the one written before them`);

    // A reload on the tree on disk (never edited) takes them, for the chains to compute (chains.bin removed:
    // while the kept chains hold under the same call graph, no search is read).
    const [store] = fs.readdirSync(path.join(cache, 'edited', 'analysis'));
    fs.rmSync(path.join(cache, 'edited', 'analysis', store, 'chains.bin'));
    const reload = new Workspace({ ...options, cacheDir: path.join(cache, 'edited') });
    reload.build();
    const findings = JSON.stringify((await reload.check([root])).findings);
    assert.equal(reload.storeCounts.searchesFromStore, 4);
    assert.equal(findings, await cacheless(root, []));
  });
});
