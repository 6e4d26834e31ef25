// linux-6.12 mm/memory.c: the read-after-write in copy_pte_range that the
// lazy-MMU thread found (seed 001). The write is three calls away, on the
// path where copy_nonpresent_pte() returns -ENOENT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { kernelTree } from './kernelTree';
import { lineOf, runCheckJson } from './cliRun';

test('6.12: copy_pte_range re-read after copy_nonpresent_pte returns -ENOENT is reported with its chain', () => {
  const tree = kernelTree('6.12');
  const file = path.join(tree, 'mm/memory.c');
  const text = fs.readFileSync(file, 'utf8');
  const { status, report } = runCheckJson(tree, [file], ['--replay']);
  assert.equal(status, 1, 'findings make the exit status 1');
  assert.equal(report.root, tree);

  const fnStart = lineOf(text, /^copy_pte_range\(/);
  const loopTopRead = lineOf(text, /^\s*ptent = ptep_get\(src_pte\);/, fnStart);
  const call = lineOf(text, /ret = copy_nonpresent_pte\(/, fnStart);
  const eioRead = lineOf(text, /entry = pte_to_swp_entry\(ptep_get\(src_pte\)\);/, call);
  const enoentRead = lineOf(text, /^\s*ptent = ptep_get\(src_pte\);/, call);
  const leave = lineOf(text, /arch_leave_lazy_mmu_mode\(\);/, call);

  const raw = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/read-after-write');
  const inCopy = raw.filter((d) => d.function === 'copy_pte_range');
  const show = JSON.stringify(inCopy, null, 1);
  assert.deepEqual(inCopy.map((d) => d.line), [enoentRead], `copy_pte_range findings: ${show}`);
  const d = inCopy[0];
  assert.equal(d.file, 'mm/memory.c');
  // clangd style: what and where first (the call in this function), then the consequence, derived from the code after the read.
  assert.match(d.message, new RegExp(`^stale read of \`src_pte\`: written by \`set_pte_at\\(\\)\` via \`copy_nonpresent_pte\\(\\)\` \\(line ${call}\\)\\. `));
  assert.match(
    d.message,
    /On x86 Xen PV the write \(through `set_pte\(\)`\) is still queued, so the read returns the old, non-present entry, which can trip `VM_WARN_ON_ONCE\(\)` and is passed to `copy_present_ptes\(\)`/,
  );
  assert.deepEqual(d.impact, { kind: 'hazard', architectures: ['x86 Xen PV'] });

  // One related location per hop: the call in copy_pte_range, then each callee, then the writer.
  const hops = d.related.map((r) => r.message);
  const names = ['copy_nonpresent_pte', 'try_restore_exclusive_pte', 'restore_exclusive_pte', 'set_pte_at'];
  names.forEach((n, i) => assert.match(hops[i] ?? '', new RegExp(`^${n}\\(\\)`), `hop ${i} is ${n}: ${show}`));
  assert.equal(d.related[0].line, call);
  assert.match(hops[0], /-ENOENT/);
  const restoreStart = lineOf(text, /^static void restore_exclusive_pte\(/);
  assert.equal(d.related[3].line, lineOf(text, /set_pte_at\(vma->vm_mm, address, ptep, pte\);/, restoreStart));
  for (const r of d.related) assert.equal(r.file, 'mm/memory.c');

  // Not the -EIO path (nothing written there), not the loop-carried read after src_pte += nr.
  for (const clean of [eioRead, loopTopRead]) {
    assert.ok(!raw.some((x) => x.line === clean), `line ${clean} must not be reported: ${show}`);
  }
  // Nothing else in the section is reported (every finding in mm/memory.c stems from this write).
  for (const x of raw) assert.equal(x.related[3]?.line, d.related[3].line, `unexpected finding: ${JSON.stringify(x)}`);
  assert.ok(leave > enoentRead);

  // Replayed on the simulator: arm64 reads the new entry value; Xen PV can read the stale one.
  const replay = (d as unknown as { replay: Record<string, { exists: boolean; bounded: string | null; steps: { file?: string; line?: number }[] }> }).replay;
  assert.ok(replay, 'check --replay attaches a replay');
  for (const m of ['arm64-eager', 'arm64-v6.16', 'arm64-generic']) {
    assert.equal(replay[m].exists, false, `${m}: the stale value is not reachable`);
    assert.equal(replay[m].bounded, null);
  }
  assert.equal(replay['x86-xen-pv'].exists, true, 'Xen PV can read the stale entry');
  const steps = (replay['x86-xen-pv'].steps as { kind?: string; file?: string; line?: number }[]).filter((s) => s.file === 'mm/memory.c');
  const lines = steps.filter((s) => s.kind !== 'call').map((s) => s.line);
  assert.deepEqual(lines, [lineOf(text, /arch_enter_lazy_mmu_mode\(\);/, fnStart), d.related[3].line, enoentRead], 'witness steps keep their source lines');
  // Between the enter and the write, the witness goes through the three calls down to it (engine/replay.ts hopsBetween).
  assert.deepEqual(
    steps.map((s) => `${s.kind === 'call' ? 'call' : 'op'}:${s.line}`),
    [`op:${lines[0]}`, ...d.related.slice(0, 3).map((r) => `call:${r.line}`), `op:${lines[1]}`, `op:${lines[2]}`],
  );
});
