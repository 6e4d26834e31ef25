// "lazymmu: Check Folder" from the command palette in a real VS Code
// (code-server + Chromium, test/vscode/harness.ts), issue 13 point 6: the
// command asks for the folder in VS Code's folder picker (in the browser, the
// simple file dialog: a quick input holding a path), the user types the
// folder's path and confirms, and Problems fills with the findings of that
// folder's C files (nested ones included) and of no other; a notification
// says how many. (The Explorer's context-menu route is editorFeatures.test.ts.)
// Fixture: test/fixtures/checkFolderPalette (picked/ has two findings and a
// clean file; elsewhere/ has a finding that must not be shown; start.c is the
// clean file opened first, so that the picker starts at the workspace folder).
// Screenshots: test-artifacts/vscode/check-folder-palette-*.png.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CodeServer, REPO } from './harness';

let cs: CodeServer | undefined;
const uiTest = (name: string, fn: () => Promise<void>): void => CodeServer.uiTest(() => cs, name, fn);
const shot = (name: string): Promise<void> => cs!.shot(`check-folder-palette-${name}`);

before(async () => {
  cs = await CodeServer.start([], {}, (ws) => fs.cpSync(path.join(REPO, 'test', 'fixtures', 'checkFolderPalette'), ws, { recursive: true }));
});

after(async () => {
  await cs?.close();
});

/** Opens Problems (Ctrl+Shift+M toggles it, and a keypress can be lost while a notification takes the focus): until it shows. */
async function showProblems(): Promise<void> {
  const panel = cs!.page.locator('.markers-panel').first();
  for (let attempt = 1; !(await panel.isVisible().catch(() => false)); attempt++) {
    await cs!.page.keyboard.press('Control+Shift+M');
    try {
      await panel.waitFor({ timeout: 10000 });
    } catch (e) {
      if (attempt >= 4) throw e;
    }
  }
}

uiTest('Check Folder from the palette: the folder picked in the dialog fills Problems with its findings only', async () => {
  const page = cs!.page;
  // A C file open starts the extension (and the index); it is clean, so Problems starts empty.
  await cs!.quickOpen('start.c');
  await page.locator('.statusbar-item', { hasText: /lazymmu: 0 findings/ }).first().waitFor({ timeout: 120000 });
  await cs!.command('lazymmu: Check Folder');
  // The folder picker: a quick input whose value is a path, starting at the open file's folder (the workspace).
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'picked' }).first().waitFor({ timeout: 30000 });
  const startedAt = await input.inputValue();
  assert.equal(path.resolve(startedAt), cs!.ws, `the picker starts at the workspace folder: ${startedAt}`);
  // Typed as a user would: the folder's path with a trailing slash opens it (its entries are listed) ...
  await input.fill(path.join(cs!.ws, 'picked') + '/');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'nested' }).first().waitFor({ timeout: 30000 });
  await shot('1-picker');
  // ... and the dialog's button (labelled with the command) takes it.
  await page.locator('.quick-input-widget .monaco-button', { hasText: 'Check Folder' }).first().click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });

  // The check's summary (a notification once it is done), then Problems.
  await page.locator('.notifications-toasts', { hasText: /2 findings in 2 of 3 \.c files under picked/ }).first().waitFor({ timeout: 120000 });
  await showProblems();
  for (const f of ['pick_top.c', 'pick_nested.c']) await page.locator('.markers-panel .monaco-list-row', { hasText: f }).first().waitFor({ timeout: 60000 });
  await shot('2-problems');
  const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
  const all = rows.join('\n');
  // The two files with findings, each with its read-after-write; nothing from outside the folder or from the clean files.
  assert.equal(rows.filter((t) => /read-after-write/.test(t) && /stale read of `ptep`/.test(t)).length, 2, all);
  for (const absent of ['not_picked.c', 'pick_clean.c', 'start.c']) assert.ok(!all.includes(absent), `${absent} has no entry:\n${all}`);
});
