// Honest progress in a real VS Code (code-server + Chromium,
// test/vscode/harness.ts), issue 13 point 2: the status item says
// "checking…" (with the sections analysed so far) until the open file's check
// is finished and only then "N findings" — never a count while a check runs
// (it used to show "0 findings" while memory.c was still being checked). The
// open file's own sections are checked first and shown at once, marked
// provisional (the Problems rows start with "(provisional)", visible in the
// row however long the message: a suffix used to be cut by the row's
// ellipsis; the status item says "(N provisional)"), until the whole tree's
// check replaces them.
// The workspace holds a generated open file of 400 sections and 12 generated
// files of 1,000 sections each (test/manySections.ts), so that the whole
// check takes long enough after the first pass for the provisional state to be
// rendered; the sections count only moves forward (server/checkProgress.ts
// FirstCheckProgress). Every text the status item and the Problems rows show is recorded
// in the page (a MutationObserver: no state is missed however loaded the
// machine); screenshots go to test-artifacts/vscode/.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CodeServer } from './harness';
import { manySections } from '../manySections';

let cs: CodeServer | undefined;
const uiTest = (name: string, fn: () => Promise<void>): void => CodeServer.uiTest(() => cs, name, fn);
/** Sections of the open file (many.c), one read-after-write finding each. */
const SECTIONS = 400;
/** Files of the rest of the tree, of REST_SECTIONS sections each (at the per-file bound of 1,000). */
const REST_FILES = 12;
const REST_SECTIONS = 1000;
/** What a provisional Problems row starts with (server/checkProgress.ts PROVISIONAL_PREFIX). */
const PREFIX = '(provisional)';

before(async () => {
  cs = await CodeServer.start([{ from: 'test/fixtures/raw/direct_ptep_get.c', to: 'direct_ptep_get.c' }], {}, (ws) => {
    fs.writeFileSync(path.join(ws, 'many.c'), manySections(SECTIONS));
    for (let i = 0; i < REST_FILES; i++) fs.writeFileSync(path.join(ws, `rest${i}.c`), manySections(REST_SECTIONS, `rest${i}`));
  });
  // Record every text of the lazymmu status item, and of the Problems rows of many.c, from now on.
  // (In the page: its globals typed loosely, the tests compile without the DOM's types.)
  await cs.page.evaluate(() => {
    const g = globalThis as any;
    g.lzStatus = [];
    /** Per Problems row text seen: the index into lzStatus when it was first seen (what the status said meanwhile). */
    g.lzRows = {};
    /** Per provisional row text: whether "(provisional)" was on screen inside the row's message, and whether the message was cut. */
    g.lzMarks = {};
    // The mark's own box against the box that clips the message (its nearest ancestor hiding overflow): on screen or not.
    const markSeen = (row: any) => {
      const walker = g.document.createTreeWalker(row, 4 /* NodeFilter.SHOW_TEXT */);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const at = String(n.nodeValue).indexOf('(provisional)');
        if (at < 0) continue;
        const range = g.document.createRange();
        range.setStart(n, at);
        range.setEnd(n, at + '(provisional)'.length);
        const mark = range.getBoundingClientRect();
        let clip = n.parentElement;
        while (clip && clip !== row && g.getComputedStyle(clip).overflow === 'visible') clip = clip.parentElement;
        const box = (clip ?? row).getBoundingClientRect();
        return {
          visible: mark.width > 0 && mark.left >= box.left - 0.5 && mark.right <= box.right + 0.5,
          first: mark.left - box.left < 2,
          cut: !!clip && clip.scrollWidth > clip.clientWidth,
        };
      }
      return { visible: false, first: false, cut: false };
    };
    // lazymmu's own item (not the window's progress item, which shows "lazymmu: k/N sections" too).
    const ours = /^lazymmu: (starting|indexing|checking|\d+ (finding|new))/;
    const record = () => {
      for (const el of Array.from(g.document.querySelectorAll('.statusbar-item')) as any[]) {
        const t = String(el.textContent ?? '').trim();
        if (ours.test(t) && g.lzStatus[g.lzStatus.length - 1] !== t) g.lzStatus.push(t);
      }
      for (const el of Array.from(g.document.querySelectorAll('.markers-panel .monaco-list-row')) as any[]) {
        const t = String(el.textContent ?? '').trim();
        if (/read-after-write/.test(t) && !(t in g.lzRows)) {
          g.lzRows[t] = g.lzStatus.length - 1;
          if (t.includes('(provisional)')) g.lzMarks[t] = markSeen(el);
        }
      }
    };
    new g.MutationObserver(record).observe(g.document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    record();
  });
});

after(async () => {
  await cs?.close();
});

