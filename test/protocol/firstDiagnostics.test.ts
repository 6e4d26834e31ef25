// First diagnostics before the whole tree (issue 15 point 3, issue 13 point 2):
// after indexing, the server checks the open file's own sections first and
// publishes those findings at once, marked provisional (data.provisional on
// each; the message says so where the rest of the tree can change it), then
// checks every section with the sections progress and publishes the final
// diagnostics, which equal the CLI's findings for the file. Fixtures:
// test/fixtures/provisional (a helper of the open file is read from another
// file's section: only the whole check finds that read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { assertProvisionalThenFinal, PROVISIONAL_PREFIX } from './provisionalMarks';
import { LspClient, REPO, isProvisional } from './lspClient';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'provisional');
/** Other files with sections, so the whole check has more to do than the open file. */
const OTHERS = ['direct_ptep_get.c', 'callee_read.c', 'interproc_depth2.c', 'generic_sections.c'];

test('the open file\'s sections are published first, provisional; the final publish equals the CLI', { timeout: 120_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-first-')));
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(root, f));
  for (const f of OTHERS) fs.copyFileSync(path.join(REPO, 'test', 'fixtures', 'raw', f), path.join(root, f));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-first-cache-'));
  const file = path.join(root, 'prov_open.c');
  const uri = pathToFileURL(file).href;
  const client = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cache } });
  try {
    await client.initialize(root);
    const final = await client.openToFinal(uri, fs.readFileSync(file, 'utf8'));

    const t = client.timeline;
    const pubs = client.publishesOf(uri);
    assert.equal(pubs.length, 2, `a provisional publish, then the final one: ${JSON.stringify(pubs.map(({ e }) => e.params))}`);
    const [early, last] = pubs;
    assert.ok(isProvisional(early.e.params), 'the first publish is marked provisional');
    assert.ok(!isProvisional(last.e.params) && last.e.params === final, 'the last publish is the final one');
    // The first publish arrives while the check is still running: inside its sections progress (which spans the
    // open file's pass and the whole tree's), before the final publish and checkState done.
    // (A run superseded by a newer one, e.g. on the settings the client sends, ends its own progress: the last begin before the publish is this run's.)
    const isBegin = (i: number) => t[i].method === '$/progress' && t[i].params.value.kind === 'begin' && /checking/.test(t[i].params.value.title);
    let sectionsBegin = early.i - 1;
    while (sectionsBegin >= 0 && !isBegin(sectionsBegin)) sectionsBegin--;
    const sectionsEnd = t.findIndex((e, i) => i > sectionsBegin && e.method === '$/progress' && e.params.token === t[sectionsBegin].params.token && e.params.value.kind === 'end');
    const done = t.findIndex((e) => e.method === 'lazymmu/checkState' && !e.params.checking);
    assert.ok(sectionsBegin >= 0 && sectionsBegin < early.i && early.i < sectionsEnd && sectionsEnd < last.i && last.i < done, JSON.stringify(t.map((e) => e.method)));
    // The sections count only moves forward across both passes.
    const counts = t
      .filter((e) => e.method === '$/progress' && e.params.token === t[sectionsBegin].params.token && e.params.value.kind === 'report')
      .map((e) => Number(/^(\d+)\//.exec(e.params.value.message)?.[1]));
    assert.ok(counts.length > 0 && counts.every((c, i) => i === 0 || c >= counts[i - 1]), JSON.stringify(counts));

    const lines = (p: any) => p.diagnostics.map((d: any) => d.range.start.line + 1).sort((a: number, b: number) => a - b);
    // The first pass found the read in the file's own section, not the one reached from prov_other.c.
    assert.deepEqual(lines(early.e.params), [21]);
    assert.deepEqual(lines(final), [11, 21]);
    // Section findings can change with the rest of the tree: each says so; the final ones do not.
    assertProvisionalThenFinal(early.e.params, final);
    const earlyRead = early.e.params.diagnostics[0];
    const finalRead = final.diagnostics.find((d: any) => d.range.start.line === 20);
    assert.equal(earlyRead.message, PROVISIONAL_PREFIX + finalRead.message);

    // The final publish is the CLI's answer for the file.
    // (Exit status 1: findings.)
    const cli = JSON.parse(spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--root', root, '--arch', 'arm64', '--format', 'json', file], { encoding: 'utf8' }).stdout);
    const key = (rule: string, line: number, column: number, message: string) => `${rule} ${line}:${column} ${message}`;
    assert.deepEqual(
      final.diagnostics.map((d: any) => key(d.code, d.range.start.line + 1, d.range.start.character + 1, d.message)).sort(),
      cli.diagnostics.map((d: any) => key(d.rule, d.line, d.column, d.message)).sort(),
    );
    assert.match(client.logs.join('\n'), /phase: first diagnostics of prov_open\.c [\d.]+ (s|ms) \(\d+ findings, provisional\)/);
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
