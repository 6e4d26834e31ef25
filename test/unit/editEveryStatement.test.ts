// Edits at every statement of a heavy section opener (test/fixtures/heavyLoop,
// shaped like mm/memory.c's copy_pte_range), as the language server receives
// them: a PTE write typed after each statement, every third statement deleted,
// a helper's PTE write changed to another entry, and lines added above the
// opener. After each edit the incremental check (one Workspace given every
// edit) must find exactly what a from-scratch check of the edited text finds.
// Lines added above the opener must not run it again: the interpreter's work
// counter (limits.ts, statements x states) stays put and its findings move
// with the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { freshFindings } from './freshFindings';
import { Workspace } from '../../engine/workspace';
import { interpreterWork } from '../../engine/analysis/interpreter';

const ROOT = path.join(__dirname, '../../../test/fixtures/heavyLoop');
const FILE = path.join(ROOT, 'copy_range.c');
const OPENER = 'static int hl_copy_range(';

type Brief = string[];
const brief = (fs: { line: number; rule: string; file: string }[]): Brief => fs.map((f) => `${path.basename(f.file)}:${f.line} ${f.rule}`);

/** A check of `text` from scratch: a new Workspace over a copy of the fixture folder with the text on disk. */
const fromScratch = (text: string): Promise<unknown> => freshFindings(ROOT, 'copy_range.c', text);

/** 0-based lines of the opener's body that end a statement (`;`, perhaps with a trailing comment). */
function statementLines(lines: string[]): number[] {
  const from = lines.findIndex((l) => l.startsWith(OPENER));
  const to = lines.findIndex((l, i) => i > from && l === '}');
  assert.ok(from >= 0 && to > from, 'the fixture opener is found');
  const out: number[] = [];
  for (let i = from + 1; i < to; i++) if (/^\t+\S.*;\s*(\/\*.*\*\/)?$/.test(lines[i])) out.push(i);
  return out;
}

test('edits at every statement of a heavy opener: each incremental check equals a check from scratch; lines added above it do not run it again', async () => {
  const original = fs.readFileSync(FILE, 'utf8').split('\n');
  const ws = new Workspace({ root: ROOT });
  ws.build();
  const initial = brief((await ws.check([ROOT])).findings);
  assert.equal(initial.length, 2, 'the fixture has its two reads after write');

  let edits = 0;
  let changed = 0;
  /** Interpreter work (statements x states) of the last incremental check, not counting the check from scratch. */
  let lastSteps = 0;
  /** Gives the Workspace `lines` as the editor would and compares with a check from scratch; returns the findings. */
  const edit = async (lines: string[], what: string) => {
    const text = lines.join('\n');
    const w0 = interpreterWork.steps;
    ws.setText(FILE, text);
    const got = (await ws.check([ROOT])).findings;
    lastSteps = interpreterWork.steps - w0;
    assert.deepEqual(got, await fromScratch(text), what);
    edits++;
    if (JSON.stringify(brief(got)) !== JSON.stringify(initial)) changed++;
    return got;
  };

  const stmts = statementLines(original);
  assert.ok(stmts.length >= 25, `the opener has ${stmts.length} statement lines`);
  for (const [k, at] of stmts.entries()) {
    const indent = /^\t+/.exec(original[at])![0];
    // A PTE write typed after the statement (inside the section, the loop or its branches), then taken out.
    await edit([...original.slice(0, at + 1), `${indent}set_pte_at(dst_mm, addr, dst_pte, ptent);`, ...original.slice(at + 1)], `write after line ${at + 1}`);
    // The edited opener was run again (its summary was dropped, not reused under new text).
    assert.ok(lastSteps > 0, `a write typed after line ${at + 1} runs the opener again`);
    await edit(original, `write after line ${at + 1} undone`);
    // Every third statement deleted, then typed back.
    if (k % 3 === 0) {
      await edit([...original.slice(0, at), ...original.slice(at + 1)], `line ${at + 1} deleted`);
      await edit(original, `line ${at + 1} typed back`);
    }
  }

  // A helper's PTE write changed to write the source entry: the reads of the destination after it are no longer reads after write.
  const helperWrite = original.findIndex((l) => l.includes('set_ptes(NULL, addr, dst, v, nr);'));
  assert.ok(helperWrite > 0, 'the helper writes the destination');
  const toSrc = [...original];
  toSrc[helperWrite] = toSrc[helperWrite].replace('addr, dst,', 'addr, src,');
  const afterChange = brief(await edit(toSrc, 'helper write changed'));
  assert.notDeepEqual(afterChange, initial, 'changing the helper write changes the findings');
  await edit(original, 'helper write restored');

  // Lines added above the opener: its findings move down, nothing is run again.
  const above = original.findIndex((l) => l.startsWith(OPENER));
  const shifted = brief(await edit([...original.slice(0, above), '/* one */', '/* two */', '/* three */', ...original.slice(above)], 'three lines above the opener'));
  assert.equal(lastSteps, 0, 'lines added above the opener do not run it again');
  assert.deepEqual(
    shifted,
    initial.map((f) => f.replace(/:(\d+) /, (_, n: string) => `:${Number(n) + 3} `)),
    'its findings move down three lines',
  );

  // The edits mattered: many of them changed what is found.
  assert.ok(changed >= stmts.length / 2, `only ${changed} of ${edits} edits changed the findings`);
});
