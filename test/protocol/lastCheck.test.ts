// `lazymmu/lastCheck` (server/lastCheckRequest.ts): after each edit's
// diagnostics, what the edit changed in the program as the analysis sees it,
// from the server's own facts; the edit bench reports the edits that changed
// the program apart from the ordinary ones with it. Asserted on the rerun
// fixture's walker: a statement that changes no value the analysis follows
// is ordinary, a statement typed as an if's body in a bound function changes
// that function's summary, a sleeping call changes a call-graph search; a
// version whose check is not the last one gets no answer (null).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'rerun');

test('lazymmu/lastCheck tells the edits that changed the program from the ordinary ones', { timeout: 240_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-last-check-')));
  fs.cpSync(FIXTURE, root, { recursive: true });
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-last-check-cache-'));
  const file = path.join(root, 'bound_walk.c');
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, 'utf8');
  const c = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cache } });
  const key = (fn: string) => `${file}\0${fn}#0`;
  const ask = (version: number) => c.conn.sendRequest<any>('lazymmu/lastCheck', { uri, version });
  try {
    await c.initialize(root);
    await c.open(uri, text, 1);
    await c.waitFor('final diagnostics', () => c.diagnosticsFor(uri, 1), 100_000);
    await c.checksFinished(60_000);
    const edits: [string, string, object][] = [
      ['no value the analysis follows', text.replace('\tpte_clear(walk_init_mm, addr, pte);', '\taddr += 0;\n\tpte_clear(walk_init_mm, addr, pte);'), { searches: false, summaries: [], surveys: [] }],
      [
        "a statement typed as an if's body",
        text.replace('\tset_pte(pte, __pte(0));\n', '\tif (!addr)\n\t\treturn 1;\n\tset_pte(pte, __pte(0));\n'),
        { searches: false, summaries: [key('walk_clear_then_read')], surveys: [key('walk_clear_then_read')] },
      ],
      ['a helper starting to sleep', text.replace('\tpte_clear(walk_init_mm, addr, pte);', '\tmight_sleep();\n\tpte_clear(walk_init_mm, addr, pte);'), { searches: true, summaries: [], surveys: [key('walk_clear')] }],
    ];
    let version = 2;
    for (const [what, now, expected] of edits) {
      for (const t of [now, text]) {
        assert.notEqual(now, text, `${what}: the fixture holds the edited line`);
        await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text: t }] });
        await c.waitFor(`the diagnostics of version ${version}`, () => c.diagnosticsFor(uri, version), 60_000);
        assert.deepEqual(await ask(version), { version, ...expected }, `${what}${t === text ? ', undone' : ''}`);
        version++;
      }
    }
    assert.equal(await ask(version - 2), null, 'an earlier version: not the last check');
  } finally {
    await c.shutdown().catch(() => c.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
