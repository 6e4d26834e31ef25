// The index's disk cache and its scan workers, by behaviour: an unchanged file
// comes from the cache, a changed one is rescanned, a touched but unchanged
// one is not, a deleted one leaves the index; scans made in worker_threads
// equal the scans made in this thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { scanFile } from '../../engine/index/fileScan';
import { scanFiles } from '../../engine/index/scanWorkers';
import { IndexCache, storedForm } from '../../engine/index/indexCache';
import { serializeAligned } from '../../engine/alignedSerial';

const catalogue = loadCatalogue();

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function build(root: string, cacheDir: string): WorkspaceIndex {
  const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  idx.build();
  return idx;
}

test('index cache: unchanged files come from the cache, changed ones are rescanned', () => {
  const root = tmp('lazymmu-idx-');
  const cacheDir = tmp('lazymmu-cache-');
  const a = path.join(root, 'a.c');
  const b = path.join(root, 'b.c');
  const c = path.join(root, 'c.c');
  fs.writeFileSync(a, 'void fa(void) { arch_enter_lazy_mmu_mode(); }\n');
  fs.writeFileSync(b, 'void fb(void) { foo(); }\n');
  fs.writeFileSync(c, 'void fc(void) { }\n');

  const first = build(root, cacheDir);
  assert.deepEqual(first.lastBuild?.scanned, [a, b, c]);
  assert.equal(first.lastBuild?.fromCache, 0);
  assert.ok(first.lastBuild?.cacheFile && fs.existsSync(first.lastBuild.cacheFile));
  assert.ok(!first.lastBuild!.cacheFile!.startsWith(root), 'the cache lives outside the tree');

  // Each file's size as the build read it (the local rules' size bound asks it of every file: no stat each).
  const sizes = () => [a, b, c].map((f) => (fs.existsSync(f) ? fs.statSync(f).size : undefined));
  assert.deepEqual([a, b, c].map((f) => first.sizeAsBuilt(f)), sizes());

  const second = build(root, cacheDir);
  assert.deepEqual(second.lastBuild?.scanned, []);
  assert.equal(second.lastBuild?.fromCache, 3);
  assert.deepEqual([a, b, c].map((f) => second.sizeAsBuilt(f)), sizes());
  assert.deepEqual(second.functionsIn(a).map((f) => [f.name, f.line, f.calls]), [['fa', 1, ['arch_enter_lazy_mmu_mode']]]);
  assert.deepEqual(second.lazyApiUsers().map((d) => d.name), ['fa']);
  assert.deepEqual(second.resolve('fb', a).map((d) => d.file), [b]);

  // b changes (same size even: the mtime differs, then the content hash); a is touched only; c goes.
  fs.writeFileSync(b, 'void gb(void) { bar(); }\n');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(b, later, later);
  fs.utimesSync(a, later, later);
  fs.rmSync(c);
  const third = build(root, cacheDir);
  assert.deepEqual(third.lastBuild?.scanned, [b]);
  assert.equal(third.lastBuild?.fromCache, 1);
  assert.deepEqual(third.functionsIn(b).map((f) => [f.name, f.calls]), [['gb', ['bar']]]);
  assert.deepEqual(third.resolve('fb', a), []);
  assert.deepEqual(third.files().sort(), [a, b]);
  assert.deepEqual([a, b, c].map((f) => third.sizeAsBuilt(f)), sizes());
  // Indexed again from a buffer (an editor's text): the build's size no longer holds, so none is said.
  third.addScan(b, Buffer.from('void gb(void) { bar(); baz(); }\n'));
  assert.equal(third.sizeAsBuilt(b), undefined);
  assert.equal(third.sizeAsBuilt(a), fs.statSync(a).size);

  // And the cache written by the third build knows the new b.
  const fourth = build(root, cacheDir);
  assert.deepEqual(fourth.lastBuild?.scanned, []);
  assert.deepEqual(fourth.functionsIn(b).map((f) => f.name), ['gb']);
});

