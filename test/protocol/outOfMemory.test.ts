// The language server's memory bound (server/memoryPolicy.ts): started the
// way the editor's client starts it, with LAZYMMU_MAX_HEAP_MB too small for
// four open files of 20,000 sections each (one of them fits in 70 MB since
// each file's sections are analysed up to the per-file bound and its hovers
// are not all kept up front; two ran a 100 MB heap out), the server runs out of heap; the client's
// watch on its stderr (chunks as they come) recognises V8's report and the
// user reads one message naming the bound, instead of a crash loop. A server
// that ends otherwise (killed) is not taken for out of memory (the client
// restarts that one as before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, tempWorkspace, FIXTURES } from './lspClient';
import { manySections } from '../manySections';
import { OutOfMemoryWatch, outOfMemoryMessage } from '../../server/memoryPolicy';

const GOOD = 'direct_ptep_get.c';

/** A server on a workspace holding the good fixture; its stderr fed to a watch in small chunks, as a pipe delivers it. */
function watched(env: NodeJS.ProcessEnv): { client: LspClient; watch: OutOfMemoryWatch; ended: Promise<{ code: number | null; signal: string | null }> } {
  const client = new LspClient({ env });
  const watch = new OutOfMemoryWatch();
  client.proc.stderr!.on('data', (d: Buffer) => {
    const s = d.toString();
    for (let i = 0; i < s.length; i += 7) watch.feed(s.slice(i, i + 7));
  });
  const ended = new Promise<{ code: number | null; signal: string | null }>((r) => client.proc.once('exit', (code, signal) => r({ code, signal })));
  return { client, watch, ended };
}

test('a heap limit too small for the open file: the server ends out of memory and the user is told so, with the limit', { timeout: 170_000 }, async () => {
  const root = tempWorkspace([GOOD]);
  const env = { ...process.env, LAZYMMU_MAX_HEAP_MB: '100' };
  const { client, watch, ended } = watched(env);
  try {
    await client.initialize(root).catch(() => undefined);
    for (let i = 0; i < 4; i++)
      await client.open(pathToFileURL(path.join(root, `mid${i}.c`)).href, manySections(20_000, `mid${i}`), 1).catch(() => undefined);
    // (The timer must not hold the test file's process once the server ended.)
    const end = await Promise.race([ended, new Promise<null>((r) => setTimeout(() => r(null), 150_000).unref())]);
    assert.ok(end, 'the server should have run out of its 100 MB heap');
    assert.notEqual(end.code, 0, JSON.stringify(end));
    assert.equal(await watch.seenWithin(2000), true, `stderr: ${client.stderr.slice(-2000)}`);
    const said = outOfMemoryMessage(env);
    assert.match(said, /^lazymmu: the language server ran out of memory \(it needed more than the heap limit LAZYMMU_MAX_HEAP_MB=100\) and is not restarted;/);
    assert.match(said, /set LAZYMMU_MAX_HEAP_MB to a larger number/);
  } finally {
    client.proc.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('the same server with no limit checks the file; a server killed is not taken for out of memory', { timeout: 170_000 }, async () => {
  const root = tempWorkspace([GOOD]);
  const { client, watch, ended } = watched({ ...process.env });
  const uri = pathToFileURL(path.join(root, GOOD)).href;
  try {
    await client.initialize(root);
    await client.open(uri, fs.readFileSync(path.join(FIXTURES, GOOD), 'utf8'), 1);
    const good = await client.waitFor('diagnostics for the good file', () => client.diagnosticsFor(uri, 1), 150_000);
    assert.ok(good.diagnostics.some((d) => d.code === 'lazy-mmu/read-after-write'), JSON.stringify(good.diagnostics));
    client.proc.kill('SIGKILL');
    const end = await ended;
    assert.equal(end.signal, 'SIGKILL');
    assert.equal(await watch.seenWithin(200), false, client.stderr);
    assert.match(outOfMemoryMessage({}), /more than V8's heap limit\)/);
  } finally {
    client.proc.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
