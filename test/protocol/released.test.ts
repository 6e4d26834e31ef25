// What the language server lets go of (issue 15 point 5, ARCHITECTURE.md "The
// language server's memory"): the Workspace on a partial index that gave the
// first diagnostics before the whole index (engine/partialIndex.ts) is gone
// once the whole index's check published; the Workspace a settings change
// replaced (a new index for another architecture) is gone once the new one
// checked the documents. The server runs with --expose-gc and is asked
// lazymmu/memory (server/memoryRequest.ts), which counts the Workspaces still
// reachable after a full GC: one, the one in use, whatever was made before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO, isProvisional } from './lspClient';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'beforeIndex');

test('the partial index of the first diagnostics and a Workspace replaced by a settings change are let go of', { timeout: 150_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-released-')));
  fs.cpSync(FIXTURE, root, { recursive: true });
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-released-cache-'));
  const file = path.join(root, 'bi_open.c');
  const uri = pathToFileURL(file).href;
  // (LAZYMMU_EARLY_MIN_FILES: the pass before the index runs on this small tree too.)
  const client = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cache, LAZYMMU_EARLY_MIN_FILES: '1' }, nodeArgs: ['--expose-gc'] });
  const publishes = () => client.published.filter((p) => p.uri === uri);
  try {
    await client.initialize(root);
    await client.open(uri, fs.readFileSync(file, 'utf8'), 1);
    const final = await client.waitFor('final diagnostics', () => client.diagnosticsFor(uri, 1), 100_000);
    await client.checksFinished(30_000);
    // Two Workspaces were made: the partial one published first (in two stages: the section runs', its whole check's).
    assert.equal(publishes().length, 3, JSON.stringify(publishes()));
    assert.ok(isProvisional(publishes()[0]) && isProvisional(publishes()[1]));
    assert.ok(final.diagnostics.length > 0);
    let m = await client.conn.sendRequest<{ workspaces: number }>('lazymmu/memory');
    assert.equal(m.workspaces, 1, 'only the whole index\'s Workspace is left after the first check');

    // A new index for another architecture: the old Workspace goes.
    const before = publishes().length;
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lazymmu: { arch: 'x86' } } });
    await client.waitFor('the document checked on the new index', () => publishes().length > before && !isProvisional(publishes()[publishes().length - 1]), 100_000);
    await client.checksFinished(30_000);
    assert.match(client.logs.join('\n'), /indexed .* \(arch x86/);
    m = await client.conn.sendRequest<{ workspaces: number }>('lazymmu/memory');
    assert.equal(m.workspaces, 1, 'the replaced Workspace is let go of');
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
