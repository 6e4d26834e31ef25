// Which files the index lists (WorkspaceIndex.listFiles), by behaviour: in a
// kernel-shaped tree, the chosen architecture's arch/ folder and files
// directly under arch/, never another architecture's, nor the skipped top
// folders, hidden folders, node_modules or symlinks; build files (Makefile,
// Kbuild, Kconfig*) beside them; the same from a root given with a trailing
// separator. The listing builds its paths by concatenation (a warm run lists
// ~47,000 files): these are the paths path.join gave. With stats (a rerun
// with an index cache), `find` lists: the same files, and the size and
// mtimeMs statSync gives, with no stat made in JS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { listByFind, listTree, walkTree } from '../../engine/index/treeListing';
import { spawnSync } from 'child_process';

const catalogue = loadCatalogue();

function tree(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-listing-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), 'void f(void) { }\n');
  }
  return root;
}

function listing(root: string): { files: string[]; build: string } {
  const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
  const files = idx.listFiles().map((f) => path.relative(root, f));
  return { files, build: idx.buildFilesSignature() };
}

const KERNEL = [
  'Kbuild',
  'Makefile',
  'include/linux/mm.h',
  'arch/arm64/mm/mmu.c',
  'arch/arm64/Kconfig',
  'arch/x86/mm/init.c',
  'arch/top.h',
  'Documentation/doc.c',
  'tools/tool.c',
  'mm/memory.c',
  'mm/notes.txt',
  'mm/Kconfig.debug',
  'mm/sub/deep.h',
  'mm/.hidden/h.c',
  'mm/node_modules/n.c',
  '.git/g.c',
  'top.c',
];

test('a kernel tree lists its covered C files, sorted, and nothing else', () => {
  const root = tree(KERNEL);
  fs.symlinkSync(path.join(root, 'mm'), path.join(root, 'linked-dir'));
  fs.symlinkSync(path.join(root, 'mm', 'memory.c'), path.join(root, 'mm', 'linked.c'));
  const { files } = listing(root);
  assert.deepEqual(files, ['arch/arm64/mm/mmu.c', 'arch/top.h', 'include/linux/mm.h', 'mm/memory.c', 'mm/sub/deep.h', 'top.c'].map((f) => f.split('/').join(path.sep)));
});

test('a tree that is not a kernel tree lists every C file outside hidden folders and node_modules', () => {
  const root = tree(KERNEL.filter((f) => f !== 'Kbuild'));
  const { files } = listing(root);
  assert.deepEqual(
    files,
    ['Documentation/doc.c', 'arch/arm64/mm/mmu.c', 'arch/top.h', 'arch/x86/mm/init.c', 'include/linux/mm.h', 'mm/memory.c', 'mm/sub/deep.h', 'tools/tool.c', 'top.c'].map((f) =>
      f.split('/').join(path.sep),
    ),
  );
});

test('build files are listed beside the C files: a new Kconfig changes the signature, a text file does not', () => {
  const root = tree(KERNEL);
  const before = listing(root).build;
  fs.writeFileSync(path.join(root, 'mm', 'other.txt'), 'x\n');
  assert.equal(listing(root).build, before);
  fs.writeFileSync(path.join(root, 'mm', 'Kconfig.more'), 'config X\n');
  assert.notEqual(listing(root).build, before);
  // Another architecture's Kconfig is not read.
  const again = listing(root).build;
  fs.writeFileSync(path.join(root, 'arch', 'x86', 'Kconfig'), 'config Y\n');
  assert.equal(listing(root).build, again);
});

test('a root given with a trailing separator lists the same absolute paths', () => {
  const root = tree(KERNEL);
  const plain = new WorkspaceIndex({ root, arch: 'arm64', catalogue }).listFiles();
  const trailing = new WorkspaceIndex({ root: root + path.sep, arch: 'arm64', catalogue }).listFiles();
  assert.deepEqual(trailing, plain);
  assert.ok(plain.every((f) => f.startsWith(root + path.sep) && !f.includes(path.sep + path.sep)));
});

/** Whether this machine's `find` is GNU's (the listing with stats uses its -printf; elsewhere the walk lists). */
const gnuFind = /GNU findutils/.test(spawnSync('find', ['--version'], { encoding: 'utf8' }).stdout ?? '');

const RULES = { kernel: true, arch: 'arm64', skippedTop: new Set(['Documentation', 'tools', 'scripts', 'samples', 'usr', 'LICENSES', '.git', 'node_modules']), buildFile: /^(?:Makefile|Kbuild|Kconfig.*)$/ };

