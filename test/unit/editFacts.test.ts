// Two things an edit of a file no longer pays for, or now says, each checked
// against a Workspace made from scratch on the edited text:
//  - the call sites an opener's pointer parameter is bound at
//    (analysis/callTargets.ts, apply_to_pte_range's `fn` in mm/memory.c) are
//    found once per text of the calling function, not once per text of its
//    file: an edit elsewhere in the file walks no caller again, and what was
//    found through them equals a fresh check's;
//  - Workspace.lastCheckChanges says which edits changed the program as the
//    analysis sees it (an edited function's summary or survey came out
//    different, a call-graph search changed) and which were ordinary: what the
//    edit benches report apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { callSiteWalks } from '../../engine/analysis/callTargets';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/rerun');
const FILE = 'bound_walk.c';

/** Every finding whole (related places and chains), with the root's folder named ROOT. */
const whole = (fs: object[], dir: string) => fs.map((f) => JSON.stringify(f).split(dir).join('ROOT'));

/** A check from scratch: a new Workspace over a copy of the fixture with bound_walk.c as given. */
async function fromScratch(text: string): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-edit-facts-'));
  try {
    fs.cpSync(FIXTURE, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, FILE), text);
    const ws = new Workspace({ root: dir });
    ws.build();
    return whole((await ws.check([dir])).findings, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `text` with `from` replaced by `to` (which must be found). */
function replaced(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the fixture holds ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

test("an edit elsewhere in the file walks no caller's call sites again", async () => {
  const text = fs.readFileSync(path.join(FIXTURE, FILE), 'utf8');
  const ws = new Workspace({ root: FIXTURE });
  ws.build();
  const first = whole((await ws.check([FIXTURE])).findings, FIXTURE);
  assert.ok(
    first.some((f) => f.includes('fn() = walk_clear_then_read() is called here')),
    `the read after write is found through the caller's binding: ${first.join('\n')}`,
  );
  // Each step edits the text of the one before, in one place (as typing does).
  const above = `/* one */\n/* two */\n${text}`;
  const typed = replaced(above, '\tpte_clear(walk_init_mm, addr, pte);', '\tcpu_relax();\n\tpte_clear(walk_init_mm, addr, pte);');
  const commented = replaced(typed, 'void walk_check(', '/* c */ void walk_check(');
  const inCaller = replaced(commented, 'void walk_check(pte_t *pte, unsigned long addr)\n{\n', 'void walk_check(pte_t *pte, unsigned long addr)\n{\n\tcpu_relax();\n');
  const rebound = replaced(inCaller, 'walk_pte_range(pte, addr, addr + 4096, walk_clear_then_read);', 'walk_pte_range(pte, addr, addr + 4096, walk_clear);');
  const steps: [string, string, 'none' | 'some'][] = [
    ['lines added above every function', above, 'none'],
    ['a statement typed into a bound function', typed, 'none'],
    ['a comment put before a caller on its first line', commented, 'none'],
    ['a line typed into a caller above its call', inCaller, 'some'],
    ['a caller binding another function', rebound, 'some'],
    // One change from the top of the file to the last caller: every caller in it is walked again.
    ['all undone at once', text, 'some'],
  ];
  for (const [what, t, walks] of steps) {
    const before = callSiteWalks.count;
    ws.setText(path.join(FIXTURE, FILE), t);
    const got = whole((await ws.check([FIXTURE])).findings, FIXTURE);
    const walked = callSiteWalks.count - before;
    assert.deepEqual(got, await fromScratch(t), `${what}: the findings equal a check from scratch`);
    if (walks === 'none') assert.equal(walked, 0, `${what}: no caller's call sites walked again`);
    else assert.ok(walked > 0, `${what}: the edited caller's call sites walked again`);
  }
  assert.deepEqual(whole((await ws.check([FIXTURE])).findings, FIXTURE), first, 'back to the first findings');
});

test('lastCheckChanges tells the edits that changed the program from the ordinary ones', async () => {
  const text = fs.readFileSync(path.join(FIXTURE, FILE), 'utf8');
  const ws = new Workspace({ root: FIXTURE });
  ws.build();
  await ws.check([FIXTURE]);
  const key = (fn: string) => `${path.join(FIXTURE, FILE)}\0${fn}#0`;
  const none = { searches: false, summaries: [], surveys: [] };
  const steps: [string, string, { searches: boolean; summaries: string[]; surveys: string[] }][] = [
    // Nothing the analysis sees: the same summary, the same calls.
    ['a statement that changes no value the analysis follows', replaced(text, '\tpte_clear(walk_init_mm, addr, pte);', '\taddr += 0;\n\tpte_clear(walk_init_mm, addr, pte);'), none],
    // A new call: the bound function's survey lists it (a contextual search through it goes on to cpu_relax).
    ['a call typed into a surveyed function', replaced(text, '\tpte_clear(walk_init_mm, addr, pte);', '\tcpu_relax();\n\tpte_clear(walk_init_mm, addr, pte);'), { searches: false, summaries: [], surveys: [key('walk_clear')] }],
    // The typed call becomes an unbraced if's body (the bench's heavy edits): the write runs on every path.
    [
      "a statement typed as an if's body",
      replaced(text, '\tset_pte(pte, __pte(0));\n', '\tif (!addr)\n\t\treturn 1;\n\tset_pte(pte, __pte(0));\n'),
      { searches: false, summaries: [key('walk_clear_then_read')], surveys: [key('walk_clear_then_read')] },
    ],
    // A sleeping call: the sleep search reaches further.
    ['a helper starting to sleep', replaced(text, '\tpte_clear(walk_init_mm, addr, pte);', '\tmight_sleep();\n\tpte_clear(walk_init_mm, addr, pte);'), { searches: true, summaries: [], surveys: [key('walk_clear')] }],
  ];
  for (const [what, t, expected] of steps) {
    ws.setText(path.join(FIXTURE, FILE), t);
    const got = whole((await ws.check([FIXTURE])).findings, FIXTURE);
    assert.deepEqual(got, await fromScratch(t), `${what}: the findings equal a check from scratch`);
    assert.deepEqual(ws.lastCheckChanges(), expected, what);
    ws.setText(path.join(FIXTURE, FILE), text);
    await ws.check([FIXTURE]);
    // Undoing it changes the program back (or, for the ordinary edit, nothing).
    assert.deepEqual(ws.lastCheckChanges(), expected, `${what}, undone`);
  }
  // A check with no edit before it changed nothing.
  await ws.check([FIXTURE]);
  assert.deepEqual(ws.lastCheckChanges(), none, 'a check after no edit');
});

test('an edit spanning several functions forgets the summaries holding a place it replaced', async () => {
  // Lines added above, then one change (as an undo, a replace-all or a format makes) that takes them out
  // and types into a bound function: the change spans the opener, whose section start the bound
  // function's summary holds; moved, that place would land at the change's end.
  const text = fs.readFileSync(path.join(FIXTURE, FILE), 'utf8');
  const ws = new Workspace({ root: FIXTURE });
  ws.build();
  await ws.check([FIXTURE]);
  const above = `/* one */\n/* two */\n${text}`;
  const spanning = replaced(text, '\tpte_clear(walk_init_mm, addr, pte);', '\tcpu_relax();\n\tpte_clear(walk_init_mm, addr, pte);');
  for (const [what, t] of [
    ['lines added above', above],
    ['one change from the top of the file into a bound function', spanning],
    ['back to the first text', text],
  ] as const) {
    ws.setText(path.join(FIXTURE, FILE), t);
    assert.deepEqual(whole((await ws.check([FIXTURE])).findings, FIXTURE), await fromScratch(t), `${what}: the findings equal a check from scratch`);
  }
});
