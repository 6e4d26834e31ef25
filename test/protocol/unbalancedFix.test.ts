// The unbalanced-section quick fix through the real protocol: the leave is
// inserted before an early return that still has the section on, the
// diagnostic goes away, and no fix is offered at an exit label shared with
// paths that already left (there the leave belongs before the goto).
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient, REPO } from './lspClient';
import * as os from 'os';

const RULE = 'lazy-mmu/unbalanced-section';
let client: LspClient;
let root: string;

before(async () => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-lsp-ub-')));
  fs.copyFileSync(path.join(REPO, 'test/fixtures/sections/unbalanced.c'), path.join(root, 'unbalanced.c'));
  client = new LspClient();
  await client.initialize(root);
});

after(async () => {
  if (client) await client.shutdown();
  fs.rmSync(root, { recursive: true, force: true });
});

test('leave inserted before the early return; none offered at a shared exit label', async () => {
  const file = path.join(root, 'unbalanced.c');
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, 'utf8');
  await client.open(uri, text);
  const pub = await client.waitFor('diagnostics', () => client.diagnosticsFor(uri, 1));
  const lines = text.split('\n');
  const ub = pub.diagnostics.filter((d) => d.code === RULE);
  const early = ub.find((d) => /return -EINVAL;/.test(lines[d.range.start.line]));
  const shared = ub.find((d) => /return ret;/.test(lines[d.range.start.line]));
  assert.ok(early && shared, JSON.stringify(ub, null, 1));

  const ask = (d: unknown) =>
    client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: (d as { range: unknown }).range,
      context: { diagnostics: [d] },
    }) as Promise<any[]>;
  assert.deepEqual(await ask(shared), [], 'no fix at the shared exit label');
  const actions = await ask(early);
  assert.equal(actions.length, 1);
  const edits = actions[0].edit.changes[uri];
  const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'c', 1, text), edits);
  // The return is the body of an `if` without braces: the fix adds them.
  assert.match(fixed.split('\n')[early.range.start.line], /^\t\t\t\{ arch_leave_lazy_mmu_mode\(\); return -EINVAL; \}( \/\*.*\*\/)?$/);
  assert.equal(fixed.split('\n').length, text.split('\n').length, 'nothing else changes');
  await client.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: fixed }],
  });
  const after = await client.waitFor('diagnostics after the fix', () => client.diagnosticsFor(uri, 2));
  const fixedLines = fixed.split('\n');
  assert.ok(
    !after.diagnostics.some((d) => d.code === RULE && /return -EINVAL;/.test(fixedLines[d.range.start.line])),
    JSON.stringify(after.diagnostics, null, 1),
  );
  assert.ok(after.diagnostics.some((d) => d.code === RULE && /return ret;/.test(fixedLines[d.range.start.line])), 'the other finding stays');
});
