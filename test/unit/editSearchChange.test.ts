// An edit that changes a whole-tree call-graph search (a function starts or
// stops reaching a sleeper) while the sections' calls stay as they were. The
// contextual searches survey the functions called in sections (Interpreter
// .survey); which macros a survey runs in place comes from the call-graph
// searches, so a survey made before the edit holds only while those answers
// do. Before, every survey was forgotten whenever a search was made again,
// and the next check surveyed every section call's chain again. Asserted:
// after each edit the incremental check equals a check from scratch of the
// edited text, and the surveys were not made again (the interpreter's work
// counter, statements x states, stays put: no section's function changed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { interpreterWork } from '../../engine/analysis/interpreter';

const ROOT = path.join(__dirname, '../../../test/fixtures/chains');
const HELPERS = path.join(ROOT, 'chain_helpers.c');

const brief = (fs: { line: number; rule: string; file: string; message: unknown }[]) =>
  fs.map((f) => `${path.basename(f.file)}:${f.line} ${f.rule} ${JSON.stringify(f.message)}`);

/** A check from scratch: a new Workspace over a copy of the fixture with `text` as chain_helpers.c on disk. */
async function fromScratch(text: string): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-search-change-'));
  try {
    for (const f of fs.readdirSync(ROOT)) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'chain_helpers.c'), text);
    const ws = new Workspace({ root: dir });
    ws.build();
    return brief((await ws.check([dir])).findings).map((s) => s.split(dir).join(ROOT));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('an edit that changes a call-graph search keeps the surveys whose answers hold; each check equals one from scratch', async () => {
  const original = fs.readFileSync(HELPERS, 'utf8');
  const ws = new Workspace({ root: ROOT });
  ws.build();
  const first = brief((await ws.check([ROOT])).findings);
  assert.ok(first.some((f) => f.includes('sleep-in-section')), `the fixture's sleep chain is found: ${first.join('\n')}`);
  assert.deepEqual(first, await fromScratch(original));

  // chain_unrelated() starts sleeping (no section calls it), then chain_quiet() (chain_b's section calls it), then both undone.
  const sleepIn = (text: string, fn: string) => text.replace(new RegExp(`(\\n[^\\n]*\\b${fn}\\([^)]*\\)\\n\\{\\n)`), '$1\tmight_sleep();\n');
  const unrelated = sleepIn(original, 'chain_unrelated');
  assert.notEqual(unrelated, original);
  const quiet = sleepIn(unrelated, 'chain_quiet');
  assert.notEqual(quiet, unrelated);
  for (const [what, text, surveysKept] of [
    ['a function no section calls starts sleeping', unrelated, true],
    ['a function a section calls starts sleeping', quiet, false],
    ['both undone', original, null],
  ] as const) {
    const w0 = interpreterWork.steps;
    ws.setText(HELPERS, text);
    const got = brief((await ws.check([ROOT])).findings);
    const steps = interpreterWork.steps - w0;
    assert.deepEqual(got, await fromScratch(text), `${what}: the incremental check equals one from scratch`);
    if (surveysKept) assert.equal(steps, 0, `${what}: nothing was summarised or surveyed again (the searches changed, the surveys' answers did not)`);
    else if (surveysKept === false) assert.ok(steps > 0, `${what}: the edited callee is surveyed again`);
  }
  const quietSleeps = brief((await ws.check([ROOT])).findings);
  assert.deepEqual(quietSleeps, first, 'back to the first findings');
});
