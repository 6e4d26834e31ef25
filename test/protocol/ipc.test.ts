// The same server over Node IPC (--node-ipc), as VS Code's client may start it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { SERVER, tempWorkspace, expectedLines } from './lspClient';

test('--node-ipc: initialize, a diagnostic for an opened fixture, shutdown', async () => {
  const root = tempWorkspace(['direct_ptep_get.c']);
  const proc = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const conn = createMessageConnection(new IPCMessageReader(proc), new IPCMessageWriter(proc));
  try {
    const published = new Promise<any>((resolve) =>
      conn.onNotification('textDocument/publishDiagnostics', (p) => resolve(p)),
    );
    conn.listen();
    const uri = pathToFileURL(root).href;
    const init: any = await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: 'ws' }],
      capabilities: {},
    });
    assert.equal(init.capabilities.textDocumentSync.change, 2);
    await conn.sendNotification('initialized', {});
    const file = path.join(root, 'direct_ptep_get.c');
    const text = fs.readFileSync(file, 'utf8');
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: pathToFileURL(file).href, languageId: 'c', version: 1, text },
    });
    const p = await published;
    assert.deepEqual(
      p.diagnostics.map((d: any) => d.range.start.line + 1).sort((a: number, b: number) => a - b),
      expectedLines(text),
    );
    const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
    assert.equal(await exited, 0);
  } finally {
    conn.dispose();
    if (proc.exitCode === null) proc.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
