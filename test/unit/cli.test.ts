// The `lazymmu check` command as a user meets it: exit statuses, messages for
// bad input, and the default root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'raw');

function lazymmu(args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), ...args], { encoding: 'utf8' });
}

test('exit 1 with gcc-style text and notes for each hop', () => {
  const r = lazymmu(['check', '--root', FIXTURES, path.join(FIXTURES, 'interproc_depth2.c')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^interproc_depth2\.c:\d+:\d+: warning: stale read of .* \[lazy-mmu\/read-after-write, hazard: x86 Xen PV\]$/m);
  assert.match(r.stdout, /^interproc_depth2\.c:\d+:\d+: note: /m);
});

test('exit 0 and no output on a clean file', () => {
  const r = lazymmu(['check', '--root', FIXTURES, path.join(FIXTURES, 'neg_loop_advance.c')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
});

test('usage errors exit 2 with a message', () => {
  for (const args of [['check'], ['check', '--format', 'xml', FIXTURES], ['check', '--arch', 'vax', FIXTURES], ['frobnicate'], ['check', '/nonexistent/x.c']]) {
    const r = lazymmu(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, /^lazymmu: /, args.join(' '));
  }
});

test('a binary file is reported, not analysed, and exits 2; a bad extra-APIs file too', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-cli-'));
  const bin = path.join(dir, 'blob.c');
  fs.writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0, 0]));
  const r = lazymmu(['check', bin]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /blob\.c: binary file/);
  const bad = path.join(dir, 'apis.json');
  fs.writeFileSync(bad, '{"writers": {"my_set": {"ptrArg": "two"}}}');
  const r2 = lazymmu(['check', '--extra-apis', bad, path.join(FIXTURES, 'direct_ptep_get.c')]);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /writers\.my_set\.ptrArg must be an argument index/);
});

test('--extra-apis teaches the checker a new writer', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-cli-'));
  const src = path.join(dir, 'custom.c');
  fs.writeFileSync(
    src,
    'void f(pte_t *p)\n{\n\tarch_enter_lazy_mmu_mode();\n\tmy_arch_set(p, 1);\n\tx = ptep_get(p);\n\tarch_leave_lazy_mmu_mode();\n}\n',
  );
  assert.equal(lazymmu(['check', src]).status, 0, 'unknown writer: no finding');
  const apis = path.join(dir, 'apis.json');
  fs.writeFileSync(apis, JSON.stringify({ writers: { my_arch_set: { ptrArg: 0 } } }));
  const r = lazymmu(['check', '--extra-apis', apis, src]);
  assert.equal(r.status, 1, r.stderr);
  // No implementation is known to queue the new writer: the contract only, shown as a note.
  assert.match(r.stdout, /custom\.c:5:\d+: note: stale read of `p`: written by `my_arch_set\(\)` \(line 4\).*\[lazy-mmu\/read-after-write, contract\]/);
  // Told that x86 Xen PV queues it (an existing implementation is extended), the read is a hazard there.
  fs.writeFileSync(apis, JSON.stringify({ writers: { my_arch_set: { ptrArg: 0 } }, lazyModeImplementations: { 'x86-xen-pv': { defers: ['my_arch_set'] } } }));
  const h = lazymmu(['check', '--extra-apis', apis, src]);
  assert.equal(h.status, 1, h.stderr);
  assert.match(h.stdout, /custom\.c:5:\d+: warning: stale read of `p`: .*On x86 Xen PV the write is still queued.*\[lazy-mmu\/read-after-write, hazard: x86 Xen PV\]/);
  fs.writeFileSync(apis, JSON.stringify({ lazyModeImplementations: { mine: { defers: ['my_arch_set'] } } }));
  const bad = lazymmu(['check', '--extra-apis', apis, src]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /lazyModeImplementations\.mine\.name must be a non-empty string/);
});