test('index cache: no cacheDir, no cache; a corrupt cache file is ignored', () => {
  const root = tmp('lazymmu-idx-');
  const cacheDir = tmp('lazymmu-cache-');
  fs.writeFileSync(path.join(root, 'a.c'), 'int f(int x) { return g(x); }\n');
  const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
  idx.build();
  assert.equal(idx.lastBuild?.cacheFile, null);
  assert.deepEqual(fs.readdirSync(cacheDir), []);
  const first = build(root, cacheDir);
  fs.writeFileSync(first.lastBuild!.cacheFile!, 'not a cache');
  const again = build(root, cacheDir);
  assert.equal(again.lastBuild?.scanned.length, 1);
  assert.deepEqual(again.functionsIn(path.join(root, 'a.c')).map((f) => f.calls), [['g']]);
  assert.ok(new IndexCache(cacheDir, root, ['x']).file !== first.lastBuild!.cacheFile, 'the key is part of the file name');
});

test('scan workers: the same scans as this thread', () => {
  const root = tmp('lazymmu-scan-');
  const files: string[] = [];
  for (let i = 0; i < 500; i++) {
    const f = path.join(root, `f${i}.c`);
    fs.writeFileSync(
      f,
      `#ifdef CONFIG_X${i % 3}\nstatic void f${i}(pte_t *ptep) { set_pte_at(mm, a, ptep, p); g${i % 7}(); }\n#endif\n#define M${i}(x) h${i}(x)\nint v${i};\n`,
    );
    files.push(f);
  }
  const entry = /\bpte_t\s*\*/;
  const prev = process.env.LAZYMMU_SCAN_WORKERS;
  process.env.LAZYMMU_SCAN_WORKERS = '2';
  const got = new Map<string, unknown>();
  try {
    scanFiles(files, entry, (r) => got.set(r.file, JSON.parse(JSON.stringify(r.scan))));
  } finally {
    if (prev === undefined) delete process.env.LAZYMMU_SCAN_WORKERS;
    else process.env.LAZYMMU_SCAN_WORKERS = prev;
  }
  assert.equal(got.size, files.length);
  for (const f of files) {
    const want = scanFile(fs.readFileSync(f), entry);
    const have = got.get(f) as typeof want;
    // Worker scans carry their file (so these came from the workers); otherwise equal.
    assert.equal((have.functions[0] as any).file, f);
    const strip = (s: typeof want) => ({
      functions: s.functions.map(({ file: _f, ...rest }: any) => rest),
      macros: s.macros.map(({ file: _f, ...rest }: any) => rest),
    });
    assert.deepEqual(strip(have), strip(JSON.parse(JSON.stringify(want))));
  }
});

test('result cache: an unchanged tree gives the stored result; a change is checked again', async () => {
  const { checkTree } = await import('../../engine/check');
  const root = tmp('lazymmu-res-');
  const cacheDir = tmp('lazymmu-cache-');
  const fixture = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'raw', 'interproc_depth2.c');
  const file = path.join(root, 'x.c');
  fs.copyFileSync(fixture, file);
  const first = await checkTree({ root, paths: [root], cacheDir });
  assert.ok(first.findings.length > 0);
  assert.equal(fs.readdirSync(path.join(cacheDir, 'results')).length, 1);
  // The stored result's hit leaves no cache file open (an editor or a script may check in process many times).
  const openFiles = () => fs.readdirSync('/proc/self/fd').map((fd) => { try { return fs.readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } }).filter((f) => f.startsWith(cacheDir)).length;
  const second = await checkTree({ root, paths: [root], cacheDir });
  assert.deepEqual(JSON.parse(JSON.stringify(second)), JSON.parse(JSON.stringify(first)));
  assert.equal(openFiles(), 0, 'the cache files a hit read are closed');
  // Other paths are another result.
  await checkTree({ root, paths: [file], cacheDir });
  assert.equal(fs.readdirSync(path.join(cacheDir, 'results')).length, 2);
  // The file loses its functions: no findings, and not the stored ones.
  fs.writeFileSync(file, 'int x;\n');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
  const third = await checkTree({ root, paths: [root], cacheDir });
  assert.deepEqual(third.findings, []);
});

