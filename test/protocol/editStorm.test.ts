// Edit storms and crash recovery through the real server (issue 7, parts 3-4).
// 10,000 rapid random incremental edits are sent without waiting; the final
// diagnostics must equal what a fresh server publishes for the final text;
// superseded versions must not all be checked (cancellation/debounce); the
// server's memory after a full GC (lazymmu/memory, answered by a server
// started with --expose-gc) returns to its level before the storm. Then the
// server is killed (SIGKILL) and a new one, given the same didOpen texts (as
// vscode-languageclient does when it restarts a crashed server), publishes
// the same diagnostics: no edit is lost because the client holds the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient, tempWorkspace, FIXTURES } from './lspClient';
import { Rng } from '../fuzz/rng';
import type { MemoryReport } from '../../server/memoryRequest';

const FILES = ['direct_ptep_get.c', 'interproc_depth2.c'];
const EDITS = 10_000;
/** Growth of the heap after GC allowed over the storm (2 MB: 200 bytes per edit). */
const HEAP_SLACK = 2 * 1024 * 1024;
/** Growth of external memory (WebAssembly memory grows to its high-water mark and stays) allowed. */
const EXTERNAL_SLACK = 4 * 1024 * 1024;

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const shape = (ds: any[]) => JSON.stringify(ds.map((d) => [d.code, d.range, d.message]).sort());

async function openAll(c: LspClient, root: string, texts: Map<string, string>): Promise<Map<string, any[]>> {
  await c.initialize(root);
  const out = new Map<string, any[]>();
  for (const [f, t] of texts) await c.open(pathToFileURL(path.join(root, f)).href, t, 1);
  for (const f of texts.keys()) {
    const uri = pathToFileURL(path.join(root, f)).href;
    out.set(f, (await c.waitFor(`diagnostics for ${f}`, () => c.diagnosticsFor(uri, 1), 120_000)).diagnostics);
  }
  return out;
}

test('10,000 rapid edits: final diagnostics equal a fresh check; superseded versions skipped; crash recovery', { timeout: 170_000 }, async () => {
  const root = tempWorkspace(FILES);
  // --expose-gc: the server answers lazymmu/memory (its heap after a full GC).
  const client = new LspClient({ nodeArgs: ['--expose-gc'] });
  const texts = new Map(FILES.map((f) => [f, fs.readFileSync(path.join(FIXTURES, f), 'utf8')]));
  try {
    await openAll(client, root, texts);
    const uri = pathToFileURL(path.join(root, FILES[0])).href;
    let doc = TextDocument.create(uri, 'c', 1, texts.get(FILES[0])!);
    // One edit checked before the baseline, so the baseline is a server that has already re-checked an edit.
    const warm = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: ' ' };
    doc = TextDocument.update(doc, [warm], 2);
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [warm] });
    await client.waitFor('diagnostics for the warm-up edit', () => client.diagnosticsFor(uri, 2), 150_000);
    const mem0: MemoryReport = await client.conn.sendRequest('lazymmu/memory');
    const rss0 = rssKb(client.proc.pid!);
    const rng = new Rng(7);
    const snippets = ['x', ' ', '\n', ';', '{', '}', 'arch_flush_lazy_mmu_mode();\n', 'ptep_get(pte);', '/*', '*/', '#if 0\n', '#endif\n'];
    for (let v = 3; v <= EDITS + 2; v++) {
      const len = doc.getText().length;
      const a = rng.int(len + 1);
      const b = Math.min(len, a + (rng.chance(0.5) ? rng.int(4) : 0));
      // Keep the text near its size: delete about as often as insert.
      const text = rng.chance(0.5) ? rng.pick(snippets) : '';
      const change = { range: { start: doc.positionAt(a), end: doc.positionAt(b) }, text };
      doc = TextDocument.update(doc, [change], v);
      void client.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [change] });
    }
    const final = await client.waitFor('diagnostics for the final version', () => client.diagnosticsFor(uri, EDITS + 2), 150_000);
    const checkedVersions = new Set(client.published.filter((p) => p.uri === uri).map((p) => p.version));
    assert.ok(checkedVersions.size < EDITS / 10, `superseded versions were checked: ${checkedVersions.size} publishes`);
    const mem1: MemoryReport = await client.conn.sendRequest('lazymmu/memory');
    const rss1 = rssKb(client.proc.pid!);
    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    console.log(
      `edit storm: ${EDITS} edits, ${checkedVersions.size} versions published; server after GC: heap ${mb(mem0.heapUsed)} before, ${mb(mem1.heapUsed)} after; ` +
        `external ${mb(mem0.external)} before, ${mb(mem1.external)} after; RSS ${rss0} kB before, ${rss1} kB after`,
    );
    // Memory returns to its level: after a full GC the heap is within HEAP_SLACK of
    // where it was before the storm. Keeping anything per edit (a text, a change, a
    // version, a parse tree) would cost at least ~200 bytes x 10,000 edits per kind
    // of thing kept; a tree-sitter tree left undeleted shows in external memory.
    assert.ok(mem1.heapUsed - mem0.heapUsed < HEAP_SLACK, `heap after GC grew from ${mb(mem0.heapUsed)} to ${mb(mem1.heapUsed)} over ${EDITS} edits`);
    assert.ok(mem1.external - mem0.external < EXTERNAL_SLACK, `external memory after GC grew from ${mb(mem0.external)} to ${mb(mem1.external)} over ${EDITS} edits`);

    // A fresh server on the final text.
    texts.set(FILES[0], doc.getText());
    const fresh = new LspClient();
    try {
      const got = await openAll(fresh, root, new Map([[FILES[0], doc.getText()]]));
      assert.equal(shape(final.diagnostics), shape(got.get(FILES[0])!));
    } finally {
      await fresh.shutdown();
    }

    // Crash: the server dies mid-session; a new one given the open documents' texts recovers.
    const before = new Map(FILES.map((f) => [f, client.lastFor(pathToFileURL(path.join(root, f)).href)!.diagnostics]));
    const exited = new Promise((r) => client.proc.once('exit', r));
    client.proc.kill('SIGKILL');
    await exited;
    const restarted = new LspClient();
    try {
      const after = await openAll(restarted, root, texts);
      for (const f of FILES) assert.equal(shape(after.get(f)!), shape(before.get(f)!), `${f} after restart`);
    } finally {
      await restarted.shutdown();
    }
  } finally {
    if (client.proc.exitCode === null && client.proc.signalCode === null) await client.shutdown().catch(() => client.proc.kill());
    else client.conn.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
