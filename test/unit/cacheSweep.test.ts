// The cache base does not keep what belongs to trees that are gone: the CLI,
// run on copies of the fixture tree with its own cache base, records each
// cache folder's root; once a copy is deleted, the next day's run removes
// that copy's index folder, analysis store and stored results, keeps the
// live copy's (whose rerun is still answered from them), removes folders
// that name no root once old, and sweeps at most once a day.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.join(__dirname, '..', '..', '..');
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'tree');
const DAY_S = 24 * 3600;

function check(cache: string, tree: string) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--root', tree, '--format', 'json', tree], {
    encoding: 'utf8',
    env: { ...process.env, LAZYMMU_CACHE: cache, LAZYMMU_STORE_STATS: '1' },
  });
  assert.ok(r.status === 0 || r.status === 1, `lazymmu failed: ${r.stderr}`);
  return { findings: (JSON.parse(r.stdout) as { diagnostics: unknown[] }).diagnostics, stderr: r.stderr };
}

/** Every cache entry (index, analysis, results) with the root it names, if any. */
function entries(cache: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const kind of ['index', 'analysis']) {
    const dir = path.join(cache, kind);
    if (!fs.existsSync(dir)) continue;
    for (const n of fs.readdirSync(dir)) {
      const owner = path.join(dir, n, 'root.txt');
      out.set(`${kind}/${n}`, fs.existsSync(owner) ? fs.readFileSync(owner, 'utf8') : null);
    }
  }
  const results = path.join(cache, 'results');
  if (fs.existsSync(results)) for (const n of fs.readdirSync(results)) out.set(`results/${n}`, (JSON.parse(fs.readFileSync(path.join(results, n), 'utf8')) as { root: string }).root);
  return out;
}

const ofRoot = (m: Map<string, string | null>, root: string) => [...m].filter(([, r]) => r === root).map(([k]) => k).sort();

/** The day after: the last sweep's stamp moved back. */
function aDayLater(cache: string): void {
  const stamp = path.join(cache, 'swept');
  const t = Date.now() / 1000 - 2 * DAY_S;
  fs.utimesSync(stamp, t, t);
}

test('the cache entries of a deleted tree are removed by the next day\'s run; a live tree keeps its own', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-sweep-'));
  try {
    const cache = path.join(tmp, 'cache');
    const kept = path.join(tmp, 'kept');
    const gone = path.join(tmp, 'gone');
    fs.cpSync(FIXTURE, kept, { recursive: true });
    fs.cpSync(FIXTURE, gone, { recursive: true });
    const first = check(cache, kept);
    assert.ok(first.findings.length > 0, 'the fixture tree has findings');
    check(cache, gone);
    const before = entries(cache);
    const keptEntries = ofRoot(before, kept);
    const goneEntries = ofRoot(before, gone);
    // Each root has its index folder, its analysis store and a stored result, all naming it.
    for (const list of [keptEntries, goneEntries]) {
      for (const kind of ['index/', 'analysis/', 'results/']) assert.ok(list.some((k) => k.startsWith(kind)), `no ${kind} entry naming its root in ${list}`);
    }
    // Folders from before roots were recorded: an old one and a recent one.
    const ownerlessOld = path.join(cache, 'index', 'old0000000000000');
    const ownerlessNew = path.join(cache, 'analysis', 'new0000000000000');
    for (const d of [ownerlessOld, ownerlessNew]) fs.mkdirSync(d, { recursive: true });
    const monthAgo = Date.now() / 1000 - 30 * DAY_S;
    fs.utimesSync(ownerlessOld, monthAgo, monthAgo);

    fs.rmSync(gone, { recursive: true, force: true });
    // The same day: no sweep yet (at most once a day).
    check(cache, kept);
    assert.deepEqual(ofRoot(entries(cache), gone), goneEntries, 'swept twice the same day');

    aDayLater(cache);
    const again = check(cache, kept);
    const after = entries(cache);
    assert.deepEqual(ofRoot(after, gone), [], 'the deleted tree\'s entries are still there');
    assert.deepEqual(ofRoot(after, kept), keptEntries, 'the live tree lost entries');
    assert.equal(fs.existsSync(ownerlessOld), false, 'an old folder naming no root is kept');
    assert.equal(fs.existsSync(ownerlessNew), true, 'a recent folder naming no root is removed');
    // The live tree's run gives the same findings after the sweep.
    assert.deepEqual(again.findings, first.findings);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
