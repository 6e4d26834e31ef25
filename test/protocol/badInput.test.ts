// Bad input through the language server (issue 7, part 2): bad settings,
// documents that are binary, invalid UTF-8, 5,000-deep, a 100,000-line
// function, CRLF, unsaved buffers of files that do not exist. The server says
// what is wrong (window/showMessage for settings), publishes for every
// document, keeps answering, and still finds the good file's hazard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, tempWorkspace, FIXTURES } from './lspClient';
import { manySections, SECTIONS_IN_50MB } from '../manySections';

const GOOD = 'direct_ptep_get.c';
const lazyFn = (name: string, body: string) =>
  `void ${name}(struct mm_struct *mm, pte_t *pte, unsigned long addr, pte_t e)\n{\n\tarch_enter_lazy_mmu_mode();\n${body}\n\tarch_leave_lazy_mmu_mode();\n}\n`;
const RAW = '\tset_pte_at(mm, addr, pte, e);\n\te = ptep_get(pte);';

test('bad settings and bad documents get messages; the server goes on', { timeout: 170_000 }, async () => {
  const root = tempWorkspace([GOOD]);
  const client = new LspClient();
  try {
    await client.initialize(root, { lazymmu: { arch: 'vax', model: 42, extraApis: 'missing.json', exclude: 'notalist', kernelConfig: {} } });
    const docs: Record<string, string> = {
      [GOOD]: fs.readFileSync(path.join(FIXTURES, GOOD), 'utf8'),
      'binary.c': String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 37) & 0xff)),
      'utf8.c': '/* \uFFFD\uD800 caf\u00e9 */\n' + lazyFn('utf8_fn', RAW),
      'deep.c': lazyFn('deep_fn', '\tset_pte_at(mm, addr, pte, e);\n' + 'if (x) {'.repeat(5000) + 'e = ptep_get(pte);' + '}'.repeat(5000)),
      'long.c': lazyFn('long_fn', '\tset_pte_at(mm, addr, pte, e);\n' + '\tx++;\n'.repeat(100_000) + '\te = ptep_get(pte);'),
      'crlf.c': lazyFn('crlf_fn', RAW).replace(/\n/g, '\r\n'),
      'braces.c': '}}}} {{{{ #if\n#endif\n#endif\n' + lazyFn('b_fn', RAW) + '{{{{',
    };
    for (const [f, t] of Object.entries(docs)) await client.open(pathToFileURL(path.join(root, f)).href, t, 1);
    const pubs: Record<string, any[]> = {};
    // A binary buffer is not analysed, and the user is told (documentGuard.ts).
    await client.waitFor('the binary document named in a message', () => client.messages.some((m) => /binary\.c is not checked: it holds NUL bytes/.test(m.message)), 60_000);
    for (const f of Object.keys(docs)) {
      if (f === 'binary.c') continue;
      const uri = pathToFileURL(path.join(root, f)).href;
      pubs[f] = (await client.waitFor(`diagnostics for ${f}`, () => client.diagnosticsFor(uri, 1), 150_000)).diagnostics;
    }
    // The settings problems were said, once each, in words.
    const said = client.messages.map((m) => m.message).join('\n');
    assert.match(said, /vax/, said);
    assert.match(said, /missing\.json/, said);
    // The good file and the CRLF/UTF-8 copies of the hazard are still found.
    for (const f of [GOOD, 'crlf.c', 'utf8.c']) assert.ok(pubs[f].some((d) => d.code === 'lazy-mmu/read-after-write'), `${f}: ${JSON.stringify(pubs[f])}`);
    // No internal error reached the user or the log.
    assert.doesNotMatch(client.logs.join('\n') + said, /RangeError|TypeError|Maximum call stack|internal error/);
    // Still answering requests.
    const actions = await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: pathToFileURL(path.join(root, GOOD)).href },
      range: pubs[GOOD][0].range,
      context: { diagnostics: pubs[GOOD] },
    });
    assert.ok(Array.isArray(actions) && actions.length >= 1);
    assert.equal(client.proc.exitCode, null);
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
  }
});

const RANGE0 = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

