// Findings for the architecture they name (issue 12), on the whole trees:
// 7.2 arm64 reports no nesting the generic layer allows unless asked (then
// as hints), none through KUnit's test code; the uffd-wp read names the write
// x86 Xen PV queues (pte_clear()); x86 runs get no break-before-make or
// kernel-access-before-flush in arch/x86; every message has a first sentence
// of at most 120 characters and a bounded length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTree } from './kernelTree';
import { JsonDiagnostic, runCheckJson } from './cliRun';
import { HEAD_LIMIT, MESSAGE_LIMIT } from '../../engine/message';

const show = (x: unknown) => JSON.stringify(x, null, 1).slice(0, 6000);

/** The CLI's rendering, as a user reads it: first sentence and whole message within the limits. */
function messageProblems(ds: JsonDiagnostic[]): string[] {
  const out: string[] = [];
  for (const d of ds) {
    const head = d.message.split('. ')[0];
    if (head.length > HEAD_LIMIT) out.push(`${d.file}:${d.line}: first sentence of ${head.length}: ${head}`);
    if (d.message.length > MESSAGE_LIMIT) out.push(`${d.file}:${d.line}: message of ${d.message.length}: ${d.message}`);
  }
  return out;
}

test('7.2 arm64: generic-in-generic nesting only on request, as hints; no chain through test code; uffd-wp names pte_clear()', () => {
  const tree = kernelTree('7.2');
  const plain = runCheckJson(tree, [tree], ['--arch', 'arm64']).report.diagnostics;
  const asked = runCheckJson(tree, [tree], ['--arch', 'arm64', '--allowed-nesting']).report.diagnostics;

  const nested = plain.filter((d) => d.rule === 'lazy-mmu/nested-section');
  assert.deepEqual(nested, [], `no nesting reported by default: every section here uses the generic layer: ${show(nested)}`);
  const hints = asked.filter((d) => d.rule === 'lazy-mmu/nested-section');
  assert.ok(hints.length >= 8, `the allowed nestings are there on request: ${show(hints)}`);
  for (const d of hints) {
    assert.equal(d.severity, 'hint');
    assert.deepEqual(d.impact, { kind: 'allowed', architectures: [] });
  }
  assert.ok(hints.some((d) => d.file === 'mm/memory.c' && d.function === 'zap_pte_range'), show(hints));
  // The KUnit test's own nested enable is the only finding there: no chain runs through its reporting (lib/kunit).
  const kunit = asked.filter((d) => d.file.startsWith('mm/tests/'));
  assert.ok(kunit.every((d) => !d.related.some((r) => / calls /.test(r.message))), show(kunit));
  assert.ok(!asked.some((d) => d.related.some((r) => r.file.startsWith('lib/kunit/') || /_kunit\.c$/.test(r.file) && / calls /.test(r.message))), 'no chain hop in test code');
  assert.equal(asked.length - hints.length, plain.length, 'the flag adds the hints and nothing else');

  const uffd = plain.find((d) => d.rule === 'lazy-mmu/read-after-write' && d.function === 'pte_install_uffd_wp_if_needed');
  assert.ok(uffd, show(plain.filter((d) => d.rule === 'lazy-mmu/read-after-write')));
  assert.match(uffd.message, /through `pte_clear\(\)`\) is still queued/);
  assert.doesNotMatch(uffd.message, /written by `ptep_get_and_clear_full\(\)`/, 'not the immediate exchange');
  assert.match(uffd.message, /can trip `WARN_ON_ONCE\(\)`/);
  assert.match(uffd.message, /3 other writes reach this read/);
  assert.deepEqual(uffd.impact, { kind: 'hazard', architectures: ['x86 Xen PV'] });

  assert.deepEqual(messageProblems(asked), []);
});

test('x86 runs (7.2, 6.1): arm64 rules judge no arch/x86 code; messages within the limits', () => {
  for (const v of ['7.2', '6.1'] as const) {
    const tree = kernelTree(v);
    const ds = runCheckJson(tree, [tree], ['--arch', 'x86']).report.diagnostics;
    const arm64Rules = ds.filter((d) => d.rule === 'lazy-mmu/break-before-make' || d.rule === 'lazy-mmu/kernel-access-before-flush');
    assert.deepEqual(arm64Rules.filter((d) => d.file.startsWith('arch/')), [], `${v} x86: ${show(arm64Rules)}`);
    // Generic code is still judged (the HugeTLB vmemmap remap), and for the architecture the rule is about:
    // arm64 cannot select HUGETLB_PAGE_OPTIMIZE_VMEMMAP, so the remap's break-before-make is a latent contract.
    const vmemmap = arm64Rules.filter((d) => d.file === 'mm/hugetlb_vmemmap.c');
    assert.ok(vmemmap.length > 0, `${v} x86: ${show(arm64Rules)}`);
    for (const d of vmemmap) assert.deepEqual(d.impact, { kind: 'contract', architectures: [] }, show(d));
    for (const d of arm64Rules) assert.ok(d.impact.kind !== 'hazard' || d.impact.architectures.join() === 'arm64', show(d));
    assert.deepEqual(messageProblems(ds), [], v);
  }
});
