// Issue 13 point 3, through the real protocol: code lenses are answered from
// the findings of the very document version the editor asks about (a fix
// removes its lens, an undo brings it back, a fresh finding gets one at once),
// and the Simulate action passes whatever `only` filter the editor sends.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, tempWorkspace, expectedLines } from './lspClient';

let client: LspClient;
let root: string;
const F = 'direct_ptep_get.c';
let uri: string;
let text: string;
const FLUSH = '\tarch_flush_lazy_mmu_mode();\n';

before(async () => {
  root = tempWorkspace([F]);
  uri = pathToFileURL(path.join(root, F)).href;
  text = fs.readFileSync(path.join(root, F), 'utf8');
  client = new LspClient();
  await client.initialize(root);
  await client.open(uri, text);
});

after(async () => {
  if (client) assert.equal(await client.shutdown(), 0);
  fs.rmSync(root, { recursive: true, force: true });
});

const change = (version: number, t: string) =>
  client.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text: t }] });
/** 1-based lines of the read lenses, asked right away (no waiting for diagnostics first). */
async function readLenses(): Promise<number[]> {
  const lenses: any[] = await client.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  return lenses
    .filter((l) => l.command.title === 'Simulate on arm64')
    .map((l) => l.range.start.line + 1)
    .sort((a, b) => a - b);
}
const lines = (t: string) => t.split('\n');

test('lenses follow the findings of the version asked about: fix, undo, fresh finding', async () => {
  // Asked before the first check finished: the answer waits for it.
  assert.deepEqual(await readLenses(), expectedLines(text));
  // The quick fix (the flush before line 15) is typed in; lenses asked at once.
  const ls = lines(text);
  const fixed = [...ls.slice(0, 14), FLUSH.slice(0, -1), ...ls.slice(14)].join('\n');
  await change(2, fixed);
  assert.deepEqual(await readLenses(), [32], 'the fixed read has no lens; the other moved down one line');
  // Undo: the finding is back, and so is its lens.
  await change(3, text);
  assert.deepEqual(await readLenses(), expectedLines(text));
  // A fresh finding: a second read after the write in the first section.
  const fresh = [...ls.slice(0, 15), '\tafter = ptep_get(ptep);', ...ls.slice(15)].join('\n');
  await change(4, fresh);
  assert.deepEqual(await readLenses(), [15, 16, 32]);
  // The published diagnostics of that version agree with the lenses.
  const pub = await client.waitFor('v4 diagnostics', () => client.diagnosticsFor(uri, 4));
  assert.deepEqual(pub.diagnostics.map((d) => d.range.start.line + 1).sort((a, b) => a - b), [15, 16, 32]);
  await change(5, text);
  assert.deepEqual(await readLenses(), expectedLines(text));
});

test('the Simulate action is offered under the quick-fix filter Ctrl+. sends, and only there', async () => {
  const pub = await client.waitFor('diagnostics', () => client.diagnosticsFor(uri, 5));
  const d = pub.diagnostics.find((x) => x.range.start.line === 14);
  assert.ok(d, 'the read at line 15 is flagged');
  const ask = (only?: string[]) =>
    client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d], ...(only ? { only } : {}) } }) as Promise<any[]>;
  for (const only of [undefined, ['quickfix'], ['quickfix', 'refactor'], ['']]) {
    const actions = await ask(only);
    const sim = actions.find((a) => a.command?.command === 'lazymmu.simulateDiagnostic');
    assert.ok(sim, `Simulate offered with only=${JSON.stringify(only)}`);
    assert.match(sim.kind, /^quickfix\b/);
    assert.notEqual(sim.isPreferred, true, 'the flush stays the preferred fix');
    assert.ok(actions.some((a) => a.isPreferred && a.edit), 'the flush fix is offered beside it');
  }
  for (const only of [['refactor'], ['source.fixAll']]) {
    const actions = await ask(only);
    assert.equal(actions.filter((a) => a.command?.command === 'lazymmu.simulateDiagnostic').length, 0, `not under ${only}`);
  }
});
