// Honest progress in a real VS Code (code-server + Chromium,
// test/vscode/harness.ts), issue 13 point 2: the status item says
// "checking…" (with the sections analysed so far) until the open file's check
// is finished and only then "N findings" — never a count while a check runs
// (it used to show "0 findings" while memory.c was still being checked). The
// workspace holds a generated file of 400 sections (test/manySections.ts), so
// that the first check takes long enough to be seen. Every text the item
// shows is recorded in the page; screenshots go to test-artifacts/vscode/.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CodeServer } from './harness';
import { manySections } from '../manySections';

let cs: CodeServer | undefined;
const uiTest = (name: string, fn: () => Promise<void>): void => CodeServer.uiTest(() => cs, name, fn);
const SECTIONS = 400;

before(async () => {
  cs = await CodeServer.start([{ from: 'test/fixtures/raw/direct_ptep_get.c', to: 'direct_ptep_get.c' }], {}, (ws) => fs.writeFileSync(path.join(ws, 'many.c'), manySections(SECTIONS)));
  // Record every text of the lazymmu status item from now on.
  // (In the page: its globals typed loosely, the tests compile without the DOM's types.)
  await cs.page.evaluate(() => {
    const g = globalThis as any;
    g.lzStatus = [];
    // lazymmu's own item (not the window's progress item, which shows "lazymmu: k/N sections" too).
    const ours = /^lazymmu: (starting|indexing|checking|\d+ (finding|new))/;
    const record = () => {
      for (const el of Array.from(g.document.querySelectorAll('.statusbar-item')) as any[]) {
        const t = String(el.textContent ?? '').trim();
        if (ours.test(t) && g.lzStatus[g.lzStatus.length - 1] !== t) g.lzStatus.push(t);
      }
    };
    new g.MutationObserver(record).observe(g.document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    record();
  });
});

after(async () => {
  await cs?.close();
});

uiTest('the status item says checking… until the check is finished, then N findings', async () => {
  const page = cs!.page;
  await cs!.quickOpen('many.c');
  await page.locator('.statusbar-item', { hasText: 'lazymmu: checking…' }).first().waitFor({ timeout: 120000 });
  await cs!.shot('progress-checking');
  await page.locator('.statusbar-item', { hasText: /lazymmu: \d+ findings?/ }).first().waitFor({ timeout: 150000 });
  await cs!.shot('progress-findings');
  const seen: string[] = await page.evaluate(() => (globalThis as any).lzStatus);
  const firstCount = seen.findIndex((t) => /lazymmu: \d+ findings?/.test(t));
  const checking = seen.findIndex((t) => /lazymmu: checking…/.test(t));
  assert.ok(checking >= 0 && checking < firstCount, seen.join(' | '));
  // The sections analysed move while it checks, up to all of the open file's (its 400 are checked first).
  // (A run superseded by a newer one, e.g. when the client's settings arrive, ends its progress and the
  // next run counts again, its already-analysed sections going by at once: the count may restart once.)
  const counts = seen.map((t) => /checking… ([\d,]+)\/([\d,]+) sections/.exec(t)).filter((m) => m).map((m) => Number(m![1].replace(/,/g, '')));
  assert.ok(new Set(counts).size >= 3, seen.join(' | '));
  assert.ok(Math.max(...counts) >= SECTIONS, seen.join(' | '));
  // The first count shown is the finished check's: one finding per section, all of many.c.
  assert.match(seen[firstCount], new RegExp(`lazymmu: ${SECTIONS} findings`), seen.join(' | '));
});
