// Issue 13 point 6, through the real protocol: "Go to the write" from a
// flagged read (the server asks the client to show the writer's line), the
// suppression quick fix (its comment is one the engine honours: applied, the
// finding is gone), section extents, and lazymmu/checkFolder publishing the
// findings of a folder's .c files that are not open.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';
import { suppressActions } from '../../server/navigation';

const EDITOR = path.join(REPO, 'test', 'fixtures', 'editor');
const HOVER = fs.readFileSync(path.join(EDITOR, 'hover_section.c'), 'utf8');
const roots: string[] = [];
const clients: LspClient[] = [];

/** A temp workspace with copies of test/fixtures/editor (hover_section.c, folder/...). */
async function start(init?: unknown): Promise<{ client: LspClient; root: string; uri: (f: string) => string }> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-nav-')));
  fs.cpSync(EDITOR, root, { recursive: true });
  roots.push(root);
  const client = new LspClient();
  clients.push(client);
  await client.initialize(root, init);
  return { client, root, uri: (f) => pathToFileURL(path.join(root, f)).href };
}

after(async () => {
  for (const c of clients) assert.equal(await c.shutdown(), 0);
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const rawAt = (diags: any[], line1: number) => diags.find((d) => d.code === 'lazy-mmu/read-after-write' && d.range.start.line === line1 - 1);

test('Go to the write: offered with the quick fixes; running it shows the writer\'s line', async () => {
  const { client, uri } = await start();
  const shown: any[] = [];
  client.conn.onRequest('window/showDocument', (p) => {
    shown.push(p);
    return { success: true };
  });
  await client.open(uri('hover_section.c'), HOVER);
  const pub = await client.waitFor('diagnostics', () => client.diagnosticsFor(uri('hover_section.c'), 1));
  const d = rawAt(pub.diagnostics, 25);
  assert.ok(d, 'the read at line 25 is flagged');
  const actions: any[] = await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: uri('hover_section.c') }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } });
  const go = actions.find((a) => /^Go to the write/.test(a.title));
  assert.ok(go, actions.map((a) => a.title).join(' | '));
  assert.equal(go.title, 'Go to the write (set_pte_at(), line 8)');
  // Only the read-after-write has a write to go to.
  const sleep = pub.diagnostics.find((x) => x.code === 'lazy-mmu/sleep-in-section');
  const other: any[] = await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: uri('hover_section.c') }, range: sleep.range, context: { diagnostics: [sleep] } });
  assert.ok(!other.some((a) => /^Go to the write/.test(a.title)));
  await client.conn.sendRequest('workspace/executeCommand', go.command);
  assert.equal(shown.length, 1);
  assert.equal(shown[0].uri, uri('hover_section.c'));
  assert.deepEqual(shown[0].selection.start, { line: 7, character: 1 });
  assert.equal(shown[0].takeFocus, true);
});

test('the suppression quick fix writes the comment the engine honours: applied, that finding is gone', async () => {
  const { client, uri } = await start();
  const u = uri('hover_section.c');
  await client.open(u, HOVER);
  const pub = await client.waitFor('diagnostics', () => client.diagnosticsFor(u, 1));
  const d = rawAt(pub.diagnostics, 25);
  const actions: any[] = await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: u }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } });
  const sup = actions.find((a) => /^Suppress read-after-write/.test(a.title));
  assert.ok(sup, actions.map((a) => a.title).join(' | '));
  const [edit] = sup.edit.changes[u];
  assert.deepEqual(edit.range.start, { line: 24, character: 0 });
  assert.equal(edit.newText, '\t/* lazymmu: ignore read-after-write: why this is safe */\n');
  const lines = HOVER.split('\n');
  const fixed = [...lines.slice(0, 24), edit.newText.slice(0, -1), ...lines.slice(24)].join('\n');
  await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: u, version: 2 }, contentChanges: [{ text: fixed }] });
  const after2 = await client.waitFor('v2 diagnostics', () => client.diagnosticsFor(u, 2));
  assert.equal(after2.diagnostics.filter((x) => x.code === 'lazy-mmu/read-after-write').length, 0, 'the read is no longer reported');
  assert.equal(after2.diagnostics.filter((x) => x.code === 'lazy-mmu/sleep-in-section').length, 1, 'another rule on the line above is not silenced');
});

