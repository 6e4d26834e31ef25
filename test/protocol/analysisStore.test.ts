// A window reload (issue 15 point 2): a second server on the same cache
// publishes the open file's diagnostics from the analysis kept on disk
// (engine/store/): the same diagnostics as the first server's, first and
// final, and its log says they came from the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'provisional');
/** Other files with sections, so the whole check has more than the open file's. */
const OTHERS = ['direct_ptep_get.c', 'callee_read.c', 'interproc_depth2.c'];

/** One server's session: open the file, wait for the final diagnostics and the end of the checks, shut down. */
async function session(root: string, cache: string, file: string, env: Record<string, string> = {}) {
  const uri = pathToFileURL(file).href;
  const client = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cache, ...env } });
  try {
    await client.initialize(root);
    await client.open(uri, fs.readFileSync(file, 'utf8'), 1);
    const final = await client.waitFor('final diagnostics', () => client.diagnosticsFor(uri, 1), 100_000);
    await client.checksFinished(30_000);
    // After the index: a reload's publish before it is the last session's findings (server/keptFindings.ts, test/protocol/keptFindings.test.ts).
    const indexAt = client.timeline.findIndex((e) => e.method === 'log' && /phase: index /.test(e.params));
    const pubs = client.timeline.slice(indexAt).filter((e) => e.method === 'publishDiagnostics' && e.params.uri === uri).map((e) => e.params);
    return { first: pubs[0], final, logs: client.logs.join('\n') };
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
  }
}

/** A workspace of the fixture and the raw files beside it, with its own cache folder: two sessions on it are a window reload. */
function reloadWorkspace(): { root: string; cache: string; file: string } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-reload-')));
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(root, f));
  for (const f of OTHERS) fs.copyFileSync(path.join(REPO, 'test', 'fixtures', 'raw', f), path.join(root, f));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-reload-cache-'));
  const file = path.join(root, 'prov_open.c');
  return { root, cache, file };
}

test('after a restart, the open file\'s diagnostics come from the analysis store, equal to the first server\'s', { timeout: 240_000 }, async () => {
  const { root, cache, file } = reloadWorkspace();
  try {
    const before = await session(root, cache, file);
    // The first server computed everything (an empty cache) and stored it.
    assert.match(before.logs, /first diagnostics of prov_open\.c: from the analysis store: 0 of 1 sections, 0 of 4 call-graph searches/);
    const after = await session(root, cache, file);
    assert.match(after.logs, /first diagnostics of prov_open\.c: from the analysis store: 1 of 1 sections, 4 of 4 call-graph searches/);
    assert.match(after.logs, /first check of prov_open\.c: from the analysis store: (\d+) of \1 sections/);
    const plain = (p: any) => JSON.stringify(p.diagnostics);
    assert.equal(plain(after.first), plain(before.first), 'the first (provisional) publish is the same');
    assert.equal(plain(after.final), plain(before.final), 'the final publish is the same');
    assert.equal(after.final.diagnostics.length, 2);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('a reload after a session whose first diagnostics came before the index takes its first pass\'s section call chains from the store', { timeout: 240_000 }, async () => {
  const { root, cache, file } = reloadWorkspace();
  try {
    // The first session publishes before the index (server/firstDiagnostics.ts) and so never runs the openers-first pass.
    const before = await session(root, cache, file, { LAZYMMU_EARLY_MIN_FILES: '1' });
    assert.match(before.logs, /first diagnostics of prov_open\.c before the index/);
    assert.doesNotMatch(before.logs, /first diagnostics of prov_open\.c: from the analysis store/);
    // The reload (index cache on disk: no pass before the index) starts with that pass: its chains were kept for it.
    const after = await session(root, cache, file);
    assert.match(after.logs, /first diagnostics of prov_open\.c: from the analysis store: 1 of 1 sections, 4 of 4 call-graph searches, (\d+) of \1 section calls' chains/);
    assert.equal(JSON.stringify(after.final.diagnostics), JSON.stringify(before.final.diagnostics));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