test('index cache seed: a worktree copy takes the scans of files with the same path and content from the other tree\'s cache, at its own paths', () => {
  const root = tmp('lazymmu-seed-');
  const cacheDir = tmp('lazymmu-cache-');
  fs.mkdirSync(path.join(root, 'mm'));
  const same = 'void fa(void) { arch_enter_lazy_mmu_mode(); fb(); }\n';
  fs.writeFileSync(path.join(root, 'mm/a.c'), same);
  fs.writeFileSync(path.join(root, 'mm/b.c'), 'void fb(void) { foo(); }\n');
  build(root, cacheDir);

  // A copy (as git worktree add makes it: other mtimes), one file changed; one of the same size but other text.
  const copy = tmp('lazymmu-seed-copy-');
  fs.mkdirSync(path.join(copy, 'mm'));
  fs.writeFileSync(path.join(copy, 'mm/a.c'), same);
  fs.writeFileSync(path.join(copy, 'mm/b.c'), 'void fb(void) { bar(); }\n');
  const st = fs.statSync(path.join(root, 'mm/b.c'));
  fs.utimesSync(path.join(copy, 'mm/b.c'), st.atime, st.mtime); // same size and mtime: the content must decide
  const idx = new WorkspaceIndex({ root: copy, arch: 'arm64', catalogue, cacheDir, cacheSeed: root });
  idx.build();
  assert.equal(idx.lastBuild?.fromCache, 1);
  assert.deepEqual(idx.lastBuild?.scanned, [path.join(copy, 'mm/b.c')]);
  assert.deepEqual(idx.lazyApiUsers().map((d) => [d.name, d.file]), [['fa', path.join(copy, 'mm/a.c')]]);
  assert.deepEqual(idx.functionsIn(path.join(copy, 'mm/b.c')).map((f) => f.calls), [['bar']]);
  // Without a seed, the copy scans everything.
  const cold = new WorkspaceIndex({ root: copy, arch: 'arm64', catalogue, cacheDir: tmp('lazymmu-cache-') });
  cold.build();
  assert.equal(cold.lastBuild?.fromCache, 0);
});

test('index cache: a cache of the previous form (names as an array of strings) is not read but rebuilt, and the index equals a fresh one\'s', () => {
  const root = tmp('lazymmu-idx-old-');
  const cacheDir = tmp('lazymmu-cache-');
  const a = path.join(root, 'a.c');
  const b = path.join(root, 'b.c');
  fs.writeFileSync(a, 'void fa(pte_t *p) { arch_enter_lazy_mmu_mode(); set_pte(p, x); }\n');
  fs.writeFileSync(b, '#ifdef CONFIG_X\nstatic int fb(void) { return fa_helper(); }\n#endif\n#define MB(x) mb_call(x)\n');
  const file = build(root, cacheDir).lastBuild!.cacheFile!;
  // The file as the previous form wrote it: format 3 (then SCAN_VERSION's value in `v`), every name its own string.
  const stored = storedForm(file) as Record<string, any>;
  const text: string = Buffer.isBuffer(stored.nameText) ? stored.nameText.toString('latin1') : stored.nameText;
  const names: string[] = stored.names ?? Array.from(stored.nameEnds as Int32Array, (end: number, id: number) => text.slice(id ? stored.nameEnds[id - 1] : 0, end));
  delete stored.nameText;
  delete stored.nameEnds;
  delete stored.nameSlots;
  fs.writeFileSync(file, v8.serialize({ ...stored, v: 3, names }));
  const rebuilt = build(root, cacheDir);
  assert.deepEqual(rebuilt.lastBuild?.scanned, [a, b], 'every file scanned again');
  assert.equal(rebuilt.lastBuild?.fromCache, 0);
  const fresh = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
  fresh.build();
  for (const f of [a, b]) assert.equal(JSON.stringify([rebuilt.functionsIn(f), rebuilt.macrosIn(f)]), JSON.stringify([fresh.functionsIn(f), fresh.macrosIn(f)]), f);
  // The rebuild wrote the current form: the next build reads it, with the same scans.
  const next = build(root, cacheDir);
  assert.equal(next.lastBuild?.fromCache, 2);
  for (const f of [a, b]) assert.equal(JSON.stringify([next.functionsIn(f), next.macrosIn(f)]), JSON.stringify([fresh.functionsIn(f), fresh.macrosIn(f)]), f);
  // Names looked up in the stored table (found by their characters in place): the definitions a fresh index has.
  for (const n of ['fa', 'fb', 'fa_helper', 'nothing']) assert.deepEqual(next.definitionsNamed(n).map((d) => [d.file, d.line, d.condition]), fresh.definitionsNamed(n).map((d) => [d.file, d.line, d.condition]), n);
  assert.deepEqual(next.macrosNamed('MB').map((m) => [m.body, m.params]), [['mb_call(x)', ['x']]]);
});

