// The language server through the real protocol: a child process on stdio,
// driven by vscode-jsonrpc. No mocks.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient, tempWorkspace, expectedLines } from './lspClient';

const RAW = 'lazy-mmu/read-after-write';
const FLUSH = 'arch_flush_lazy_mmu_mode();';

let client: LspClient;
let root: string;
let initResult: any;
const uriOf = (f: string) => pathToFileURL(path.join(root, f)).href;
const textOf = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
const lines1 = (p: { diagnostics: any[] }) => p.diagnostics.map((d) => d.range.start.line + 1).sort((a, b) => a - b);

before(async () => {
  root = tempWorkspace(['direct_ptep_get.c', 'interproc_depth2.c', 'neg_flush_between.c', 'interproc_depth1.c']);
  client = new LspClient();
  initResult = await client.initialize(root);
});

after(async () => {
  if (client) {
    const code = await client.shutdown();
    assert.equal(code, 0, 'server exits with 0 after shutdown + exit');
  }
  fs.rmSync(root, { recursive: true, force: true });
});

test('initialize advertises incremental sync and quick fixes', () => {
  const caps = initResult.capabilities;
  assert.equal(caps.textDocumentSync.change, 2, 'incremental text sync');
  assert.equal(caps.textDocumentSync.openClose, true);
  assert.ok(caps.codeActionProvider, 'codeActionProvider');
  assert.deepEqual(caps.codeActionProvider.codeActionKinds, ['quickfix']);
});

test('indexing reports work-done progress (create, begin, end)', async () => {
  const token = await client.waitFor('window/workDoneProgress/create', () => client.progressCreates[0]?.token);
  await client.waitFor('progress end', () => client.progress.find((p) => p.token === token && p.value.kind === 'end'));
  const kinds = client.progress.filter((p) => p.token === token).map((p) => p.value.kind);
  assert.equal(kinds[0], 'begin');
  assert.equal(kinds[kinds.length - 1], 'end');
});

test('didOpen publishes read-after-write diagnostics on the marked lines', async () => {
  const f = 'direct_ptep_get.c';
  const text = textOf(f);
  await client.open(uriOf(f), text);
  const pub = await client.waitFor('diagnostics for direct_ptep_get.c', () => client.diagnosticsFor(uriOf(f), 1));
  assert.deepEqual(lines1(pub), expectedLines(text));
  for (const d of pub.diagnostics) {
    assert.equal(d.code, RAW);
    assert.equal(d.source, 'lazymmu');
    assert.equal(d.severity, 2);
    assert.match(d.codeDescription.href, /^file:.*\/docs\/rules\/lazy-mmu-read-after-write\.md$/);
    assert.ok(d.range.start.character >= 0 && d.range.end.line >= d.range.start.line);
  }
});

test('an interprocedural finding carries the call chain as relatedInformation', async () => {
  const f = 'interproc_depth2.c';
  const text = textOf(f);
  await client.open(uriOf(f), text);
  const pub = await client.waitFor('diagnostics for interproc_depth2.c', () => client.diagnosticsFor(uriOf(f), 1));
  assert.deepEqual(lines1(pub), expectedLines(text));
  const rel = pub.diagnostics[0].relatedInformation;
  assert.ok(Array.isArray(rel) && rel.length > 0, 'relatedInformation present');
  const msgs = rel.map((r: any) => r.message).join('\n');
  assert.match(msgs, /ip2_make_present/);
  assert.match(msgs, /ip2_store/);
  for (const r of rel) {
    assert.equal(r.location.uri, uriOf(f));
    assert.ok(r.location.range.start.line >= 0);
  }
});

test('a clean file gets an empty diagnostics list', async () => {
  const f = 'neg_flush_between.c';
  await client.open(uriOf(f), textOf(f));
  const pub = await client.waitFor('diagnostics for neg_flush_between.c', () => client.diagnosticsFor(uriOf(f), 1));
  assert.deepEqual(pub.diagnostics, []);
});

