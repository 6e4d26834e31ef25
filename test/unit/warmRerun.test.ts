// The CLI's warm rerun after an edit (issue 15 point 2): a tree checked once
// with a cache, then edited in several ways; each rerun on that cache must
// answer exactly what a cold run of the edited tree answers, while taking
// from the cache what the edit did not touch: the index (a delta written
// beside its base), the openers' products and the local rules' verdicts per
// file (engine/store/keptLocals.ts), the section calls' contextual chains
// per phase (engine/store/keptChains.ts). What was reused is read from
// Workspace.storeCounts and the index's lastBuild (never timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { checkTree } from '../../engine/check';
import { edit } from './treeEdit';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/warm');

function setUp(fixture = FIXTURE): { root: string; cache: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-warm-'));
  const root = path.join(dir, 'tree');
  fs.cpSync(fixture, root, { recursive: true });
  return { root, cache: path.join(dir, 'cache'), dir };
}

/** A rerun as the CLI makes it (the result cache's probe, then the build and the check), with what it reused. */
async function warm(root: string, cache: string) {
  const ws = new Workspace({ root, cacheDir: cache, log: (m) => assert.fail(`unexpected store message: ${m}`) });
  assert.equal(ws.index.unchangedDigest(), null, 'the tree changed: the whole result is not reused');
  ws.build();
  const result = await ws.check([root]);
  return { json: JSON.stringify(result), findings: result.findings, counts: { ...ws.storeCounts }, build: ws.index.lastBuild! };
}

/** A cold run of the tree as it is now (an empty cache), through the CLI's entry point. */
async function cold(dir: string, root: string): Promise<string> {
  const cacheDir = fs.mkdtempSync(path.join(dir, 'cold-'));
  return JSON.stringify(await checkTree({ root, paths: [root], cacheDir }));
}

const rules = (findings: { rule: string; file: string; line: number }[]) => findings.map((f) => `${path.basename(f.file)}:${f.line} ${f.rule}`);

