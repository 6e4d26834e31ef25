// The analysis store after an edit in the editor (issue 15 point 4): the
// language server keys and writes what an edit's check computed only once the
// checks are idle, and at shutdown what is still unwritten. A server shut
// down right after an edit's diagnostics has written them: a second server on
// the same cache, the edit saved to disk, takes every section from the store
// and publishes what the first server published for the edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'provisional');
const READ = 'after = ptep_get(ptep); /* read-after-write in this file\'s own section */';

test('an edit\'s products are written at shutdown and taken by the next server, equal to what the edit published', { timeout: 240_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-edit-store-')));
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(root, f));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-edit-store-cache-'));
  const file = path.join(root, 'prov_open.c');
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.includes(READ));
  const edited = text.replace(READ, 'after = newpte;');
  const env = { ...process.env, LAZYMMU_CACHE: cache };
  try {
    const first = new LspClient({ env });
    let published: string;
    try {
      await first.initialize(root);
      await first.open(uri, text, 1);
      const before = await first.waitFor('final diagnostics', () => first.diagnosticsFor(uri, 1), 100_000);
      await first.checksFinished(30_000);
      assert.equal(before.diagnostics.length, 2);
      await first.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
      const after = await first.waitFor('the edit\'s diagnostics', () => first.diagnosticsFor(uri, 2), 60_000);
      assert.equal(after.diagnostics.length, 1, 'the edit took the section\'s own read after write out');
      published = JSON.stringify(after.diagnostics);
    } finally {
      // At once: the idle write has not come yet; shutdown writes.
      await first.shutdown().catch(() => first.proc.kill());
    }
    fs.writeFileSync(file, edited);
    const second = new LspClient({ env });
    try {
      await second.initialize(root);
      await second.open(uri, edited, 1);
      const final = await second.waitFor('final diagnostics', () => second.diagnosticsFor(uri, 1), 100_000);
      await second.checksFinished(30_000);
      const logs = second.logs.join('\n');
      assert.match(logs, /first diagnostics of prov_open\.c: from the analysis store: 1 of 1 sections/);
      assert.match(logs, /first check of prov_open\.c: from the analysis store: (\d+) of \1 sections/);
      assert.equal(JSON.stringify(final.diagnostics), published);
    } finally {
      await second.shutdown().catch(() => second.proc.kill());
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
