// Hover on lazy-mode calls, re-checking open documents when a callee in
// another file changes, and the model / exclude / kernelConfig settings,
// through the real protocol (the bundled server on stdio).
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, FIXTURES, REPO } from './lspClient';
import { DEFAULT_MODEL } from '../../engine/simulator';

const PRELUDE = 'typedef struct { unsigned long pte; } pte_t;\nstruct mm_struct;\n';
const HELPER = (body: string) =>
  `${PRELUDE}void xf_helper(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t val)\n{\n${body}\n}\n`;
const CALLER = `${PRELUDE}void xf_helper(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t val);

int xf_caller(struct mm_struct *mm, pte_t *pte, unsigned long addr)
{
\tint n = 0;

\tarch_enter_lazy_mmu_mode();
\txf_helper(mm, addr, pte, pte_mkclean(ptep_get(pte)));
\tif (pte_dirty(ptep_get(pte)))
\t\tn++;
\tarch_leave_lazy_mmu_mode();
\treturn n;
}
`;
const SCENARIO = fs.readFileSync(path.join(REPO, 'test', 'simulator', 'scenarios', 'copy_pte_range_raw.lzmmu'), 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

function workspace(files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-feat-')));
  for (const [f, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), t);
  }
  return dir;
}

const roots: string[] = [];
const clients: LspClient[] = [];
async function start(files: Record<string, string>, init?: unknown): Promise<{ client: LspClient; uri: (f: string) => string }> {
  const root = workspace(files);
  roots.push(root);
  const client = new LspClient();
  clients.push(client);
  await client.initialize(root, init);
  return { client, uri: (f) => pathToFileURL(path.join(root, f)).href };
}

after(async () => {
  for (const c of clients) assert.equal(await c.shutdown(), 0);
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

test('hover on the enter and leave calls shows the section: writes, reads, calls with effects', async () => {
  const { client, uri } = await start({ 'helper.c': HELPER('\tset_pte_at(mm, addr, ptep, val);'), 'caller.c': CALLER });
  await client.open(uri('caller.c'), CALLER);
  await client.waitFor('caller diagnostics', () => client.diagnosticsFor(uri('caller.c'), 1));
  const enter = lineOf(CALLER, 'arch_enter_lazy_mmu_mode');
  const h: any = await client.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: uri('caller.c') },
    position: { line: enter, character: 5 },
  });
  assert.ok(h, 'a hover on the enter call');
  assert.equal(h.contents.kind, 'markdown');
  const md: string = h.contents.value;
  assert.match(md, /lazy MMU section/);
  assert.match(md, /xf_caller/);
  assert.match(md, /`ptep_get\(\)` reads `pte`/);
  assert.match(md, /`xf_helper\(\)` \(\[line \d+\]\(file:[^)]*\)\): writes the entry of its parameter ptep/);
  assert.match(md, /Read after write/);
  assert.deepEqual(h.range.start, { line: enter, character: 1 });
  const leave = lineOf(CALLER, 'arch_leave_lazy_mmu_mode');
  const h2: any = await client.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: uri('caller.c') },
    position: { line: leave, character: 3 },
  });
  assert.ok(h2 && /xf_helper/.test(h2.contents.value), 'the leave call shows the same section');
  // Elsewhere (a plain call, blank space) there is no hover.
  const none = await client.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: uri('caller.c') },
    position: { line: lineOf(CALLER, 'xf_helper(mm'), character: 3 },
  });
  assert.equal(none, null);
});

test('editing a callee in another open file re-checks the caller file', async () => {
  const empty = HELPER('\t(void)val;');
  const { client, uri } = await start({ 'helper.c': empty, 'caller.c': CALLER });
  await client.open(uri('caller.c'), CALLER);
  const first = await client.waitFor('caller diagnostics', () => client.diagnosticsFor(uri('caller.c'), 1));
  assert.equal(first.diagnostics.length, 0, 'no finding while the helper writes nothing');
  await client.open(uri('helper.c'), empty);
  await client.waitFor('helper diagnostics', () => client.diagnosticsFor(uri('helper.c'), 1));
  const before = client.published.length;
  await client.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: uri('helper.c'), version: 2 },
    contentChanges: [{ text: HELPER('\tset_pte_at(mm, addr, ptep, val);') }],
  });
  const again = await client.waitFor('caller republished with a finding', () =>
    client.published.slice(before).find((p) => p.uri === uri('caller.c') && p.diagnostics.length > 0),
  );
  assert.equal(again.diagnostics[0].code, 'lazy-mmu/read-after-write');
  assert.equal(again.diagnostics[0].range.start.line, lineOf(CALLER, 'pte_dirty'));
});

