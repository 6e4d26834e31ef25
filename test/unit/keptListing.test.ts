// The listing kept beside the index cache (engine/index/keptListing.ts), by
// behaviour: with a cache, a whole listing of a tree whose folders did not
// change reads no folder, and gives the files and build files a walk without
// a cache gives; after files and folders are added, removed or replaced, it
// reads only the folders that changed and still gives the uncached walk's
// listing; a folder changed just before the kept listing was taken is read
// again (its times cannot tell a change in the same tick); a listing kept for
// another architecture is not used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { KeptListing, RACY_MS } from '../../engine/index/keptListing';

const catalogue = loadCatalogue();

const KERNEL = ['Kbuild', 'Makefile', 'include/linux/mm.h', 'arch/arm64/mm/mmu.c', 'arch/arm64/Kconfig', 'arch/x86/mm/init.c', 'tools/tool.c', 'mm/memory.c', 'mm/Kconfig', 'mm/sub/deep.h', 'mm/.hidden/h.c', 'top.c', 'lib/a.c', 'lib/b.c'];

function tree(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-listing-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), 'void f(void) { }\n');
  }
  return root;
}

/** The listing of `root` (its files and its build files' signature) and the folders read for it; with `cache`, through the kept listing. */
function listed(root: string, cache?: string, arch = 'arm64'): { files: string[]; build: string; reads: string[] } {
  // The module object itself: the index's `import * as fs` reads through to it.
  const nodeFs = require('fs') as { readdirSync: typeof fs.readdirSync };
  const readdir = nodeFs.readdirSync;
  const reads: string[] = [];
  nodeFs.readdirSync = ((...args: Parameters<typeof readdir>) => (reads.push(path.relative(root, String(args[0]))), readdir(...args))) as typeof readdir;
  try {
    const idx = new WorkspaceIndex({ root, arch, catalogue, cacheDir: cache });
    const files = idx.listFiles();
    return { files, build: idx.buildFilesSignature(), reads: reads.sort() };
  } finally {
    nodeFs.readdirSync = readdir;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `body` with folders trusted once `ms` old (a fixture tree is made a moment before its listing). */
async function withRacyMs<T>(ms: number, body: () => Promise<T>): Promise<T> {
  const was = KeptListing.racyMs;
  KeptListing.racyMs = ms;
  try {
    return await body();
  } finally {
    KeptListing.racyMs = was;
  }
}

test('an unchanged tree is listed again from the kept listing: no folder read, the listing a walk without a cache gives', async () => {
  const root = tree(KERNEL);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-cache-'));
  try {
    await withRacyMs(50, async () => {
      await sleep(120);
      const plain = listed(root);
      const first = listed(root, cache);
      assert.deepEqual(first.files, plain.files);
      assert.equal(first.build, plain.build);
      assert.deepEqual(first.reads, plain.reads);
      const again = listed(root, cache);
      assert.deepEqual(again.reads, []);
      assert.deepEqual(again.files, plain.files);
      assert.equal(again.build, plain.build);
      assert.ok(plain.files.length >= 6);
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('after files and folders are added, removed and replaced, only the changed folders are read and the listing is the uncached walk\'s', async () => {
  const root = tree(KERNEL);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-cache-'));
  try {
    await withRacyMs(50, async () => {
      await sleep(120);
      listed(root, cache);
      // A file added in lib/, one removed from mm/sub/, a new folder with a file and a Kconfig in it under
      // include/, a file replaced by a folder of the same name in the root, mm/memory.c replaced by
      // another file (unlinked and written: the bench's edit), and arch/arm64/Kconfig edited in place.
      fs.writeFileSync(path.join(root, 'lib', 'c.c'), 'int c;\n');
      fs.rmSync(path.join(root, 'mm', 'sub', 'deep.h'));
      fs.mkdirSync(path.join(root, 'include', 'asm'));
      fs.writeFileSync(path.join(root, 'include', 'asm', 'new.h'), 'int n;\n');
      fs.writeFileSync(path.join(root, 'include', 'asm', 'Kconfig'), 'config N\n');
      fs.rmSync(path.join(root, 'top.c'));
      fs.mkdirSync(path.join(root, 'top.c'));
      fs.writeFileSync(path.join(root, 'top.c', 'inner.c'), 'int i;\n');
      fs.rmSync(path.join(root, 'mm', 'memory.c'));
      fs.writeFileSync(path.join(root, 'mm', 'memory.c'), 'void g(void) { }\n');
      fs.appendFileSync(path.join(root, 'arch', 'arm64', 'Kconfig'), 'config M\n');
      // Past the racy window, so that what this listing reads is trusted by the next.
      await sleep(120);
      const plain = listed(root);
      const again = listed(root, cache);
      assert.deepEqual(again.files, plain.files);
      assert.equal(again.build, plain.build);
      assert.ok(again.files.includes(path.join(root, 'top.c', 'inner.c')) && !again.files.includes(path.join(root, 'mm', 'sub', 'deep.h')));
      // The root (top.c), lib, include (a new folder), include/asm (new), top.c (new), mm (memory.c), mm/sub.
      assert.deepEqual(again.reads, ['', 'include', 'include/asm', 'lib', 'mm', 'mm/sub', 'top.c'].map((f) => f.split('/').join(path.sep)).sort());
      // And nothing read the time after.
      assert.deepEqual(listed(root, cache).reads, []);
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('a folder changed less than RACY_MS before the kept listing was taken is read again', async () => {
  const root = tree(KERNEL);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-cache-'));
  try {
    assert.ok(KeptListing.racyMs === RACY_MS && RACY_MS >= 1000);
    // Made a moment ago: every folder's ctime is within RACY_MS of the first listing.
    const first = listed(root, cache);
    const again = listed(root, cache);
    assert.deepEqual(again.reads, first.reads);
    assert.deepEqual(again.files, first.files);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('a listing kept for another architecture is not used', async () => {
  const root = tree(KERNEL);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-cache-'));
  try {
    await withRacyMs(50, async () => {
      await sleep(120);
      // The same cache base for both: the kept listing is found by the index cache's file, whose key holds the architecture;
      // moved under the other's name, it must still not be used.
      listed(root, cache, 'arm64');
      const [dir] = fs.readdirSync(path.join(cache, 'index'));
      const [kept] = fs.readdirSync(path.join(cache, 'index', dir)).filter((f) => f.endsWith('.listing'));
      const x86 = listed(root, cache, 'x86');
      assert.ok(x86.reads.length > 0);
      for (const f of fs.readdirSync(path.join(cache, 'index', dir)).filter((f) => f.endsWith('.listing') && f !== kept)) {
        fs.copyFileSync(path.join(cache, 'index', dir, kept), path.join(cache, 'index', dir, f));
      }
      const x86Again = listed(root, cache, 'x86');
      assert.ok(x86Again.reads.length > 0);
      assert.deepEqual(x86Again.files, listed(root, undefined, 'x86').files);
      assert.ok(x86Again.files.includes(path.join(root, 'arch', 'x86', 'mm', 'init.c')));
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
