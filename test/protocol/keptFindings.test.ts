// A window reload publishes the open file's findings the last session's final
// check made for its text before the index is read (server/keptFindings.ts),
// every one provisional; the first check then publishes the final ones. In
// the unchanged case they are the final ones; a file changed between the
// sessions is caught by the final publish; another text of the open file, or
// a damaged kept file, publishes nothing early.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';
import { PROVISIONAL_PREFIX, assertProvisionalThenFinal } from './provisionalMarks';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'provisional');

/** One session: open `file` (with `text`), wait for the final diagnostics and the end of the checks, shut down. */
async function session(root: string, cache: string, file: string, text = fs.readFileSync(file, 'utf8')) {
  const uri = pathToFileURL(file).href;
  const client = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cache } });
  try {
    await client.initialize(root);
    await client.open(uri, text, 1);
    const final = await client.waitFor('final diagnostics', () => client.diagnosticsFor(uri, 1), 100_000);
    await client.checksFinished(30_000);
    // The publishes with a finding for the file made before the index's end (its log line).
    const indexAt = client.timeline.findIndex((e) => e.method === 'log' && /phase: index /.test(e.params));
    assert.ok(indexAt >= 0, 'the index was built');
    const beforeIndex = client.timeline.slice(0, indexAt).filter((e) => e.method === 'publishDiagnostics' && e.params.uri === uri && e.params.diagnostics.length);
    return { beforeIndex: beforeIndex.map((e) => e.params), final, logs: client.logs.join('\n') };
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
  }
}

/** A small tree (no pass before the index: server/firstDiagnostics.ts) with its own cache folder: two sessions on it are a window reload. */
function reloadWorkspace() {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-')));
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(root, f));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-cache-'));
  const clean = () => [root, cache].forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  return { root, cache, file: path.join(root, 'prov_open.c'), other: path.join(root, 'prov_other.c'), clean };
}

/** A diagnostic without the provisional mark (its data flag and the message's prefix). */
function unmarked(d: any) {
  const data = { ...d.data };
  delete data.provisional;
  return { ...d, message: d.message.startsWith(PROVISIONAL_PREFIX) ? d.message.slice(PROVISIONAL_PREFIX.length) : d.message, data };
}
const plain = (ds: any[]) => JSON.stringify(ds.map(unmarked));

test('a reload publishes the last session\'s findings of the open file before the index, provisional, and they are the final ones', { timeout: 240_000 }, async () => {
  const w = reloadWorkspace();
  try {
    const first = await session(w.root, w.cache, w.file);
    assert.equal(first.beforeIndex.length, 0, 'nothing kept yet: nothing before the index');
    assert.equal(first.final.diagnostics.length, 2);
    const reload = await session(w.root, w.cache, w.file);
    assert.equal(reload.beforeIndex.length, 1, 'one publish before the index');
    assert.match(reload.logs, /findings of prov_open\.c kept by the last session published \(2, provisional\)/);
    const [early] = reload.beforeIndex;
    assertProvisionalThenFinal(early, reload.final);
    // Every one marked with the prefix, whatever its rule: another file can change any of them.
    for (const d of early.diagnostics) assert.ok(d.message.startsWith(PROVISIONAL_PREFIX));
    assert.equal(plain(early.diagnostics), plain(reload.final.diagnostics), 'the kept findings are the final ones');
    assert.equal(JSON.stringify(reload.final.diagnostics), JSON.stringify(first.final.diagnostics));
  } finally {
    w.clean();
  }
});

test('a file changed between the sessions: the kept findings are replaced by the final publish, which equals a cold check\'s', { timeout: 300_000 }, async () => {
  const w = reloadWorkspace();
  try {
    const first = await session(w.root, w.cache, w.file);
    assert.equal(first.final.diagnostics.length, 2);
    // prov_other.c's section no longer calls prov_open.c's helper: its read is reached by no section.
    const other = fs.readFileSync(w.other, 'utf8');
    assert.ok(other.includes('dirty = prov_entry_dirty(ptep);'));
    fs.writeFileSync(w.other, other.replace('dirty = prov_entry_dirty(ptep);', 'dirty = 0;'));
    const reload = await session(w.root, w.cache, w.file);
    assert.equal(reload.beforeIndex.length, 1);
    assert.equal(plain(reload.beforeIndex[0].diagnostics), plain(first.final.diagnostics), 'the last session\'s, provisional');
    const coldCache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-cold-'));
    try {
      const cold = await session(w.root, coldCache, w.file);
      assert.equal(cold.final.diagnostics.length, 1);
      assert.equal(JSON.stringify(reload.final.diagnostics), JSON.stringify(cold.final.diagnostics));
    } finally {
      fs.rmSync(coldCache, { recursive: true, force: true });
    }
  } finally {
    w.clean();
  }
});

test('another text of the open file, or a damaged kept file: nothing published before the index, the final publish as ever', { timeout: 300_000 }, async () => {
  const w = reloadWorkspace();
  try {
    const first = await session(w.root, w.cache, w.file);
    // An unsaved buffer unlike the text the findings were kept for.
    const edited = fs.readFileSync(w.file, 'utf8') + '\n/* unsaved */\n';
    const otherText = await session(w.root, w.cache, w.file, edited);
    assert.equal(otherText.beforeIndex.length, 0);
    assert.equal(otherText.final.diagnostics.length, 2);
    // The session with the file's text kept again; then its kept file damaged in the ways a disk or a hand can.
    await session(w.root, w.cache, w.file);
    const [kept] = fs.readdirSync(path.join(w.cache, 'results')).filter((f) => f.startsWith('editor-'));
    assert.ok(kept, 'the kept findings are a file of the cache\'s results');
    const keptFile = path.join(w.cache, 'results', kept);
    const json = JSON.parse(fs.readFileSync(keptFile, 'utf8'));
    const damaged = [
      fs.readFileSync(keptFile, 'utf8').slice(0, 100),
      JSON.stringify({ ...json, files: Object.fromEntries(Object.entries(json.files).map(([f, v]: [string, any]) => [f, { ...v, findings: [{ ...v.findings[0], line: 'x' }] }])) }),
      JSON.stringify({ ...json, files: Object.fromEntries(Object.entries(json.files).map(([f, v]: [string, any]) => [f, { ...v, findings: [{ ...v.findings[0], file: w.other }] }])) }),
      'null',
    ];
    for (const text of damaged) {
      fs.writeFileSync(keptFile, text);
      const s = await session(w.root, w.cache, w.file);
      assert.equal(s.beforeIndex.length, 0, text.slice(0, 60));
      assert.equal(JSON.stringify(s.final.diagnostics), JSON.stringify(first.final.diagnostics));
    }
  } finally {
    w.clean();
  }
});