test('a 50 MB document and a binary one: one message each, not per edit; other documents still checked; the server answers', { timeout: 170_000 }, async () => {
  const root = tempWorkspace([GOOD]);
  const client = new LspClient();
  const uri = (f: string) => pathToFileURL(path.join(root, f)).href;
  const told = (f: string) => client.messages.filter((m) => m.message.includes(`${f} is not checked`));
  try {
    await client.initialize(root);
    const line = 'static int filler_variable_with_a_long_name_0123456789 = 42; /* padding the file out */\n';
    const big = line.repeat(Math.ceil((50 * 1024 * 1024) / line.length));
    assert.ok(big.length >= 50 * 1024 * 1024);
    const bin = '\0ELF\x02\x01\x01' + String.fromCharCode(...Array.from({ length: 4000 }, (_, i) => (i * 131) & 0xff));
    await client.open(uri('big.c'), big, 1);
    await client.open(uri('blob.c'), bin, 1);
    await client.open(uri(GOOD), fs.readFileSync(path.join(FIXTURES, GOOD), 'utf8'), 1);
    // Each refused document gets one warning naming it and saying why.
    await client.waitFor('a message naming big.c', () => told('big.c').length, 150_000);
    await client.waitFor('a message naming blob.c', () => told('blob.c').length, 150_000);
    assert.match(told('big.c')[0].message, /^lazymmu: big\.c is not checked: at 5\d MB it is larger than the 8\.0 MB lazymmu analyses$/);
    assert.equal(told('big.c')[0].type, 2, 'a warning');
    assert.match(told('blob.c')[0].message, /^lazymmu: blob\.c is not checked: it holds NUL bytes \(binary content, not C source\)$/);
    // The other document is checked and its hazard found.
    const good = await client.waitFor('diagnostics for the good file', () => client.diagnosticsFor(uri(GOOD), 1), 150_000);
    assert.ok(good.diagnostics.some((d) => d.code === 'lazy-mmu/read-after-write'), JSON.stringify(good.diagnostics));

    // Edits (typing) in the refused documents: no new message per keystroke.
    for (let v = 2; v <= 6; v++) {
      for (const f of ['big.c', 'blob.c']) {
        await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uri(f), version: v }, contentChanges: [{ range: RANGE0, text: 'x' }] });
      }
      await new Promise((r) => setTimeout(r, 200)); // past the debounce: each version is checked, not coalesced
    }
    for (const f of ['big.c', 'blob.c']) {
      const p = await client.waitFor(`a publish for ${f} version 6`, () => client.diagnosticsFor(uri(f), 6), 150_000);
      assert.deepEqual(p.diagnostics, []);
    }
    assert.equal(told('big.c').length, 1, JSON.stringify(client.messages));
    assert.equal(told('blob.c').length, 1, JSON.stringify(client.messages));

    // Still answering, and still checking: a quick fix for the good file, and an edit of it is checked.
    const actions = await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: uri(GOOD) },
      range: good.diagnostics[0].range,
      context: { diagnostics: good.diagnostics },
    });
    assert.ok(Array.isArray(actions) && actions.length >= 1, JSON.stringify(actions));
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uri(GOOD), version: 2 }, contentChanges: [{ range: RANGE0, text: '/* edited */\n' }] });
    const good2 = await client.waitFor('diagnostics for the edited good file', () => client.diagnosticsFor(uri(GOOD), 2), 150_000);
    assert.deepEqual(good2.diagnostics.map((d) => d.range.start.line), good.diagnostics.map((d) => d.range.start.line + 1));

    // The binary document replaced by C source is checked; made binary again, the user is told again.
    const whole = (t: string) => ({ range: { start: { line: 0, character: 0 }, end: { line: 100_000, character: 0 } }, text: t });
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uri('blob.c'), version: 7 }, contentChanges: [whole(lazyFn('blob_fn', RAW))] });
    const blob = await client.waitFor('diagnostics for blob.c as C', () => client.diagnosticsFor(uri('blob.c'), 7), 150_000);
    assert.ok(blob.diagnostics.some((d) => d.code === 'lazy-mmu/read-after-write'), JSON.stringify(blob.diagnostics));
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uri('blob.c'), version: 8 }, contentChanges: [whole(bin)] });
    await client.waitFor('diagnostics for blob.c binary again', () => client.diagnosticsFor(uri('blob.c'), 8), 150_000);
    assert.equal(told('blob.c').length, 2, JSON.stringify(client.messages));
    assert.doesNotMatch(client.logs.join('\n'), /RangeError|TypeError|Maximum call stack|internal error|uncaught/);
    assert.equal(client.proc.exitCode, null);
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('generated files of many sections on disk and open: bounded diagnostics, one message each, the server goes on', { timeout: 170_000 }, async () => {
  const root = tempWorkspace([GOOD]);
  // 50 MB on disk (indexed, too large to parse) and 4 MB with 30,000 sections (opened): engine/inputBounds.ts.
  fs.writeFileSync(path.join(root, 'many.c'), manySections(SECTIONS_IN_50MB));
  const mid = manySections(30_000, 'mid');
  fs.writeFileSync(path.join(root, 'mid.c'), mid);
  const client = new LspClient();
  const uri = (f: string) => pathToFileURL(path.join(root, f)).href;
  try {
    await client.initialize(root);
    await client.open(uri(GOOD), fs.readFileSync(path.join(FIXTURES, GOOD), 'utf8'), 1);
    await client.open(uri('mid.c'), mid, 1);
    const good = await client.waitFor('diagnostics for the good file', () => client.diagnosticsFor(uri(GOOD), 1), 150_000);
    assert.ok(good.diagnostics.some((d) => d.code === 'lazy-mmu/read-after-write'), JSON.stringify(good.diagnostics));
    const many = await client.waitFor('diagnostics for mid.c', () => client.diagnosticsFor(uri('mid.c'), 1), 150_000);
    // At most 500 per file, the first in line order; what was left out is said once, as a warning.
    assert.equal(many.diagnostics.length, 500);
    assert.deepEqual(many.diagnostics.map((d) => d.range.start.line), Array.from({ length: 500 }, (_, i) => 4 + 7 * i));
    const told = () => client.messages.filter((m) => m.message.startsWith('lazymmu: mid.c: '));
    await client.waitFor('the left-out messages for mid.c', () => told().length >= 3, 60_000);
    const said = told().map((m) => m.message).join('\n');
    assert.match(said, /29,000 of its 30,000 lazy MMU sections not analysed: lazymmu analyses at most 1,000 per file/);
    assert.match(said, /500 more findings not reported: at most 500 per file/);
    assert.ok(told().every((m) => m.type === 2), 'warnings');
    // An edit is checked again without the messages said again.
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uri('mid.c'), version: 2 }, contentChanges: [{ range: RANGE0, text: '/* edited */ ' }] });
    const again = await client.waitFor('diagnostics for the edited mid.c', () => client.diagnosticsFor(uri('mid.c'), 2), 150_000);
    assert.equal(again.diagnostics.length, 500);
    assert.equal(told().length, 3, said);
    assert.doesNotMatch(client.logs.join('\n'), /RangeError|TypeError|Maximum call stack|internal error|uncaught|heap/);
    assert.equal(client.proc.exitCode, null);
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
  }
});
