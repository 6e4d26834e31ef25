// linux-6.1 mm/memory.c: the same path as in 6.12, where the stale read is
// the raw `*src_pte` inside the callee copy_present_pte().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { kernelTree } from './kernelTree';
import { lineOf, runCheckJson } from './cliRun';

test('6.1: the raw *src_pte read in copy_present_pte after the -ENOENT restore is reported', () => {
  const tree = kernelTree('6.1');
  const file = path.join(tree, 'mm/memory.c');
  const text = fs.readFileSync(file, 'utf8');
  const { status, report } = runCheckJson(tree, [file]);
  assert.equal(status, 1);

  const presentStart = lineOf(text, /^copy_present_pte\(/);
  const rawRead = lineOf(text, /pte_t pte = \*src_pte;/, presentStart);
  const copyStart = lineOf(text, /^copy_pte_range\(/);
  const call = lineOf(text, /ret = copy_nonpresent_pte\(/, copyStart);
  const eioRead = lineOf(text, /entry = pte_to_swp_entry\(\*src_pte\);/, call);

  const raw = report.diagnostics.filter((d) => d.rule === 'lazy-mmu/read-after-write');
  const show = JSON.stringify(raw, null, 1);
  const d = raw.find((x) => x.line === rawRead);
  assert.ok(d, `a finding on line ${rawRead} (pte_t pte = *src_pte): ${show}`);
  assert.equal(d.function, 'copy_present_pte');
  assert.match(d.message, /^stale read of `src_pte`: written by `set_pte_at\(\)` via `copy_nonpresent_pte\(\)` \(line \d+\)\. /);
  assert.deepEqual(d.impact, { kind: 'hazard', architectures: ['x86 Xen PV'] });
  const hops = d.related.map((r) => r.message);
  ['copy_nonpresent_pte', 'try_restore_exclusive_pte', 'restore_exclusive_pte', 'set_pte_at'].forEach((n, i) =>
    assert.match(hops[i] ?? '', new RegExp(`^${n}\\(\\)`), `hop ${i} is ${n}: ${show}`),
  );
  assert.equal(d.related[0].line, call);
  assert.ok(hops.some((h) => /^copy_present_pte\(\) is called here/.test(h)), 'the read chain names copy_present_pte');
  assert.ok(!raw.some((x) => x.line === eioRead), `the -EIO read (line ${eioRead}) is clean: ${show}`);
});
