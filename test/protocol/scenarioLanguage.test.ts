// Issue 13 point 7, through the real protocol: a .lzmmu scenario gets live
// diagnostics (parse errors, unknown names) on open and on each change,
// without Simulate; a hover on an operation says what it lowers to on the
// model lazymmu.model names; completion offers operations and the names the
// file declares, even while the file does not parse.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';
import { DEFAULT_MODEL } from '../../engine/simulator';

const GOOD = fs.readFileSync(path.join(REPO, 'test', 'simulator', 'scenarios', 'copy_pte_range_raw.lzmmu'), 'utf8');
const roots: string[] = [];
const clients: LspClient[] = [];
async function start(init?: unknown) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-lzmmu-')));
  roots.push(root);
  const client = new LspClient();
  clients.push(client);
  const result = await client.initialize(root, init);
  return { client, result, uri: pathToFileURL(path.join(root, 's.lzmmu')).href };
}
after(async () => {
  for (const c of clients) assert.equal(await c.shutdown(), 0);
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
const lineOf = (t: string, needle: string) => t.split('\n').findIndex((l) => l.includes(needle));
const change = (c: LspClient, uri: string, version: number, text: string) =>
  c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });

test('parse errors and unknown names are published on open and on change; a good scenario clears them', async () => {
  const { client, uri, result } = await start();
  assert.ok(result.capabilities.completionProvider, 'completion advertised');
  const broken = GOOD.replace('set_pte_at(src_pte, valid(a, user))', 'set_pte_at(src_pte, valid(a, user)');
  await client.open(uri, broken);
  const p1 = await client.waitFor('v1', () => client.diagnosticsFor(uri, 1));
  assert.ok(p1.diagnostics.length >= 1);
  const d = p1.diagnostics[0];
  assert.equal(d.source, 'lzmmu');
  assert.equal(d.severity, 1);
  // The parser finds the missing ')' at the next token: the end of that line or the next line's start.
  const at = lineOf(broken, '  set_pte_at(');
  assert.ok([at, at + 1].includes(d.range.start.line), `error on line ${d.range.start.line + 1}`);
  assert.match(d.message, /expected/);
  const unknown = GOOD.replace('r0 = ptep_get(src_pte)', 'r0 = ptep_get(dst_pte)');
  await change(client, uri, 2, unknown);
  const p2 = await client.waitFor('v2', () => client.diagnosticsFor(uri, 2));
  assert.equal(p2.diagnostics.length, 1);
  assert.match(p2.diagnostics[0].message, /unknown entry 'dst_pte'/);
  assert.deepEqual(p2.diagnostics[0].range.start, { line: lineOf(unknown, 'dst_pte'), character: unknown.split('\n')[lineOf(unknown, 'dst_pte')].indexOf('dst_pte') });
  assert.equal(p2.diagnostics[0].range.end.character - p2.diagnostics[0].range.start.character, 'dst_pte'.length, 'the name is underlined');
  await change(client, uri, 3, GOOD);
  assert.deepEqual((await client.waitFor('v3', () => client.diagnosticsFor(uri, 3))).diagnostics, []);
  // No finding count, no C analysis: nothing else was published for the scenario.
  assert.ok(client.published.filter((p) => p.uri === uri).every((p) => p.diagnostics.every((x: any) => x.source === 'lzmmu')));
  // Closed: its diagnostics are cleared.
  await change(client, uri, 4, unknown);
  await client.waitFor('v4', () => client.diagnosticsFor(uri, 4));
  await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  await client.waitFor('cleared on close', () => client.lastFor(uri)?.version === undefined && client.lastFor(uri)!.diagnostics.length === 0);
});

test('hover on an operation: what it lowers to on the current model; on a declared entry: its declaration', async () => {
  for (const [init, model, expect] of [
    [undefined, DEFAULT_MODEL, /`store`/],
    [{ lazymmu: { model: 'x86-xen-pv' } }, 'x86-xen-pv', /when `lazy && !irq`: `defer_store`/],
  ] as const) {
    const { client, uri } = await start(init);
    await client.open(uri, GOOD);
    await client.waitFor('diagnostics', () => client.diagnosticsFor(uri, 1));
    const line = lineOf(GOOD, '  set_pte_at(src_pte');
    const h: any = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: GOOD.split('\n')[line].indexOf('set_pte_at') + 3 } });
    assert.ok(h, 'a hover on set_pte_at');
    assert.match(h.contents.value, /\*\*set_pte_at\*\* \(kernel operation, same as `set_pte`\)/);
    assert.ok(h.contents.value.includes(`On **${model}** (lazymmu.model) it lowers to:`), h.contents.value);
    assert.match(h.contents.value, expect);
    const e: any = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: GOOD.split('\n')[line].indexOf('src_pte') + 1 } });
    assert.match(e.contents.value, /entry `src_pte`, declared on line 7/);
    const dsb: any = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: lineOf(GOOD, 'exists'), character: 30 } });
    assert.equal(dsb, null, 'nothing to say about a register value');
    const inComment: any = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: lineOf(GOOD, '# restore_exclusive_pte'), character: 30 } });
    assert.equal(inComment, null, 'nothing in a comment');
  }
});

test('completion: operations, declared names and keywords, also while the text does not parse', async () => {
  const { client, uri } = await start();
  const typing = GOOD.replace('  arch_leave_lazy_mmu_mode()', '  r1 = ptep_g\n  arch_leave_lazy_mmu_mode()');
  await client.open(uri, typing);
  const p = await client.waitFor('v1', () => client.diagnosticsFor(uri, 1));
  assert.ok(p.diagnostics.length > 0, 'the half-typed line is an error');
  const items: any[] = await client.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: lineOf(typing, 'ptep_g\n'.trim()), character: 13 } });
  const labels = new Map(items.map((i) => [i.label, i]));
  for (const op of ['ptep_get', 'set_pte_at', 'arch_flush_lazy_mmu_mode', 'dsb', 'tlbi_va']) assert.ok(labels.has(op), op);
  assert.equal(labels.get('ptep_get').kind, 3, 'an operation is a Function');
  assert.equal(labels.get('src_pte')?.kind, 6, 'the declared entry is a Variable');
  assert.match(labels.get('src_pte').detail, /entry \(line 7\)/);
  assert.ok(labels.has('a'), 'the declared page');
  assert.ok(labels.has('exists'));
});
