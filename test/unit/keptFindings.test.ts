// The kept findings' file (server/keptFindings.ts) on its own: at most
// MAX_KEPT files, the least recently kept dropped first, and the cache's
// sweep removes it once its root is gone. (What a reload publishes from it:
// test/protocol/keptFindings.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KeptFindings } from '../../server/keptFindings';
import { sweepCache } from '../../engine/cacheSweep';
import type { Finding } from '../../engine/findings';

/** A finding of `file` of the shape a check gives (only what the kept file's check reads matters here). */
const findingOf = (file: string) => ({ file, line: 3, column: 1, endLine: 3, endColumn: 9, related: [], message: ['a read'] }) as unknown as Finding;

function temp(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

test('at most 64 files are kept, the least recently kept dropped first (a file kept again counts as new)', () => {
  const root = temp('lazymmu-keptf-root-');
  const cache = temp('lazymmu-keptf-cache-');
  try {
    const key = KeptFindings.keyOf({ root, arch: 'arm64' });
    const file = (i: number) => path.join(root, `f${i}.c`);
    const kept = new KeptFindings(cache, root);
    for (let i = 0; i < 70; i++) kept.keep(file(i), `text ${i}`, key, [findingOf(file(i))]);
    // f0 kept again: now the most recent.
    kept.keep(file(0), 'text 0', key, [findingOf(file(0))]);
    kept.save();
    const read = new KeptFindings(cache, root);
    assert.ok(read.take(file(0), 'text 0', key), 'kept again: kept');
    for (let i = 1; i <= 6; i++) assert.equal(read.take(file(i), `text ${i}`, key), null, `f${i} dropped`);
    for (let i = 7; i < 70; i++) assert.deepEqual(read.take(file(i), `text ${i}`, key), [findingOf(file(i))], `f${i} kept`);
    // Another text, or another key, takes nothing.
    assert.equal(read.take(file(9), 'text 9 edited', key), null);
    assert.equal(read.take(file(9), 'text 9', KeptFindings.keyOf({ root, arch: 'x86' })), null);
    // Kept again after the read: the order of the file holds (f7, the least recent left, goes).
    read.keep(file(100), 'text 100', key, [findingOf(file(100))]);
    read.save();
    const again = new KeptFindings(cache, root);
    assert.equal(again.take(file(7), 'text 7', key), null);
    assert.ok(again.take(file(100), 'text 100', key));
    assert.ok(again.take(file(0), 'text 0', key));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('the kept findings of a root that is gone are removed by the cache sweep', () => {
  const root = temp('lazymmu-keptf-root-');
  const cache = temp('lazymmu-keptf-cache-');
  try {
    const kept = new KeptFindings(cache, root);
    const file = path.join(root, 'a.c');
    kept.keep(file, 'text', KeptFindings.keyOf({ root, arch: 'arm64' }), [findingOf(file)]);
    kept.save();
    const written = fs.readdirSync(path.join(cache, 'results'));
    assert.equal(written.length, 1);
    assert.equal(sweepCache(cache, { everyDays: 0 })?.removed.length ?? 0, 0, 'its root exists: kept');
    fs.rmSync(root, { recursive: true, force: true });
    const swept = sweepCache(cache, { everyDays: 0 });
    assert.deepEqual(swept?.removed, [path.join('results', written[0])]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
