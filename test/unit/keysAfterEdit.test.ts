// After a window reload the openers come from the analysis store, and each
// edit makes new content keys: the openers that read the edited file are
// checked again against them (AnalysisStore.section). The digests of files
// the edit did not change are kept across content keys by their content hash
// (contentKeys.ts KeptDigests): only the edited file is read and hashed
// again, and a name's digest is kept until an edit changes its definitions
// or moves them. Asserted: after each edit the findings equal a cacheless
// Workspace's, the unchanged opener is still taken from the store, and the
// regions and names hashed again are the edited file's alone (keyCounts,
// not timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { cacheless, inFixtureCopy, reloaded } from './storeReload';
import { keyCounts } from '../../engine/store/contentKeys';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/store');

test("after a reload, an edit re-hashes only the edited file's regions; the opener that read it unchanged is still the store's", async () => {
  await inFixtureCopy(FIXTURE, async (root, cache) => {
    const helpers = path.join(root, 'store_helpers.c');
    const text = fs.readFileSync(helpers, 'utf8');
    // The reload: both openers from the store.
    const ws = await reloaded(root, cache);
    assert.equal(ws.storeCounts.sectionsFromStore, 2, 'both openers taken from the store');
    // Edits in store_plain_helper (store_open_b's), on one line: store_open_a read store_write_helper in the same file.
    // Undone, the file is back to the text the stored openers were keyed on: its regions are read from regions.json, none hashed.
    for (const [what, edited, rehashed] of [
      ['a helper store_open_b calls edited', text.replace('addr += 1;', 'addr += 2;'), 1],
      ['edited again', text.replace('addr += 1;', 'addr += 3;'), 1],
      ['undone', text, 0],
    ] as const) {
      assert.ok(what === 'undone' || edited !== text);
      ws.setText(helpers, edited);
      const regions = keyCounts.regions;
      const names = keyCounts.names;
      const r = await ws.check([root]);
      const hashedNames = keyCounts.names - names;
      assert.equal(JSON.stringify(r.findings), await cacheless(root, [[helpers, edited]]), `${what}: the findings equal a cacheless Workspace's`);
      assert.ok(ws.storeCounts.sectionsFromStore >= 1, `${what}: store_open_a (its regions unchanged) still taken from the store`);
      assert.equal(keyCounts.regions - regions, rehashed, `${what}: only the edited file's regions hashed again (store_a.c's kept by its content hash)`);
      assert.ok(hashedNames <= 2, `${what}: only the names the edited file defines hashed again (${hashedNames})`);
    }
  });
});

test("after a reload, the call graph's digest is hashed again only when an edit changed a file's part of the graph", async () => {
  await inFixtureCopy(path.join(__dirname, '../../../test/fixtures/rerun'), async (root, cache) => {
    const other = path.join(root, 'other.c');
    const text = fs.readFileSync(other, 'utf8');
    // The reload: walk_pte_range, bound by its callers, is keyed by the call graph's digest.
    const ws = await reloaded(root, cache);
    const fromStore = ws.storeCounts.sectionsFromStore;
    assert.ok(fromStore >= 2, 'the openers taken from the store');
    for (const [what, edited, hashed, kept] of [
      // No file's part of the graph changed: walk_pte_range stays checked (store/readsAbove.ts), no digest is made.
      ['a body edited, its calls kept', text.replace('x += 2;', 'x += 3;'), 0, true],
      ['edited again, its calls kept', text.replace('x += 2;', 'x += 4;'), 0, true],
      // walk_pte_range's key (the graph's digest) no longer holds: computed again.
      ['a call added', text.replace('x += 2;', 'x += abs(n);'), 1, false],
    ] as const) {
      assert.notEqual(edited, text);
      ws.setText(other, edited);
      const graphs = keyCounts.graphs;
      const r = await ws.check([root]);
      assert.equal(JSON.stringify(r.findings), await cacheless(root, [[other, edited]]), `${what}: the findings equal a cacheless Workspace's`);
      if (kept) assert.equal(ws.storeCounts.sectionsFromStore, fromStore, `${what}: every opener still taken from the store (other.c is not read by any)`);
      else assert.equal(ws.storeCounts.sectionsFromStore, fromStore - 1, `${what}: the opener keyed by the graph computed again`);
      assert.equal(keyCounts.graphs - graphs, hashed, `${what}: the call graph hashed whole ${hashed} time(s)`);
    }
  });
});