test('--extra-apis: a writer\'s "value" decides a test on what is read back; a bad value is rejected', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-cli-'));
  const src = path.join(dir, 'guard.c');
  // The first read after the clear is the finding; the second is reached only if the entry read back is present.
  fs.writeFileSync(
    src,
    'void f(pte_t *p)\n{\n\tpte_t v;\n\n\tarch_enter_lazy_mmu_mode();\n\tmy_arch_zap(p);\n\tv = ptep_get(p);\n\tif (pte_present(v))\n\t\tx = ptep_get(p);\n\tarch_leave_lazy_mmu_mode();\n}\n',
  );
  const apis = path.join(dir, 'apis.json');
  // Contract findings (no implementation queues my_arch_zap) are shown as notes.
  const lines = (r: ReturnType<typeof lazymmu>) => [...r.stdout.matchAll(/^guard\.c:(\d+):\d+: (?:warning|note): .*\[lazy-mmu\/read-after-write/gm)].map((m) => Number(m[1]));
  fs.writeFileSync(apis, JSON.stringify({ writers: { my_arch_zap: { ptrArg: 0 } } }));
  assert.deepEqual(lines(lazymmu(['check', '--extra-apis', apis, src])), [7, 9], 'value unknown: both reads');
  fs.writeFileSync(apis, JSON.stringify({ writers: { my_arch_zap: { ptrArg: 0, value: 'none' } } }));
  assert.deepEqual(lines(lazymmu(['check', '--extra-apis', apis, src])), [7], 'a cleared entry is never present');
  fs.writeFileSync(apis, JSON.stringify({ writers: { my_arch_zap: { ptrArg: 0, value: 'gone' } }, readers: { my_get: { ptrArg: 0, value: 'none' } } }));
  const bad = lazymmu(['check', '--extra-apis', apis, src]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /writers\.my_arch_zap\.value: only a writer has one, one of none, present, table, swap/);
  assert.match(bad.stderr, /readers\.my_get\.value: only a writer has one/);
});

test('--extra-apis extends the section checkers\' lists (a new sleeper), and rejects a bad list', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-cli-'));
  const src = path.join(dir, 'sleepy.c');
  fs.writeFileSync(src, 'void f(pte_t *p)\n{\n\tarch_enter_lazy_mmu_mode();\n\tmy_driver_wait(p);\n\tarch_leave_lazy_mmu_mode();\n}\n');
  assert.equal(lazymmu(['check', src]).status, 0);
  const apis = path.join(dir, 'apis.json');
  fs.writeFileSync(apis, JSON.stringify({ sleepers: ['my_driver_wait'] }));
  const r = lazymmu(['check', '--extra-apis', apis, src]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /sleepy\.c:4:\d+: warning: `my_driver_wait\(\)` may sleep .*\[lazy-mmu\/sleep-in-section, hazard: powerpc hash, sparc64\]/);
  fs.writeFileSync(apis, JSON.stringify({ sleepers: ['not an identifier'], chainBarriers: ['('] }));
  const bad = lazymmu(['check', '--extra-apis', apis, src]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /sleepers must be a list of C identifiers/);
  assert.match(bad.stderr, /chainBarriers: "\(" is not a regular expression/);
});

test('--kernel-config decides #ifdef CONFIG_* (a finding that needs a disabled option goes) and a bad file is a usage error', () => {
  const file = path.join(FIXTURES, 'ifdef_write.c');
  const all = lazymmu(['check', '--format', 'json', '--root', FIXTURES, file]);
  const before = JSON.parse(all.stdout).diagnostics.filter((d: { conditions: string[] }) => d.conditions.includes('CONFIG_MEM_SOFT_DIRTY'));
  assert.ok(before.length >= 1, all.stdout);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-cfg-'));
  const off = path.join(dir, 'off.config');
  fs.writeFileSync(off, '# CONFIG_MEM_SOFT_DIRTY is not set\nCONFIG_TRANSPARENT_HUGEPAGE=y\n');
  const r = lazymmu(['check', '--format', 'json', '--kernel-config', off, '--root', FIXTURES, file]);
  const after = JSON.parse(r.stdout).diagnostics;
  assert.ok(!after.some((d: { conditions: string[] }) => d.conditions.includes('CONFIG_MEM_SOFT_DIRTY')), r.stdout);
  const on = path.join(dir, 'on.config');
  fs.writeFileSync(on, 'CONFIG_MEM_SOFT_DIRTY=y\n');
  const r2 = JSON.parse(lazymmu(['check', '--format', 'json', '--kernel-config', on, '--root', FIXTURES, file]).stdout).diagnostics;
  // Decided by the config, the condition is no longer something the finding depends on.
  assert.ok(r2.length >= before.length && !r2.some((d: { conditions: string[] }) => d.conditions.includes('CONFIG_MEM_SOFT_DIRTY')), JSON.stringify(r2));
  const bad = lazymmu(['check', '--kernel-config', path.join(dir, 'missing.config'), file]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /cannot read the kernel config/);
});

