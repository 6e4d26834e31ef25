// What engine/replay.ts gives the simulation panel (issue 13, point 4): the
// fixed path's places follow the fix's inserts into the fixed text (checked
// on every read-after-write fixture with a fix, braced bodies and same-line
// inserts included); the model to open on; the call-chain hops' order; the
// fixed replay; the panel data made of the server's answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { bitingModel, fixedPath, hopsBetween, replayFinding, replayFixed, replaySummary } from '../../engine/replay';
import type { Finding } from '../../engine/findings';
import type { TextInsert } from '../../engine/fixes/statementPlacement';
import { fromReplayAnswer } from '../../client/panel/data';

const FIX = path.join(__dirname, '../../../test/fixtures');

/** The text with the inserts (1-based places in the original text) made. */
function applyInserts(text: string, inserts: TextInsert[]): string {
  const lines = text.split('\n');
  const offset = (l: number, c: number) => lines.slice(0, l - 1).reduce((n, x) => n + x.length + 1, 0) + c - 1;
  let out = text;
  for (const i of inserts.slice().sort((a, b) => offset(b.line, b.column) - offset(a.line, a.column))) {
    const at = offset(i.line, i.column);
    out = out.slice(0, at) + i.text + out.slice(at);
  }
  return out;
}

const at = (text: string, line: number, column: number, n = 14) => (text.split('\n')[line - 1] ?? '').slice(column - 1, column - 1 + n);

async function findings(files: string[]): Promise<Finding[]> {
  const r = await checkTree({ root: FIX, paths: files.map((f) => path.join(FIX, f)) });
  return r.findings.filter((f) => f.rule === 'lazy-mmu/read-after-write' && f.path && f.fix);
}

test('the fixed path names the fixed text: each step at the same code, each inserted call at its name', async () => {
  const files = ['panel/chain_read.c', 'panel/braced_fix.c', ...fs.readdirSync(path.join(FIX, 'raw')).filter((f) => f.endsWith('.c')).map((f) => `raw/${f}`)];
  const fs_ = await findings(files);
  assert.ok(fs_.length >= 10, `${fs_.length} findings with a fix`);
  let braced = 0;
  for (const f of fs_) {
    const old = fs.readFileSync(f.file, 'utf8');
    const fixed = applyInserts(old, f.fix!.inserts);
    if (f.fix!.inserts.some((i) => /[{}]/.test(i.text))) braced++;
    const p = fixedPath(f);
    assert.ok(p, `${f.file}:${f.line} has a fixed path`);
    // (A read-after-write path is enter, write, read: the flush steps are the fix's.)
    const added = p!.filter((s) => s.op === 'arch_flush_lazy_mmu_mode');
    assert.ok(added.length >= 1, `${f.file}:${f.line}: a flush step`);
    for (const s of added) assert.equal(at(fixed, s.line, s.column, s.op.length), s.op, `${path.basename(f.file)}:${f.line}: ${s.op} at ${s.line}:${s.column}`);
    const kept = p!.filter((s) => !added.includes(s));
    assert.equal(kept.length, f.path!.length);
    kept.forEach((s, i) => {
      const o = f.path![i];
      const src = o.file === f.file ? old : fs.readFileSync(o.file, 'utf8');
      const dst = s.file === f.file ? fixed : src;
      assert.equal(at(dst, s.line, s.column), at(src, o.line, o.column), `${path.basename(f.file)}:${f.line}: step ${o.op} moved to ${s.line}:${s.column}`);
    });
    // The flush runs after the write and before the read.
    const flush = p!.findIndex((s) => s.op === 'arch_flush_lazy_mmu_mode');
    assert.ok(flush > 1 && flush < p!.length - 1, `${path.basename(f.file)}:${f.line}: flush at ${flush} of ${p!.map((s) => s.op)}`);
    assert.equal(p![p!.length - 1].op, f.path![f.path!.length - 1].op, 'the read stays last');
  }
  assert.ok(braced >= 1, 'a fix that braces a body is among them');
});

