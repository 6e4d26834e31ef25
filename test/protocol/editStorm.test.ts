// Edit storms and crash recovery through the real server (issue 7, parts 3-4).
// 10,000 rapid random incremental edits are sent without waiting; the final
// diagnostics must equal what a fresh server publishes for the final text;
// superseded versions must not all be checked (cancellation/debounce); the
// server's RSS after the storm is reported and loosely bounded. Then the
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

const FILES = ['direct_ptep_get.c', 'interproc_depth2.c'];
const EDITS = 10_000;

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
  const client = new LspClient();
  const texts = new Map(FILES.map((f) => [f, fs.readFileSync(path.join(FIXTURES, f), 'utf8')]));
  try {
    await openAll(client, root, texts);
    const rss0 = rssKb(client.proc.pid!);
    const uri = pathToFileURL(path.join(root, FILES[0])).href;
    let doc = TextDocument.create(uri, 'c', 1, texts.get(FILES[0])!);
    const rng = new Rng(7);
    const snippets = ['x', ' ', '\n', ';', '{', '}', 'arch_flush_lazy_mmu_mode();\n', 'ptep_get(pte);', '/*', '*/', '#if 0\n', '#endif\n'];
    for (let v = 2; v <= EDITS + 1; v++) {
      const len = doc.getText().length;
      const a = rng.int(len + 1);
      const b = Math.min(len, a + (rng.chance(0.5) ? rng.int(4) : 0));
      // Keep the text near its size: delete about as often as insert.
      const text = rng.chance(0.5) ? rng.pick(snippets) : '';
      const change = { range: { start: doc.positionAt(a), end: doc.positionAt(b) }, text };
      doc = TextDocument.update(doc, [change], v);
      void client.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [change] });
    }
    const final = await client.waitFor('diagnostics for the final version', () => client.diagnosticsFor(uri, EDITS + 1), 150_000);
    const checkedVersions = new Set(client.published.filter((p) => p.uri === uri).map((p) => p.version));
    assert.ok(checkedVersions.size < EDITS / 10, `superseded versions were checked: ${checkedVersions.size} publishes`);
    if (global.gc) global.gc();
    await new Promise((r) => setTimeout(r, 500));
    const rss1 = rssKb(client.proc.pid!);
    console.log(`edit storm: ${EDITS} edits, ${checkedVersions.size} versions published, server RSS ${rss0} kB before, ${rss1} kB after`);
    assert.ok(rss1 < rss0 + 400_000, `server RSS grew from ${rss0} kB to ${rss1} kB`);

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
