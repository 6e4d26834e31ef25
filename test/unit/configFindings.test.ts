// Findings under a configuration, on the miniature tree we wrote
// (test/fixtures/kconfig/tree): what each architecture can have, what a pinned
// .config or a distribution's configuration decides, what the output says.
import { renderMessage } from '../../engine/message';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { Finding } from '../../engine/findings';
import { KernelConfig } from '../../engine/config/kernelConfig';

const REPO = path.join(__dirname, '..', '..', '..');
const TREE = path.join(REPO, 'test', 'fixtures', 'kconfig', 'tree');
const at = (fs_: Finding[], file: string, line: number, rule: string) =>
  fs_.find((f) => f.file === path.join(TREE, file) && f.line === line && f.rule === `lazy-mmu/${rule}`);
const lineOf = (file: string, re: RegExp) => fs.readFileSync(path.join(TREE, file), 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;

const UNMAP = lineOf('mm/core.c', /^\tmini_pte_unmap\(pte\);/);
const HIGHMEM = lineOf('mm/core.c', /^\tmini_highmem_flush\(\);/);
const DEBUG = lineOf('mm/core.c', /^\tmini_debug_map\(page\);/);
const THP = lineOf('mm/core.c', /^\tmini_split\(page\);/);
const THP_BOTH = lineOf('mm/core.c', /^\tmini_split_both\(page\);/);
const RAW_HIGHPTE = lineOf('mm/core.c', /^#ifdef CONFIG_HIGHPTE/) + 1;
const RAW_NOT_ARM64 = lineOf('mm/core.c', /!defined\(CONFIG_ARM64\)/) + 1;
const RAW_IF_HIGHMEM = lineOf('mm/core.c', /IS_ENABLED\(CONFIG_HIGHMEM\)/) + 1;
const PREPARE = lineOf('mm/core.c', /^\tmini_prepare\(page\);/);
const REMAP_SMALL = lineOf('mm/core.c', /^\tmini_remap_small\(page\);/);
const THP_SPLIT = lineOf('mm/core.c', /^\tmini_thp_split_page\(page\);/);
const BBM = lineOf('mm/vmemmap.c', /set_pte_at\(&init_mm/);

async function check(arch: string, extra: Partial<Parameters<typeof checkTree>[0]> = {}) {
  return checkTree({ root: TREE, arch, paths: [TREE], ...extra });
}

test('arm64: chains and branches that need HIGHPTE/HIGHMEM are gone; what arm64 can enable stays, named', async () => {
  const r = await check('arm64');
  const f = r.findings;
  assert.equal(at(f, 'mm/core.c', UNMAP, 'nested-section'), undefined, 'mini_pte_unmap() nests only under CONFIG_HIGHPTE');
  assert.equal(at(f, 'mm/core.c', HIGHMEM, 'nested-section'), undefined, 'mm/highmem.c is never built on arm64');
  assert.equal(at(f, 'mm/core.c', RAW_HIGHPTE, 'read-after-write'), undefined, '#ifdef CONFIG_HIGHPTE: no path on arm64');
  assert.equal(at(f, 'mm/core.c', RAW_NOT_ARM64, 'read-after-write'), undefined, '!defined(CONFIG_ARM64): arm64 always has it');
  assert.equal(at(f, 'mm/core.c', RAW_IF_HIGHMEM, 'read-after-write'), undefined, 'if (IS_ENABLED(CONFIG_HIGHMEM)): never true on arm64');
  const dbg = at(f, 'mm/core.c', DEBUG, 'nested-section');
  assert.ok(dbg, 'nesting through the debug helper stays');
  assert.deepEqual(dbg.conditions, ['CONFIG_DEBUG_PAGEALLOC', 'debug_pagealloc_enabled_static()']);
  assert.deepEqual(dbg.requires, [{ option: 'CONFIG_DEBUG_PAGEALLOC', debug: true }]);
  assert.deepEqual(r.configuration?.arch, 'arm64');
  assert.match(r.configuration!.text, /Kconfig and Kbuild for arm64/);
});

test('x86: the same chains and branches are there, with the options they need', async () => {
  const f = (await check('x86')).findings;
  const unmap = at(f, 'mm/core.c', UNMAP, 'nested-section');
  assert.ok(unmap);
  assert.deepEqual(unmap.conditions, ['CONFIG_HIGHPTE', 'CONFIG_HIGHMEM']);
  assert.deepEqual(unmap.requires, [
    { option: 'CONFIG_HIGHPTE', debug: false },
    { option: 'CONFIG_HIGHMEM', debug: false },
  ]);
  assert.deepEqual(at(f, 'mm/core.c', HIGHMEM, 'nested-section')?.conditions, ['CONFIG_HIGHMEM'], "the file's build condition is named");
  assert.deepEqual(at(f, 'mm/core.c', RAW_HIGHPTE, 'read-after-write')?.conditions, ['CONFIG_HIGHPTE']);
  assert.deepEqual(at(f, 'mm/core.c', RAW_NOT_ARM64, 'read-after-write')?.conditions, [], 'x86 always has MMU and never ARM64: unconditional');
  assert.deepEqual(at(f, 'mm/core.c', RAW_IF_HIGHMEM, 'read-after-write')?.conditions, ['CONFIG_HIGHMEM'], 'if (IS_ENABLED(CONFIG_HIGHMEM)) can be taken on x86, and the finding says so');
});

test('conditions: no comments, no data tests, no repeats; an unconditional call wins', async () => {
  for (const arch of ['arm64', 'x86']) {
    const f = (await check(arch)).findings;
    const thp = at(f, 'mm/core.c', THP, 'nested-section');
    assert.deepEqual(thp?.conditions, ['CONFIG_TRANSPARENT_HUGEPAGE'], arch);
    assert.doesNotMatch(renderMessage(thp!.message), /\/\*|mini_is_big/, 'no comment or data test in the message');
    assert.ok(!thp!.related.some((r) => /\/\*|mini_is_big/.test(r.message)), JSON.stringify(thp!.related));
    const both = at(f, 'mm/core.c', THP_BOTH, 'nested-section');
    assert.deepEqual(both?.conditions, [], `${arch}: mini_split_both() also calls unconditionally`);
    const hop = both!.related.find((r) => /mini_split_both\(\) calls mini_map_kernel/.test(r.message))!;
    assert.equal(hop.line, lineOf('mm/memory.c', /^\tmini_map_kernel\(0\);/), 'the hop points at the unconditional call');
  }
});

test('#else branches are indexed: a function defined in both branches names no option; one only in #else is found', async () => {
  for (const arch of ['arm64', 'x86']) {
    const f = (await check(arch)).findings;
    const prep = at(f, 'mm/core.c', PREPARE, 'nested-section');
    assert.ok(prep, `${arch}: nesting through mini_prepare()`);
    assert.deepEqual(prep.conditions, [], `${arch}: both branches of #ifdef CONFIG_DEBUG_PAGEALLOC map, the finding needs neither`);
    assert.ok(!prep.requires?.length, `${arch}: no option required`);
    const small = at(f, 'mm/core.c', REMAP_SMALL, 'nested-section');
    assert.ok(small, `${arch}: mini_remap_small() is defined only in an #else, and found`);
    assert.deepEqual(small.conditions, ['!CONFIG_TRANSPARENT_HUGEPAGE'], arch);
    const hop = small.related.find((r) => /mini_remap_small\(\) calls mini_map_kernel/.test(r.message));
    assert.equal(hop?.line, lineOf('mm/memory.c', /^void mini_remap_small/) + 2, 'the hop points into the #else definition');
    const split = at(f, 'mm/core.c', THP_SPLIT, 'nested-section');
    assert.ok(split, `${arch}: a header's conditional stub does not hide the real definition in another file`);
    assert.deepEqual(split.conditions, ['CONFIG_TRANSPARENT_HUGEPAGE'], `${arch}: mm/thp.c is built only with it`);
  }
});

test('an arm64 rule in a file arm64 never builds is latent, with the reason, on --arch arm64 and --arch x86', async () => {
  for (const arch of ['arm64', 'x86']) {
    const r = await check(arch);
    const bbm = at(r.findings, 'mm/vmemmap.c', BBM, 'break-before-make');
    assert.ok(bbm, arch);
    assert.equal(bbm.latent?.arch, 'arm64');
    assert.match(bbm.latent!.reason, /mm\/vmemmap\.c is built only when CONFIG_OPTIMIZE_VMEMMAP: .*nothing on arm64 selects it/);
  }
  // Code under another architecture's arch/ is not arm64's at all: not judged (not even latent).
  const x86 = (await check('x86')).findings.find((f) => f.file.endsWith('arch/x86/mm/pgtable.c'));
  assert.equal(x86, undefined, JSON.stringify(x86));
});

test('a pinned .config decides every option it lists', async () => {
  const cfg = KernelConfig.parse(['CONFIG_HIGHMEM=y', '# CONFIG_HIGHPTE is not set', 'CONFIG_DEBUG_PAGEALLOC=y', 'CONFIG_MMU=y'].join('\n'));
  const r = await check('x86', { pinnedConfig: { kind: 'file', file: '/x/.config', label: '/x/.config', values: cfg } });
  const f = r.findings;
  assert.equal(at(f, 'mm/core.c', UNMAP, 'nested-section'), undefined, 'HIGHPTE is not set');
  assert.deepEqual(at(f, 'mm/core.c', HIGHMEM, 'nested-section')?.conditions, [], 'HIGHMEM=y: decided, no condition left');
  assert.equal(at(f, 'mm/core.c', THP, 'nested-section'), undefined, 'a full .config leaves unlisted options off');
  assert.deepEqual(at(f, 'mm/core.c', DEBUG, 'nested-section')?.conditions, ['debug_pagealloc_enabled_static()']);
  assert.equal(r.configuration?.pinned?.kind, 'file');
});

test("a distribution's configuration leaves its debug options possible, and the finding says it leaves them off", async () => {
  const cfg = KernelConfig.parse(['CONFIG_TRANSPARENT_HUGEPAGE=y', '# CONFIG_DEBUG_PAGEALLOC is not set', 'CONFIG_MMU=y'].join('\n'));
  const r = await check('arm64', { pinnedConfig: { kind: 'distribution', file: '/d/config', label: 'Distro 1.0 (config.arm64)', values: cfg } });
  const dbg = at(r.findings, 'mm/core.c', DEBUG, 'nested-section');
  assert.ok(dbg);
  assert.deepEqual(dbg.requires, [{ option: 'CONFIG_DEBUG_PAGEALLOC', debug: true, configured: 'n' }]);
  assert.deepEqual(at(r.findings, 'mm/core.c', THP, 'nested-section')?.conditions, [], 'TRANSPARENT_HUGEPAGE=y decided');
  assert.match(r.configuration!.text, /^Distro 1\.0 \(config\.arm64\), .*debug options it leaves off stay possible/);
});

function cli(args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--no-cache', '--root', TREE, ...args], { encoding: 'utf8' });
}

test('CLI: the text output ends with which configuration decided; notes say latent and debug-off', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kc-'));
  const r = cli(['--arch', 'arm64', TREE]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /\nlazymmu: configuration: the tree's Kconfig and Kbuild for arm64: .*\n$/);
  assert.match(r.stdout, /^mm\/vmemmap\.c:\d+:\d+: note: latent: arm64 never has this code \(mm\/vmemmap\.c is built only when CONFIG_OPTIMIZE_VMEMMAP/m);
  const file = path.join(dir, '.config');
  fs.writeFileSync(file, '# CONFIG_DEBUG_PAGEALLOC is not set\nCONFIG_TRANSPARENT_HUGEPAGE=y\n');
  const pinned = cli(['--arch', 'arm64', '--kernel-config', file, TREE]);
  assert.match(pinned.stdout, new RegExp(`lazymmu: configuration: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(every option pinned\\)`));
  assert.doesNotMatch(pinned.stdout, /mini_debug_map\(\) can enter/, 'a user .config pins debug options too');
});

test('CLI: JSON carries configuration, requires and latent; SARIF a run property', () => {
  const j = JSON.parse(cli(['--arch', 'x86', '--format', 'json', TREE]).stdout);
  assert.equal(j.configuration.arch, 'x86');
  assert.equal(j.configuration.kconfig, true);
  const unmap = j.diagnostics.find((d: { line: number; file: string }) => d.file === 'mm/core.c' && d.line === UNMAP);
  assert.deepEqual(unmap.conditions, ['CONFIG_HIGHPTE', 'CONFIG_HIGHMEM']);
  assert.deepEqual(unmap.requires, [
    { option: 'CONFIG_HIGHPTE', debug: false },
    { option: 'CONFIG_HIGHMEM', debug: false },
  ]);
  const bbm = j.diagnostics.find((d: { file: string }) => d.file === 'mm/vmemmap.c');
  assert.equal(bbm.latent.arch, 'arm64');
  const s = JSON.parse(cli(['--arch', 'x86', '--format', 'sarif', TREE]).stdout);
  assert.equal(s.runs[0].properties.configuration.arch, 'x86');
  assert.ok(s.runs[0].results.some((x: { properties: { latent?: unknown } }) => x.properties.latent));
});

test('CLI: --kernel-config with a file that is not a .config is a usage error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kc-'));
  const bad = path.join(dir, 'notconfig');
  fs.writeFileSync(bad, 'hello\n');
  const r = cli(['--kernel-config', bad, TREE]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--kernel-config .*not a kernel \.config/);
});