test('with its fix, a stale read is possible on no model; without, on Xen PV only', async () => {
  const [f] = await findings(['panel/chain_read.c']);
  const before = replaySummary(f, replayFinding(f)!);
  assert.deepEqual(before.possible.flatMap((g) => g.models), ['x86-xen-pv']);
  const after = replaySummary(f, replayFixed(f)!);
  assert.deepEqual(after.possible, []);
  assert.equal(after.outcome, 'stale read');
  // No fix (or none the simulator runs): nothing to replay.
  assert.equal(replayFixed({ ...f, fix: undefined }), null);
  assert.equal(replayFixed({ ...f, fix: { title: 't', inserts: [{ line: f.line, column: 1, text: 'smp_mb();\n' }] } }), null);
});

test('the model to open on: the preferred one where it bites, else one of its architecture, else the first where it bites', () => {
  const r = (...bite: string[]) => Object.fromEntries(['arm64-eager', 'arm64-v6.16', 'x86-xen-pv', 's390'].map((m) => [m, { exists: bite.includes(m) }]));
  assert.equal(bitingModel(r('x86-xen-pv'), 'arm64-eager'), 'x86-xen-pv');
  assert.equal(bitingModel(r('x86-xen-pv', 's390', 'arm64-v6.16'), 'arm64-eager'), 'arm64-v6.16');
  assert.equal(bitingModel(r('x86-xen-pv', 's390'), 's390'), 's390');
  assert.equal(bitingModel(r(), 's390'), 's390', 'nowhere: the preferred model');
  assert.equal(bitingModel(r(), 'no-such-model'), 'arm64-eager', 'an unknown preference: the first model');
});

test('hops: the related places before the write lead to it, the ones after it to the read; none when the write is not among them', () => {
  const file = '/x.c';
  const path_ = [
    { op: 'arch_enter_lazy_mmu_mode', file, line: 10, column: 2 },
    { op: 'set_pte_at', file, line: 3, column: 2 },
    { op: 'ptep_get', file, line: 14, column: 9 },
  ];
  const rel = (line: number, message: string) => ({ file, line, column: 2, message });
  const hops = hopsBetween(path_, [rel(12, 'outer() writes'), rel(5, 'inner() writes'), rel(3, 'set_pte_at() writes'), rel(13, 'reader() reads')]);
  assert.deepEqual([...hops.entries()].map(([i, hs]) => [i, hs.map((h) => h.message)]), [
    [1, ['outer() writes', 'inner() writes']],
    [2, ['reader() reads']],
  ]);
  assert.equal(hopsBetween(path_, [rel(12, 'outer() writes')]).size, 0);
  assert.equal(hopsBetween(path_, []).size, 0);
});

test('panel data from the server\'s answers: the biting model, the summary, the fix offered; once fixed, said so and not offered', () => {
  const replay = { 'arm64-eager': { exists: false, verdict: 'Forbidden', bounded: null, outcomes: [], steps: [] }, 'x86-xen-pv': { exists: true, verdict: 'Allowed', bounded: null, outcomes: [], steps: [] } };
  const finding = { rule: 'lazy-mmu/read-after-write', function: 'fn', line: 7, message: 'stale read of `p`' };
  const summary = { outcome: 'stale read', possible: [{ arch: 'x86', models: ['x86-xen-pv'], whole: true }], impossible: [], unknown: [] };
  const d = fromReplayAnswer({ finding, replay, summary, model: 'x86-xen-pv', fix: { title: 'Flush' } }, 'arm64-eager');
  assert.equal(d.selected, 'x86-xen-pv');
  assert.deepEqual(d.summary, summary);
  assert.deepEqual(d.fix, { title: 'Flush' });
  assert.equal(d.title, 'fn: lazy-mmu/read-after-write (line 7)');
  const fixed = fromReplayAnswer({ finding, replay, summary, model: 'x86-xen-pv', fix: { title: 'Flush' }, applied: true }, 'arm64-eager');
  assert.equal(fixed.fix, undefined);
  assert.equal(fixed.fixed, true);
  assert.equal(fixed.title, 'fn: lazy-mmu/read-after-write (line 7), fixed');
  assert.match(fixed.subtitle!, /^Simulated again with the fix applied: Flush\. The finding was: stale read of `p`/);
  // No model from the server: the preferred one.
  assert.equal(fromReplayAnswer({ finding, replay }, 'arm64-eager').selected, 'arm64-eager');
});