test('a client that inserts snippets gets the reason as a placeholder', async () => {
  const { client, uri } = await start({ client: { insertSnippet: true } });
  const u = uri('hover_section.c');
  await client.open(u, HOVER);
  const pub = await client.waitFor('diagnostics', () => client.diagnosticsFor(u, 1));
  const d = rawAt(pub.diagnostics, 25);
  const actions: any[] = await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: u }, range: d.range, context: { diagnostics: [d] } });
  const sup = actions.find((a) => /^Suppress read-after-write/.test(a.title));
  assert.equal(sup.edit, undefined);
  assert.equal(sup.command.command, 'lazymmu.insertSnippet');
  assert.deepEqual(sup.command.arguments, [u, { line: 24, character: 0 }, '\t/* lazymmu: ignore read-after-write: ${1:why this is safe} */\n']);
});

test('in a macro body the comment line continues the macro', () => {
  const text = '#define M(p) \\\n\tdo { \\\n\t\tx = ptep_get(p); \\\n\t} while (0)\n';
  const d = { source: 'lazymmu', code: 'lazy-mmu/read-after-write', range: { start: { line: 2, character: 6 }, end: { line: 2, character: 20 } }, message: '' };
  const [a] = suppressActions('file:///m.c', text, [d], false);
  assert.equal(a.edit!.changes!['file:///m.c'][0].newText, '\t\t/* lazymmu: ignore read-after-write: why this is safe */ \\\n');
  assert.equal(suppressActions('file:///m.c', text, [d], false, ['refactor']).length, 0);
});

test('section extents: each enter paired with its leave, per function; none in a file without sections', async () => {
  const { client, uri } = await start();
  await client.open(uri('hover_section.c'), HOVER);
  const ex: any[] = await client.conn.sendRequest('lazymmu/sectionExtents', { uri: uri('hover_section.c') });
  assert.deepEqual(
    ex.map((s) => [s.function, s.enter.start.line + 1, s.leave?.start.line + 1, s.endLine + 1, s.enterApi, s.leaveApi]),
    [
      ['hs_range', 21, 27, 27, 'arch_enter_lazy_mmu_mode', 'arch_leave_lazy_mmu_mode'],
      ['hs_many', 54, 75, 75, 'arch_enter_lazy_mmu_mode', 'arch_leave_lazy_mmu_mode'],
    ],
  );
  const unbalanced = 'void ub(void)\n{\n\tlazy_mmu_mode_enable();\n\tfoo();\n}\n';
  await client.open(uri('ub.c'), unbalanced);
  const ub: any[] = await client.conn.sendRequest('lazymmu/sectionExtents', { uri: uri('ub.c') });
  assert.deepEqual(ub.map((s) => [s.enter.start.line + 1, s.leave, s.endLine + 1]), [[3, undefined, 5]], 'no leave: to the function\'s end');
  await client.open(uri('none.c'), 'int x;\n');
  assert.deepEqual(await client.conn.sendRequest('lazymmu/sectionExtents', { uri: uri('none.c') }), []);
});

test('Check Folder publishes the findings of every .c file under the folder, none open', async () => {
  const { client, uri, root } = await start({ lazymmu: { exclude: ['hover_*.c'] } });
  await client.waitFor('indexed', () => client.progress.find((p) => p.value?.kind === 'end'));
  const r: any = await client.conn.sendRequest('lazymmu/checkFolder', { uri: pathToFileURL(path.join(root, 'folder')).href });
  assert.deepEqual(r, { files: 3, findings: 2, filesWithFindings: 2 });
  const a = client.lastFor(uri('folder/raw_a.c'));
  const c = client.lastFor(uri('folder/deep/raw_c.c'));
  const b = client.lastFor(uri('folder/clean_b.c'));
  assert.deepEqual(a?.diagnostics.map((d) => [d.code, d.range.start.line + 1]), [['lazy-mmu/read-after-write', 11]]);
  assert.deepEqual(c?.diagnostics.map((d) => [d.code, d.range.start.line + 1]), [['lazy-mmu/read-after-write', 11]]);
  assert.deepEqual(b?.diagnostics, [], 'a clean file is published empty (clears what an earlier check left)');
  // The whole workspace: the excluded file is not checked.
  const all: any = await client.conn.sendRequest('lazymmu/checkFolder', { uri: pathToFileURL(root).href });
  assert.equal(all.files, 3);
  assert.equal(client.lastFor(uri('hover_section.c')), undefined);
  const bad: any = await client.conn.sendRequest('lazymmu/checkFolder', { uri: pathToFileURL(path.join(root, 'nope')).href });
  assert.match(bad.error, /not a folder/);
});
