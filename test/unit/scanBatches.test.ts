// The scan threads' batches and the cache written from them, by behaviour:
// each worker keeps one name table across its batches and sends only the
// names new to it, and the disk cache copies the workers' encodings instead
// of encoding the scans again. Whatever path a scan takes (this thread, a
// worker's later batch, the cache written from a worker's encoding), the
// index must hold the same definitions as scanFile() gives in this thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { FileScan, scanFile } from '../../engine/index/fileScan';
import { scanFiles } from '../../engine/index/scanWorkers';
import { Ints, NameTable, Recoder, decodeScan, encodeScan } from '../../engine/index/scanCodec';
import { CacheEntry, EarlyEncoding, IndexCache } from '../../engine/index/indexCache';
import { SCAN_LIMITS } from '../../engine/inputBounds';

const catalogue = loadCatalogue();
const fixturesDir = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

/** Our own C fixtures (every .c/.h under test/fixtures). */
function fixtures(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[ch]$/.test(e.name)) out.push(p);
    }
  };
  walk(fixturesDir);
  return out.sort();
}

/**
 * A tree of `n` files: the fixtures over and over (names every batch shares),
 * each with a function, a macro and a condition of its own (names new to a
 * late batch).
 */
function tree(n: number): { root: string; files: string[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-batches-'));
  const src = fixtures();
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(root, `d${i % 10}`, `f${i}.${i % 5 === 0 ? 'h' : 'c'}`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    const own =
      `\n#if defined(CONFIG_OWN_${i}) && !defined(CONFIG_X)\n` +
      `static void own_${i}(pte_t *ptep) { arch_enter_lazy_mmu_mode(); callee_${i}(ptep); shared(); }\n#endif\n` +
      `#define OWN_${i}(a, b) helper_${i}(a) + shared(b)\n`;
    fs.writeFileSync(f, fs.readFileSync(src[i % src.length], 'latin1') + own, 'latin1');
    files.push(f);
  }
  return { root, files };
}

/** A scan without the definitions' files, as plain data. */
function plain(s: FileScan): unknown {
  const strip = (d: object) => {
    const { file: _f, ...rest } = d as { file?: string };
    return rest;
  };
  return JSON.parse(JSON.stringify({ functions: s.functions.map(strip), macros: s.macros.map(strip) }));
}

function withWorkers<T>(n: string, f: () => T): T {
  const prev = process.env.LAZYMMU_SCAN_WORKERS;
  process.env.LAZYMMU_SCAN_WORKERS = n;
  try {
    return f();
  } finally {
    if (prev === undefined) delete process.env.LAZYMMU_SCAN_WORKERS;
    else process.env.LAZYMMU_SCAN_WORKERS = prev;
  }
}

const entry = /\b(?:pte_t|pmd_t)\s*\*/;

test('scan workers: later batches (names sent only once per worker) decode to the same scans as this thread', () => {
  // 1,400 files over 2 workers taking them one at a time: several batches of up to 256 files per worker.
  const { files } = tree(1400);
  const got = new Map<string, FileScan>();
  withWorkers('2', () => scanFiles(files, entry, (r) => got.set(r.file, r.scan!)));
  assert.equal(got.size, files.length);
  let withDefs = 0;
  for (const f of files) {
    const have = got.get(f)!;
    assert.ok(have, f);
    // Worker scans carry their file (so these came from the workers).
    assert.equal((have.functions[0] as { file?: string }).file, f);
    assert.deepEqual(plain(have), plain(scanFile(fs.readFileSync(f), entry)), f);
    if (have.functions.length > 1) withDefs++;
  }
  assert.ok(withDefs > files.length / 2, 'the fixtures give definitions besides the file\'s own');
});

test('scan workers read each file where the blank reads it: files that grow its memory while read and while blanked, and one past the size it keeps, scan and hash as this thread does', () => {
  // Each big file is bigger than any before it: the read grows the blanker's memory, then the blank grows it
  // again for its copy and offsets (its texts of directives are then read from the grown memory); the last
  // is past the 16 MB a scan thread keeps, so the next file is read into a fresh memory.
  const { root, files } = tree(420);
  const block = (k: number) =>
    `#ifdef CONFIG_BIG_${k}\n#define BIG_${k}(x) big_callee_${k}(x) /* a comment */\n` +
    `static int big_${k}(pte_t *ptep) { int a = 1; a++; a--; return big_callee_${k}(ptep) + shared(a); }\n#else\nint big_${k}(void);\n#endif\n`;
  const big: string[] = [];
  let blocks = 0;
  for (const [i, mb] of [0.5, 2, 6, 20].entries()) {
    const f = path.join(root, `big${i}.c`);
    let text = '';
    for (blocks = 0; text.length < mb * (1 << 20); blocks++) text += block(blocks);
    fs.writeFileSync(f, text, 'latin1');
    big.push(f);
  }
  // The big files among the small ones, each followed by small files (read into what it left).
  const all = [...files];
  big.forEach((f, i) => all.splice(60 + 80 * i, 0, f));
  const got = new Map<string, { scan: FileScan; hash: string }>();
  withWorkers('2', () => scanFiles(all, entry, (r) => got.set(r.file, { scan: r.scan!, hash: r.hash })));
  assert.equal(got.size, all.length);
  for (const f of all) {
    const have = got.get(f)!;
    const bytes = fs.readFileSync(f);
    assert.equal(have.hash, createHash('sha1').update(bytes).digest('base64'), f);
    assert.deepEqual(plain(have.scan), plain(scanFile(bytes, entry)), f);
  }
  const last = got.get(big[3])!.scan;
  assert.equal(last.functions.length, blocks, 'the 20 MB file scanned whole');
  assert.equal(last.macros.length, blocks);
  assert.equal(last.macros[7].body, 'big_callee_7(x)');
  fs.rmSync(root, { recursive: true, force: true });
});

test('scan workers wait for a place: at most batchesInFlight batches wait for this thread while it is away, and every file still comes once', () => {
  // 600 files in batches of 8 (75 batches) over 2 workers, while this thread is away in `meanwhile` (as the
  // index's thread is while it reads the Kconfig facts): without the bound the workers would send every
  // batch meanwhile, and all 75 would wait in the ports at once.
  const { root, files } = tree(600);
  try {
    const limits = { ...SCAN_LIMITS, batchFiles: 8, batchesInFlight: 3 };
    const got = new Map<string, FileScan>();
    const away = new Int32Array(new SharedArrayBuffer(4));
    const stats = withWorkers('2', () =>
      scanFiles(files, entry, (r) => {
        assert.ok(!got.has(r.file), `${r.file} reported twice`);
        got.set(r.file, r.scan!);
      }, () => Atomics.wait(away, 0, 0, 3000), limits),
    );
    assert.ok(stats, 'the workers scanned');
    assert.ok(stats.batches >= files.length / limits.batchFiles);
    assert.ok(stats.mostInFlight >= 1 && stats.mostInFlight <= limits.batchesInFlight, `at most ${limits.batchesInFlight} batches in flight, saw ${stats.mostInFlight}`);
    assert.equal(got.size, files.length);
    for (const f of files.filter((_, i) => i % 50 === 0)) assert.deepEqual(plain(got.get(f)!), plain(scanFile(fs.readFileSync(f), entry)), f);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('scan workers let go of a name table past threadNames: the batches after a fresh table decode, and encode into the cache, as this thread scans (names interned, or taken into the cache\'s table)', () => {
  // 600 files in batches of 16, a worker's table renewed past 200 names (each file brings ~6 names of its own).
  const { root, files } = tree(600);
  try {
    for (const taken of [false, true]) {
      const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-batches-fresh-'));
      try {
        const early = new EarlyEncoding(64);
        const entries = new Map<string, CacheEntry>();
        const stats = withWorkers('2', () =>
          scanFiles(files, entry, (r) => {
            const e: CacheEntry = { size: r.size, mtimeMs: r.mtimeMs, hash: r.hash, scan: r.scan! };
            entries.set(r.file, e);
            early.encodeAsScanned(r.file, e, r.encoded!);
          }, undefined, { ...SCAN_LIMITS, batchFiles: 16, threadNames: 200 }, taken ? early.takeName : undefined),
        );
        assert.ok(stats && stats.freshTables >= 4, `fresh tables: ${stats?.freshTables}`);
        assert.equal(entries.size, files.length);
        if (taken) {
          // Every name the scans hold is in the cache's table, and the table holds each name once.
          const names = early.table.names;
          assert.equal(new Set(names).size, names.length);
          const held = new Set(names);
          for (const e of entries.values()) for (const fn of e.scan!.functions) assert.ok(held.has(fn.name) && fn.calls.every((c) => held.has(c)), fn.name);
        }
        new IndexCache(cacheDir, root, ['fresh']).save(entries, early);
        const back = new IndexCache(cacheDir, root, ['fresh']).load();
        for (const f of files) {
          const want = plain(scanFile(fs.readFileSync(f), entry));
          assert.deepEqual(plain(entries.get(f)!.scan!), want, `${f} (taken: ${taken})`);
          assert.deepEqual(plain(back.get(f)!.scan()), want, `${f} (taken: ${taken})`);
        }
      } finally {
        fs.rmSync(cacheDir, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('index cache written from the workers\' encodings: a warm build holds what the cold one did', () => {
  const { root, files } = tree(900);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-batches-cache-'));
  const cold = withWorkers('2', () => {
    const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
    idx.build();
    return idx;
  });
  assert.equal(cold.lastBuild?.workers, 2);
  assert.equal(cold.lastBuild?.scanned.length, files.length);
  // Every row of the cache was encoded as its batch came, while the workers still scanned (not after the scan).
  assert.equal(cold.lastBuild?.encodedDuringScan, files.length);
  const warm = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  warm.build();
  assert.equal(warm.lastBuild?.fromCache, files.length);
  assert.equal(warm.lastBuild?.scanned.length, 0);
  // The reference: the same tree scanned in this thread, no cache.
  const here = withWorkers('0', () => {
    const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
    idx.build();
    return idx;
  });
  assert.equal(here.lastBuild?.workers, 0);
  for (const f of files) {
    const want = plain({ functions: here.functionsIn(f), macros: here.macrosIn(f) });
    const c = { functions: cold.functionsIn(f), macros: cold.macrosIn(f) };
    const w = { functions: warm.functionsIn(f), macros: warm.macrosIn(f) };
    assert.deepEqual(plain(c), want, f);
    assert.deepEqual(plain(w), want, f);
    for (const d of [...w.functions, ...w.macros]) assert.equal((d as { file?: string }).file, f);
  }
  // One edit after the warm build: only that file is scanned again, and the cache it writes (copied encodings plus one fresh scan) still reads back whole.
  const edited = files[7];
  fs.appendFileSync(edited, '\nvoid late_one(void) { late_callee(); }\n');
  const third = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  third.build();
  assert.deepEqual(third.lastBuild?.scanned, [edited]);
  const fourth = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  fourth.build();
  assert.equal(fourth.lastBuild?.fromCache, files.length);
  assert.deepEqual(fourth.definitionsNamed('late_one').map((d) => [d.file, d.calls]), [[edited, ['late_callee']]]);
  assert.deepEqual(plain({ functions: fourth.functionsIn(files[8]), macros: fourth.macrosIn(files[8]) }), plain({ functions: cold.functionsIn(files[8]), macros: cold.macrosIn(files[8]) }));
});

test('index cache rows encoded as the batches come, in many pieces, and a row encoded at the save: all read back whole', () => {
  const { root, files } = tree(500);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-batches-early-'));
  // Pieces of 64 words: dozens of them, rows across their seams.
  const early = new EarlyEncoding(64);
  const entries = new Map<string, CacheEntry>();
  withWorkers('2', () =>
    scanFiles(files.slice(1), entry, (r) => {
      const e: CacheEntry = { size: r.size, mtimeMs: r.mtimeMs, hash: r.hash, scan: r.scan! };
      entries.set(r.file, e);
      early.encodeAsScanned(r.file, e, r.encoded!);
    }),
  );
  assert.equal(early.rows.size, files.length - 1, 'every file from the workers, encoded as it came');
  // A scan made in this thread (no encoding yet): encoded by the save, after the early rows.
  const st = fs.statSync(files[0]);
  entries.set(files[0], { size: st.size, mtimeMs: st.mtimeMs, hash: 'h', scan: scanFile(fs.readFileSync(files[0]), entry) });
  new IndexCache(cacheDir, root, ['early']).save(entries, early);
  const back = new IndexCache(cacheDir, root, ['early']).load();
  assert.equal(back.size, files.length);
  for (const f of files) assert.deepEqual(plain(back.get(f)!.scan()), plain(scanFile(fs.readFileSync(f), entry)), f);
});

test('Recoder: copying an encoded scan into another table gives the numbers encodeScan gives for the decoded scan', () => {
  const a = new NameTable();
  const encoded: { at: number; scan: FileScan }[] = [];
  const outA: number[] = [];
  // A table that already holds names in another order, so that ids really change.
  a.id('zzz_unrelated');
  for (const f of fixtures()) {
    const scan = scanFile(fs.readFileSync(f), entry);
    encoded.push({ at: outA.length, scan });
    encodeScan(scan, a, outA);
  }
  const dataA = Int32Array.from(outA);
  const b = new NameTable();
  b.id('another_first_name');
  const viaRecoder = new Ints();
  const recoder = new Recoder(b);
  for (const e of encoded) recoder.copy({ data: dataA, at: e.at, names: a.names }, viaRecoder);
  const c = new NameTable();
  c.id('another_first_name');
  const viaEncode: number[] = [];
  for (const e of encoded) encodeScan(decodeScan(dataA, e.at, a.names), c, viaEncode);
  assert.deepEqual([...viaRecoder.toArray()], viaEncode);
  assert.deepEqual(b.names, c.names);
  assert.ok(encoded.some((e) => e.scan.macros.length > 0) && encoded.some((e) => e.scan.functions.some((f) => f.calls.length > 1)));
});

test('scan workers take files one at a time: a worker held up by one file leaves every other file to the other worker', () => {
  // A FIFO first in the list: the worker that takes it waits in its open() until this thread writes,
  // which it does only once every other file has been reported. With fixed shares per worker, the
  // held-up worker's share would wait behind the FIFO (and only a fallback writer, after 45 s,
  // would let it go: then the FIFO is not the last file reported).
  const { root, files } = tree(600);
  const fifo = path.join(root, 'a_fifo.c');
  execFileSync('mkfifo', [fifo]);
  const fallback = spawn('sh', ['-c', `sleep 45; printf 'int late(void) { }' > '${fifo}'`], { stdio: 'ignore' });
  try {
    const order: string[] = [];
    const all = [fifo, ...files];
    withWorkers('2', () =>
      scanFiles(all, entry, (r) => {
        order.push(r.file);
        if (order.length === all.length - 1 && !order.includes(fifo)) {
          const fd = fs.openSync(fifo, 'w');
          fs.writeSync(fd, 'static int from_fifo(pte_t *p) { return helper(p); }\n');
          fs.closeSync(fd);
        }
      }),
    );
    assert.equal(order.length, all.length);
    assert.equal(new Set(order).size, all.length, 'each file reported once');
    assert.equal(order[order.length - 1], fifo, 'the FIFO last: the other worker took every other file meanwhile');
  } finally {
    fallback.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a cold build with scan threads puts same-name definitions in the listing\'s order, as a build in this thread does (with an empty cache and with none)', () => {
  // 600 files over 2 workers: the scans come in the order the workers finish them, not the listing's.
  const { root, files } = tree(600);
  try {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-batches-order-'));
    const [threaded, threadedCached] = [undefined, cacheDir].map((dir) =>
      withWorkers('2', () => {
        const ix = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir: dir });
        ix.build();
        return ix;
      }),
    );
    fs.rmSync(cacheDir, { recursive: true, force: true });
    assert.equal(threaded.lastBuild?.workers, 2);
    assert.equal(threadedCached.lastBuild?.fromCache, 0);
    const here = withWorkers('0', () => {
      const ix = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
      ix.build();
      return ix;
    });
    // The fixtures' names, each defined in every file made from its fixture (dozens of files).
    const names = new Set<string>();
    const macroNames = new Set<string>();
    for (const f of files.slice(0, 20)) {
      for (const d of here.functionsIn(f)) names.add(d.name);
      for (const m of here.macrosIn(f)) macroNames.add(m.name);
    }
    let several = 0;
    for (const n of names) {
      const want = here.definitionsNamed(n).map((d) => [d.file, d.line]);
      if (want.length > 2) several++;
      for (const ix of [threaded, threadedCached]) assert.deepEqual(ix.definitionsNamed(n).map((d) => [d.file, d.line]), want, n);
    }
    for (const m of macroNames) for (const ix of [threaded, threadedCached]) assert.deepEqual(ix.macrosNamed(m).map((d) => [d.file, d.line]), here.macrosNamed(m).map((d) => [d.file, d.line]), m);
    assert.ok(several > 5, `names defined in several files (${several})`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
