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
    // A binary buffer is not analysed and says so in the log (no diagnostics to publish).
    await client.waitFor('the binary document named in the log', () => client.logs.some((l) => /binary\.c: binary/.test(l)), 60_000);
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
