// Issue 7 in a real VS Code (code-server + Chromium, test/vscode/harness.ts):
// 1. crash recovery: the language server killed with SIGKILL mid-session is
//    restarted by the client (vscode-languageclient), an edit typed after the
//    kill is checked by the new server and is not lost;
// 2. the simulation panel: a finding whose text (the read's source text, with
//    a comment full of HTML and script, in a file whose name is markup too) is
//    replayed into the panel; so are .lzmmu scenarios whose names, '@'
//    source locations and parse errors are markup. Nothing runs (no payload
//    flag set in any frame, no dialog, no element or handler from a payload
//    in the panel's document) and everything shows as text.
// Screenshots go to test-artifacts/vscode/ (reliability-*.png).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CodeServer, sleep } from './harness';

const FIXTURE = 'direct_ptep_get.c';
const RULE = 'lazy-mmu/read-after-write';
const TYPED = 'before = ptep_get(ptep); /* typed after the crash */';
// The payload fixture is copied under a name that is markup itself.
const EVIL_FILE = `pwn"><img src=x onerror=window.__lazymmuPwned=1;alert(1)>.c`;
const EVIL_FN = 'script_alert_onerror_img';
// Two scenarios, under names that are markup: one simulates (its '@' source locations are markup), one has errors that quote markup.
const EVIL_SCENARIO = `pwn-scenario"><svg onload=window.__lazymmuPwned=4>.lzmmu`;
const EVIL_ERRORS = `pwn-errors<img src=x onerror=window.__lazymmuPwned=5>.lzmmu`;
// The entry read at test/fixtures/panel/payload.c line 18, a comment inside it, which the finding's message names.
const EVIL_ENTRY = `vmf /* <img src=x onerror=__lazymmuPwned='img'> */ ->pte`;

let cs: CodeServer | undefined;
const dialogs: string[] = [];

const uiTest = (name: string, fn: () => Promise<void>): void => CodeServer.uiTest(() => cs, name, fn);

/** Polls `f` until it returns a value other than null/undefined/false. */
async function until<T>(what: string, f: () => T | null | undefined | false, timeout = 60000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

before(async () => {
  cs = await CodeServer.start(
    [
      { from: `test/fixtures/raw/${FIXTURE}` }, { from: 'test/fixtures/panel/payload.c', to: EVIL_FILE },
      { from: 'test/fixtures/panel/payload.lzmmu', to: EVIL_SCENARIO },
      { from: 'test/fixtures/panel/payload_error.lzmmu', to: EVIL_ERRORS },
    ],
    // What is typed is what lands in the file (no closing brackets or comment ends added).
    { 'editor.autoClosingBrackets': 'never', 'editor.autoClosingComments': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoSurround': 'never' },
  );
  // alert() from any frame of the page (the workbench or a webview) shows up here.
  cs.page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss().catch(() => undefined);
  });
  await cs.quickOpen(FIXTURE);
});

after(async () => {
  await cs?.close();
});

/**
 * Nothing a payload would add is in the panel's document (the scripts are
 * VS Code's and panel.js; no element or attribute from the payloads), no
 * payload ran in any frame of the page, and no dialog opened.
 */
async function assertNothingRan(): Promise<void> {
  const page = cs!.page;
  const dom = (await cs!.panel().locator('body').evaluate(`(() => {
    const all = Array.from(document.querySelectorAll('*'));
    return {
      pwned: window.__lazymmuPwned ?? null,
      title: document.title,
      scripts: Array.from(document.scripts).map((s) => (s.src ? s.src.split('/').pop() : s.id ? '#' + s.id : s.outerHTML)),
      elements: Array.from(document.querySelectorAll('img, iframe, object, embed, a, b, i, foreignObject, svg:not(.timeline), script:not([src]):not(#_vscodeApiScript)')).map((e) => e.outerHTML),
      handlers: all.filter((e) => Array.from(e.attributes).some((a) => /^on/i.test(a.name) || /javascript:/i.test(a.value))).map((e) => e.outerHTML),
    };
  })()`)) as { pwned: unknown; title: string; scripts: string[]; elements: string[]; handlers: string[] };
  assert.equal(dom.pwned, null, 'no payload ran in the panel');
  assert.equal(dom.title, 'lazymmu simulation');
  // (VS Code's own inline script, which defines acquireVsCodeApi, and ours.)
  assert.deepEqual(dom.scripts, ['#_vscodeApiScript', 'panel.js']);
  assert.deepEqual(dom.elements, []);
  assert.deepEqual(dom.handlers, []);
  // ...nor in any other frame of the page (the workbench, the webview host).
  for (const f of page.frames()) {
    const v = await f.evaluate('window.__lazymmuPwned ?? null').catch(() => null);
    assert.equal(v, null, `a payload ran in ${f.url()}`);
  }
  assert.deepEqual(dialogs, [], 'no dialog was opened');
}

