// Issue 14's last acceptance point in a real VS Code (code-server + Chromium,
// test/vscode/harness.ts): the simulation panel shows the new outcomes
// readably. "lazymmu: Simulate at Cursor" on a herd7 litmus test where the
// hardware sets the dirty state of an entry while a ptep_set_wrprotect()-style
// load/store writes it back clean opens the panel on that test, with herd7's
// verdict (Allowed: the dirty state is lost) and the hardware update as a step
// of the witness, in words. Screenshot: test-artifacts/vscode/sim-hw-race.png.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CodeServer } from './harness';

const FIXTURE = 'chain_read.c';
const LITMUS = 'LZ-wrprotect-str-vs-hwdb.litmus';

let cs: CodeServer | undefined;
const uiTest = (name: string, fn: () => Promise<void>): void => CodeServer.uiTest(() => cs, name, fn);
const panel = () => cs!.panel();
const shown = () => panel().locator('section.model:not([hidden])');

before(async () => {
  cs = await CodeServer.start([{ from: `test/fixtures/panel/${FIXTURE}` }, { from: `test/simulator/litmus/${LITMUS}` }]);
  // a C file starts the extension and its server (it activates on C and .lzmmu documents)
  await cs.quickOpen(FIXTURE);
  await cs.page.locator('.statusbar-item', { hasText: /lazymmu: \d+ finding/ }).first().waitFor({ timeout: 120000 });
});

after(async () => {
  await cs?.close();
});

uiTest('a litmus test with a hardware dirty update racing a wrprotect-style write: the panel shows the update as a step, in words', async () => {
  await cs!.quickOpen(LITMUS);
  await cs!.activeEditor().click();
  await cs!.command('lazymmu: Simulate at Cursor');
  await panel().locator('h1', { hasText: 'LZ-wrprotect-str-vs-hwdb' }).waitFor({ timeout: 60000 });
  assert.match(await panel().locator('p.subtitle').innerText(), /LZ-wrprotect-str-vs-hwdb\.litmus/);
  assert.match((await panel().locator('p.condition').innerText()).trim(), /^condition: exists /);
  // the model shown is an arm64 one where the lost dirty state is reachable
  assert.match(await shown().locator('h2').innerText(), /^arm64[\s\S]*herd: Allowed/);
  const hw = shown().locator('tr.row-op td.kind-hw-update');
  await hw.first().waitFor({ timeout: 20000 });
  assert.match(await hw.first().innerText(), /hardware update of entry x becomes visible: valid\(phy_x, dbm:1\)/);
  // the store that made it says so too, and the CPU's clean write-back comes after it
  const ops = await shown().locator('tr.row-op td').allInnerTexts();
  const made = ops.findIndex((t) => /hardware sets AF and DB of entry x/.test(t));
  const shownHw = ops.findIndex((t) => /hardware update of entry x becomes visible/.test(t));
  // the machine step of P0's write-back (its kernel step, issued earlier, only buffers it)
  const cleanBack = ops.findIndex((t) => /^\d+\. STR valid\(phy_x, db:0\) -> entry x$/.test(t.trim()));
  assert.ok(made >= 0 && shownHw > made && cleanBack > shownHw, ops.join(' | '));
  // selecting the step shows its detail: the entry in memory is now dirty
  await hw.first().click();
  await panel().locator('text=step 6 of 7').first().waitFor({ timeout: 20000 });
  await cs!.shot('sim-hw-race');
});