// Each older form as it was written: form 4 one v8.serialize of the object, form 5 the whole object in
// one aligned serial form (head and body together, read whole).
const OLDER_FORMS: [number, (stored: Record<string, unknown>) => Buffer][] = [
  [4, (stored) => v8.serialize({ ...stored, v: 4 })],
  [5, (stored) => Buffer.concat(serializeAligned({ ...stored, v: 5 }))],
];

for (const [form, written] of OLDER_FORMS)
  test(`index cache: a cache of form ${form} is not read but rebuilt in the current form, then read from it`, () => {
    const root = tmp(`lazymmu-idx-form${form}-`);
    const cacheDir = tmp('lazymmu-cache-');
    const a = path.join(root, 'a.c');
    const b = path.join(root, 'b.c');
    fs.writeFileSync(a, 'void fa(pte_t *p) { arch_enter_lazy_mmu_mode(); set_pte(p, x); }\n');
    fs.writeFileSync(b, 'static int fb(void) { return fa_helper(); }\n');
    const file = build(root, cacheDir).lastBuild!.cacheFile!;
    fs.writeFileSync(file, written(storedForm(file)!));
    const rebuilt = build(root, cacheDir);
    assert.deepEqual(rebuilt.lastBuild?.scanned, [a, b], 'every file scanned again');
    assert.equal(storedForm(file)?.v, 7);
    const next = build(root, cacheDir);
    assert.equal(next.lastBuild?.fromCache, 2);
    const fresh = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
    fresh.build();
    for (const n of ['fa', 'fb', 'fa_helper']) assert.deepEqual(next.definitionsNamed(n).map((d) => [d.file, d.line]), fresh.definitionsNamed(n).map((d) => [d.file, d.line]), n);
  });

/** A tree whose cache's body (names, scans' words) is most of the file: functions with many calls, in a few files. */
function callHeavyTree(prefix: string): { root: string; files: string[] } {
  const root = tmp(prefix);
  const files = Array.from({ length: 12 }, (_, i) => path.join(root, `f${i}.c`));
  files.forEach((f, i) => {
    let text = '';
    for (let k = 0; k < 40; k++) text += `static void fn_${i}_${k}(pte_t *p) { ${Array.from({ length: 8 }, (_, c) => `callee_${i}_${k}_${c}(p);`).join(' ')} }\n`;
    fs.writeFileSync(f, text);
  });
  return { root, files };
}

/** Bytes read through fs.readSync (what readFileSync and positioned reads both go through) while `run` runs. */
function bytesReadBy<T>(run: () => T): { value: T; bytes: number } {
  // The module object itself (the import's namespace has getters only; the engine's see the module's property).
  const nodeFs = require('fs') as { readSync: (...a: unknown[]) => number };
  const readSync = nodeFs.readSync;
  let bytes = 0;
  nodeFs.readSync = (...args: unknown[]) => {
    const n = readSync(...args);
    bytes += n;
    return n;
  };
  try {
    return { value: run(), bytes };
  } finally {
    nodeFs.readSync = readSync;
  }
}

test('index cache: a rerun that finds nothing changed reads the cache\'s head, not its names and scans; a build after an edit reads them and equals a fresh index', () => {
  const { root, files } = callHeavyTree('lazymmu-idx-head-');
  const cacheDir = tmp('lazymmu-cache-');
  const file = build(root, cacheDir).lastBuild!.cacheFile!;
  const size = fs.statSync(file).size;
  const unchanged = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  const probe = bytesReadBy(() => unchanged.unchangedDigest());
  assert.ok(probe.value, 'nothing changed: a digest');
  assert.ok(probe.bytes * 4 < size, `the head only: ${probe.bytes} of ${size} bytes read`);
  // One file edited: the build that follows reads the body and takes the other files from it.
  fs.appendFileSync(files[3], 'void added(void) { new_callee(); }\n');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(files[3], later, later);
  const edited = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  assert.equal(edited.unchangedDigest(), null);
  edited.build();
  assert.deepEqual(edited.lastBuild?.scanned, [files[3]]);
  assert.equal(edited.lastBuild?.fromCache, files.length - 1);
  const fresh = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
  fresh.build();
  for (const f of files) assert.equal(JSON.stringify([edited.functionsIn(f), edited.macrosIn(f)]), JSON.stringify([fresh.functionsIn(f), fresh.macrosIn(f)]), f);
  for (const n of ['fn_3_7', 'callee_5_2_1', 'added', 'new_callee']) assert.deepEqual(edited.definitionsNamed(n).map((d) => [d.file, d.line]), fresh.definitionsNamed(n).map((d) => [d.file, d.line]), n);
});

