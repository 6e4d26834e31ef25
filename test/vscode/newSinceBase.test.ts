// lazymmu.showOnlyNewSince in a real VS Code (code-server + Chromium,
// test/vscode/harness.ts), issue 16 point 4: the workspace is a git
// repository whose topic branch brings a hazard (test/fixtures/review's
// walk.c, changed at test time) on top of main's standing one. With
// "mergeBase" the Problems panel holds only the new finding and the status
// item counts it as new since the merge base; the toggle command turns it
// off and both findings show. Screenshots go to test-artifacts/vscode/.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CodeServer, sleep } from './harness';

const RULE = 'lazy-mmu/read-after-write';
let cs: CodeServer | undefined;
let mergeBase = '';

const uiTest = (name: string, fn: () => Promise<void>): void => CodeServer.uiTest(() => cs, name, fn);
const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });

before(async () => {
  cs = await CodeServer.start([{ from: 'test/fixtures/review/mm/walk.c', to: 'walk.c' }], { 'lazymmu.arch': 'x86', 'lazymmu.showOnlyNewSince': 'mergeBase' }, (ws) => {
    git(ws, 'init', '-q');
    git(ws, 'add', '.');
    git(ws, 'commit', '-qm', 'base');
    git(ws, 'checkout', '-qb', 'topic');
    const f = path.join(ws, 'walk.c');
    const t = fs.readFileSync(f, 'utf8');
    const out = t.replace(/\tarch_leave_lazy_mmu_mode\(\);\n(\tpfn = pte_pfn\(ptep_get\(ptep\)\);\n)/, '$1\tarch_leave_lazy_mmu_mode();\n');
    assert.notEqual(out, t);
    fs.writeFileSync(f, out);
    git(ws, 'commit', '-qam', 'topic: read before the leave');
    mergeBase = git(ws, 'merge-base', 'main', 'HEAD').trim();
  });
  await cs.quickOpen('walk.c');
});

after(async () => {
  await cs?.close();
});

uiTest('only the finding the branch brings shows, and the status item counts it as new since the merge base', async () => {
  const page = cs!.page;
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.statusbar-item', { hasText: `lazymmu: 1 new since ${mergeBase.slice(0, 7)}` }).first().waitFor({ timeout: 120000 });
  const rows = page.locator('.markers-panel .monaco-list-row', { hasText: RULE });
  await rows.first().waitFor();
  const texts = await rows.allInnerTexts();
  assert.equal(texts.length, 1, texts.join('\n---\n'));
  assert.match(texts[0], /stale read of .?ptep/);
  await cs!.shot('new-since-base');
});

uiTest('the toggle command shows every finding again', async () => {
  const page = cs!.page;
  await cs!.command("lazymmu: Show Only Findings New Since the Branch's Base (toggle)");
  // The command writes the workspace setting; the server is told and publishes every finding again.
  const settingsFile = path.join(cs!.ws, '.vscode', 'settings.json');
  const written = () => fs.existsSync(settingsFile) && /"lazymmu\.showOnlyNewSince"\s*:\s*"off"/.test(fs.readFileSync(settingsFile, 'utf8'));
  for (const t0 = Date.now(); !written(); await sleep(250)) assert.ok(Date.now() - t0 < 30000, 'the toggle command wrote lazymmu.showOnlyNewSince: "off" to the workspace settings');
  await page.locator('.statusbar-item', { hasText: 'lazymmu: 2 findings' }).first().waitFor({ timeout: 120000 });
  // The Problems panel redraws a moment after the diagnostics change (the status item can be first).
  const rows = page.locator('.markers-panel .monaco-list-row', { hasText: RULE });
  await rows.nth(1).waitFor({ timeout: 30000 });
  const texts = await rows.allInnerTexts();
  assert.equal(texts.length, 2, texts.join('\n---\n'));
  await cs!.shot('new-since-base-off');
});