test('the quick fix inserts a flush; after didChange the diagnostics are gone; the fix is idempotent', async () => {
  const f = 'direct_ptep_get.c';
  const uri = uriOf(f);
  const first = await client.waitFor('diagnostics', () => client.diagnosticsFor(uri, 1));
  assert.ok(first.diagnostics.length >= 1);
  let doc = TextDocument.create(uri, 'c', 1, textOf(f));
  const edits: any[] = [];
  for (const d of first.diagnostics) {
    const offered: any[] = await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: d.range,
      context: { diagnostics: [d], only: ['quickfix'] },
    });
    // Beside it the quick-fix menu holds Simulate, Go to the write and the suppression (editorNavigation.test.ts).
    const actions = offered.filter((a) => a.edit && a.isPreferred);
    assert.equal(actions.length, 1, 'one quick fix per read-after-write');
    assert.deepEqual(offered.map((a) => a.kind).sort(), ['quickfix', 'quickfix.lazymmu.goToWrite', 'quickfix.lazymmu.simulate', 'quickfix.lazymmu.suppress']);
    const a = actions[0];
    assert.equal(a.kind, 'quickfix');
    assert.equal(a.isPreferred, true);
    const e = a.edit.changes[uri];
    assert.equal(e.length, 1);
    assert.equal(e[0].range.start.line, d.range.start.line, 'inserted just before the flagged statement');
    const indent = /^\s*/.exec(doc.getText().split('\n')[d.range.start.line])![0];
    assert.equal(e[0].newText, `${indent}${FLUSH}\n`);
    edits.push(...e);
  }
  const newText = TextDocument.applyEdits(doc, edits);
  const contentChanges = edits
    .slice()
    .sort((a, b) => b.range.start.line - a.range.start.line) // bottom-up, so earlier ranges stay valid
    .map((e) => ({ range: e.range, text: e.newText }));
  await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges });
  doc = TextDocument.create(uri, 'c', 2, newText);
  const after = await client.waitFor('diagnostics after the fix', () => client.diagnosticsFor(uri, 2));
  assert.deepEqual(
    after.diagnostics.filter((d) => d.code === RAW),
    [],
  );
  // Asked again with the old diagnostics shifted onto the fixed text: no second flush is offered.
  for (const [i, d] of first.diagnostics.entries()) {
    const line = d.range.start.line + i + 1;
    assert.equal(newText.split('\n')[line - 1].trim(), FLUSH);
    const shifted = { ...d, range: { start: { line, character: 0 }, end: { line, character: 1 } } };
    const again: any[] = await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: shifted.range,
      context: { diagnostics: [shifted] },
    });
    assert.deepEqual(again.filter((a) => a.isPreferred), [], 'no second flush');
  }
});

test('a burst of edits ends with diagnostics for the final text (stale runs dropped)', async () => {
  const f = 'interproc_depth1.c';
  const uri = uriOf(f);
  const original = textOf(f);
  await client.open(uri, original);
  const first = await client.waitFor('diagnostics for interproc_depth1.c', () => client.diagnosticsFor(uri, 1));
  assert.deepEqual(lines1(first), expectedLines(original));
  assert.ok(first.diagnostics.length > 0);
  const flagged = first.diagnostics[0].range.start.line;
  const indent = /^\s*/.exec(original.split('\n')[flagged])![0];
  const flushEdit = { range: { start: { line: flagged, character: 0 }, end: { line: flagged, character: 0 } }, text: `${indent}${FLUSH}\n` };
  const undoEdit = { range: { start: { line: flagged, character: 0 }, end: { line: flagged + 1, character: 0 } }, text: '' };
  // Eleven edits alternating flush in / flush out, ending with the flush in; each sent without waiting.
  let version = 1;
  for (let i = 0; i < 11; i++) {
    version++;
    await client.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [i % 2 === 0 ? flushEdit : undoEdit],
    });
  }
  const final = await client.waitFor('diagnostics for the final version', () => client.diagnosticsFor(uri, version));
  assert.equal(version, 12);
  assert.deepEqual(final.diagnostics.filter((d) => d.code === RAW && d.range.start.line === flagged + 1), []);
  assert.deepEqual(final.diagnostics, []);
  // Nothing older may be published after the final version's result.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(client.lastFor(uri)!.version, version);
  // And a last edit back to the original text brings the finding back.
  version++;
  await client.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri, version },
    contentChanges: [undoEdit],
  });
  const back = await client.waitFor('diagnostics after undo', () => client.diagnosticsFor(uri, version));
  assert.deepEqual(lines1(back), expectedLines(original));
});

test('didClose clears the diagnostics of that file', async () => {
  const f = 'neg_flush_between.c';
  const uri = uriOf(f);
  const n = client.published.length;
  await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  const p = await client.waitFor('clearing publish', () => client.published.slice(n).find((x) => x.uri === uri));
  assert.deepEqual(p.diagnostics, []);
});