test('index cache: a damaged body is found when the build reads it: every file is scanned again, the index equals a fresh one\'s', () => {
  const { root, files } = callHeavyTree('lazymmu-idx-body-');
  const cacheDir = tmp('lazymmu-cache-');
  const file = build(root, cacheDir).lastBuild!.cacheFile!;
  // The body's aligned form no longer starts as one (the file's length and head as they were).
  const bytes = fs.readFileSync(file);
  const bodyAt = 24 + bytes.readUInt32LE(16);
  bytes.fill(0x5a, bodyAt, bodyAt + 64);
  fs.writeFileSync(file, bytes);
  fs.appendFileSync(files[0], 'void added(void) { }\n');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(files[0], later, later);
  const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  assert.equal(idx.unchangedDigest(), null);
  idx.build();
  assert.deepEqual(idx.lastBuild?.scanned, files.slice().sort(), 'every file scanned again');
  const fresh = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
  fresh.build();
  for (const f of files) assert.equal(JSON.stringify([idx.functionsIn(f), idx.macrosIn(f)]), JSON.stringify([fresh.functionsIn(f), fresh.macrosIn(f)]), f);
  // Written again whole: the next build takes every file from it.
  assert.equal(build(root, cacheDir).lastBuild?.fromCache, files.length);
});

test('index cache: names all ASCII are kept as bytes and read in place; a table with other characters stays a string; both answer the names a fresh index has', () => {
  for (const [label, extra, bytes] of [
    ['ascii', '#define GREETING(x) say("hello", x)\n', true],
    ['other', '#define GREETING(x) say("h\u00e9llo \u2603", x)\n', false],
  ] as const) {
    const root = tmp(`lazymmu-idx-${label}-`);
    const cacheDir = tmp('lazymmu-cache-');
    const a = path.join(root, 'a.c');
    const b = path.join(root, 'b.c');
    fs.writeFileSync(a, `${extra}void fa(pte_t *p) { arch_enter_lazy_mmu_mode(); set_pte(p, x); shared_name(); }\n#define MB(x) mb_call(x)\n`);
    fs.writeFileSync(b, '#ifdef CONFIG_X\nstatic int fb(void) { return shared_name() + fa_helper(); }\n#endif\n');
    const file = build(root, cacheDir).lastBuild!.cacheFile!;
    assert.equal(Buffer.isBuffer(storedForm(file)!.nameText), bytes, `${label}: the names' form`);
    const warm = build(root, cacheDir);
    assert.equal(warm.lastBuild?.fromCache, 2, label);
    const fresh = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
    fresh.build();
    for (const n of ['fa', 'fb', 'fa_helper', 'shared_name', 'nothing', 'f', 'fax']) assert.deepEqual(warm.definitionsNamed(n).map((d) => [d.file, d.line, d.condition, d.calls]), fresh.definitionsNamed(n).map((d) => [d.file, d.line, d.condition, d.calls]), `${label} ${n}`);
    for (const m of ['MB', 'GREETING']) assert.deepEqual(warm.macrosNamed(m).map((d) => [d.body, d.params]), fresh.macrosNamed(m).map((d) => [d.body, d.params]), `${label} ${m}`);
    for (const f of [a, b]) assert.equal(JSON.stringify([warm.functionsIn(f), warm.macrosIn(f)]), JSON.stringify([fresh.functionsIn(f), fresh.macrosIn(f)]), `${label} ${f}`);
  }
});