test('the listing with stats (find) gives the walk\'s files and build files, and the size and mtimeMs statSync gives', { skip: !gnuFind && 'no GNU find here' }, () => {
  const root = tree([...KERNEL, 'mm/with space.c', 'mm/new\nline.h', 'mm/été.c', 'arch/arm64/include/asm/Kbuild', 'mm/.dot.c']);
  fs.symlinkSync(path.join(root, 'mm', 'memory.c'), path.join(root, 'mm', 'linked.c'));
  fs.writeFileSync(path.join(root, 'mm', 'memory.c'), 'void f(void) { g(); }\n'.repeat(100));
  // Times with nanoseconds, one before a whole second, one far out.
  fs.utimesSync(path.join(root, 'mm', 'memory.c'), 1700000000.123456789, 1700000000.123456789);
  fs.utimesSync(path.join(root, 'top.c'), 1700000000.999999999, 1700000000.999999999);
  fs.utimesSync(path.join(root, 'mm', 'été.c'), 4102444800.5, 4102444800.5);
  const byFind = listByFind(root, RULES);
  assert.ok(byFind, 'find listed the tree');
  const walked = walkTree(root, RULES, []);
  assert.deepEqual(byFind.files, walked.files);
  assert.ok(walked.files.includes(path.join(root, 'mm', 'new\nline.h')) && walked.files.includes(path.join(root, 'mm', '.dot.c')));
  assert.deepEqual(byFind.buildFiles, walked.buildFiles);
  walked.files.forEach((f, pos) => {
    const st = fs.statSync(f);
    assert.equal(byFind.size[pos], st.size, f);
    assert.equal(byFind.mtimeMs[pos], st.mtimeMs, f);
  });
  // Without a find to run, the walk lists, its stats unknown.
  const fallback = listTree(root, RULES, [], true, path.join(root, 'no-such-find'));
  assert.deepEqual(fallback.files, walked.files);
  assert.ok(fallback.size.every(Number.isNaN));
});

test('a rerun takes the files\' stats from the listing: no statSync per file, the same rows and build as with stats made in JS', { skip: !gnuFind && 'no GNU find here' }, () => {
  const root = tree(KERNEL);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-listing-cache-'));
  new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir }).build();
  const file = (f: string) => path.join(root, ...f.split('/'));
  // Edited (another size), touched (the same text, a new mtime with nanoseconds), added, removed.
  fs.writeFileSync(file('mm/memory.c'), 'void f(void) { h(); }\nvoid g(void) { }\n');
  fs.utimesSync(file('include/linux/mm.h'), 1800000000.000000001, 1800000000.000000001);
  fs.writeFileSync(file('mm/added.c'), 'void added(void) { f(); }\n');
  fs.rmSync(file('top.c'));
  const cacheCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-listing-cache-'));
  fs.cpSync(cacheDir, cacheCopy, { recursive: true });

  const rerun = (cache: string) => {
    const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue, cacheDir: cache });
    // Counted on node's own module (the compiled engine reads it through getters).
    const nodeFs = require('fs') as { statSync: (...a: unknown[]) => unknown };
    const statSync = nodeFs.statSync;
    let stats = 0;
    nodeFs.statSync = (...a: unknown[]) => (stats++, statSync(...a));
    let digest: string | null;
    try {
      digest = idx.unchangedDigest();
    } finally {
      nodeFs.statSync = statSync;
    }
    idx.build();
    return { stats, digest, build: idx.lastBuild, fns: idx.files().sort().map((f) => [f, idx.functionsIn(f).map((d) => [d.name, d.calls])]) };
  };
  const withFind = rerun(cacheDir);
  assert.equal(withFind.stats, 0, 'no file stat\'d in JS');
  // The same rerun with no find on the PATH: the walk lists, ListedStats stats each stored file.
  const pathBefore = process.env.PATH;
  process.env.PATH = '';
  let withoutFind;
  try {
    withoutFind = rerun(cacheCopy);
  } finally {
    process.env.PATH = pathBefore;
  }
  assert.ok(withoutFind.stats >= 5, `the walk's rerun stats the stored files (${withoutFind.stats})`);
  assert.equal(withFind.digest, null);
  assert.equal(withoutFind.digest, null);
  assert.deepEqual(withFind.build!.scanned, [file('mm/added.c'), file('mm/memory.c')]);
  assert.deepEqual({ ...withFind.build, cacheFile: null }, { ...withoutFind.build, cacheFile: null });
  assert.deepEqual(withFind.fns, withoutFind.fns);
  const fresh = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
  fresh.build();
  assert.deepEqual(withFind.fns, fresh.files().sort().map((f) => [f, fresh.functionsIn(f).map((d) => [d.name, d.calls])]));
  // Nothing changed since: the next rerun's digest, with find and without, is the same.
  const again = rerun(cacheDir);
  process.env.PATH = '';
  try {
    assert.equal(rerun(cacheCopy).digest, again.digest);
  } finally {
    process.env.PATH = pathBefore;
  }
  assert.ok(again.digest);
  assert.equal(again.stats, 0);
});