test('binary or odd input does not crash the server', async () => {
  const uri = uriOf('garbage.c');
  await client.open(uri, 'int x = 1;\0\0\u0001\uffff arch_enter_lazy_mmu_mode( {{{{ ');
  await client.open('untitled:Untitled-1', 'arch_enter_lazy_mmu_mode();');
  // The server still answers and still checks files.
  const f = 'direct_ptep_get.c';
  const u = uriOf(f);
  await client.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: u, version: 3 },
    contentChanges: [{ text: textOf(f) }],
  });
  const pub = await client.waitFor('diagnostics after garbage', () => client.diagnosticsFor(u, 3));
  assert.deepEqual(lines1(pub), expectedLines(textOf(f)));
  assert.equal(client.proc.exitCode, null, 'server still running');
});

test('a bad lazymmu.arch setting shows a warning and the server still works', async () => {
  const dir = tempWorkspace(['direct_ptep_get.c']);
  const c = new LspClient();
  try {
    await c.initialize(dir, { lazymmu: { arch: 'vax11' } });
    const msg = await c.waitFor('window/showMessage', () => c.messages.find((m) => /vax11/.test(m.message)));
    assert.equal(msg.type, 2, 'a warning');
    assert.match(msg.message, /lazymmu\.arch/);
    assert.match(msg.message, /arm64/);
    const uri = pathToFileURL(path.join(dir, 'direct_ptep_get.c')).href;
    const text = fs.readFileSync(path.join(dir, 'direct_ptep_get.c'), 'utf8');
    await c.open(uri, text);
    const pub = await c.waitFor('diagnostics', () => c.diagnosticsFor(uri, 1));
    assert.deepEqual(lines1(pub), expectedLines(text));
    // A changed setting rebuilds the index (with progress) and re-checks open files.
    const n = c.published.length;
    const ends = c.progress.filter((p) => p.value.kind === 'end').length;
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lazymmu: { arch: 'x86' } } });
    await c.waitFor('second indexing', () => c.progress.filter((p) => p.value.kind === 'end').length > ends);
    const again = await c.waitFor('re-check', () => c.published.slice(n).find((p) => p.uri === uri));
    assert.deepEqual(lines1(again), expectedLines(text));
    assert.ok(c.logs.some((l) => /arch x86/.test(l)), 'rebuilt for x86');
  } finally {
    assert.equal(await c.shutdown(), 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a setting changed while the first index is being built is applied once the build is done, not lost', async () => {
  const dir = tempWorkspace(['direct_ptep_get.c']);
  const c = new LspClient();
  try {
    await c.initialize(dir);
    // Sent right after `initialized`, so it reaches the server before the answer to its
    // workspace/configuration request: the first build has started with the old settings.
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lazymmu: { exclude: ['direct_*.c'] } } });
    const uri = pathToFileURL(path.join(dir, 'direct_ptep_get.c')).href;
    await c.open(uri, fs.readFileSync(path.join(dir, 'direct_ptep_get.c'), 'utf8'));
    await c.checksFinished();
    // The file has findings under the settings the build started with; the change excludes it.
    await c.waitFor('the excluded file cleared', () => {
      const mine = c.published.filter((p) => p.uri === uri);
      return mine.length > 0 && mine[mine.length - 1].diagnostics.length === 0;
    });
  } finally {
    assert.equal(await c.shutdown(), 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad lazymmu.extraApis path shows a clear message and the builtin catalogue is used', async () => {
  const dir = tempWorkspace(['direct_ptep_get.c']);
  const c = new LspClient();
  try {
    await c.initialize(dir, { lazymmu: { extraApis: 'no/such/apis.json' } });
    const msg = await c.waitFor('window/showMessage', () => c.messages.find((m) => /extraApis/.test(m.message)));
    assert.match(msg.message, /apis\.json/);
    assert.match(msg.message, /builtin/);
    const uri = pathToFileURL(path.join(dir, 'direct_ptep_get.c')).href;
    const text = fs.readFileSync(path.join(dir, 'direct_ptep_get.c'), 'utf8');
    await c.open(uri, text);
    const pub = await c.waitFor('diagnostics', () => c.diagnosticsFor(uri, 1));
    assert.deepEqual(lines1(pub), expectedLines(text));
  } finally {
    assert.equal(await c.shutdown(), 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