uiTest('a language server killed with SIGKILL is restarted by the client; an edit typed after the kill is checked by the new server and kept', async () => {
  const page = cs!.page;
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.statusbar-item', { hasText: 'lazymmu: 2 findings' }).first().waitFor({ timeout: 90000 });
  const [old] = await until('one lazymmu server process', () => {
    const p = cs!.serverPids();
    return p.length === 1 && p;
  });
  process.kill(old, 'SIGKILL');
  await until('the killed server to be gone', () => !cs!.serverPids().includes(old), 20000);

  // Right after the kill: a second re-read below the flagged one (line 15) is a new hazard on line 16.
  for (let attempt = 1; ; attempt++) {
    await cs!.activeEditor().click();
    await cs!.gotoLine(15, 1);
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.insertText(TYPED);
    // The typed line is in the editor (not lost to a notification or the quick input).
    const typed = page.locator('.monaco-editor .view-line', { hasText: 'typed after the crash' });
    try {
      await typed.first().waitFor({ timeout: 10000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }

  // (a) The client started a new server.
  const [fresh] = await until('a new lazymmu server process', () => {
    const p = cs!.serverPids();
    return p.length === 1 && p[0] !== old && p;
  });
  assert.notEqual(fresh, old);
  // (b) The new server checked the edited text: three findings, one on the typed line.
  await page.locator('.statusbar-item', { hasText: 'lazymmu: 3 findings' }).first().waitFor({ timeout: 90000 });
  const rows = page.locator('.markers-panel .monaco-list-row', { hasText: RULE });
  await page.locator('.markers-panel .monaco-list-row', { hasText: /Ln 16\b/ }).first().waitFor({ timeout: 30000 });
  const texts = await rows.allInnerTexts();
  assert.equal(texts.length, 3, texts.join('\n---\n'));
  assert.ok(texts.some((t) => /Ln 16\b/.test(t)), texts.join('\n---\n'));
  await cs!.shot('reliability-1-restarted');
  // (c) The edit is not lost: saved, it is on disk, exactly as typed.
  await cs!.activeEditor().click();
  await page.keyboard.press('Control+S');
  const file = path.join(cs!.ws, FIXTURE);
  const lines = await until('the saved edit on disk', () => {
    const l = fs.readFileSync(file, 'utf8').split('\n');
    return l[15]?.includes('typed after the crash') && l;
  }, 30000);
  assert.equal(lines[15], `\t${TYPED}`);
  assert.equal(lines[14], '\tafter = ptep_get(ptep); /* expect: read-after-write */');
  assert.equal(cs!.serverPids().length, 1, 'one server, not one per restart');
});

uiTest('HTML and script in source text and file names reach the simulation panel as text, and none of it runs', async () => {
  const page = cs!.page;
  await cs!.quickOpen('pwn', 'pwn"><img src=x');
  // The finding (its message quotes the read with the comment) in Problems, as text.
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel .monaco-list-row', { hasText: "onerror=__lazymmuPwned='img'" }).first().waitFor({ timeout: 90000 });

  // Simulate the flagged read (line 18 of the fixture).
  await cs!.activeEditor().click();
  await cs!.gotoLine(18, 10);
  await cs!.command('lazymmu: Simulate at Cursor');
  const panel = cs!.panel();
  await panel.locator('h1', { hasText: EVIL_FN }).waitFor({ timeout: 60000 });
  assert.equal(await panel.locator('h1').innerText(), `${EVIL_FN}: ${RULE} (line 18)`);
  const subtitle = await panel.locator('p.subtitle').innerText();
  assert.ok(subtitle.startsWith(`stale read of \`${EVIL_ENTRY}\`: written by`), subtitle);

  // The selected model's first step (the enter, line 16 of the evil file): its source cell and detail show the name as text.
  const shown = panel.locator('section.model:not([hidden])');
  await shown.locator('.pos', { hasText: 'step 1 of' }).waitFor();
  const detail = await shown.locator('table.detail:not([hidden])').innerText();
  assert.ok(detail.includes(`${EVIL_FILE}:16`), detail);
  const cell = await shown.locator('tr.row-src td').first().textContent();
  assert.ok(cell?.startsWith('pwn"><img src=x onerro'), String(cell));
  const title = await shown.locator('tr.row-op td').first().getAttribute('title');
  assert.ok(title?.includes(`(${EVIL_FILE}:16)`), String(title));
  // Work the panel (a round trip through the extension) and let any payload's event fire.
  await shown.locator('button.fwd').click();
  await shown.locator('.pos', { hasText: 'step 2 of' }).waitFor();
  await panel.locator('button.tab', { hasText: 'x86-xen-pv' }).click();
  await panel.locator('section.model:not([hidden]) h2', { hasText: 'x86-xen-pv' }).waitFor();
  // Clicking the first step reveals line 16 of the file whose name is markup.
  await panel.locator('section.model:not([hidden]) tr.row-op td').first().click();
  await page.locator('.monaco-editor .line-numbers.active-line-number', { hasText: /^16$/ }).first().waitFor({ timeout: 20000 });
  await cs!.shot('reliability-2-payload-panel');

  await assertNothingRan();
});


uiTest('markup in scenario file names, source locations and parse errors reaches the simulation panel as text, and none of it runs', async () => {
  const panel = cs!.panel();
  // A scenario that simulates: its `name` (markup too) is the panel's title, its file name the subtitle, its '@' locations are the steps' sources.
  await cs!.quickOpen('pwn-scenario', 'pwn-scenario');
  await cs!.activeEditor().click();
  await cs!.command('lazymmu: Simulate at Cursor');
  await panel.locator('p.subtitle', { hasText: 'pwn-scenario' }).waitFor({ timeout: 60000 });
  assert.equal(await panel.locator('p.subtitle').innerText(), EVIL_SCENARIO);
  assert.equal(await panel.locator('h1').innerText(), "payload <img src=x onerror=window.__lazymmuPwned='name'>");
  assert.equal(await panel.locator('ul.errors').count(), 0);
  const shown = panel.locator('section.model:not([hidden])');
  await shown.locator('.pos', { hasText: 'step 1 of' }).waitFor();
  assert.ok((await shown.locator('table.detail:not([hidden])').innerText()).includes('"><b>bold<script>window.__lazymmuPwned=1.c:12'));
  await shown.locator('button.fwd').click();
  await shown.locator('.pos', { hasText: 'step 2 of' }).waitFor();
  assert.ok((await shown.locator('table.detail:not([hidden])').innerText()).includes('"><i>italic.c:13'));
  await cs!.shot('reliability-3-payload-scenario');
  await assertNothingRan();

  // A scenario with errors: the parser's messages, quoting the markup, are listed.
  await cs!.quickOpen('pwn-errors', 'pwn-errors');
  await cs!.activeEditor().click();
  await cs!.command('lazymmu: Simulate at Cursor');
  await panel.locator('h1', { hasText: 'pwn-errors' }).waitFor({ timeout: 60000 });
  assert.equal(await panel.locator('h1').innerText(), EVIL_ERRORS);
  const errors = await panel.locator('ul.errors').innerText();
  assert.ok(errors.includes("found '@<img/src=x/onerror=window.__lazymmuPwned"), errors);
  await cs!.shot('reliability-4-payload-errors');
  await assertNothingRan();
});
