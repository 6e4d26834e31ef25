// The first edit after a window reload (issue 15 points 2 and 4). A reload's
// first check is answered from the analysis store, so nothing of the open
// file's analysis is in memory: the first keystroke's check then made it
// all (on mm/memory.c ~12 s of CPU in process, ~4.5 s in the server, where
// the first check had made the call-graph searches). Workspace.prepareEdits
// makes it after that first check (the language server, when the checks are
// idle), so that the first edit costs what it costs after a cold
// first check. Measured by the interpreter's work counter (statements x
// states, limits.ts), never by time; every answer equals a cacheless
// Workspace's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { interpreterWork } from '../../engine/analysis/limits';
import { cacheless, inFixtureCopy } from './storeReload';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/store');
const LEAVE = '\tarch_leave_lazy_mmu_mode();\n\treturn young;';

/** An editor's Workspace on `root` with `file` open, checked once (`cache`: its cache folder, or none). */
async function opened(root: string, file: string, text: string, cache?: string): Promise<Workspace> {
  const ws = new Workspace({ root, cacheDir: cache, log: () => {}, storeSavedByCaller: true });
  ws.build();
  ws.setText(file, text);
  await ws.check([file]);
  return ws;
}

/** `file` given `text` and checked: the interpreter's work in that check, and the findings. */
async function edit(ws: Workspace, file: string, text: string): Promise<{ work: number; findings: string }> {
  const before = interpreterWork.steps;
  ws.setText(file, text);
  const r = await ws.check([file]);
  return { work: interpreterWork.steps - before, findings: JSON.stringify(r.findings) };
}

test('after a reload answered from the store, prepareEdits leaves the first edit the work it has after a cold first check', async () => {
  await inFixtureCopy(FIXTURE, async (root, cache) => {
    const file = path.join(root, 'store_a.c');
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.includes(LEAVE));
    // A statement typed into store_open_a's section: its opener is run again, store_write_helper's summary is not.
    const typed = text.replace(LEAVE, `\tcpu_relax();\n${LEAVE}`);
    const want = await cacheless(root, [[file, typed]]);

    // A first session, cold: what the edit costs after a first check that analysed everything here.
    const first = await opened(root, file, text, cache);
    assert.equal(await first.prepareEdits([file]), false, 'nothing was taken from the store: nothing to make');
    first.saveStore();
    const cold = await edit(first, file, typed);
    assert.ok(cold.work > 0, "the edited opener's run");
    assert.equal(cold.findings, want);

    // A reload without prepareEdits: the first check is the store's, the edit makes the rest.
    const bare = await opened(root, file, text, cache);
    assert.ok(bare.storeCounts.sectionsFromStore > 0, 'the reload took its sections from the store');
    const unprepared = await edit(bare, file, typed);
    assert.equal(unprepared.findings, want);

    // A reload with it: the edit costs what it cost in the cold session.
    const ws = await opened(root, file, text, cache);
    assert.ok(ws.storeCounts.sectionsFromStore > 0);
    assert.equal(await ws.prepareEdits([file]), true);
    const prepared = await edit(ws, file, typed);
    assert.equal(prepared.work, cold.work);
    assert.ok(unprepared.work > prepared.work, `without it the edit summarised again what the reload had not (${unprepared.work} vs ${prepared.work})`);
    assert.equal(prepared.findings, want);
    // And back to the text on disk: the same answer as a cacheless Workspace's; then nothing is left to make.
    assert.equal((await edit(ws, file, text)).findings, await cacheless(root, [[file, text]]));
    assert.equal(await ws.prepareEdits([file]), false);
  });
});