test('a warm rerun after each of several edits equals a cold run of the edited tree, and reuses what the edit did not touch', async () => {
  const { root, cache, dir } = setUp();
  const first = await checkTree({ root, paths: [root], cacheDir: cache });
  assert.deepEqual(rules(first.findings), ['warm_local.c:9 lazy-mmu/break-before-make', 'warm_local.c:19 lazy-mmu/break-before-make', 'warm_section.c:10 lazy-mmu/read-after-write']);
  const files = fs.readdirSync(root).length;

  // 1. A comment on a statement line of the section's file: only that file's verdicts and opener again.
  edit(root, 'warm_section.c', 'young = 1;', 'young = 1; /* edited */');
  let w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(w.build.scanned, [path.join(root, 'warm_section.c')]);
  assert.equal(w.build.fromCache, files - 1);
  assert.deepEqual([w.counts.localsFromStore, w.counts.localsComputed], [files - 1, 1]);
  assert.deepEqual([w.counts.sectionsFromStore, w.counts.sectionsComputed], [0, 1]);
  // The same calls: the kept chains hold under the same call graph, no search is read or computed.
  assert.deepEqual([w.counts.searchesFromStore, w.counts.searchesComputed], [0, 0], 'the same calls: no call-graph search needed');
  const indexDir = path.join(cache, 'index');
  const cacheFiles = fs.readdirSync(indexDir).flatMap((d) => fs.readdirSync(path.join(indexDir, d)));
  assert.ok(cacheFiles.some((f) => f.endsWith('.delta')), 'the index cache was written as a delta');

  // 2. Lines added above the local rules' findings: the file computed again, its findings moved.
  edit(root, 'warm_local.c', '#include <linux/mm.h>\n', '#include <linux/mm.h>\n\n/* two\n   lines */\n');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(rules(w.findings).slice(0, 2), ['warm_local.c:12 lazy-mmu/break-before-make', 'warm_local.c:22 lazy-mmu/break-before-make']);
  assert.deepEqual([w.counts.localsFromStore, w.counts.localsComputed], [files - 1, 1]);

  // 3. The helper stops forwarding its entry: warm_local.c, which read its text for a derived setter, is
  //    computed again although its own text did not change, and loses the finding through warm_set().
  edit(root, 'warm_helpers.c', 'set_pte_at(&init_mm, addr, ptep, v);\n}', 'set_pte_at(&init_mm, addr, ptep, __pte(0));\n\t(void)v;\n}');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(rules(w.findings), ['warm_local.c:22 lazy-mmu/break-before-make', 'warm_section.c:10 lazy-mmu/read-after-write']);
  // The helpers' file, warm_local.c, and warm_section.c (its opener's calls reach warm_write(), whose text was read too).
  assert.deepEqual([w.counts.localsFromStore, w.counts.localsComputed], [files - 3, 3]);

  // 4. Forwarding again, then a strong definition of warm_set() in a file the verdict never read:
  //    the name's definitions changed, so warm_local.c is judged again (the weak forwarding one loses).
  edit(root, 'warm_helpers.c', 'set_pte_at(&init_mm, addr, ptep, __pte(0));\n\t(void)v;\n}', 'set_pte_at(&init_mm, addr, ptep, v);\n}');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.equal(rules(w.findings).length, 3);
  edit(root, 'warm_other.c', 'int warm_other', 'void warm_set(unsigned long addr, pte_t *ptep, pte_t v)\n{\n\twarm_log(addr);\n}\n\nint warm_other');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(rules(w.findings), ['warm_local.c:22 lazy-mmu/break-before-make', 'warm_section.c:10 lazy-mmu/read-after-write']);
  assert.deepEqual([w.counts.localsFromStore, w.counts.localsComputed], [files - 2, 2]);

  // 5. A file removed: the rest from the store.
  fs.rmSync(path.join(root, 'warm_other.c'));
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.equal(rules(w.findings).length, 3);
  assert.deepEqual(w.build.scanned, []);
  assert.equal(w.counts.localsComputed, 1, 'only warm_local.c, whose derived setter came from the removed definition');

  // And nothing changed since: the index cache with its delta holds every file as it is (the CLI's result cache can answer).
  assert.ok(new Workspace({ root, cacheDir: cache }).index.unchangedDigest());
});

test('a reload takes the "may touch the mode" set kept for the same call graph (no callers map made); after an edit that adds a call it is made again, as a cacheless index makes it', async () => {
  const { root, cache } = setUp();
  const section = path.join(root, 'warm_section.c');
  await checkTree({ root, paths: [root], cacheDir: cache });
  const reload = async () => {
    const ws = new Workspace({ root, cacheDir: cache, log: (m) => assert.fail(`unexpected store message: ${m}`) });
    ws.build();
    const r = await ws.check([section]);
    const fresh = new Workspace({ root });
    fresh.build();
    assert.equal(JSON.stringify(r), JSON.stringify(await fresh.check([section])), 'the same answer as a Workspace without a cache');
    return { ws, fresh };
  };
  let { ws } = await reload();
  assert.equal(ws.storeCounts.sectionsFromStore, 1);
  assert.ok(ws.index.touchersIfKnown(), 'the set was needed (the stored opener\'s name keys) and given');
  assert.equal((ws.index as unknown as { callers: unknown }).callers, null, 'the callers map was not made');

  // warm_write() now flushes the mode: the graph changed, the kept set is not for it.
  edit(root, 'warm_helpers.c', 'addr += 1;', 'addr += 1;\n\tarch_flush_lazy_mmu_mode();');
  const again = await reload();
  ws = again.ws;
  assert.equal(ws.index.mayTouchMode('warm_write'), true);
  again.fresh.index.mayTouchMode('warm_write'); // made by the cacheless index (if its check did not already)
  assert.deepEqual([...ws.index.touchersIfKnown()!].sort(), [...again.fresh.index.touchersIfKnown()!].sort());
});

