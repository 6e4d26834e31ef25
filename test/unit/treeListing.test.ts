// Which files the index lists (WorkspaceIndex.listFiles), by behaviour: in a
// kernel-shaped tree, the chosen architecture's arch/ folder and files
// directly under arch/, never another architecture's, nor the skipped top
// folders, hidden folders, node_modules or symlinks; build files (Makefile,
// Kbuild, Kconfig*) beside them; the same from a root given with a trailing
// separator. The listing builds its paths by concatenation (a warm run lists
// ~47,000 files): these are the paths path.join gave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';

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
