// The local rules' walk of an edited function restarted where the edit
// begins and stopped where the paths are the last walk's again
// (engine/analysis/walk/localResume.ts), on two large fixture functions:
// test/fixtures/localResume/large_fn.c (two break-before-make hazards, a
// section with kernel accesses before its flush, flags tested again, labels
// reached by forward gotos) and goto_back.c (a goto back to a label, as
// copy_pte_range's `goto again`: three passes, a hazard only a later pass
// meets). One Workspace is given every edit, as the language server gives it
// (the file is an editor's buffer, so its walks are traced); after each, its
// findings must equal a fresh Workspace's on the edited text. And the walk
// after an ordinary edit must walk a part of the function's statements, not
// all of them (localWalkCounts.steps, statements x paths, counted, never
// timed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { freshFindings } from './freshFindings';
import { Workspace } from '../../engine/workspace';
import { localWalkCounts, LocalTrace } from '../../engine/analysis/walk/localResume';
import { Rng } from '../fuzz/rng';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';
import { ensureParser } from '../../engine/parse/cParser';
import { SourceCache } from '../../engine/analysis/sourceCache';
import { TreeArchitectures } from '../../engine/architectures';
import { LOCAL_RULES } from '../../engine/checkers';
import { runLocalRules } from '../../engine/checkers/localRules';

const ROOT = path.join(__dirname, '../../../test/fixtures/localResume');
const FILE = path.join(ROOT, 'large_fn.c');
const AGAIN = path.join(ROOT, 'goto_back.c');
const REFUSALS = path.join(ROOT, 'refusals.c');

/** The findings of a fresh Workspace over a copy of the fixture `file` with `text`, named as the fixture's places. */
const fresh = (text: string, file = FILE): Promise<unknown> => freshFindings(ROOT, path.basename(file), text);

/** 0-based lines of the function's body that are a whole statement ending in `;`. */
function statementLines(lines: string[]): number[] {
  const from = lines.findIndex((l) => l.startsWith('static int lr_'));
  const to = lines.findIndex((l, i) => i > from && l === '}');
  const out: number[] = [];
  for (let i = from + 1; i < to; i++) if (/^\t+[^\t].*;$/.test(lines[i])) out.push(i);
  return out;
}

/** Statements typed into the function: some change nothing the rules follow, others what they find. */
const TYPED = [
  'cpu_relax();',
  'tries = tries + 3;',
  'quick = false;',
  'dirty = !dirty;',
  'old = ptep_get(ptep);',
  'ptep_clear(mm, addr, ptep);',
  'flush_tlb_page(mm, addr);',
  'set_pte_at(mm, addr, ptep, pfn_pte(new_pfn + 1, PAGE_KERNEL));',
  'v = p[3];',
  'arch_flush_lazy_mmu_mode();',
  'if (!pte_present(old))\n\t\treturn -EINVAL;',
  'if (quick)\n\t\tgoto out;',
];

/**
 * `n` seeded random edits of the fixture `file` (typed statements, deletions,
 * back to the original), one Workspace given each: after each, the findings
 * equal a fresh Workspace's. Says how many walks restarted and stopped early,
 * and how many edits changed the findings.
 */
async function randomEdits(file: string, seed: number, n: number, findings: number, typedSet = TYPED): Promise<{ restarted: number; stoppedEarly: number; differentFindings: number }> {
  const original = fs.readFileSync(file, 'utf8');
  const ws = new Workspace({ root: ROOT });
  ws.build();
  ws.setText(file, original);
  const first = (await ws.check([file])).findings;
  assert.equal(first.length, findings, `the fixture has its ${findings} findings`);
  assert.deepEqual(first, await fresh(original, file));

  const rng = new Rng(seed);
  const counts0 = { ...localWalkCounts };
  let lines = original.split('\n');
  let differentFindings = 0;
  for (let k = 0; k < n; k++) {
    const stmts = statementLines(lines);
    const r = rng.next();
    let what: string;
    if (r < 0.1) {
      lines = original.split('\n');
      what = 'back to the original';
    } else if (r < 0.3 && stmts.length > 20) {
      const at = rng.pick(stmts);
      what = `line ${at + 1} deleted: ${lines[at].trim()}`;
      lines = [...lines.slice(0, at), ...lines.slice(at + 1)];
    } else {
      const at = rng.pick(stmts);
      const typed = rng.pick(typedSet);
      const indent = /^\t+/.exec(lines[at])![0];
      what = `${typed} typed after line ${at + 1}`;
      lines = [...lines.slice(0, at + 1), ...`${indent}${typed}`.split('\n'), ...lines.slice(at + 1)];
    }
    const text = lines.join('\n');
    ws.setText(file, text);
    const got = (await ws.check([file])).findings;
    assert.deepEqual(got, await fresh(text, file), `edit ${k}: ${what}`);
    if (JSON.stringify(got.map((f) => [f.line, f.rule])) !== JSON.stringify(first.map((f) => [f.line, f.rule]))) differentFindings++;
  }
  return {
    restarted: localWalkCounts.restarted - counts0.restarted,
    stoppedEarly: localWalkCounts.stoppedEarly - counts0.stoppedEarly,
    differentFindings,
  };
}

