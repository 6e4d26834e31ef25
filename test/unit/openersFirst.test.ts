// Workspace.checkOpenersFirst (the editor's first, provisional diagnostics):
// only the sections opened in the file are analysed, and the whole check that
// follows on the same Workspace (reusing their summaries) must give exactly
// what a fresh Workspace's check gives. Of the partial result, the findings
// engine/provisional.ts calls final must be in the whole check's result as
// they are; the others may change, and sections elsewhere may add findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { isProvisional } from '../../engine/provisional';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const key = (f: { rule: string; file: string; line: number; column: number }) => `${f.rule} ${path.basename(f.file)}:${f.line}:${f.column}`;

for (const dir of ['provisional', 'bbm', 'kafb', 'sections', 'across']) {
  test(`first the file's openers, then the whole check: equal to a fresh check (fixtures/${dir})`, async () => {
    const root = path.join(FIXTURES, dir);
    for (const file of fs.readdirSync(root).filter((f) => f.endsWith('.c')).sort().map((f) => path.join(root, f))) {
      const ws = new Workspace({ root });
      ws.build();
      const early = await ws.checkOpenersFirst([file]);
      assert.equal(early.partial, true);
      const final = await ws.check([file]);
      assert.equal(final.partial, undefined);
      const fresh = new Workspace({ root });
      fresh.build();
      assert.deepEqual(final.findings, (await fresh.check([file])).findings, file);
      const finalJson = new Set(final.findings.map((f) => JSON.stringify(f)));
      for (const f of early.findings) if (!isProvisional(early, f)) assert.ok(finalJson.has(JSON.stringify(f)), `final as it was: ${key(f)}`);
      for (const f of final.findings) assert.equal(isProvisional(final, f), false);
    }
  });
}

test('a read reached only from another file\'s section is found by the whole check, not the first pass', async () => {
  const root = path.join(FIXTURES, 'provisional');
  const file = path.join(root, 'prov_open.c');
  const ws = new Workspace({ root });
  ws.build();
  const early = await ws.checkOpenersFirst([file]);
  assert.deepEqual(early.findings.map(key), ['lazy-mmu/read-after-write prov_open.c:21:10']);
  assert.ok(early.findings.every((f) => isProvisional(early, f)), 'section findings are provisional');
  const final = await ws.check([file]);
  assert.deepEqual(final.findings.map(key), ['lazy-mmu/read-after-write prov_open.c:11:19', 'lazy-mmu/read-after-write prov_open.c:21:10']);
});

test('the intraprocedural rules\' findings of a first pass are final', async () => {
  const root = path.join(FIXTURES, 'bbm');
  const file = path.join(root, 'clear_without_flush.c');
  const ws = new Workspace({ root });
  ws.build();
  const early = await ws.checkOpenersFirst([file]);
  const bbm = early.findings.filter((f) => f.rule === 'lazy-mmu/break-before-make');
  assert.ok(bbm.length > 0, 'the fixture has break-before-make findings');
  for (const f of bbm) assert.equal(isProvisional(early, f), false, key(f));
});