test('the section calls\' chains are kept per phase: an edit recomputes the phases whose searches read what it changed, and each rerun equals a cold run', async () => {
  const { root, cache, dir } = setUp(path.join(__dirname, '../../../test/fixtures/chains'));
  const first = new Workspace({ root, cacheDir: cache });
  first.build();
  const firstResult = await first.check([root]);
  const total = first.storeCounts.chainsComputed;
  assert.ok(total >= 6, `every kind's phase asked for the sections' calls (${total})`);
  assert.equal(first.storeCounts.chainsFromStore, 0);
  assert.deepEqual(rules(firstResult.findings), ['chain_section.c:8 lazy-mmu/sleep-in-section', 'chain_section.c:16 lazy-mmu/alloc-in-section']);
  first.saveStore();
  const sleepFindings = (findings: { rule: string }[]) => JSON.stringify(findings.filter((f) => f.rule === 'lazy-mmu/sleep-in-section'));

  // 1. A function no search surveyed changes (in a file they did read): every chain from the store.
  edit(root, 'chain_helpers.c', 'return x + 1;', 'return x + 2; /* edited */');
  let w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual([w.counts.chainsFromStore, w.counts.chainsComputed], [total, 0]);

  // 2. A callee starts sleeping (chain_quiet, at the end of its file: no other function moves): the sleep
  //    search's answer for it changed, so that phase is computed again; the others read only "no chain" for it.
  edit(root, 'chain_helpers.c', '\t(void)addr;\n}', '\t(void)addr;\n\tmsleep(1);\n}');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(rules(w.findings), ['chain_section.c:8 lazy-mmu/sleep-in-section', 'chain_section.c:16 lazy-mmu/alloc-in-section', 'chain_section.c:17 lazy-mmu/sleep-in-section']);
  assert.equal(w.counts.chainsFromStore + w.counts.chainsComputed, total);
  assert.ok(w.counts.chainsFromStore > 0 && w.counts.chainsComputed > 0, `some phases kept, the sleep phase computed (${JSON.stringify(w.counts)})`);
  const sleepComputed = w.counts.chainsComputed;

  // ... and stops again.
  edit(root, 'chain_helpers.c', '\t(void)addr;\n\tmsleep(1);\n}', '\t(void)addr;\n}');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.equal(rules(w.findings).length, 2);
  assert.deepEqual([w.counts.chainsFromStore, w.counts.chainsComputed], [total - sleepComputed, sleepComputed]);

  // 3. The sleeping callee renamed (its definition and its call): the chain names the new one.
  edit(root, 'chain_helpers.c', 'void chain_sleepy(unsigned long addr)', 'void chain_dozy(unsigned long addr)');
  edit(root, 'chain_helpers.c', '\t\tchain_sleepy(addr);', '\t\tchain_dozy(addr);');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.match(sleepFindings(w.findings), /chain_dozy\(\) calls mutex_lock/);
  assert.deepEqual([w.counts.chainsFromStore, w.counts.chainsComputed], [total - sleepComputed, sleepComputed]);

  // 4. A new definition of a name the sleep chain resolved: a static chain_helper_a() in the sections' own
  //    file (it wins there) that does not sleep. The finding goes; the other kinds read only "no chain" for it.
  const last = '\tchain_quiet(addr);\n\tarch_leave_lazy_mmu_mode();\n}\n';
  edit(root, 'chain_section.c', last, `${last}\nstatic void chain_helper_a(struct mm_struct *mm, unsigned long addr)\n{\n}\n`);
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(rules(w.findings), ['chain_section.c:16 lazy-mmu/alloc-in-section']);
  assert.ok(w.counts.chainsFromStore > 0 && w.counts.chainsComputed > 0, JSON.stringify(w.counts));

  // 5. An #ifdef: the allocating helper defined twice, allocating only under CONFIG_CHAIN_ALLOC.
  edit(root, 'chain_helpers.c', 'int chain_alloc_helper(struct mm_struct *mm, pmd_t *pmd, unsigned long addr)\n{\n\treturn pte_alloc(mm, pmd);\n}', '#ifdef CONFIG_CHAIN_ALLOC\nint chain_alloc_helper(struct mm_struct *mm, pmd_t *pmd, unsigned long addr)\n{\n\treturn pte_alloc(mm, pmd);\n}\n#else\nint chain_alloc_helper(struct mm_struct *mm, pmd_t *pmd, unsigned long addr)\n{\n\treturn 0;\n}\n#endif');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.ok(w.counts.chainsComputed > 0, 'the allocation phase read the changed definitions');
  const alloc = w.findings.find((f) => f.rule === 'lazy-mmu/alloc-in-section');
  assert.ok(alloc && JSON.stringify(alloc).includes('CONFIG_CHAIN_ALLOC'), 'the chain says when it allocates');

  // And a Workspace on the tree as it is now takes every chain (the CLI's result cache aside).
  const again = new Workspace({ root, cacheDir: cache });
  again.build();
  assert.equal(JSON.stringify(await again.check([root])), w.json);
  assert.deepEqual([again.storeCounts.chainsFromStore, again.storeCounts.chainsComputed], [w.counts.chainsFromStore + w.counts.chainsComputed, 0]);

  // An editor's window reload: the open file is given its text as on disk, its check's chains are taken
  // from what the session before kept; after a real edit they are computed as before (not kept per keystroke).
  const file = path.join(root, 'chain_section.c');
  const session = async () => {
    const ws = new Workspace({ root, cacheDir: cache, storeSavedByCaller: true });
    ws.build();
    ws.setText(file, fs.readFileSync(file, 'utf8'));
    const r = await ws.check([file]);
    ws.saveStore();
    return { ws, json: JSON.stringify(r) };
  };
  const one = await session();
  const two = await session();
  assert.equal(two.json, one.json);
  assert.ok(two.ws.storeCounts.chainsFromStore > 0 && two.ws.storeCounts.chainsComputed === 0, JSON.stringify(two.ws.storeCounts));
  const edited = fs.readFileSync(file, 'utf8').replace('\tchain_quiet(addr);', '\tchain_quiet(addr);\n\tchain_sleepy_again(addr);');
  two.ws.setText(file, edited);
  const afterEdit = JSON.stringify(await two.ws.check([file]));
  assert.equal(two.ws.storeCounts.chainsFromStore, 0);
  const fresh = new Workspace({ root });
  fresh.build();
  fresh.setText(file, edited);
  assert.equal(afterEdit, JSON.stringify(await fresh.check([file])));
});