/** For goto_back.c: statements whose effect depends on the pass (its counter `tries` is 1, 2, 3), so a pass after the edit can differ when the first does not. */
const TYPED_BY_PASS = [
  ...TYPED,
  'if (tries > 1)\n\t\tptep_clear(mm, addr, ptep);',
  'if (tries == 2)\n\t\tset_pte_at(mm, addr, ptep, pfn_pte(pfn + 2, PAGE_KERNEL));',
  'if (tries > 2)\n\t\tv = p[4];',
  'if (tries == 3)\n\t\tgoto out;',
  'if (tries == 2)\n\t\tflush_tlb_page(mm, addr);',
  'if (tries > 1)\n\t\told = ptep_get(ptep);',
];

test('random edits inside a large function: after each, the findings (restarted walks) equal a fresh Workspace', async () => {
  const { restarted, stoppedEarly, differentFindings } = await randomEdits(FILE, 9, 70, 4);
  // The edits exercised the restart: walks started after the first statement, and stopped early.
  assert.ok(restarted > 20, `${restarted} walks restarted`);
  assert.ok(stoppedEarly > 20, `${stoppedEarly} walks stopped early`);
  assert.ok(differentFindings > 10, `${differentFindings} edits changed the findings`);
});

test('random edits inside a function a goto goes back in: after each, the findings (restarted walks, stopped in a later pass) equal a fresh Workspace', async () => {
  const { restarted, stoppedEarly, differentFindings } = await randomEdits(AGAIN, 11, 80, 3, TYPED_BY_PASS);
  assert.ok(restarted > 20, `${restarted} walks restarted`);
  assert.ok(stoppedEarly > 20, `${stoppedEarly} walks stopped early`);
  assert.ok(differentFindings > 10, `${differentFindings} edits changed the findings`);
});

/**
 * The whole walk of the fixture `file`'s function, then the steps walked
 * again after `cpu_relax();` is typed after each 0-based line of `after`
 * (each typed, then taken out); the findings after each equal a fresh
 * Workspace's.
 */
async function walkedAgain(file: string, after: (stmts: number[]) => number[]): Promise<{ whole: number; walked: [number, number][] }> {
  const original = fs.readFileSync(file, 'utf8');
  const lines = original.split('\n');
  const ws = new Workspace({ root: ROOT });
  ws.build();
  ws.setText(file, original);
  let s0 = localWalkCounts.steps;
  await ws.check([file]);
  const whole = localWalkCounts.steps - s0;
  const walked: [number, number][] = [];
  for (const at of after(statementLines(lines))) {
    for (const text of [[...lines.slice(0, at + 1), '\tcpu_relax();', ...lines.slice(at + 1)].join('\n'), original]) {
      s0 = localWalkCounts.steps;
      ws.setText(file, text);
      const got = (await ws.check([file])).findings;
      walked.push([at + 1, localWalkCounts.steps - s0]);
      assert.deepEqual(got, await fresh(text, file), `after line ${at + 1}`);
    }
  }
  return { whole, walked };
}

test('an ordinary edit inside a large function walks a few of its statements again, not the whole function', async () => {
  // `cpu_relax();` typed after the statements near the end, the middle and the start, each then taken out.
  const { whole, walked } = await walkedAgain(FILE, (stmts) => [stmts[stmts.length - 4], stmts[stmts.length >> 1], stmts[3]]);
  assert.ok(whole > 100, `the whole function's walk: ${whole} steps`);
  for (const [line, steps] of walked) assert.ok(steps * 5 < whole, `after line ${line}: ${steps} steps walked again, of ${whole}`);
});