test('a bad lazymmu.model is reported and the default model is used; lazymmu.exclude silences matching files', async () => {
  const direct = fs.readFileSync(path.join(FIXTURES, 'direct_ptep_get.c'), 'utf8');
  const { client, uri } = await start(
    { 'direct_ptep_get.c': direct, 'skip/direct_copy.c': direct },
    { lazymmu: { model: 'no-such-model', exclude: ['skip/**'] } },
  );
  const warn = await client.waitFor('model warning', () => client.messages.find((m) => /lazymmu\.model/.test(m.message)));
  assert.equal(warn.type, 2, 'a warning');
  assert.match(warn.message, /no-such-model/);
  assert.match(warn.message, new RegExp(`using ${DEFAULT_MODEL}`));
  await client.open(uri('direct_ptep_get.c'), direct);
  await client.open(uri('skip/direct_copy.c'), direct);
  const kept = await client.waitFor('checked file', () => client.diagnosticsFor(uri('direct_ptep_get.c'), 1));
  const skipped = await client.waitFor('excluded file', () => client.diagnosticsFor(uri('skip/direct_copy.c'), 1));
  assert.ok(kept.diagnostics.length > 0, 'the file outside the exclude globs has findings');
  assert.deepEqual(skipped.diagnostics, [], 'the excluded file gets no diagnostics');
  const r: any = await client.conn.sendRequest('lazymmu/replayDiagnostic', { uri: uri('direct_ptep_get.c'), range: kept.diagnostics[0].range });
  // The default model is where the choice starts; the panel opens where the stale read can happen (issue 13, point 4).
  assert.equal(r.preferred, DEFAULT_MODEL);
  assert.equal(r.model, 'x86-xen-pv');
  const sim: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text: SCENARIO });
  assert.deepEqual(sim.errors, []);
  assert.deepEqual(Object.keys(sim.results), [DEFAULT_MODEL], 'a request naming no model simulates the default');
});

test('a good lazymmu.model becomes the default of the simulator requests; a bad kernelConfig path is reported', async () => {
  const { client } = await start({ 'a.c': 'int a;\n' }, { lazymmu: { model: 'x86-xen-pv', kernelConfig: 'no/such/.config' } });
  const warn = await client.waitFor('kernelConfig warning', () => client.messages.find((m) => /lazymmu\.kernelConfig/.test(m.message)));
  assert.match(warn.message, /does not exist/);
  const sim: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text: SCENARIO });
  assert.deepEqual(sim.errors, []);
  assert.deepEqual(Object.keys(sim.results), ['x86-xen-pv']);
  const all: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text: SCENARIO, model: 'all' });
  assert.ok(Object.keys(all.results).length > 1, 'model "all" still simulates every model');
});

test('lazymmu.kernelConfig goes to the engine: a write under a disabled CONFIG_ option is no finding', async () => {
  const src = `${PRELUDE}int kc_range(struct mm_struct *mm, pte_t *pte, unsigned long addr, pte_t val)
{
\tint n = 0;

\tarch_enter_lazy_mmu_mode();
#ifdef CONFIG_KC_WRITE
\tset_pte_at(mm, addr, pte, val);
#endif
\tif (pte_dirty(ptep_get(pte)))
\t\tn++;
\tarch_leave_lazy_mmu_mode();
\treturn n;
}
`;
  const files = { 'kc.c': src, 'off.config': '# CONFIG_KC_WRITE is not set\nCONFIG_MMU=y\n' };
  const plain = await start(files);
  await plain.client.open(plain.uri('kc.c'), src);
  const withFinding = await plain.client.waitFor('finding without a .config', () => plain.client.diagnosticsFor(plain.uri('kc.c'), 1));
  assert.equal(withFinding.diagnostics.length, 1, 'both #ifdef branches are followed without a .config');
  const off = await start(files, { lazymmu: { kernelConfig: 'off.config' } });
  await off.client.open(off.uri('kc.c'), src);
  const none = await off.client.waitFor('diagnostics with the .config', () => off.client.diagnosticsFor(off.uri('kc.c'), 1));
  assert.deepEqual(none.diagnostics, []);
  assert.equal(off.client.messages.filter((m) => /kernelConfig/.test(m.message)).length, 0, 'a good .config is not warned about');
});

test('the server log says which configuration decided: the Kconfig tree for the architecture, or the pinned .config', async () => {
  const tree = path.join(REPO, 'test', 'fixtures', 'kconfig', 'tree');
  const files: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(tree, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else files[r] = fs.readFileSync(path.join(tree, r), 'utf8');
    }
  };
  walk('');
  const plain = await start(files, { lazymmu: { arch: 'x86' } });
  await plain.client.waitFor('configuration log', () => plain.client.logs.find((l) => /configuration: the tree's Kconfig and Kbuild for x86/.test(l)));
  const pinned = await start({ ...files, 'my.config': 'CONFIG_MMU=y\n' }, { lazymmu: { kernelConfig: 'my.config' } });
  await pinned.client.waitFor('pinned configuration log', () => pinned.client.logs.find((l) => /configuration: .*my\.config \(every option pinned\)/.test(l)));
});

test('changing lazymmu.exclude at run time clears and restores a file\'s diagnostics without re-indexing', async () => {
  const direct = fs.readFileSync(path.join(FIXTURES, 'direct_ptep_get.c'), 'utf8');
  const { client, uri } = await start({ 'direct_ptep_get.c': direct });
  await client.open(uri('direct_ptep_get.c'), direct);
  const first = await client.waitFor('diagnostics', () => client.diagnosticsFor(uri('direct_ptep_get.c'), 1));
  assert.ok(first.diagnostics.length > 0);
  const progressBefore = client.progressCreates.length;
  let mark = client.published.length;
  await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lazymmu: { exclude: ['direct_*.c'] } } });
  const cleared = await client.waitFor('cleared', () => client.published.slice(mark).find((p) => p.uri === uri('direct_ptep_get.c')));
  assert.deepEqual(cleared.diagnostics, []);
  mark = client.published.length;
  await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lazymmu: { exclude: [] } } });
  const back = await client.waitFor('restored', () => client.published.slice(mark).find((p) => p.uri === uri('direct_ptep_get.c')));
  assert.deepEqual(back.diagnostics.map((d) => d.range.start.line), first.diagnostics.map((d) => d.range.start.line));
  assert.equal(client.progressCreates.length, progressBefore, 'no new indexing for exclude changes');
});