test('index cache: a save after a one-file edit writes a delta beside the base, a save after many edits the whole cache; every scan read back is the file\'s own', () => {
  const root = tmp('lazymmu-idx-inc-');
  const cacheDir = tmp('lazymmu-cache-');
  const files = ['a.c', 'b.c', 'c.c', 'd.c'].map((f) => path.join(root, f));
  fs.writeFileSync(files[0], 'void fa(pte_t *p) { arch_enter_lazy_mmu_mode(); set_pte(p, x); shared_name(); }\n');
  fs.writeFileSync(files[1], 'static int fb(void) { return shared_name() + other(); }\n#define MB(x) mb_call(x)\n');
  fs.writeFileSync(files[2], 'void fc(void) { }\n');
  fs.writeFileSync(files[3], '#ifdef CONFIG_X\nvoid fd(void) { fd_call(); }\n#endif\n');
  // Enough other files that editing most of them passes the delta's bound (indexCache.ts DELTA_MIN).
  const others = Array.from({ length: 100 }, (_, i) => path.join(root, `o${i}.c`));
  others.forEach((f, i) => fs.writeFileSync(f, `int o${i}(void) { return helper${i % 5}(); }\n`));
  const all = [...files, ...others];
  build(root, cacheDir);
  const dir = fs.readdirSync(path.join(cacheDir, 'index')).map((d) => path.join(cacheDir, 'index', d))[0];
  // The folder also holds root.txt (cacheSweep.ts).
  const base = path.join(dir, fs.readdirSync(dir).find((f) => f.startsWith('scan-') && f.endsWith('.bin'))!);
  const delta = `${base}.delta`;
  const baseBytes = fs.readFileSync(base);
  assert.ok(!fs.existsSync(delta));
  const fresh = () => {
    const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
    idx.build();
    return idx;
  };
  const plain = (idx: WorkspaceIndex, f: string) => JSON.stringify([idx.functionsIn(f), idx.macrosIn(f)]);
  const sameAsFresh = (idx: WorkspaceIndex) => {
    const f0 = fresh();
    assert.deepEqual(idx.files().sort(), f0.files().sort());
    for (const f of f0.files()) assert.equal(plain(idx, f), plain(f0, f), f);
  };
  // One file edited: names new to the tree, and one name (other) no file calls any more.
  fs.writeFileSync(files[1], 'static int fb(void) { return shared_name() + brand_new_name(); }\nint fb2(void) { return another_new(); }\n');
  const edited = build(root, cacheDir);
  assert.deepEqual(edited.lastBuild?.scanned, [files[1]]);
  assert.ok(fs.existsSync(delta), 'the edit was written as a delta');
  assert.ok(baseBytes.equals(fs.readFileSync(base)), 'the base was not written again');
  // Read back: every file from the cache, each scan what a fresh index without a cache makes of it,
  // and the result cache's digest of the unchanged tree found through the delta.
  const probe = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir });
  const digest = probe.unchangedDigest();
  probe.build();
  assert.equal(probe.lastBuild?.fromCache, all.length);
  assert.ok(digest && digest === probe.contentDigest(), 'unchangedDigest reads the delta too');
  sameAsFresh(probe);
  assert.deepEqual(probe.functionsIn(files[1]).map((d) => [d.name, d.calls]), [['fb', ['shared_name', 'brand_new_name']], ['fb2', ['another_new']]]);
  // A second edit and a removed file: the delta is written again against the same base.
  fs.writeFileSync(files[2], 'void fc(void) { newer_call(); }\n');
  fs.rmSync(files[3]);
  assert.deepEqual(build(root, cacheDir).lastBuild?.scanned, [files[2]]);
  assert.ok(baseBytes.equals(fs.readFileSync(base)));
  const again = build(root, cacheDir);
  assert.equal(again.lastBuild?.fromCache, all.length - 1);
  sameAsFresh(again);
  // Then most files edited: the whole cache written (fewer than half reused: a fresh name table), the delta gone.
  for (const f of [...files.slice(1, 3), ...others.slice(0, 80)]) fs.writeFileSync(f, `void ${path.basename(f, '.c')}_new(void) { renamed(); }\n`);
  build(root, cacheDir);
  assert.ok(!baseBytes.equals(fs.readFileSync(base)), 'the base was written again');
  assert.ok(!fs.existsSync(delta));
  const whole = build(root, cacheDir);
  assert.equal(whole.lastBuild?.fromCache, all.length - 1);
  sameAsFresh(whole);
  // A delta whose base was replaced (another stamp) is not applied.
  fs.writeFileSync(files[0], 'void fa(void) { changed_again(); }\n');
  build(root, cacheDir);
  const stale = fs.readFileSync(delta);
  fs.writeFileSync(files[0], 'void fa(void) { ' + 'x(); '.repeat(10) + '}\n');
  for (const f of others.slice(0, 80)) fs.writeFileSync(f, 'int rewritten(void) { return 0; }\n');
  build(root, cacheDir);
  fs.writeFileSync(delta, stale);
  const after = build(root, cacheDir);
  // Applied, its row for a.c would not match a.c's stat: a.c would be read and scanned again.
  assert.deepEqual(after.lastBuild?.scanned, []);
  sameAsFresh(after);
});