test('a warm rerun after an edit inside one function walks only that function\'s local rules (verdicts kept per function), and equals a cold run', async () => {
  const { root, cache, dir } = setUp(path.join(__dirname, '../../../test/fixtures/warm_fns'));
  const first = await checkTree({ root, paths: [root], cacheDir: cache });
  const bbm = ['fns_local.c:17 lazy-mmu/break-before-make', 'fns_local.c:27 lazy-mmu/break-before-make', 'fns_local.c:35 lazy-mmu/break-before-make', 'fns_local.c:45 lazy-mmu/break-before-make'];
  assert.deepEqual(rules(first.findings), bbm);
  const functions = (c: { localFunctionsFromStore: number; localFunctionsComputed: number }) => [c.localFunctionsFromStore, c.localFunctionsComputed];

  // 1. A comment on a line inside fns_second(): the file's verdicts are computed again, of its functions only that one is walked.
  edit(root, 'fns_local.c', 'fns_second(pte_t *ptep, unsigned long addr, struct page *newpage)\n{\n\tpte_t old = ptep_get(ptep);', 'fns_second(pte_t *ptep, unsigned long addr, struct page *newpage)\n{\n\tpte_t old = ptep_get(ptep); /* edited */');
  let w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(rules(w.findings), bbm);
  assert.deepEqual([w.counts.localsFromStore, w.counts.localsComputed], [1, 1]);
  const walked = w.counts.localFunctionsFromStore + w.counts.localFunctionsComputed;
  assert.ok(walked >= 4, `the four functions with findings at least (${walked})`);
  assert.deepEqual(functions(w.counts), [walked - 1, 1]);

  // 2. The helper beside them stops forwarding its entry: fns_derived(), which read its text for a derived
  //    setter, is walked again and loses its finding; the others are kept (the helper alone no rule can match).
  edit(root, 'fns_local.c', 'set_pte_at(&init_mm, addr, ptep, v);\n}', 'set_pte_at(&init_mm, addr, ptep, __pte(0)); (void)v;\n}');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(rules(w.findings), [bbm[0], bbm[1], bbm[3]]);
  assert.deepEqual(functions(w.counts), [walked - 1, 1]);

  // 3. Lines added above every function: each one's place moved, so each is walked again (its findings' lines are new).
  edit(root, 'fns_local.c', '#include <linux/mm.h>\n', '#include <linux/mm.h>\n\n/* two\n   lines */\n');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(rules(w.findings), ['fns_local.c:20 lazy-mmu/break-before-make', 'fns_local.c:30 lazy-mmu/break-before-make', 'fns_local.c:48 lazy-mmu/break-before-make']);
  assert.deepEqual(functions(w.counts), [0, walked]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a warm rerun places a stored read-after-write finding\'s fix without parsing its unedited file (kept by its content), and equals a cold run', async () => {
  const { root, cache, dir } = setUp();
  const first = await checkTree({ root, paths: [root], cacheDir: cache });
  const raw = first.findings.find((f) => f.rule === 'lazy-mmu/read-after-write');
  assert.ok(raw?.fix?.inserts.length, 'the finding has a fix to place');
  const placements = (c: { placementsFromStore: number; placementsComputed: number }) => [c.placementsFromStore, c.placementsComputed];

  // 1. Another file edited: the section comes from the store, and so does where its fix goes (its use, its inserts).
  edit(root, 'warm_local.c', '// A break-before-make', '// Edited: a break-before-make');
  let w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.equal(w.counts.sectionsFromStore, 1);
  assert.deepEqual(placements(w.counts), [2, 0]);

  // 2. The section's own file edited above it: placed again from its new text (the fix moves with the read).
  edit(root, 'warm_section.c', '#include <linux/mm.h>\n', '#include <linux/mm.h>\n\n');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual(placements(w.counts), [0, 2]);
  assert.equal(w.findings.find((f) => f.rule === 'lazy-mmu/read-after-write')?.fix?.inserts[0].line, raw!.fix!.inserts[0].line + 1);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a warm rerun after a one-file edit writes its local verdicts as a delta beside locals.json, and the next rerun reads base and delta to what a cold run answers', async () => {
  const { root, cache, dir } = setUp();
  await checkTree({ root, paths: [root], cacheDir: cache });
  const files = fs.readdirSync(root).length;
  const analysis = path.join(cache, 'analysis');
  const locals = path.join(analysis, fs.readdirSync(analysis)[0], 'locals.json');
  const base = fs.readFileSync(locals);
  const delta = `${locals}.delta`;
  assert.ok(!fs.existsSync(delta), 'a cold run writes the whole file');
  const deltaKeys = () => Object.keys(JSON.parse(fs.readFileSync(delta, 'utf8')).entries).map((f) => path.basename(f));

  // One file edited: its verdicts only, in the delta; the base as it was.
  edit(root, 'warm_section.c', 'young = 1;', 'young = 1; /* edited */');
  let w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual([w.counts.localsFromStore, w.counts.localsComputed], [files - 1, 1]);
  assert.deepEqual(fs.readFileSync(locals), base, 'locals.json not written again');
  assert.deepEqual(deltaKeys(), ['warm_section.c']);

  // Another file edited: the first file's verdicts read from the delta (kept, not computed), the delta holds both.
  edit(root, 'warm_other.c', 'int warm_other', '/* edited */\nint warm_other');
  w = await warm(root, cache);
  assert.equal(w.json, await cold(dir, root));
  assert.deepEqual([w.counts.localsFromStore, w.counts.localsComputed], [files - 1, 1]);
  assert.deepEqual(fs.readFileSync(locals), base, 'locals.json not written again');
  assert.deepEqual(deltaKeys().sort(), ['warm_other.c', 'warm_section.c']);
  fs.rmSync(dir, { recursive: true, force: true });
});
