// The index cache's file written on another thread (cacheWriter.ts), by
// behaviour: the same bytes as this thread writes (but for the random stamp),
// read back whole; read at once by the next build of the same process; and a
// write that fails, or a process killed while it writes, leaves the old cache
// or none, never one a build takes wrongly: the next build equals a fresh one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { scanFile } from '../../engine/index/fileScan';
import { NameTable, encodeScan, EncodedScan } from '../../engine/index/scanCodec';
import { CacheEntry, EarlyEncoding, IndexCache, storedForm } from '../../engine/index/indexCache';
import { cacheWritesDone } from '../../engine/index/cacheWriter';

const catalogue = loadCatalogue();
const entry = /\b(?:pte_t|pmd_t)\s*\*/;

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A tree of `n` files, each with functions, a macro and a condition of its own and names the others share; `first` opens file 0. */
function tree(n: number, first = ''): { root: string; files: string[] } {
  const root = tmp('lazymmu-writer-');
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(root, `d${i % 4}`, `f${i}.c`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(
      f,
      (i === 0 ? first : '') +
        `#ifdef CONFIG_OWN_${i}\nstatic void own_${i}(pte_t *ptep) { arch_enter_lazy_mmu_mode(); set_pte(ptep, x); callee_${i}(); shared(); arch_leave_lazy_mmu_mode(); }\n#endif\n` +
        `#define OWN_${i}(a) helper_${i}(a) + shared(a)\nint plain_${i}(void) { return shared() + callee_${(i + 1) % n}(); }\n`,
    );
    files.push(f);
  }
  return { root, files };
}

/** What an index holds for each file, as JSON. */
function holds(idx: WorkspaceIndex, files: string[]): string[] {
  return files.map((f) => JSON.stringify([idx.functionsIn(f), idx.macrosIn(f)]));
}

function fresh(root: string, files: string[]): string[] {
  const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
  idx.build();
  return holds(idx, files);
}

function withOffThreadWords<T>(words: number, f: () => T): T {
  const prev = IndexCache.offThreadWords;
  IndexCache.offThreadWords = words;
  try {
    return f();
  } finally {
    IndexCache.offThreadWords = prev;
  }
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'));
}

test('index cache written on another thread: byte for byte the file this thread writes (stamp aside), names as bytes and as a string, rows encoded early in pieces or at the save; read back whole', async () => {
  for (const [label, first, early] of [
    ['ascii, early pieces', '#define GREETING(x) say("hello", x)\n', true],
    ['other, at the save', '#define GREETING(x) say("h\u00e9llo \u2603", x)\n', false],
  ] as const) {
    const { root, files } = tree(60, first);
    // The files' scans encoded once, in this thread (as the scan threads would give them), for both saves.
    const t = new NameTable();
    const words: number[] = [];
    const scans = new Map<string, { at: number; scan: ReturnType<typeof scanFile> }>();
    for (const f of files) {
      const scan = scanFile(fs.readFileSync(f), entry);
      scans.set(f, { at: words.length, scan });
      encodeScan(scan, t, words);
    }
    const data = Int32Array.from(words);
    const saveInto = (cacheDir: string, offThreadWords: number) =>
      withOffThreadWords(offThreadWords, () => {
        // Pieces of 64 words: many, rows across their seams.
        const begun = early ? new EarlyEncoding(64) : undefined;
        const entries = new Map<string, CacheEntry>();
        for (const f of files) {
          const st = fs.statSync(f);
          const e: CacheEntry = { size: st.size, mtimeMs: st.mtimeMs, hash: `h${f}`, scan: scans.get(f)!.scan };
          entries.set(f, e);
          const encoded: EncodedScan = { data, at: scans.get(f)!.at, names: t.names };
          begun?.encodeAsScanned(f, e, encoded);
        }
        const cache = new IndexCache(cacheDir, root, ['writer']);
        return { file: cache.file, offThread: cache.save(entries, begun) };
      });
    const here = saveInto(tmp('lazymmu-writer-here-'), Infinity);
    const there = saveInto(tmp('lazymmu-writer-there-'), 0);
    assert.equal(here.offThread, false, label);
    assert.equal(there.offThread, true, label);
    assert.equal(await cacheWritesDone(), true, label);
    const a = fs.readFileSync(here.file);
    const b = fs.readFileSync(there.file);
    const [stampA, stampB] = [storedForm(here.file)!.stamp, storedForm(there.file)!.stamp] as string[];
    assert.equal(Buffer.isBuffer(storedForm(there.file)!.nameText), label.startsWith('ascii'), `${label}: the names' form`);
    const at = b.indexOf(stampB, 0, 'latin1');
    assert.ok(at > 0 && b.indexOf(stampB, at + 1, 'latin1') < 0, `${label}: the stamp once`);
    b.write(stampA, at, 'latin1');
    assert.ok(a.equals(b), `${label}: the same bytes`);
    assert.deepEqual(leftovers(path.dirname(there.file)), [], label);
    const back = new IndexCache(path.dirname(path.dirname(path.dirname(there.file))), root, ['writer']).load();
    assert.equal(back.size, files.length, label);
    const plain = (v: unknown) => JSON.stringify(v, (k, x) => (k === 'file' ? undefined : x));
    for (const f of files) assert.equal(plain(back.get(f)!.scan()), plain(scanFile(fs.readFileSync(f), entry)), `${label} ${f}`);
  }
});

