// The CLI's warm rerun after a one-file edit pays for that file's share only
// (issue 15 point 2, branch rerun2): a section that read a file's global
// initializers is kept while an edit stays inside that file's function
// bodies (its key holds the text outside them, not the whole file), and a
// section bound by its callers (analysed again after any edit) finds them
// without the whole callers map being built. Each rerun equals a cold run of
// the edited tree byte for byte; what was reused is read from the
// Workspace's store counts and the index (never timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { GraphParts } from '../../engine/store/contentKeys';
import { readStore, writeStore } from '../../engine/store/storeFile';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/rerun');

/** A check as the CLI makes it, with what it took from the store and whether the callers map was built whole (undefined: the stored result, nothing analysed). */
async function run(root: string, cacheDir: string) {
  let seen: { fromStore: number; computed: number; searchesFromStore: number; callersBuilt: boolean } | undefined;
  const result = await checkTree({
    root,
    paths: [root],
    cacheDir,
    observe: (ws) => {
      const c = ws.storeCounts;
      seen = { fromStore: c.sectionsFromStore, computed: c.sectionsComputed, searchesFromStore: c.searchesFromStore, callersBuilt: ws.index.callersBuilt() };
    },
  });
  return { json: JSON.stringify(result), findings: result.findings.map((f) => `${path.basename(f.file)}:${f.line} ${f.rule}`), seen };
}

function edit(root: string, file: string, from: string, to: string): void {
  const f = path.join(root, file);
  const text = fs.readFileSync(f, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${from}`);
  // A new file, as an editor's save or the bench's copy makes it (another size and mtime).
  fs.unlinkSync(f);
  fs.writeFileSync(f, text.replace(from, to));
}

test('a rerun after an edit inside a function body keeps the sections that read the file\'s globals and builds no callers map; each equals a cold run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-rerun-'));
  const root = path.join(dir, 'tree');
  fs.cpSync(FIXTURE, root, { recursive: true });
  const cache = path.join(dir, 'cache');
  let colds = 0;
  const cold = async () => (await run(root, path.join(dir, `cold-${colds++}`))).json;

  const first = await run(root, cache);
  assert.deepEqual(first.findings, ['bound_walk.c:36 lazy-mmu/read-after-write', 'table_walk.c:37 lazy-mmu/read-after-write']);
  assert.deepEqual([first.seen!.fromStore, first.seen!.computed], [0, 2]);

  // 1. A body in a file no section read: the table's section from the store; the walker, bound by its
  //    callers, analysed again, its callers found by passes over the calls (no whole map).
  edit(root, 'other.c', 'x += 2;', 'x += 3;');
  let w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [1, 1]);
  assert.equal(w.seen!.searchesFromStore, 4, 'no call changed: the call-graph searches hold');
  assert.equal(w.seen!.callersBuilt, false, 'the callers of the walker were found without building the whole callers map');

  // 2. A body in the file whose global table the section read: its text outside the bodies is the same,
  //    so the section is still taken from the store (keyed by the whole file, it was analysed again).
  edit(root, 'table_walk.c', '\tint x = 0;\n', '\tint x = 0; /* edited */\n\tx += 1;\n');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [1, 1]);
  assert.equal(w.seen!.callersBuilt, false);

  // 3. The table itself changes: the section is analysed again and its finding goes.
  edit(root, 'table_walk.c', '.pte_entry = table_clear,', '.pte_entry = table_keep,');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual(w.findings, ['bound_walk.c:36 lazy-mmu/read-after-write']);
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [0, 2]);

  // 4. A file-scope declaration added above the table (outside every body): keyed, so analysed again.
  edit(root, 'table_walk.c', 'static const struct table_ops the_ops', 'static int table_level = 3;\n\nstatic const struct table_ops the_ops');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [0, 2]);

  // 5. A caller now binds the writer that reads back, and calls it first (a call added: the searches are
  //    made again, from the callers map built whole); still what a cold run answers.
  edit(root, 'bound_walk.c', 'walk_pte_range(pte, addr, addr + 4096, walk_clear);', 'walk_clear(pte, addr);\n\twalk_pte_range(pte, addr, addr + 4096, walk_clear_then_read);');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.equal(w.seen!.searchesFromStore, 0);

  // Nothing changed since: the stored result, nothing analysed.
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.equal(w.seen, undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the call graph\'s parts are written as one entry and read back: a part whose file kept its content hash is not hashed again', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-parts-'));
  const file = path.join(dir, 'graphParts.bin');
  const made = new GraphParts();
  const texts: Record<string, string> = { '/t/a.c': 'a|s||b,c', '/t/b.c': 'b|||', '/t/c.h': '#\nM||x' };
  const digests = Object.entries(texts).map(([f, t]) => made.of(f, `hash-${f}`, () => t));
  made.done();
  writeStore(file, 'w', made.stored(), 'v8');

  const read = GraphParts.fromStored(readStore(file, 'w', (m) => assert.fail(m), 'v8'));
  const again = Object.keys(texts).map((f) => read.of(f, `hash-${f}`, () => assert.fail(`${f} hashed again`)));
  assert.deepEqual(again, digests);
  // A file whose content changed is hashed again (and only it).
  let hashed = 0;
  read.of('/t/a.c', 'hash-new', () => (hashed++, 'a|s||b'));
  assert.equal(hashed, 1);
  // Another shape (an older store's entry per file): nothing is taken from it.
  const old = GraphParts.fromStored(new Map<string, unknown>([['/t/a.c', ['hash-/t/a.c', digests[0]]]]));
  hashed = 0;
  old.of('/t/a.c', 'hash-/t/a.c', () => (hashed++, texts['/t/a.c']));
  assert.equal(hashed, 1);
  fs.rmSync(dir, { recursive: true, force: true });
});
