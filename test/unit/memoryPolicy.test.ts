// The CLI's memory policy (bin/lazymmu.js, ARCHITECTURE.md "Memory policy of
// the CLI"): the check runs in a child node started with bounded heap growth;
// when the heap runs out (here a limit the user set, too small for the input)
// the user reads one clear line and exit status 2, never V8's crash report;
// the same input under the default limit is checked as before.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { manySections } from '../manySections';
import { serverEnv, serverNodeArgs } from '../../server/memoryPolicy';

const REPO = path.join(__dirname, '..', '..', '..');
const made: string[] = [];
const tempDir = (prefix: string) => {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(d);
  return d;
};
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function lazymmu(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 << 20,
    env: { ...process.env, LAZYMMU_CACHE: tempDir('lazymmu-memcache-'), ...env },
  });
}

/** A root holding one generated file of `count` small sections, each with a read-after-write. */
function generatedRoot(count: number): string {
  const dir = tempDir('lazymmu-mem-');
  fs.writeFileSync(path.join(dir, 'many.c'), manySections(count));
  return dir;
}

const V8_REPORT = /FATAL ERROR|Last few GCs|JavaScript heap out of memory|Native stack|node::/;

test('a heap limit too small for the input ends the check with a clear message and status 2, not a V8 crash', () => {
  const dir = generatedRoot(20_000);
  const r = lazymmu(['check', '--root', dir, dir], { LAZYMMU_MAX_HEAP_MB: '24' });
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.status, 2, `status ${r.status} signal ${r.signal}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, /^lazymmu: out of memory: the check needed more than the heap limit LAZYMMU_MAX_HEAP_MB=24; check fewer paths, or set LAZYMMU_MAX_HEAP_MB to a larger number of megabytes$/m, r.stderr);
  assert.doesNotMatch(r.stderr, V8_REPORT, r.stderr);
  // Nothing half-written on stdout: the report is made only at the end.
  assert.equal(r.stdout, '');
});

test('the same input without a limit is checked: its findings, and the per-file bounds said', () => {
  const dir = generatedRoot(2_000);
  const r = lazymmu(['check', '--root', dir, dir], {});
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^many\.c:5:\d+: warning: .*read-after-write/m);
  assert.match(r.stderr, /^lazymmu: many\.c: 1,000 of its 2,000 lazy MMU sections not analysed/m, r.stderr);
  assert.doesNotMatch(r.stderr, V8_REPORT, r.stderr);
});

test('a limit that is not a number of megabytes is a usage error', () => {
  const dir = generatedRoot(1);
  const r = lazymmu(['check', '--root', dir, dir], { LAZYMMU_MAX_HEAP_MB: '1g' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^lazymmu: LAZYMMU_MAX_HEAP_MB must be a number of megabytes, not "1g"$/m);
});

test('stderr and stdout of the check pass through the launcher unchanged', () => {
  // A check's usage error comes from the child: its text and status are the CLI's own.
  const u = lazymmu(['check', '--format', 'xml', '.'], {});
  assert.equal(u.status, 2);
  assert.match(u.stderr, /^lazymmu: --format must be text, json or sarif, not "xml"\nusage: lazymmu check/);
  assert.equal(u.stderr, spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--format', 'xml', '.'], { encoding: 'utf8', env: { ...process.env, LAZYMMU_NO_RELAUNCH: '1' } }).stderr);
});

/**
 * The flags and malloc setting of the child the launcher starts for a check
 * (`limit`: LAZYMMU_MAX_HEAP_MB): a module every node of the run loads first
 * (the launcher hands its own flags to the child) has the child
 * (LAZYMMU_NO_RELAUNCH=1, set by the launcher) write them down.
 */
function checkChild(limit?: string, tunables?: string, caCerts?: string): { execArgv: string[]; mmap: string; trim: string; tunables: string; caAtStart?: string; caAtEnd?: string } {
  const dir = generatedRoot(1);
  const seen = path.join(dir, 'child.json');
  const preload = path.join(dir, 'preload.js');
  // NODE_EXTRA_CA_CERTS as the child's node started with it, and as the programs the check runs get it (its environment at the end).
  fs.writeFileSync(
    preload,
    `if (process.env.LAZYMMU_NO_RELAUNCH === '1') {
  const got = { execArgv: process.execArgv, mmap: process.env.MALLOC_MMAP_THRESHOLD_, trim: process.env.MALLOC_TRIM_THRESHOLD_, tunables: process.env.GLIBC_TUNABLES, caAtStart: process.env.NODE_EXTRA_CA_CERTS };
  process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ ...got, caAtEnd: process.env.NODE_EXTRA_CA_CERTS })));
}\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, LAZYMMU_CACHE: tempDir('lazymmu-memcache-') };
  delete env.MALLOC_MMAP_THRESHOLD_;
  delete env.MALLOC_TRIM_THRESHOLD_;
  delete env.LAZYMMU_NO_RELAUNCH;
  delete env.LAZYMMU_MAX_HEAP_MB;
  delete env.GLIBC_TUNABLES;
  delete env.NODE_EXTRA_CA_CERTS;
  if (caCerts !== undefined) env.NODE_EXTRA_CA_CERTS = caCerts;
  if (limit !== undefined) env.LAZYMMU_MAX_HEAP_MB = limit;
  if (tunables !== undefined) env.GLIBC_TUNABLES = tunables;
  const r = spawnSync(process.execPath, ['--require', preload, path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--root', dir, dir], { encoding: 'utf8', timeout: 120_000, env });
  assert.equal(r.status, 1, r.stderr);
  return JSON.parse(fs.readFileSync(seen, 'utf8'));
}

test('the check runs in a child started with the policy of server/memoryPolicy.json, the one the language server starts with', () => {
  const child = checkChild();
  const policy = JSON.parse(fs.readFileSync(path.join(REPO, 'server', 'memoryPolicy.json'), 'utf8'));
  assert.ok(child.execArgv.includes(`--heap-growing-percent=${policy.heapGrowingPercent}`), child.execArgv.join(' '));
  assert.ok(child.execArgv.includes(`--max-semi-space-size=${policy.cliSemiSpaceMb}`), child.execArgv.join(' '));
  assert.ok(child.execArgv.includes(`--initial-old-space-size=${policy.initialOldSpaceMb}`), child.execArgv.join(' '));
  // The check collects once before the store's save (engine/check.ts).
  assert.ok(child.execArgv.includes('--expose-gc'), child.execArgv.join(' '));
  // WebAssembly (the parser, the scan's blank pass) compiled by the baseline compiler alone: no tier-up's background compiles.
  assert.ok(child.execArgv.includes('--liftoff-only'), child.execArgv.join(' '));
  assert.equal(child.mmap, String(policy.mmapThreshold));
  // The malloc heaps' top kept up to a few MB (the mmap threshold fixed would otherwise fix the trim threshold at 128 KB).
  assert.equal(child.trim, String(policy.cliTrimThreshold));
  // glibc's malloc asks for transparent huge pages for its large blocks (the index cache's body, the store's files).
  assert.equal(child.tunables, policy.cliMallocTunable);
  // The language server's start (server/memoryPolicy.ts, bundled into the VS Code client) reads the same numbers.
  assert.ok(serverNodeArgs({}).includes(`--heap-growing-percent=${policy.heapGrowingPercent}`), serverNodeArgs({}).join(' '));
  assert.ok(serverNodeArgs({}).includes(`--initial-old-space-size=${policy.initialOldSpaceMb}`), serverNodeArgs({}).join(' '));
  assert.equal(serverEnv({}).MALLOC_MMAP_THRESHOLD_, String(policy.mmapThreshold));
});

test('the check\'s node starts without the user\'s NODE_EXTRA_CA_CERTS (it makes no TLS connection) and puts it back for the programs it runs', () => {
  const certs = path.join(tempDir('lazymmu-certs-'), 'extra.pem');
  fs.writeFileSync(certs, '');
  const child = checkChild(undefined, undefined, certs);
  // node reads that file and builds its certificate store at start when the variable is set.
  assert.equal(child.caAtStart, undefined);
  assert.equal(child.caAtEnd, certs);
  // Not set by the user: not set for the check's programs either.
  const plain = checkChild();
  assert.equal(plain.caAtStart, undefined);
  assert.equal(plain.caAtEnd, undefined);
});

test('under a heap limit the user set, the CLI check and the language server start their old generation at the same size, half the limit', () => {
  const policy = JSON.parse(fs.readFileSync(path.join(REPO, 'server', 'memoryPolicy.json'), 'utf8'));
  const limit = 200;
  assert.ok(limit / 2 < policy.initialOldSpaceMb, 'a limit whose half is below the default start');
  const child = checkChild(String(limit));
  assert.ok(child.execArgv.includes(`--max-old-space-size=${limit}`), child.execArgv.join(' '));
  assert.ok(child.execArgv.includes(`--initial-old-space-size=${limit / 2}`), child.execArgv.join(' '));
  const server = serverNodeArgs({ LAZYMMU_MAX_HEAP_MB: String(limit) });
  assert.ok(server.includes(`--initial-old-space-size=${limit / 2}`), server.join(' '));
});

test('the parser gives the same trees with WebAssembly compiled by the baseline compiler alone (the CLI child\'s --liftoff-only)', () => {
  // Parsed in node started as the CLI's child is and as a plain node: the trees' forms equal, file by file.
  const dir = path.join(REPO, 'test', 'fixtures', 'raw');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => path.join(dir, f));
  assert.ok(files.length > 3);
  const script = `
    const { ensureParser, parseKernelC } = require(${JSON.stringify(path.join(REPO, 'out', 'engine', 'parse', 'cParser.js'))});
    const { builtinCatalogue } = require(${JSON.stringify(path.join(REPO, 'out', 'engine', 'catalogue', 'catalogue.js'))});
    const fs = require('fs');
    ensureParser().then(() => {
      const cat = builtinCatalogue();
      const out = ${JSON.stringify(files)}.map((f) => parseKernelC(f, fs.readFileSync(f, 'utf8'), cat).tree.rootNode.toString());
      process.stdout.write(JSON.stringify(out));
    });`;
  const trees = (flags: string[]) => {
    const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as string[];
  };
  const baseline = trees(['--liftoff-only']);
  assert.equal(baseline.length, files.length);
  assert.ok(baseline.every((t) => t.startsWith('(translation_unit')), baseline[0].slice(0, 80));
  assert.deepEqual(baseline, trees([]));
});

test("a user's glibc tunables reach the check's child: another tunable kept beside the policy's, their own setting of the policy's tunable winning", () => {
  const policy = JSON.parse(fs.readFileSync(path.join(REPO, 'server', 'memoryPolicy.json'), 'utf8'));
  const name = String(policy.cliMallocTunable).split('=')[0];
  assert.equal(checkChild(undefined, 'glibc.malloc.arena_max=2').tunables, `glibc.malloc.arena_max=2:${policy.cliMallocTunable}`);
  assert.equal(checkChild(undefined, `glibc.malloc.arena_max=2:${name}=0`).tunables, `glibc.malloc.arena_max=2:${name}=0`);
});
