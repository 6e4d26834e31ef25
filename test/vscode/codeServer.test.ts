// The extension in a real VS Code: code-server (VS Code from npm, on its own
// Node 24) with the packaged .vsix installed, serving a fixture workspace on
// 127.0.0.1, driven through Debian's chromium by playwright-core (the setup is
// test/vscode/harness.ts, shared with reliability.test.ts). The finding
// shows in the Problems panel with its rule id, the code lens and the
// simulation panel (with its outcomes) work, and the quick fix changes the file.
// Screenshots go to test-artifacts/vscode/.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CodeServer, sleep } from './harness';

const FIXTURE = 'direct_ptep_get.c';
const FLUSH = 'arch_flush_lazy_mmu_mode();';
const RULE = 'lazy-mmu/read-after-write';
const SCENARIO = 'copy_pte_range_raw.lzmmu';

let cs: CodeServer | undefined;
let page: CodeServer['page'];

const uiTest = (name: string, fn: () => Promise<void>): void => CodeServer.uiTest(() => cs, name, fn);
const shot = (name: string): Promise<void> => cs!.shot(name);
const command = (title: string): Promise<void> => cs!.command(title);
const gotoLine = (line: number, column = 1): Promise<void> => cs!.gotoLine(line, column);
const panel = () => cs!.panel();

before(async () => {
  cs = await CodeServer.start([{ from: `test/fixtures/raw/${FIXTURE}` }, { from: `test/simulator/scenarios/${SCENARIO}` }]);
  page = cs.page;
  await cs.quickOpen(FIXTURE);
});

after(async () => {
  await cs?.close();
});

uiTest('the finding shows in the Problems panel with its rule id', async () => {
  await page.keyboard.press('Control+Shift+M');
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: RULE });
  await row.first().waitFor({ timeout: 90000 });
  await row.nth(1).waitFor({ timeout: 30000 }); // both, once Problems has redrawn
  const texts = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
  const flagged = texts.filter((t) => t.includes(RULE));
  assert.equal(flagged.length, 2, texts.join('\n---\n'));
  assert.ok(flagged.some((t) => /\[?Ln 15/.test(t) || t.includes('(15,')), flagged.join('\n'));
  assert.ok(flagged.every((t) => t.includes('lazymmu')), 'the source is lazymmu');
  // The status bar item counts them.
  await page.locator('.statusbar-item', { hasText: 'lazymmu: 2 findings' }).first().waitFor();
  await shot('1-problems');
});

uiTest('a "Simulate on arm64" code lens sits on the flagged read', async () => {
  const lens = page.locator('.contentWidgets .codelens-decoration, .codelens-decoration', { hasText: 'Simulate on arm64' });
  await lens.first().waitFor({ timeout: 60000 });
  assert.ok((await lens.count()) >= 2);
});

uiTest('the simulation panel opens and shows the outcomes per model', async () => {
  await page.locator('.monaco-editor .view-lines').first().click();
  await gotoLine(15, 14);
  await command('lazymmu: Simulate at Cursor');
  const nav = panel().locator('nav.models');
  await nav.waitFor({ timeout: 60000 });
  const h1 = await panel().locator('h1').innerText();
  assert.match(h1, /dpg_refresh_one: lazy-mmu\/read-after-write \(line 15\)/);
  const xen = panel().locator('button.tab', { hasText: 'x86-xen-pv' });
  assert.match(await xen.innerText(), /can happen/);
  const eager = panel().locator('button.tab', { hasText: 'arm64-eager' });
  assert.match(await eager.innerText(), /cannot happen/);
  // The panel opens on the model where the stale read can happen (test/vscode/panel.test.ts has the rest).
  const shown = panel().locator('section.model:not([hidden])');
  assert.match(await shown.locator('h2').innerText(), /x86-xen-pv/);
  // Another model's timeline: one column per step; stepping moves the selection.
  await eager.click();
  assert.match(await shown.locator('h2').innerText(), /arm64-eager/);
  await shown.locator('.pos', { hasText: 'step 1 of' }).waitFor();
  await shot('2-simulation-panel');
  await shown.locator('button.fwd').click();
  await shown.locator('.pos', { hasText: 'step 2 of' }).waitFor();
  // Xen PV: the stale read is reachable; its outcome says so.
  await xen.click();
  const xenSec = panel().locator('section.model:not([hidden])');
  assert.match(await xenSec.locator('h2').innerText(), /x86-xen-pv/);
  assert.match(await xenSec.locator('ul.outcomes').innerText(), /hazard/);
  const cols = xenSec.locator('tr.row-op td');
  assert.ok((await cols.count()) >= 3);
  await shot('3-simulation-xen');
  // Clicking a step reveals its source line in the editor.
  await cols.nth(0).click();
  await xenSec.locator('.pos', { hasText: 'step 1 of' }).waitFor();
  // (The webview keeps the focus, so the editor's active line number tells.)
  await page.locator('.monaco-editor .line-numbers.active-line-number', { hasText: /^10$/ }).first().waitFor({ timeout: 20000 });
  await shot('3b-step-revealed');
});

uiTest('the quick fix inserts the flush before the read', async () => {
  // Back to the C editor, on the first flagged read.
  await page.locator('.tabs-container .tab', { hasText: FIXTURE }).first().click();
  await cs!.quickFixMenu(15, 14, 'Flush lazy MMU updates'); // inside the flagged ptep_get(ptep)
  await shot('4-quick-fix-menu');
  const lines = await cs!.applyFixAndSave('Flush lazy MMU updates', FIXTURE, (l) => l[14]?.trim() === FLUSH);
  assert.equal(lines[14], `\t${FLUSH}`, 'the flush is inserted on its own line, indented like the read');
  assert.equal(lines[15].trim(), 'after = ptep_get(ptep); /* expect: read-after-write */');
  // That read is no longer flagged; the other one still is.
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.statusbar-item', { hasText: 'lazymmu: 1 finding' }).first().waitFor({ timeout: 60000 });
  await gotoLine(16, 1);
  await sleep(1500); // let the refreshed code lenses settle for the screenshot
  await shot('5-after-fix');
});

uiTest('a .lzmmu scenario is its own language, and Simulate at Cursor runs it on every model', async () => {
  await cs!.quickOpen(SCENARIO);
  await page.locator('.statusbar-item', { hasText: 'lazymmu scenario' }).first().waitFor();
  await page.locator('.monaco-editor .view-lines', { hasText: 'arch_enter_lazy_mmu_mode' }).first().click();
  await command('lazymmu: Simulate at Cursor');
  await panel().locator('p.subtitle', { hasText: SCENARIO }).waitFor({ timeout: 60000 });
  assert.match(await panel().locator('button.tab', { hasText: 'x86-xen-pv' }).innerText(), /can happen/);
  assert.match(await panel().locator('button.tab', { hasText: 'arm64-eager' }).innerText(), /cannot happen/);
  assert.equal(await panel().locator('ul.errors').count(), 0);
  await shot('6-scenario');
});
