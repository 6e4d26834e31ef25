// An unreadable file in the workspace (issue 7, bad input), through the real
// server run as an unprivileged user (test/unit/unprivileged.ts: setpriv as
// root; fails, never skips, when that is impossible). The file is named in
// one warning when the tree is indexed, and the open document is still
// checked: its hazard is published and the server answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, FIXTURES } from './lspClient';
import { sandbox, unprivileged } from '../unit/unprivileged';

const GOOD = 'direct_ptep_get.c';

test('an unreadable file in the workspace is named once; the open document is still checked', { timeout: 170_000 }, async () => {
  const wrap = unprivileged();
  const sb = sandbox();
  const secret = path.join(sb.tree, 'secret.c');
  try {
    fs.copyFileSync(path.join(FIXTURES, GOOD), path.join(sb.tree, GOOD));
    fs.chmodSync(path.join(sb.tree, GOOD), 0o644);
    fs.writeFileSync(secret, 'void secret_fn(void) { arch_enter_lazy_mmu_mode(); }\n');
    fs.chmodSync(secret, 0o000);
    const client = new LspClient({ wrap, server: path.join(sb.app, 'dist', 'server.js'), env: sb.env });
    try {
      await client.initialize(sb.tree);
      const uri = pathToFileURL(path.join(sb.tree, GOOD)).href;
      await client.open(uri, fs.readFileSync(path.join(FIXTURES, GOOD), 'utf8'), 1);
      const pub = await client.waitFor('diagnostics for the good file', () => client.diagnosticsFor(uri, 1), 150_000);
      assert.ok(pub.diagnostics.some((d) => d.code === 'lazy-mmu/read-after-write'), JSON.stringify(pub.diagnostics));
      const told = client.messages.filter((m) => /secret\.c/.test(m.message));
      assert.equal(told.length, 1, JSON.stringify(client.messages));
      assert.match(told[0].message, /^lazymmu: 1 file or folder under .* cannot be read and is left out of the analysis: secret\.c \(cannot read: EACCES/);
      assert.equal(told[0].type, 2, 'a warning');
      assert.doesNotMatch(client.logs.join('\n'), /TypeError|RangeError|uncaught|unhandled/);
      // Still answering.
      const actions = await client.conn.sendRequest('textDocument/codeAction', {
        textDocument: { uri },
        range: pub.diagnostics[0].range,
        context: { diagnostics: pub.diagnostics },
      });
      assert.ok(Array.isArray(actions) && actions.length >= 1);
    } finally {
      await client.shutdown().catch(() => client.proc.kill());
    }
  } finally {
    sb.dispose();
  }
});
