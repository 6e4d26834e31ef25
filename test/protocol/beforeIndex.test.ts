// First diagnostics before the whole index (issue 15 point 3): on a tree large
// enough (LAZYMMU_EARLY_MIN_FILES lowers the threshold for this small fixture),
// the server checks the open document on a partial index of what it needs,
// found by name (engine/partialIndex.ts), and publishes before it starts the
// whole index, in two stages (what the section runs alone give, then the
// pass's whole result, which holds it); every finding of those publishes is
// provisional. Then it indexes
// the tree and publishes the final diagnostics (its own openers-first pass on
// the whole index skipped), which equal the CLI's. Fixture:
// test/fixtures/beforeIndex (helpers two files away, a macro, a same-file
// static shadowing another file's global, a read reached only from another
// file's section, a file the open one does not need). A restart with the
// index's scan cache on disk skips the pass (the whole index is quick then).
// test/fixtures/stagedFirst: the first stage holds the read after a write, the
// pass's second publish adds the nested entry, the final publish holds both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { assertProvisionalThenFinal, PROVISIONAL_PREFIX } from './provisionalMarks';
import { LspClient, REPO, isProvisional } from './lspClient';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'beforeIndex');

/** A copy of `fixture` and an empty cache, with a client whose server runs the pass before the index on this small tree. */
function beforeIndexSetup(fixture: string, open: string, tag: string) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `lazymmu-${tag}-`)));
  fs.cpSync(fixture, root, { recursive: true });
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), `lazymmu-${tag}-cache-`));
  const file = path.join(root, open);
  const client = () => new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cache, LAZYMMU_EARLY_MIN_FILES: '1' } });
  return { root, cache, file, uri: pathToFileURL(file).href, client };
}

