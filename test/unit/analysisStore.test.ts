// Analysis kept on disk (engine/store/): a second Workspace on the same cache
// takes each opener's product and each call-graph search from the store when
// what it was computed from is unchanged, computes again exactly what an edit
// can change, ignores a corrupt or wrong-version file with a message, and
// always answers what a Workspace without a cache answers. What was taken and
// what was computed is read from Workspace.storeCounts (never timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { Workspace } from '../../engine/workspace';
import { TreeDigest, bodyEnd, keyCounts } from '../../engine/store/contentKeys';
import { writeStore } from '../../engine/store/storeFile';
import type { StoreCounts } from '../../engine/store/analysisStore';
import { deserializeAligned } from '../../engine/alignedSerial';
import { StoredNames } from '../../engine/index/storedNames';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/store');

/** A copy of the fixture folder the test may edit, and an empty cache. */
function setUp(): { root: string; cache: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-store-'));
  const root = path.join(dir, 'tree');
  fs.cpSync(FIXTURE, root, { recursive: true });
  return { root, cache: path.join(dir, 'cache') };
}

async function run(root: string, cache?: string) {
  const said: string[] = [];
  const ws = new Workspace({ root, cacheDir: cache, log: (m) => said.push(m) });
  ws.build();
  const result = await ws.check([root]);
  return { findings: JSON.stringify(result.findings), count: result.findings.length, counts: { ...ws.storeCounts }, said, ws };
}

/** The openers' and searches' counts (the local verdicts' are asserted in test/unit/warmRerun.test.ts). */
function core(c: StoreCounts) {
  return { sectionsFromStore: c.sectionsFromStore, sectionsComputed: c.sectionsComputed, searchesFromStore: c.searchesFromStore, searchesComputed: c.searchesComputed };
}

/** The chain phases stored in a cache folder (keptChains.ts). */
function chainsFile(cache: string): string {
  const [store] = fs.readdirSync(path.join(cache, 'analysis'));
  return path.join(cache, 'analysis', store, 'chains.bin');
}

