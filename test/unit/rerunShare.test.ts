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
import { GraphParts, keyCounts } from '../../engine/store/contentKeys';
import type { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { readStore, writeStore } from '../../engine/store/storeFile';
import { edit } from './treeEdit';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/rerun');

/** A check as the CLI makes it, with what it took from the store and whether the callers map was built whole (undefined: the stored result, nothing analysed). */
async function run(root: string, cacheDir: string) {
  let seen: { fromStore: number; computed: number; searchesFromStore: number; searchesComputed: number; callersBuilt: boolean } | undefined;
  const result = await checkTree({
    root,
    paths: [root],
    cacheDir,
    observe: (ws) => {
      const c = ws.storeCounts;
      seen = { fromStore: c.sectionsFromStore, computed: c.sectionsComputed, searchesFromStore: c.searchesFromStore, searchesComputed: c.searchesComputed, callersBuilt: ws.index.callersBuilt() };
    },
  });
  return { json: JSON.stringify(result), findings: result.findings.map((f) => `${path.basename(f.file)}:${f.line} ${f.rule}`), seen };
}

test('a rerun keeps the sections whose reads an edit left (a file\'s globals, a bound opener\'s callers) and builds no callers map for a few names; each equals a cold run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-rerun-'));
  const root = path.join(dir, 'tree');
  fs.cpSync(FIXTURE, root, { recursive: true });
  const cache = path.join(dir, 'cache');
  let colds = 0;
  const cold = async () => (await run(root, path.join(dir, `cold-${colds++}`))).json;

  const first = await run(root, cache);
  assert.deepEqual(first.findings, ['bound_walk.c:42 lazy-mmu/read-after-write', 'table_walk.c:37 lazy-mmu/read-after-write']);
  assert.deepEqual([first.seen!.fromStore, first.seen!.computed], [0, 2]);

  // 1. A body in a file no section read: both sections from the store (the walker, bound by its callers,
  //    is keyed by what its bindings' search read, not by every file).
  edit(root, 'other.c', 'x += 2;', 'x += 3;');
  let w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [2, 0]);
  // No call changed: the chains hold under the same call graph, no search is asked (keptChains.ts ChainKey.graph).
  assert.deepEqual([w.seen!.searchesFromStore, w.seen!.searchesComputed], [0, 0], 'no call changed: no call-graph search needed');
  assert.equal(w.seen!.callersBuilt, false);

  // 2. A body in the file whose global table the section read: its text outside the bodies is the same,
  //    so the section is still taken from the store (keyed by the whole file, it was analysed again).
  edit(root, 'table_walk.c', '\tint x = 0;\n', '\tint x = 0; /* edited */\n\tx += 1;\n');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [2, 0]);

  // 3. The walker's own body: analysed again, its callers found by passes over the calls (no whole map).
  edit(root, 'bound_walk.c', '\t\tif (err)\n', '\t\tif (err) /* edited */\n');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [1, 1]);
  assert.equal(w.seen!.callersBuilt, false, 'the walker\'s callers were found without building the whole callers map');

  // 4. A caller binds another function (an argument, not a call: the call graph is the same): the walker is
  //    analysed again (its key holds the caller's region) and the read after write through it goes.
  edit(root, 'bound_walk.c', 'walk_pte_range(pte, addr, addr + 4096, walk_clear_then_read);', 'walk_pte_range(pte, addr, addr + 4096, walk_clear);');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual(w.findings, ['table_walk.c:37 lazy-mmu/read-after-write']);
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [1, 1]);
  assert.equal(w.seen!.searchesFromStore, 4);

  // 5. The table itself changes: its section is analysed again and its finding goes.
  edit(root, 'table_walk.c', '.pte_entry = table_clear,', '.pte_entry = table_keep,');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual(w.findings, []);
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [1, 1]);

  // 6. A file-scope declaration added above the table (outside every body): keyed, so analysed again.
  edit(root, 'table_walk.c', 'static const struct table_ops the_ops', 'static int table_level = 3;\n\nstatic const struct table_ops the_ops');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [1, 1]);

  // 7. A caller calls the reading writer itself and binds it again (a call added: the call graph changed,
  //    the searches are made again and the walker with them); still what a cold run answers.
  edit(root, 'bound_walk.c', 'walk_pte_range(pte, addr, addr + 4096, walk_clear);\n}\n\nvoid walk_check', 'walk_clear(pte, addr);\n\twalk_pte_range(pte, addr, addr + 4096, walk_clear_then_read);\n}\n\nvoid walk_check');
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual(w.findings, ['bound_walk.c:42 lazy-mmu/read-after-write']);
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [1, 1]);
  assert.equal(w.seen!.searchesFromStore, 0);

  // 8. A new file whose function calls the pass-through with a writer that reads back: a new caller, found
  //    only through the call graph (nothing the walker's search read before is in that file).
  fs.writeFileSync(
    path.join(root, 'more.c'),
    'typedef struct { unsigned long pte; } pte_t;\n\nstatic int more_clear_read(pte_t *pte, unsigned long addr)\n{\n\tset_pte(pte, __pte(0));\n\treturn pte_none(ptep_get(pte));\n}\n\nvoid more_walk(pte_t *pte)\n{\n\twalk_range(pte, 0, 4096, more_clear_read);\n}\n',
  );
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.deepEqual(w.findings, ['bound_walk.c:42 lazy-mmu/read-after-write', 'more.c:6 lazy-mmu/read-after-write']);
  assert.deepEqual([w.seen!.fromStore, w.seen!.computed], [1, 1]);

  // Nothing changed since: the stored result, nothing analysed.
  w = await run(root, cache);
  assert.equal(w.json, await cold());
  assert.equal(w.seen, undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the call graph\'s parts are written in entries of many files and read back: a part whose file kept its content hash is not hashed again', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-parts-'));
  const file = path.join(dir, 'graphParts.bin');
  const made = new GraphParts();
  // More files than one entry holds (4096), so that the parts span entries.
  const texts: Record<string, string> = { '/t/a.c': 'a|s||b,c', '/t/b.c': 'b|||', '/t/c.h': '#\nM||x' };
  for (let i = 0; i < 5000; i++) texts[`/t/gen${i}.c`] = `g${i}|||h${i}`;
  const digests = Object.entries(texts).map(([f, t]) => made.of(f, `hash-${f}`, () => t));
  made.done('the digest');
  assert.equal(made.stored().size, 3);
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

test("the call graph's stored parts are recalled in place: a rerun's recall makes no Map of them, parts the same under a new content hash are written so when more than a few, and an older build's form gives none", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-parts-'));
  const file = path.join(dir, 'graphParts.bin');
  // A tree of 5000 files (parts over two entries), one function each; `calls` and `hash` change per phase.
  const files = Array.from({ length: 5000 }, (_, i) => `/t/f${String(i).padStart(4, '0')}.c`);
  const calls = files.map((_, i) => [`h${i}`]);
  const hash = files.map((f) => `hash-${f}`);
  let graphsRead = 0;
  const index = {
    files: () => [...files],
    contentHashOf: (f: string) => hash[files.indexOf(f)],
    functionsIn: (f: string) => (graphsRead++, [{ name: `g${files.indexOf(f)}`, isStatic: false, isWeak: false, condition: '', calls: calls[files.indexOf(f)] }]),
    macrosIn: () => [],
  } as unknown as WorkspaceIndex;
  const made = new GraphParts();
  files.forEach((f, i) => made.of(f, hash[i], () => `g${i}|||${calls[i].join(',')}\n#`));
  made.done('the digest');
  writeStore(file, 'w', made.stored(), 'v8');
  const read = () => GraphParts.fromStored(readStore(file, 'w', (m) => assert.fail(m), 'v8'));
  const maps = keyCounts.partMaps;

  // Nothing changed: recalled, nothing hashed, no Map made.
  assert.deepEqual(read().recall(index), { digest: 'the digest' });
  assert.equal(graphsRead, 0);
  // One file's content changed but not its part (an edit inside a body): that part alone hashed, the digest recalled.
  hash[4321] = 'hash-edited';
  const parts = read();
  assert.deepEqual(parts.recall(index), { digest: 'the digest' });
  assert.equal(graphsRead, 1);
  assert.equal(keyCounts.partMaps, maps, 'no Map of the parts made');
  // A few such parts are not worth writing the file (STALE_PARTS_UNWRITTEN): the next read hashes that part again.
  assert.equal(parts.changed, false, 'one stale part: not written');
  graphsRead = 0;
  assert.deepEqual(read().recall(index), { digest: 'the digest' });
  assert.equal(graphsRead, 1);
  // More than 16 files so: written with their new content hashes, and the next run hashes nothing.
  for (let i = 100; i < 117; i++) hash[i] = `hash-edited-${i}`;
  const many = read();
  assert.deepEqual(many.recall(index), { digest: 'the digest' });
  assert.equal(many.changed, true, '18 stale parts: written');
  writeStore(file, 'w', many.stored(), 'v8');
  graphsRead = 0;
  assert.deepEqual(read().recall(index), { digest: 'the digest' });
  assert.equal(graphsRead, 0);
  // A call added: the part differs, nothing recalled.
  hash[17] = 'hash-called';
  calls[17] = ['h17', 'abs'];
  assert.equal(read().recall(index), null);
  // A file more: not the same files, nothing recalled (the parts made into a Map for the whole hash that follows).
  files.push('/t/new.c');
  calls.push([]);
  hash.push('hash-new');
  assert.equal(read().recall(index), null);
  assert.equal(keyCounts.partMaps, maps + 1);
  files.pop();
  // The form of an older build (arrays of strings per entry): nothing taken from it.
  const older = new Map<string, unknown>([
    ['digest', 'the digest'],
    ['parts:1', { files, hashes: hash, digests: files.map(() => 'x') }],
  ]);
  writeStore(file, 'w', older, 'v8');
  assert.equal(read().recall(index), null);
  fs.rmSync(dir, { recursive: true, force: true });
});
