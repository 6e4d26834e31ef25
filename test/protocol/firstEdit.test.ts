// The first edit after the first diagnostics (issue 15 point 4, the edit
// bench's slowest edit: 2.4 s on mm/memory.c). The first check's products for
// a window reload (the analysis store's first write, the open files' hover
// answers) took seconds on a kernel tree and were made in the check queue
// right after the first publish, so an edit typed as the diagnostics appeared
// waited behind them. They are now made once the checks are idle, as an
// edit's store write is. Asserted by order, not time: the edit's diagnostics
// come before the store's first write; the write and the kept hover answers
// still come (when idle), and a second server on the same cache takes every
// section from the store. That second server (a window reload) then makes in
// the background what an edit starts from (Workspace.prepareEdits; the first
// server, cold, has nothing to make), and its first edit is answered as the
// first server answered the same edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'provisional');
const WRITTEN = /phase: analysis store written/;
const PREPARED = /phase: analysis for edits of prov_open\.c made/;

test('an edit sent as the first diagnostics arrive is answered before the first check\'s store write, which comes when idle', { timeout: 240_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-first-edit-')));
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(root, f));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-first-edit-cache-'));
  const file = path.join(root, 'prov_open.c');
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, 'utf8');
  const env = { ...process.env, LAZYMMU_CACHE: cache };
  const sameDiagnostics = (p: { diagnostics: unknown[] }) => JSON.stringify(p.diagnostics);
  let edited = '';
  try {
    const first = new LspClient({ env });
    try {
      await first.initialize(root);
      await first.open(uri, text, 1);
      await first.waitFor('final diagnostics', () => first.diagnosticsFor(uri, 1), 100_000);
      // A line typed at once and taken out again (as the bench does): their checks are not queued behind the reload's products.
      for (const [version, now] of [[2, `${text}\n`], [3, text]] as const) {
        await first.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text: now }] });
        await first.waitFor(`the diagnostics of version ${version}`, () => first.diagnosticsFor(uri, version), 60_000);
        assert.ok(!first.logs.some((l) => WRITTEN.test(l)), `the store's first write did not come before the edit's diagnostics:\n${first.logs.join('\n')}`);
        if (version === 2) edited = sameDiagnostics(first.diagnosticsFor(uri, 2)!);
      }
      // Then, with no check asked for, the idle write: the store and the open file's hover answers.
      await first.waitFor('the idle write', () => first.logs.some((l) => WRITTEN.test(l)), 60_000);
      await first.waitFor('the hover answers kept', () => first.logs.some((l) => /phase: hover answers of 1 open files kept/.test(l)), 60_000);
    } finally {
      await first.shutdown().catch(() => first.proc.kill());
    }
    // Its whole session, idle moments included (the shutdown waits for the queue): a cold first check left nothing to make for edits.
    assert.ok(!first.logs.some((l) => PREPARED.test(l)), `the cold server made an analysis for edits:\n${first.logs.join('\n')}`);
    const second = new LspClient({ env });
    try {
      await second.initialize(root);
      await second.open(uri, text, 1);
      await second.waitFor('final diagnostics', () => second.diagnosticsFor(uri, 1), 100_000);
      await second.checksFinished(30_000);
      assert.match(second.logs.join('\n'), /first diagnostics of prov_open\.c: from the analysis store: 1 of 1 sections/);
      // What an edit starts from, made after the store's answer; then the same edit answered as the first server did.
      await second.waitFor('the analysis for edits', () => second.logs.some((l) => PREPARED.test(l)), 60_000);
      await second.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: `${text}\n` }] });
      const after = await second.waitFor('the diagnostics of the first edit', () => second.diagnosticsFor(uri, 2), 60_000);
      assert.equal(sameDiagnostics(after), edited);
    } finally {
      await second.shutdown().catch(() => second.proc.kill());
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