test('the open file is published before the index starts, all provisional; the final publish equals the CLI', { timeout: 120_000 }, async () => {
  const { root, cache, file, uri, client: newClient } = beforeIndexSetup(FIXTURE, 'bi_open.c', 'before');
  const client = newClient();
  try {
    await client.initialize(root);
    const final = await client.openToFinal(uri, fs.readFileSync(file, 'utf8'));

    const t = client.timeline;
    const pubs = client.publishesOf(uri);
    assert.equal(pubs.length, 3, `the two publishes before the index (the section runs', the pass's), then the final one: ${JSON.stringify(pubs.map(({ e }) => e.params))}`);
    const [stage, early, last] = pubs;
    assert.ok(isProvisional(stage.e.params) && isProvisional(early.e.params), 'the publishes before the index are marked provisional');
    // The read is the section runs' own: the first stage publishes it as the pass does.
    assert.deepEqual(stage.e.params.diagnostics, early.e.params.diagnostics);
    assert.ok(!isProvisional(last.e.params) && last.e.params === final, 'the last publish is the final one');

    // In the order the server sent them: the pass before the index, its publish, then the index, then the final publish.
    const logAt = (re: RegExp) => t.findIndex((e) => e.method === 'log' && re.test(e.params));
    const before = logAt(/phase: first diagnostics of bi_open\.c before the index/);
    const indexed = logAt(/phase: index /);
    const staged = logAt(/phase: section runs' diagnostics of bi_open\.c before the index [\d.]+ (s|ms) \(1 findings, provisional; published ahead of the partial check's end\)/);
    assert.ok(stage.i < staged && staged < before && before >= 0 && before < early.i && early.i < indexed && indexed < last.i, JSON.stringify(t.map((e) => (e.method === 'log' ? e.params : e.method))));
    // It says what it read: 5 files of the tree's 6 (bi_unrelated.c is not needed), found in 3 rounds, by grep.
    assert.match(t[before].params, /before the index [\d.]+ (s|ms) \(1 findings, provisional; partial index: 5 files found by name in 3 rounds, search \d+ ms by grep\)/);
    // The whole index's openers-first pass is skipped for a document published before it.
    assert.equal(client.logs.filter((m) => /phase: first diagnostics of bi_open\.c [\d.]+ (s|ms)/.test(m)).length, 0, client.logs.join('\n'));

    const lines = (p: any) => p.diagnostics.map((d: any) => d.range.start.line + 1).sort((a: number, b: number) => a - b);
    // Before the index: the read in the file's own section (the write two files away, the read through a macro);
    // nothing in bi_quiet() (its bi_touch() is the file's own static); the read reached from bi_other.c only at the end.
    assert.deepEqual(lines(early.e.params), [29]);
    assert.deepEqual(lines(final), [14, 29]);
    // On a partial index every finding may change: each says so; the final ones do not.
    assertProvisionalThenFinal(early.e.params, final);
    assert.equal(early.e.params.diagnostics[0].message, PROVISIONAL_PREFIX + final.diagnostics.find((d: any) => d.range.start.line === 28).message);

    // The final publish is the CLI's answer for the file (exit status 1: findings).
    const cli = JSON.parse(spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--root', root, '--arch', 'arm64', '--format', 'json', file], { encoding: 'utf8' }).stdout);
    const key = (rule: string, line: number, column: number, message: string) => `${rule} ${line}:${column} ${message}`;
    assert.deepEqual(
      final.diagnostics.map((d: any) => key(d.code, d.range.start.line + 1, d.range.start.character + 1, d.message)).sort(),
      cli.diagnostics.map((d: any) => key(d.rule, d.line, d.column, d.message)).sort(),
    );

    // Started again with the index's scan cache on disk (a window reload): the whole index is quick, so no pass
    // before it; the openers-first pass on the whole index publishes first, as before.
    await client.shutdown().catch(() => client.proc.kill());
    const again = newClient();
    try {
      await again.initialize(root);
      await again.open(uri, fs.readFileSync(file, 'utf8'), 1);
      const warmFinal = await again.waitFor('final diagnostics after the restart', () => again.diagnosticsFor(uri, 1), 100_000);
      assert.deepEqual(lines(warmFinal), [14, 29]);
      assert.ok(!again.logs.some((m) => /before the index/.test(m)), again.logs.join('\n'));
      assert.ok(again.logs.some((m) => /phase: first diagnostics of bi_open\.c [\d.]+ (s|ms)/.test(m)), again.logs.join('\n'));
    } finally {
      await again.shutdown().catch(() => again.proc.kill());
    }
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('before the index, the section runs\' findings are published a stage ahead of the pass\'s whole result; each one is in the later publishes as it was', { timeout: 120_000 }, async () => {
  const { root, cache, file, uri, client: newClient } = beforeIndexSetup(path.join(REPO, 'test', 'fixtures', 'stagedFirst'), 'sf_open.c', 'staged');
  const client = newClient();
  try {
    await client.initialize(root);
    const final = await client.openToFinal(uri, fs.readFileSync(file, 'utf8'));
    const t = client.timeline;
    const pubs = client.publishesOf(uri);
    assert.equal(pubs.length, 3, JSON.stringify(pubs.map(({ e }) => e.params)));
    const [stage, pass, last] = pubs.map(({ e }) => e.params);
    const indexed = t.findIndex((e) => e.method === 'log' && /phase: index /.test(e.params));
    assert.ok(pubs[1].i < indexed && indexed < pubs[2].i);
    assert.ok(isProvisional(stage) && isProvisional(pass) && !isProvisional(last) && last === final);
    const lines = (p: any) => p.diagnostics.map((d: any) => `${d.code}:${d.range.start.line + 1}`);
    assert.deepEqual(lines(stage), ['lazy-mmu/read-after-write:16']);
    assert.deepEqual(lines(pass), ['lazy-mmu/read-after-write:16', 'lazy-mmu/nested-section:26']);
    assert.deepEqual(lines(final), ['lazy-mmu/read-after-write:16', 'lazy-mmu/nested-section:26']);
    // The first stage's diagnostic is the pass's, and (but for the provisional mark) the final one.
    assert.deepEqual(stage.diagnostics[0], pass.diagnostics[0]);
    assertProvisionalThenFinal(stage, final);
    assert.equal(stage.diagnostics[0].message, PROVISIONAL_PREFIX + final.diagnostics[0].message);
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