function edit(root: string, file: string, from: string, to: string): void {
  const f = path.join(root, file);
  const text = fs.readFileSync(f, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${from}`);
  fs.writeFileSync(f, text.replace(from, to));
}

test('a second run on the same cache takes every opener and chain from the store, asks no call-graph search, and answers the same', async () => {
  const { root, cache } = setUp();
  const first = await run(root, cache);
  assert.deepEqual(core(first.counts), { sectionsFromStore: 0, sectionsComputed: 2, searchesFromStore: 0, searchesComputed: 4 });
  assert.equal(first.count, 1, 'the fixture has one read after write (store_a.c)');
  const second = await run(root, cache);
  // The chain phases hold under the same call graph (keptChains.ts ChainKey.graph): the searches are not even read.
  assert.deepEqual(core(second.counts), { sectionsFromStore: 2, sectionsComputed: 0, searchesFromStore: 0, searchesComputed: 0 });
  assert.equal(second.findings, first.findings);
  assert.deepEqual(second.said, []);
  // Chains to compute again (chains.bin gone): the searches they start from are the store's.
  fs.rmSync(path.join(chainsFile(cache)));
  const third = await run(root, cache);
  assert.deepEqual(core(third.counts), { sectionsFromStore: 2, sectionsComputed: 0, searchesFromStore: 4, searchesComputed: 0 });
  assert.equal(third.findings, first.findings);
});

test('an edit inside a callee body recomputes the opener that read it and nothing else; the call graph and its searches stay', async () => {
  const { root, cache } = setUp();
  await run(root, cache);
  // store_plain_helper() is read by store_open_b only; its calls stay the same.
  edit(root, 'store_helpers.c', 'addr += 1;', 'addr += 2;');
  const warm = await run(root, cache);
  assert.deepEqual(core(warm.counts), { sectionsFromStore: 1, sectionsComputed: 1, searchesFromStore: 0, searchesComputed: 0 });
  assert.equal(warm.findings, (await run(root)).findings, 'equal to a run without a cache');
  // Then the other helper (read by store_open_a): the write made on a line of its own, the read-after-write stays.
  edit(root, 'store_helpers.c', 'set_pte_at(mm, addr, ptep, v);', 'set_pte_at(mm, addr, ptep, v); /* edited */');
  const again = await run(root, cache);
  assert.deepEqual(core(again.counts), { sectionsFromStore: 1, sectionsComputed: 1, searchesFromStore: 0, searchesComputed: 0 });
  assert.equal(again.findings, (await run(root)).findings);
  assert.equal(again.count, 1);
});

test('an edit that adds a call changes the call graph: the searches are computed again, and what they find changes', async () => {
  const { root, cache } = setUp();
  const before = await run(root, cache);
  assert.ok(!before.findings.includes('sleep'), 'no sleep finding before');
  // store_plain_helper() now sleeps: called inside store_open_b's section.
  edit(root, 'store_helpers.c', 'addr += 1;', 'addr += 1;\n\tmsleep(1);');
  const warm = await run(root, cache);
  assert.equal(warm.counts.searchesComputed, 4);
  assert.equal(warm.counts.searchesFromStore, 0);
  // store_open_a read nothing of store_plain_helper: its product still holds.
  assert.equal(warm.counts.sectionsFromStore, 1);
  const cold = await run(root);
  assert.equal(warm.findings, cold.findings, 'equal to a run without a cache');
  assert.equal(warm.count, 2, 'the read after write, and the sleep in store_open_b\'s section');
  assert.match(warm.findings, /lazy-mmu\/sleep-in-section/);
});

test('an edit that adds a read after write to a section is found with the store warm', async () => {
  const { root, cache } = setUp();
  await run(root, cache);
  edit(root, 'store_b.c', 'store_plain_helper(addr, ptep);', 'store_plain_helper(addr, ptep);\n\tif (pte_dirty(ptep_get(ptep)))\n\t\taddr++;');
  const warm = await run(root, cache);
  // The read adds calls (ptep_get, pte_dirty): the graph changed too.
  assert.deepEqual(core(warm.counts), { sectionsFromStore: 1, sectionsComputed: 1, searchesFromStore: 0, searchesComputed: 4 });
  assert.equal(warm.count, 2);
  assert.equal(warm.findings, (await run(root)).findings);
});

test('an editor after a reload: products taken from the store, then an edit recomputes only the opener that read the edited function', async () => {
  const { root, cache } = setUp();
  await run(root, cache);
  const ws = new Workspace({ root, cacheDir: cache, log: () => {} });
  ws.build();
  const a = path.join(root, 'store_a.c');
  await ws.check([a]);
  assert.deepEqual(core(ws.storeCounts), { sectionsFromStore: 2, sectionsComputed: 0, searchesFromStore: 4, searchesComputed: 0 });
  // An unsaved edit of the helper store_open_b reads (its calls unchanged), then one of the helper store_open_a reads.
  const helpers = path.join(root, 'store_helpers.c');
  const text = fs.readFileSync(helpers, 'utf8');
  ws.setText(helpers, text.replace('addr += 1;', 'addr += 3;'));
  let r = await ws.check([root]);
  assert.deepEqual([ws.storeCounts.sectionsFromStore, ws.storeCounts.sectionsComputed], [1, 1]);
  const fresh = async () => {
    const f = new Workspace({ root });
    f.build();
    f.setText(helpers, ws_text);
    return JSON.stringify((await f.check([root])).findings);
  };
  let ws_text = text.replace('addr += 1;', 'addr += 3;');
  assert.equal(JSON.stringify(r.findings), await fresh());
  ws_text = ws_text.replace('set_pte_at(mm, addr, ptep, v);', 'set_pte_at(mm, addr, ptep, v);\n\tif (pte_young(ptep_get(ptep)))\n\t\taddr++;');
  ws.setText(helpers, ws_text);
  r = await ws.check([root]);
  // store_open_a is computed now; store_open_b was computed by this Workspace's interpreter already (its summaries are kept).
  assert.deepEqual([ws.storeCounts.sectionsFromStore, ws.storeCounts.sectionsComputed], [0, 2]);
  assert.equal(JSON.stringify(r.findings), await fresh());
});

test('a caller that saves the store itself (the language server): nothing written by the check; the searches put in serial form before an edit changes the index', async () => {
  const { root, cache } = setUp();
  const ws = new Workspace({ root, cacheDir: cache, log: () => {}, storeSavedByCaller: true });
  ws.build();
  const first = await ws.check([root]);
  assert.equal(ws.storeCounts.searchesComputed, 4);
  assert.ok(!fs.existsSync(path.join(cache, 'analysis')), 'the check itself wrote no store');
  // An unsaved edit before the caller saves: a second definition of the section's opener
  // (another configuration's) ahead of it: read now, the searches' ranks of it would shift.
  const a = path.join(root, 'store_a.c');
  const variant = '#ifdef CONFIG_STORE_VARIANT\nint store_open_a(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t v)\n{\n\tarch_enter_lazy_mmu_mode();\n\tarch_leave_lazy_mmu_mode();\n\treturn 0;\n}\n#endif\n';
  ws.setText(a, fs.readFileSync(a, 'utf8').replace('int store_open_a(', variant + 'int store_open_a('));
  ws.saveStore();
  // What was saved is what a run on the files on disk (the edit never saved) stores, word for word.
  const searches = (dir: string) => {
    const [store] = fs.readdirSync(path.join(dir, 'analysis'));
    return fs.readFileSync(path.join(dir, 'analysis', store, 'searches.bin'));
  };
  const other = path.join(path.dirname(cache), 'cache-cold');
  await run(root, other);
  assert.ok(searches(cache).equals(searches(other)), 'the searches stored are those of the tree they were computed on');
  // (The section products are not asserted here: the server saves right after its check, before any
  // edit; an edit's check replaces the products whose places it moved.)
  // Chains computed again (chains.bin gone), from the searches saved.
  fs.rmSync(chainsFile(cache));
  const reloaded = await run(root, cache);
  assert.equal(reloaded.counts.searchesFromStore, 4);
  assert.ok(first.findings.length);
});

test('a corrupt store file is ignored with a message, and the result is still right', async () => {
  const { root, cache } = setUp();
  const first = await run(root, cache);
  const dir = path.join(cache, 'analysis');
  const [store] = fs.readdirSync(dir);
  fs.writeFileSync(path.join(dir, store, 'sections.json'), '{"v":1,"world":"x","entries":{"a":');
  fs.writeFileSync(path.join(dir, store, 'searches.bin'), 'not a serialized value');
  // Chains to compute again, so that the searches are read.
  fs.rmSync(path.join(dir, store, 'chains.bin'));
  const warm = await run(root, cache);
  assert.deepEqual(core(warm.counts), { sectionsFromStore: 0, sectionsComputed: 2, searchesFromStore: 0, searchesComputed: 4 });
  assert.equal(warm.findings, first.findings);
  assert.equal(warm.said.length, 2, warm.said.join('\n'));
  for (const m of warm.said) assert.match(m, /analysis store .*(sections\.json|searches\.bin): unreadable .*ignored/);
  // The run stored its results again: the next one takes them.
  assert.deepEqual(core((await run(root, cache)).counts), { sectionsFromStore: 2, sectionsComputed: 0, searchesFromStore: 0, searchesComputed: 0 });
});

test('a store file of another version is ignored with a message; an entry whose key does not match is computed again', async () => {
  const { root, cache } = setUp();
  const first = await run(root, cache);
  const dir = path.join(cache, 'analysis');
  const [store] = fs.readdirSync(dir);
  const file = path.join(dir, store, 'sections.json');
  const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  // An entry whose recorded key does not match what it depends on now: never trusted.
  for (const e of Object.values(stored.entries) as { digest: string }[]) e.digest = 'forged';
  fs.writeFileSync(file, JSON.stringify(stored));
  const forged = await run(root, cache);
  assert.equal(forged.counts.sectionsComputed, 2);
  assert.equal(forged.findings, first.findings);
  fs.writeFileSync(file, JSON.stringify({ ...stored, v: 999 }));
  const other = await run(root, cache);
  assert.equal(other.counts.sectionsComputed, 2);
  assert.match(other.said.join('\n'), /version 999, not \d+: ignored/);
  assert.equal(other.findings, first.findings);
});

/** A framed store file's world and entries (storeFile.ts's form), to forge them. */
function readFramed(file: string): { world: string; entries: Map<string, unknown> } {
  const b = fs.readFileSync(file);
  let at = b.indexOf('\n') + 1;
  const frames: unknown[] = [];
  while (at < b.length) {
    const n = b.readUInt32LE(at);
    frames.push(deserializeAligned(b.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  const [head, ...rest] = frames as [{ world: string }, ...[string, unknown][]];
  return { world: head.world, entries: new Map(rest) };
}

test("the call graph's digest is recalled from its stored parts (graphParts.bin) and hashed whole only when a file's part changed", async () => {
  const { root, cache } = setUp();
  await run(root, cache);
  const dir = path.join(cache, 'analysis');
  const [store] = fs.readdirSync(dir);
  const file = path.join(dir, store, 'graphParts.bin');
  const kept = readFramed(file);
  const digest = kept.entries.get('digest') as string;
  assert.match(digest, /^[0-9a-f]{40}$/);
  const forged = (change: (entries: Map<string, unknown>) => void) => {
    const entries = v8.deserialize(v8.serialize(kept.entries)) as Map<string, unknown>;
    change(entries);
    writeStore(file, kept.world, entries, 'v8');
  };
  const helpers = path.join(root, 'store_helpers.c');
  // The parts are stored packed (contentKeys.ts GraphParts.stored): each list one string and where its items end.
  const forgePart = (entries: Map<string, unknown>) => {
    const list = (text: string, ends: Int32Array) => Array.from(ends, (end, k) => text.slice(k ? ends[k - 1] : 0, end));
    for (const [k, e] of entries) {
      if (k === 'digest') continue;
      const p = e as { fileText: string; fileEnds: Int32Array; hashText: string; hashEnds: Int32Array; digestText: string; digestEnds: Int32Array };
      const i = list(p.fileText, p.fileEnds).indexOf(helpers);
      if (i < 0) continue;
      const hashes = list(p.hashText, p.hashEnds);
      const digests = list(p.digestText, p.digestEnds);
      [hashes[i], digests[i]] = ['another content', 'another part'];
      const h = StoredNames.pack(hashes);
      const d = StoredNames.pack(digests);
      Object.assign(p, { hashText: h.text, hashEnds: h.ends, digestText: d.text, digestEnds: d.ends });
    }
  };
  const hashedWhole = async () => {
    const before = keyCounts.graphs;
    const r = await run(root, cache);
    return { ...r, hashed: keyCounts.graphs - before };
  };
  // The digest stored with the parts is believed while every file's part holds: forged, the searches keyed by it are computed again.
  forged((e) => e.set('digest', 'forged'));
  const believed = await hashedWhole();
  assert.deepEqual(core(believed.counts), { sectionsFromStore: 2, sectionsComputed: 0, searchesFromStore: 0, searchesComputed: 4 });
  assert.equal(believed.hashed, 0, 'not hashed whole');
  // A file whose stored part is another (its content and its part): the graph is hashed whole, the searches stored for it taken.
  forged(forgePart);
  const another = await hashedWhole();
  assert.equal(another.hashed, 1, 'hashed whole');
  assert.equal(readFramed(file).entries.get('digest'), digest, 'the same graph: the same digest, stored again');
  // An edit inside a body that keeps its calls: that file's part is hashed again, the same: the digest is recalled, the searches hold.
  edit(root, 'store_helpers.c', 'addr += 1;', 'addr += 2;');
  const edited = await hashedWhole();
  assert.equal(edited.hashed, 0, 'not hashed whole');
  assert.deepEqual(core(edited.counts), { sectionsFromStore: 1, sectionsComputed: 1, searchesFromStore: 0, searchesComputed: 0 });
  assert.equal(edited.findings, (await run(root)).findings, 'equal to a run without a cache');
  // A call added: the part differs, the graph is hashed whole, to another digest.
  edit(root, 'store_helpers.c', 'addr += 2;', 'addr += abs(addr);');
  const called = await hashedWhole();
  assert.equal(called.hashed, 1, 'hashed whole');
  assert.notEqual(readFramed(file).entries.get('digest'), digest, 'another graph');
  assert.equal(called.findings, (await run(root)).findings, 'equal to a run without a cache');
});

test('a one-shot check lets go of its call-graph searches before the save, and the save still writes them', async () => {
  // The CLI (engine/check.ts) releases the analysis, collects, then saves: a search waiting for the
  // save must not be held until then (on a kernel tree the four hold ~10^5 steps each).
  const { root, cache } = setUp();
  // As checkTree makes it: the store saved by the caller, after the release.
  const ws = new Workspace({ root, cacheDir: cache, storeSavedByCaller: true });
  ws.build();
  const findings = JSON.stringify((await ws.check([root])).findings);
  assert.equal(ws.storeCounts.searchesComputed, 4);
  const reaches = (ws as unknown as { searches: { reaches: Map<string, object> } }).searches.reaches;
  const refs = [...reaches.values()].map((r) => new WeakRef(r));
  assert.equal(refs.length, 4);
  ws.releaseAnalysis();
  // A WeakRef keeps its target until the job that made it ends.
  await new Promise((r) => setImmediate(r));
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  assert.deepEqual(refs.map((r) => r.deref() === undefined), [true, true, true, true], 'no search reachable after the release');
  ws.saveStore();
  const second = await run(root, cache);
  assert.deepEqual(core(second.counts), { sectionsFromStore: 2, sectionsComputed: 0, searchesFromStore: 0, searchesComputed: 0 });
  assert.equal(second.findings, findings);
});

test('a function body ends at its closing brace, braces in comments, strings and characters skipped', () => {
  const text = 'int f(void)\n{\n\t/* } */ char c = \'}\'; const char *s = "{"; // }\n\treturn 0;\n}\nstatic int\ng(void)\n';
  const end = bodyEnd(text, 0, text.length);
  assert.equal(text.slice(end), '\nstatic int\ng(void)\n');
  // Not closed inside the segment: the whole segment (from its start) is taken.
  assert.equal(bodyEnd('int f(void)\n{\n\treturn 0;\n', 0, 24), 0);
});

test('the tree digest kept across edits equals one made afresh, whatever the history, and changes with any file', () => {
  const tree = new Map([['a.c', '1'], ['b.c', '2'], ['c.h', '3']]);
  const fresh = () => new TreeDigest().of([...tree.keys()], (f) => tree.get(f)!);
  const kept = new TreeDigest();
  const keptOf = () => kept.of([...tree.keys()], (f) => tree.get(f)!);
  const first = keptOf();
  assert.equal(first, fresh());
  assert.equal(new TreeDigest().of(['c.h', 'a.c', 'b.c'], (f) => tree.get(f)!), first, 'the order of the list does not matter');
  tree.set('b.c', '2 edited');
  const edited = keptOf();
  assert.notEqual(edited, first);
  assert.equal(edited, fresh());
  tree.set('b.c', '2');
  assert.equal(keptOf(), first, 'undone: the same digest again');
  tree.delete('c.h');
  tree.set('d.c', '3');
  assert.equal(keptOf(), fresh(), 'a file removed and another added');
  assert.notEqual(keptOf(), first);
});

test("a rerun checks the stored openers with the region digests kept on disk (regions.json): no file is read and hashed for them but the edited one", async () => {
  const { root, cache } = setUp();
  const regionsHashed = async () => {
    const before = keyCounts.regions;
    const r = await run(root, cache);
    return { ...r, hashed: keyCounts.regions - before };
  };
  const first = await regionsHashed();
  assert.ok(first.hashed > 0, 'the cold run hashes the regions it keys its openers with');
  const [store] = fs.readdirSync(path.join(cache, 'analysis'));
  assert.ok(fs.existsSync(path.join(cache, 'analysis', store, 'regions.json')));
  // Nothing changed: every opener from the store, no file read for its key.
  const second = await regionsHashed();
  assert.deepEqual(core(second.counts), { sectionsFromStore: 2, sectionsComputed: 0, searchesFromStore: 0, searchesComputed: 0 });
  assert.equal(second.hashed, 0);
  // An edit inside a callee's body: that file's regions hashed again, and only it; the findings as a run without a cache.
  edit(root, 'store_helpers.c', 'addr += 1;', 'addr += 2;');
  const edited = await regionsHashed();
  assert.deepEqual(core(edited.counts), { sectionsFromStore: 1, sectionsComputed: 1, searchesFromStore: 0, searchesComputed: 0 });
  assert.equal(edited.hashed, 1);
  assert.equal(edited.findings, (await run(root)).findings);
  // A damaged regions.json: read as nothing, the openers checked by hashing as before.
  fs.writeFileSync(path.join(cache, 'analysis', store, 'regions.json'), '{"v":1,"world":');
  const damaged = await regionsHashed();
  assert.deepEqual(core(damaged.counts), { sectionsFromStore: 2, sectionsComputed: 0, searchesFromStore: 0, searchesComputed: 0 });
  assert.ok(damaged.hashed > 0);
  assert.equal(damaged.findings, edited.findings);
});
