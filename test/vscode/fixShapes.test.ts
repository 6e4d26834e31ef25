// Issue 13, point 1 in a real editor: the quick fix on a read that is the
// body of an unbraced `else` (on its own line, and on the same line as the
// `if`) braces that body with the flush inside, so the file still compiles
// and the flush runs on the flagged path only. The fixed file is read back
// from disk after Ctrl+S; Problems loses exactly the fixed finding.
// Screenshots go to test-artifacts/vscode/fix-shapes-*.png.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CodeServer } from './harness';

const FIXTURE = 'else_fix.c';
const F = 'arch_flush_lazy_mmu_mode();';
const RAW = '/* expect: read-after-write */';

let cs: CodeServer | undefined;
let page: CodeServer['page'];
let original: string[] = [];

const uiTest = (name: string, fn: () => Promise<void>): void => CodeServer.uiTest(() => cs, name, fn);

before(async () => {
  cs = await CodeServer.start([{ from: `test/fixtures/editorFixes/${FIXTURE}` }]);
  page = cs.page;
  original = fs.readFileSync(path.join(cs.ws, FIXTURE), 'utf8').split('\n');
  await cs.quickOpen(FIXTURE);
  await page.locator('.statusbar-item', { hasText: 'lazymmu: 2 findings' }).first().waitFor({ timeout: 120000 });
});

after(async () => {
  await cs?.close();
});

/** Opens Ctrl+. on (line, column) and applies the flush fix; saves; returns the file's lines once `done` holds. */
async function applyFlush(line: number, column: number, done: (lines: string[]) => boolean): Promise<string[]> {
  await cs!.quickFixMenu(line, column, 'Flush lazy MMU updates');
  return cs!.applyFixAndSave('Flush lazy MMU updates', FIXTURE, done);
}

uiTest('the fix on an unbraced else body braces it, with the flush inside', async () => {
  // Line 15 is `val = ptep_get(pte);`, the else body on its own line.
  const lines = await applyFlush(15, 10, (l) => l.some((x) => x.trim() === F));
  await cs!.shot('fix-shapes-1-else-braced');
  // Lines 1-13 unchanged; `else` becomes `else {`, the flush and the read inside, then `}`.
  assert.deepEqual(lines.slice(0, 13), original.slice(0, 13));
  assert.deepEqual(lines.slice(13, 17), ['\telse {', `\t\t${F}`, `\t\tval = ptep_get(pte); ${RAW}`, '\t}']);
  // Everything after is the original text, two lines down.
  assert.deepEqual(lines.slice(17), original.slice(15));
  // The if branch got no flush: the only flush line is the one inside the else.
  assert.equal(lines.filter((x) => x.includes(F)).length, 1);
  await page.locator('.statusbar-item', { hasText: 'lazymmu: 1 finding' }).first().waitFor({ timeout: 60000 });
});

uiTest('the fix on an else body sharing the if\'s line braces that body on the same line', async () => {
  // After the first fix the one-line if/else is line 28 (26 + 2); the read is after `else`.
  const at = original.findIndex((x) => x.includes('if (err == -11)')) + 2;
  const col = original[at - 2].indexOf('ptep_get') + 2;
  const lines = await applyFlush(at + 1, col, (l) => l[at]?.includes(F) ?? false);
  assert.equal(lines[at], `\tif (err == -11) val = entry; else { ${F} val = ptep_get(pte); } ${RAW}`);
  // Nothing else changed by this fix.
  assert.equal(lines.length, original.length + 2);
  await page.locator('.statusbar-item', { hasText: 'lazymmu: 0 findings' }).first().waitFor({ timeout: 60000 });
  await cs!.shot('fix-shapes-2-inline-else');
});