uiTest('the open file\'s findings show provisional while the tree is checked, then final; "N findings" only at the end', async () => {
  const page = cs!.page;
  // Problems open from the start, so its rows render as the diagnostics arrive.
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel').first().waitFor();
  await cs!.quickOpen('many.c');
  await page.locator('.statusbar-item', { hasText: 'lazymmu: checking…' }).first().waitFor({ timeout: 120000 });
  // The provisional state, while the rest of the tree is checked (screenshot if it is still there; the records below decide).
  const provisionalRow = page.locator('.markers-panel .monaco-list-row', { hasText: PREFIX }).first();
  const provisionalStatus = page.locator('.statusbar-item', { hasText: `(${SECTIONS} provisional)` }).first();
  if (await Promise.all([provisionalRow.waitFor({ timeout: 150000 }), provisionalStatus.waitFor({ timeout: 150000 })]).then(() => true, () => false)) await cs!.shot('progress-provisional');
  const final = page.locator('.statusbar-item', { hasText: new RegExp(`lazymmu: ${SECTIONS} findings`) }).first();
  await final.waitFor({ timeout: 180000 });
  // The final rows replace the provisional ones (the client applies the publish before it counts).
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'read-after-write' }).first().waitFor();
  await cs!.shot('progress-findings');

  const seen: string[] = await page.evaluate(() => (globalThis as any).lzStatus);
  const rows: Record<string, number> = await page.evaluate(() => (globalThis as any).lzRows);
  const all = seen.join(' | ');
  const firstCount = seen.findIndex((t) => /lazymmu: \d+ findings?/.test(t));
  const checking = seen.findIndex((t) => /lazymmu: checking…/.test(t));
  assert.ok(checking >= 0 && checking < firstCount, all);
  // The first count shown is the finished check's: one finding per section, all of many.c.
  assert.match(seen[firstCount], new RegExp(`lazymmu: ${SECTIONS} findings`), all);

  // Provisional first: the status item said so while it was checking, before any count was shown.
  const provisional = seen.findIndex((t) => new RegExp(`^lazymmu: checking….*\\(${SECTIONS} provisional\\)$`).test(t));
  assert.ok(provisional >= 0 && provisional < firstCount, all);
  // Problems showed the open file's findings marked while the status said checking…
  const early = Object.entries(rows).filter(([t]) => t.includes(PREFIX));
  assert.ok(early.length > 0, `a provisional Problems row: ${JSON.stringify(rows)}`);
  for (const [t, at] of early) assert.ok(at < firstCount && /checking…/.test(seen[at]), `${t} seen while "${seen[at]}"`);
  // ... at the start of the row's message, on screen in every such row, also where the long message is cut by the ellipsis.
  const marks: Record<string, { visible: boolean; first: boolean; cut: boolean }> = await page.evaluate(() => (globalThis as any).lzMarks);
  for (const [t] of early) assert.ok(marks[t]?.visible && marks[t].first, `"${PREFIX}" on screen at the start of the row's message: ${t} ${JSON.stringify(marks[t])}`);
  assert.ok(early.some(([t]) => marks[t].cut), `a provisional row whose message the row cuts: ${JSON.stringify(marks).slice(0, 600)}`);
  // ... and the same findings without it once the check was done.
  const now = await page.locator('.markers-panel .monaco-list-row', { hasText: 'read-after-write' }).allInnerTexts();
  assert.ok(now.length > 0 && now.every((t) => !t.includes('provisional')), now.join('\n'));
  const plain = (t: string) => t.replace(PREFIX, '').replace(/\s+/g, '');
  const finalRows = Object.entries(rows).filter(([t]) => !t.includes(PREFIX)).map(([t]) => plain(t));
  assert.ok(early.some(([t]) => finalRows.includes(plain(t))), `a provisional row is shown final, without the mark: ${JSON.stringify(Object.keys(rows).slice(0, 6))}`);

  // The sections analysed move while it checks, up to all of the open file's and then on through the tree's,
  // and never go back (also when a newer run supersedes the first: it goes on with the same count).
  const num = (s: string) => Number(s.replace(/,/g, ''));
  const counts = seen
    .slice(0, firstCount)
    .map((t) => /checking… ([\d,]+)\/([\d,]+) sections/.exec(t))
    .filter((m) => m)
    .map((m) => ({ done: num(m![1]), total: num(m![2]) }));
  assert.ok(new Set(counts.map((c) => c.done)).size >= 3, all);
  assert.ok(counts.some((c) => c.done >= SECTIONS && c.total > SECTIONS), all);
  for (let i = 1; i < counts.length; i++) {
    assert.ok(counts[i].done >= counts[i - 1].done, `the count never goes back: ${all}`);
    assert.ok(counts[i].total >= counts[i - 1].total, `the total never shrinks: ${all}`);
  }
});