test('an ordinary edit inside a function a goto goes back in walks part of it again: a few statements before the label, less than the whole inside the passes', async () => {
  const lines = fs.readFileSync(AGAIN, 'utf8').split('\n');
  const label = lines.indexOf('again:');
  const { whole, walked } = await walkedAgain(AGAIN, (stmts) => {
    const before = stmts.filter((l) => l < label);
    const inside = stmts.filter((l) => l > label);
    return [before[before.length - 2], inside[inside.length >> 1], inside[inside.length - 6]];
  });
  assert.ok(whole > 100, `the whole function's walk: ${whole} steps`);
  const [b1, b2, ...inPasses] = walked;
  for (const [line, steps] of [b1, b2]) assert.ok(steps * 5 < whole, `after line ${line}: ${steps} steps walked again, of ${whole}`);
  for (const [line, steps] of inPasses) assert.ok(steps * 1.25 < whole, `after line ${line}: ${steps} steps walked again, of ${whole}`);
});

// When the restarted walk refuses to stop (localResume.ts `converged`): each
// of test/fixtures/localResume/refusals.c's functions is walked, then walked
// again after one edit from the first walk's trace, as the Workspace does for
// an editor's buffer, and the second walk's findings must be a whole walk's
// of the edited text. Each edit brings the walk, at a boundary after the edit,
// to the last walk's flow with one thing different that the refusal looks at;
// stopped there, the walk would lose or repeat a finding. The walks are
// compared before the Workspace's one finding per place, which would hide a
// repeated one.

/** The local rules' findings of function `name` in `text` (the fixture's path), its walk traced from `restart` when given. */
function localFindings(text: string, name: string, restart?: { prev: LocalTrace | null; keep(t: LocalTrace): void }): unknown {
  const cat = builtinCatalogue();
  const line = text.split('\n').findIndex((l) => l.startsWith(`static int ${name}(`)) + 1;
  const fn = new SourceCache(cat, (f) => (f === REFUSALS ? text : null)).functionAt(REFUSALS, name, line);
  assert.ok(fn, `${name} in the fixture`);
  const arch = new TreeArchitectures(ROOT, cat);
  const rules = LOCAL_RULES.map((r) => r.make(fn, cat, arch));
  return JSON.parse(JSON.stringify(runLocalRules(fn, cat, rules, true, restart && { ...restart, tag: 'refusals' })));
}

/** Function `name` walked traced, then again after `edit` from its trace: the second walk's findings, a whole walk's of the edited text, and whether it restarted. */
async function walkedAfterEdit(name: string, edit: (fnText: string) => string): Promise<{ restarted: unknown; whole: unknown; didRestart: boolean; before: unknown }> {
  await ensureParser();
  const original = fs.readFileSync(REFUSALS, 'utf8');
  const from = original.indexOf(`static int ${name}(`);
  const to = original.indexOf('\n}\n', from) + 3;
  const edited = original.slice(0, from) + edit(original.slice(from, to)) + original.slice(to);
  assert.notEqual(edited, original, 'the edit changed the function');
  let prev: LocalTrace | null = null;
  const keep = (t: LocalTrace) => (prev = t);
  const before = localFindings(original, name, { prev, keep });
  const r0 = localWalkCounts.restarted;
  const restarted = localFindings(edited, name, { prev, keep });
  return { restarted, whole: localFindings(edited, name), didRestart: localWalkCounts.restarted > r0, before };
}

test('a restarted walk whose flow meets the last walk\'s but whose label saw other states does not stop: the edited walk\'s extra pass finds the access', async () => {
  const { restarted, whole, didRestart, before } = await walkedAfterEdit('lr_seen', (t) => t.replace('\tcpu_relax();\nagain:', '\tquick = true;\nagain:'));
  assert.ok(didRestart, 'the walk restarted at the edit');
  assert.equal((whole as unknown[]).length, 1, 'the edited function has its one finding (the second pass\'s)');
  assert.deepEqual(before, whole, 'the same finding before the edit');
  assert.deepEqual(restarted, whole);
});

test('a restarted walk whose flow and labels meet the last walk\'s but whose findings so far differ does not stop: the second pass finds what the first no longer does', async () => {
  const { restarted, whole, didRestart } = await walkedAfterEdit('lr_met', (t) => t.replace('\tcpu_relax();', '\tif (tries == 1)\n\t\tquick = true;'));
  assert.ok(didRestart, 'the walk restarted at the edit');
  assert.equal((whole as unknown[]).length, 1, 'the edited function has its one finding');
  assert.deepEqual(restarted, whole);
});

test('a restarted walk drops what a later pass finds again at a node a kept statement found: no finding twice', async () => {
  const { restarted, whole, didRestart } = await walkedAfterEdit('lr_found_again', (t) => t.replace('\tarch_leave_lazy_mmu_mode();\n', '\tarch_leave_lazy_mmu_mode();\n\tcpu_relax();\n'));
  assert.ok(didRestart, 'the walk restarted after the access');
  assert.equal((whole as unknown[]).length, 1, 'the edited function has its one finding');
  assert.deepEqual(restarted, whole);
});
