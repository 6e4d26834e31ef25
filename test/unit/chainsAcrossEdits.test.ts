// The section calls' chains (nesting, allocation, sleep) of a check after an
// edit are kept from the check before while the edit touched nothing their
// searches read (engine/store/chainsAcrossEdits.ts), with their places moved
// when lines were added above them. Asserted: after each edit the findings,
// the chains' hops and places included, equal a check from scratch of the
// edited text; the phases were served without searching again when the edit
// was elsewhere (a line above them, a function no chain reads), or in a
// surveyed function or a section where it added or removed only a call that
// leads nowhere (the survey made again is followed alike; a call answered
// before any search is passed over), and searched again when it changed what
// a surveyed function's survey gives the searches, a name a chain resolves,
// or a section's calls that lead somewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { phaseCounts } from '../../engine/store/chainsAcrossEdits';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/chains');

/** Every finding whole (related places and chains), with the root's folder named ROOT. */
const whole = (fs: object[], dir: string) => fs.map((f) => JSON.stringify(f).split(dir).join('ROOT'));

/** A check from scratch: a new Workspace over a copy of the fixture with these texts on disk. */
async function fromScratch(texts: Map<string, string>): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-chains-scratch-'));
  try {
    for (const f of fs.readdirSync(FIXTURE)) fs.writeFileSync(path.join(dir, f), texts.get(f) ?? fs.readFileSync(path.join(FIXTURE, f), 'utf8'));
    const ws = new Workspace({ root: dir });
    ws.build();
    return whole((await ws.check([dir])).findings, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `text` with `line` typed at the top of `fn`'s body. */
const typedIn = (text: string, fn: string, line: string) => {
  const out = text.replace(new RegExp(`(\\n[^\\n]*\\b${fn}\\([^)]*\\)\\n\\{\\n)`), `$1\t${line}\n`);
  assert.notEqual(out, text, `${fn} found`);
  return out;
};

test('chains kept across edits that did not touch what they read equal chains computed from scratch', async () => {
  const helpers = fs.readFileSync(path.join(FIXTURE, 'chain_helpers.c'), 'utf8');
  const section = fs.readFileSync(path.join(FIXTURE, 'chain_section.c'), 'utf8');
  const ws = new Workspace({ root: FIXTURE });
  ws.build();
  const first = whole((await ws.check([FIXTURE])).findings, FIXTURE);
  assert.ok(first.some((f) => f.includes('sleep-in-section')) && first.some((f) => f.includes('alloc-in-section')), `the fixture's chains are found: ${first.join('\n')}`);

  const aboveAll = `// a line above every hop\n${helpers}`;
  const unrelated = typedIn(aboveAll, 'chain_unrelated', 'x = x * 3;');
  const surveyed = typedIn(unrelated, 'chain_helper_a', 'cpu_relax();');
  const guardChanged = surveyed.replace('\tif (addr)\n\t\tchain_sleepy(addr);', '\tif (addr & 1)\n\t\tchain_sleepy(addr);');
  assert.notEqual(guardChanged, surveyed);
  const quietSleeps = typedIn(guardChanged, 'chain_quiet', 'might_sleep();');
  const newCall = section.replace('\tchain_quiet(addr);\n', '\tchain_quiet(addr);\n\tchain_sleepy(addr);\n');
  const leadsNowhere = section.replace('\tchain_quiet(addr);\n', '\tchain_quiet(addr);\n\tcpu_relax();\n');
  assert.notEqual(newCall, section);
  assert.notEqual(leadsNowhere, section);
  const steps: [string, string, string, 'served' | 'searched'][] = [
    ['a line added above every hop', aboveAll, section, 'served'],
    ['a function no chain reads edited', unrelated, section, 'served'],
    ['a call that leads nowhere typed into a surveyed function (its hop moved down)', surveyed, section, 'served'],
    ['a call that leads nowhere typed into a section', surveyed, leadsNowhere, 'served'],
    ['and taken out of it again', surveyed, section, 'served'],
    ["a surveyed function's guard of a chained call changed", guardChanged, section, 'searched'],
    ['a function a section calls starts sleeping', quietSleeps, section, 'searched'],
    ['a function no chain reads edited, after those', typedIn(quietSleeps, 'chain_unrelated', 'x = x * 5;'), section, 'served'],
    ['a call typed into a section', quietSleeps, newCall, 'searched'],
    ['a static helper of the same name put beside the sections', helpers, section.replace('#include <linux/mm.h>\n', '#include <linux/mm.h>\n\nstatic void chain_helper_a(struct mm_struct *mm, unsigned long addr)\n{\n}\n'), 'searched'],
    ['all undone', helpers, section, 'searched'],
  ];
  for (const [what, h, s, expect] of steps) {
    const before = { ...phaseCounts };
    ws.setText(path.join(FIXTURE, 'chain_helpers.c'), h);
    ws.setText(path.join(FIXTURE, 'chain_section.c'), s);
    const got = whole((await ws.check([FIXTURE])).findings, FIXTURE);
    const served = phaseCounts.served - before.served;
    const searched = phaseCounts.kept - before.kept;
    assert.deepEqual(got, await fromScratch(new Map([['chain_helpers.c', h], ['chain_section.c', s]])), `${what}: the incremental check equals one from scratch`);
    if (expect === 'served') {
      assert.ok(served > 0, `${what}: phases were served from the last check`);
      assert.equal(searched, 0, `${what}: no phase was searched again`);
    } else assert.ok(searched > 0, `${what}: a phase was searched again`);
  }
  assert.deepEqual(whole((await ws.check([FIXTURE])).findings, FIXTURE), first, 'back to the first findings');
});

// An edit that changes what a surveyed function's survey gives the searches
// (a `return;` typed before its chained call, the shape of mm/memory.c's line
// 2852) searches the phase again; taking it out gives the function its text
// back, and the phase it had is served again (set aside, not dropped), moved
// with the edits in between, as is the one made for the edit when it is typed
// again. Each check equals one from scratch.
test('a phase dropped by an edit is served again when the edit is taken out, and typed again', async () => {
  const helpers = fs.readFileSync(path.join(FIXTURE, 'chain_helpers.c'), 'utf8');
  const section = fs.readFileSync(path.join(FIXTURE, 'chain_section.c'), 'utf8');
  const ws = new Workspace({ root: FIXTURE });
  ws.build();
  await ws.check([FIXTURE]);
  const dead = typedIn(helpers, 'chain_helper_a', 'return;');
  const aboveAll = `// a line above every hop\n${helpers}`;
  const otherGuard = aboveAll.replace('\tif (addr)\n\t\tchain_sleepy(addr);', '\tif (!addr)\n\t\tchain_sleepy(addr);');
  assert.notEqual(otherGuard, aboveAll);
  // Each step's texts given in turn (edits with no check between), the check after the last.
  const steps: [string, string[], 'searched' | 'set aside'][] = [
    ["a return typed before a surveyed function's chained call", [dead], 'searched'],
    ['taken out again', [helpers], 'set aside'],
    ['typed again', [dead], 'set aside'],
    ['a line added above every hop, then the return taken out', [`// a line above every hop\n${dead}`, aboveAll], 'set aside'],
    ['its guard changed otherwise', [otherGuard], 'searched'],
  ];
  let differ = 0;
  for (const [what, texts, expect] of steps) {
    const before = { ...phaseCounts };
    for (const t of texts) ws.setText(path.join(FIXTURE, 'chain_helpers.c'), t);
    const h = texts[texts.length - 1];
    const got = whole((await ws.check([FIXTURE])).findings, FIXTURE);
    const searched = phaseCounts.kept - before.kept;
    const setAsideServed = phaseCounts.setAsideServed - before.setAsideServed;
    assert.deepEqual(got, await fromScratch(new Map([['chain_helpers.c', h], ['chain_section.c', section]])), `${what}: the incremental check equals one from scratch`);
    if (what === steps[0][0]) differ = got.length;
    if (expect === 'searched') assert.ok(searched > 0, `${what}: a phase was searched again`);
    else {
      assert.equal(searched, 0, `${what}: no phase was searched again`);
      assert.ok(setAsideServed > 0, `${what}: a phase set aside was served`);
    }
  }
  const first = await fromScratch(new Map());
  assert.notEqual(differ, first.length, 'the return changes the findings (a chain is gone)');
});