test('index cache written on another thread: the next build in the same process reads it at once, as after a save in this thread', async () => {
  const { root, files } = tree(40);
  const cacheDir = tmp('lazymmu-writer-cache-');
  const first = withOffThreadWords(0, () => {
    const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
    idx.build();
    return idx;
  });
  assert.equal(first.lastBuild?.cacheWrittenOffThread, true);
  // No waiting here: the build's read of the cache waits for the write.
  const second = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  second.build();
  assert.equal(second.lastBuild?.fromCache, files.length);
  assert.deepEqual(holds(second, files), fresh(root, files));
  assert.equal(await cacheWritesDone(), true);
});

test('index cache written on another thread: a write that fails there is said, leaves no temporary file, and the next build scans and equals a fresh one', async () => {
  const { root, files } = tree(40);
  const cacheDir = tmp('lazymmu-writer-cache-');
  const probe = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  probe.build();
  const file = probe.lastBuild!.cacheFile!;
  // The cache file's place taken by a folder that is not empty: the other thread's rename fails.
  fs.rmSync(file);
  fs.mkdirSync(path.join(file, 'in-the-way'), { recursive: true });
  const failed = withOffThreadWords(0, () => {
    const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
    idx.build();
    return idx;
  });
  assert.equal(failed.lastBuild?.fromCache, 0);
  assert.equal(failed.lastBuild?.cacheWrittenOffThread, true);
  assert.equal(await cacheWritesDone(), false, 'the failure is said');
  assert.deepEqual(leftovers(path.dirname(file)), []);
  assert.ok(fs.statSync(file).isDirectory(), 'nothing written in its place');
  fs.rmSync(file, { recursive: true });
  const next = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  next.build();
  assert.equal(next.lastBuild?.fromCache, 0);
  assert.deepEqual(holds(next, files), fresh(root, files));
});

test('index cache written on another thread: a process killed while it writes leaves no cache or the old one, whole; the next build equals a fresh one', () => {
  const helper = path.join(__dirname, 'cacheWriteKilled.js');
  const { root, files } = tree(40);
  for (const before of ['none', 'an older one'] as const) {
    const cacheDir = tmp('lazymmu-writer-killed-');
    if (before !== 'none') {
      const old = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
      old.build();
      // Every file changed since: the killed build writes the whole cache anew.
      for (const f of files) fs.appendFileSync(f, `\nint later_${path.basename(f, '.c')}(void) { return shared(); }\n`);
    }
    const r = spawnSync(process.execPath, [helper, root, cacheDir], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', `${before}: ${r.stderr}`);
    assert.equal(r.stdout, 'true', `${before}: the file went to the other thread`);
    const next = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
    next.build();
    const file = next.lastBuild!.cacheFile!;
    assert.deepEqual(holds(next, files), fresh(root, files), before);
    if (before === 'none') assert.ok([0, files.length].includes(next.lastBuild!.fromCache), `${before}: all from a whole cache or none`);
    else assert.ok(next.lastBuild!.fromCache === 0 || next.lastBuild!.fromCache === files.length, `${before}: the old cache, every file changed since, or the new one whole`);
    assert.ok(fs.existsSync(file) && storedForm(file) !== null);
  }
});
