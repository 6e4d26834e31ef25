// The protocol tests' client itself: a request still waiting when the server
// dies must fail, not wait forever. (vscode-jsonrpc leaves such a request
// pending when the server's output ends; one CI run hung until its time
// limit this way.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { LspClient, tempWorkspace } from './lspClient';

test('a request waiting when the server is killed fails instead of holding the test', { timeout: 60_000 }, async () => {
  const root = tempWorkspace(['direct_ptep_get.c']);
  const client = new LspClient();
  try {
    await client.initialize(root);
    // Sent, then the server killed in the same tick: it can never answer.
    const signal = new Promise((r) => client.proc.once('exit', (_code, s) => r(s)));
    const pending = client.conn.sendRequest('lazymmu/simulateScenario', { text: '', model: 'all' });
    client.proc.kill('SIGKILL');
    await assert.rejects(pending, /connection got disposed/);
    assert.equal(await signal, 'SIGKILL');
  } finally {
    client.proc.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