test('impact: text shows contract findings one level lower; --min-impact hazard keeps hazards only; a bad value is a usage error', () => {
  const tree = path.join(REPO, 'test', 'fixtures', 'tree');
  const sections = path.join(tree, 'mm', 'sections.c');
  const all = lazymmu(['check', '--root', tree, '--arch', 'x86', sections]);
  assert.equal(all.status, 1, all.stderr);
  assert.match(all.stdout, /sections\.c:\d+:\d+: warning: `sec_map_helper\(\)` can enter the lazy MMU mode again.*\[lazy-mmu\/nested-section, hazard: x86 Xen PV\]/);
  assert.match(all.stdout, /sections\.c:\d+:\d+: note: `pte_alloc\(\)` allocates a page table inside a lazy MMU section.*\[lazy-mmu\/alloc-in-section, contract\]/);
  const hz = lazymmu(['check', '--root', tree, '--arch', 'x86', '--min-impact', 'hazard', '--format', 'json', sections]);
  const kinds = JSON.parse(hz.stdout).diagnostics.map((d: { rule: string; impact: { kind: string } }) => `${d.rule} ${d.impact.kind}`);
  assert.deepEqual(kinds.sort(), [
    'lazy-mmu/nested-section hazard',
    'lazy-mmu/sleep-in-section hazard',
    'lazy-mmu/unbalanced-section hazard',
  ]);
  const bad = lazymmu(['check', '--min-impact', 'severe', sections]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--min-impact must be contract or hazard, not "severe"/);
  // Only contract findings left out: exit 0 when nothing is left.
  const raw = path.join(tree, 'mm', 'raw.c');
  const onlyHazards = JSON.parse(lazymmu(['check', '--root', tree, '--arch', 'x86', '--min-impact', 'hazard', '--format', 'json', raw]).stdout).diagnostics;
  assert.deepEqual(onlyHazards.map((d: { impact: unknown }) => d.impact), [{ kind: 'hazard', architectures: ['x86 Xen PV'] }]);
});

test('--allowed-nesting: generic-layer nesting shown at hint level (JSON severity hint, SARIF note), hidden by default', () => {
  const file = path.join(REPO, 'test', 'fixtures', 'sections', 'nested_shapes.c');
  const root = path.dirname(file);
  const allowed = (args: string[]) =>
    JSON.parse(lazymmu(['check', '--root', root, '--format', 'json', ...args, file]).stdout).diagnostics.filter(
      (d: { impact: { kind: string } }) => d.impact.kind === 'allowed',
    );
  assert.deepEqual(allowed([]), []);
  const shown = allowed(['--allowed-nesting']);
  assert.equal(shown.length, 2, JSON.stringify(shown, null, 1));
  for (const d of shown) {
    assert.equal(d.rule, 'lazy-mmu/nested-section');
    assert.equal(d.severity, 'hint');
    assert.match(d.message, /The generic layer opened both sections and only counts the nested enable: allowed/);
  }
  assert.deepEqual(allowed(['--allowed-nesting', '--min-impact', 'hazard']), [], 'the hazard filter wins');
  const text = lazymmu(['check', '--root', root, '--allowed-nesting', file]).stdout;
  assert.match(text, /nested_shapes\.c:\d+:\d+: note: `lazy_mmu_mode_enable\(\)` enters the lazy MMU mode again inside this section.*\[lazy-mmu\/nested-section, allowed\]/);
  const sarif = JSON.parse(lazymmu(['check', '--root', root, '--allowed-nesting', '--format', 'sarif', file]).stdout);
  const hints = sarif.runs[0].results.filter((r: { properties: { impact: string } }) => r.properties.impact === 'allowed');
  assert.equal(hints.length, 2);
  for (const h of hints) assert.equal(h.level, 'note');
});
