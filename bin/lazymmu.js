#!/usr/bin/env node
// Entry point of the `lazymmu` command: the bundled CLI lives in dist/.
//
// The CLI runs in a child node started with a memory policy that only the
// process's start can set (ARCHITECTURE.md, "Memory policy of the CLI", says why and what it costs):
// - V8's old generation grows by HEAP_GROWING_PERCENT over what a major GC
//   found live, instead of up to 4x: the garbage of the call-graph searches
//   and the store's save stays a fraction of the live heap, not a multiple;
// - the young generation's semi-spaces at SEMI_SPACE_MB (V8's default 16):
//   a warm run allocates the index from its cache at once, and each scavenge
//   copies what survives; fewer of them cost ~0.6 s less CPU of a 6.12 warm
//   rerun, for at most twice the difference in young-generation memory
//   (docs/perf/history.md, branch rerun2);
// - the old generation starts at INITIAL_OLD_SPACE_MB: a warm run loads the
//   index from its cache and the analysis store's files at once, none of it
//   garbage, and with 30% growth every step of that load was a full GC (3-4
//   of them, ~0.5 s CPU of a 6.12 warm rerun, for nothing freed; with the
//   index kept encoded, docs/perf/lazyidx.md, still 2 more than with it); a
//   cold run's peak comes at its end, far above it (docs/perf/rerun3.md);
// - glibc's mmap threshold fixed (MALLOC_MMAP_THRESHOLD_): large buffers
//   (file texts, scan encodings, serial forms) go back to the system when
//   freed instead of staying in the malloc heap;
// - glibc's trim threshold at TRIM_THRESHOLD (MALLOC_TRIM_THRESHOLD_): fixing
//   the mmap threshold also fixes the trim threshold at glibc's 128 KB (it
//   no longer follows the mmap threshold up), so the malloc heaps (the main
//   one and the threads') were given back whenever 128 KB at their top was
//   free and faulted in again at the next allocations: ~15,000 page faults
//   more (~108,000 against ~95,000) of a 6.12 warm rerun after an edit, and
//   ~0.45 s more CPU in the mean of 12 loaded runs (within one round's swing
//   on a machine at load 4). A few MB kept at a heap's top cost no peak: the large
//   buffers are mapped apart (above) (docs/perf/rerun11.md);
// - glibc's malloc asks for transparent huge pages for its large blocks
//   (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, added to a user's tunables unless
//   they set that one): where the kernel gives them only on request (THP
//   "madvise", as on the bench's machine), every large buffer (the index cache's
//   ~60 MB body, the store's files) was faulted in 4 KB at a time: ~16,400
//   faults and ~0.25 s of CPU for the body's read alone. With it, a 6.12 warm
//   rerun after an edit makes ~68,000 page faults instead of ~95,000 and
//   uses ~0.35 s less CPU (7%; docs/perf/index14.md). Blocks under 2 MB are not
//   affected; where THP is "always" or "never", or glibc is older than 2.35,
//   nothing changes;
// - WebAssembly compiled by V8's baseline compiler only (--liftoff-only): the
//   parser (tree-sitter) and the scan's blank pass are wasm, and V8's tier-up
//   compiled their hot functions again with TurboFan on background threads
//   in every process and scan thread; that cost more CPU than the faster
//   code saved, cold or warm (a warm rerun's one parse: ~0.35 s of CPU for
//   ~0.1 s of parsing; docs/perf/rerun9.md). The parse trees are the same;
//   only the machine code differs;
// - gc() exposed (--expose-gc): the check collects once after letting go of
//   its analysis, before the store's save (engine/check.ts), so the save's
//   garbage meets a heap limit set by what lives then, not by the analysis;
// - LAZYMMU_MAX_HEAP_MB, when set, is the heap limit; when the heap runs out
//   (that limit or V8's own) the user reads a clear message and exit status 2,
//   not V8's crash report.
// Two costs of a node process's start and end are spared (docs/perf/rerun15.md):
// - NODE_EXTRA_CA_CERTS is not in the child's environment: node 20 reads that
//   file and builds its whole certificate store at start when it is set (~40 ms
//   of CPU), and the check makes no TLS connection. The child puts it back in
//   its own environment (cli/main.ts) before it runs any program, so git, grep
//   and what they run see the user's setting;
// - this process and the child exit as soon as their event loops are empty
//   ('beforeExit'): node's own teardown after that frees the heap piece by piece
//   before exiting (~0.1 s of a warm rerun's wall), and exit() has the kernel
//   drop it at once. Nothing is left to run then: every write is done and every
//   thread the check waits for has ended.
// Other commands (simulate, --version), and any with LAZYMMU_NO_RELAUNCH=1,
// run in this process, as they are.
// The numbers, V8's out-of-memory marks and the initial old space under a
// user's limit are server/memoryPolicy.ts's (its numbers in memoryPolicy.json),
// the one place the language server's start reads them too; the build bundles
// it alone into dist/memoryPolicy.js, so that bin/ and dist/ are all the CLI
// needs (as an installed package has them).
const path = require('path');
const fs = require('fs');
const { spawn } = require('child_process');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
const policyModule = path.join(__dirname, '..', 'dist', 'memoryPolicy.js');
for (const built of [bundle, policyModule]) {
  if (!fs.existsSync(built)) {
    process.stderr.write(`lazymmu: dist/${path.basename(built)} is missing; run \`npm run build\` first\n`);
    process.exit(2);
  }
}
const { HEAP_GROWING_PERCENT, CLI_SEMI_SPACE_MB: SEMI_SPACE_MB, MMAP_THRESHOLD, CLI_TRIM_THRESHOLD: TRIM_THRESHOLD, cliGlibcTunables, initialOldSpaceMb, outOfMemoryIn } = require(policyModule);

const limit = process.env.LAZYMMU_MAX_HEAP_MB;
if (limit !== undefined && !/^[1-9][0-9]*$/.test(limit)) {
  process.stderr.write(`lazymmu: LAZYMMU_MAX_HEAP_MB must be a number of megabytes, not "${limit}"\n`);
  process.exit(2);
}

// Only the commands that check a tree run long enough to need it (a node start costs ~50 ms).
const checks = ['check', 'review'].includes(process.argv[2]);
if (process.env.LAZYMMU_NO_RELAUNCH === '1' || !checks) {
  require(bundle);
} else {
  const flags = [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, `--max-semi-space-size=${SEMI_SPACE_MB}`, `--initial-old-space-size=${initialOldSpaceMb(limit ? Number(limit) : undefined)}`, '--liftoff-only', '--expose-gc', ...(limit ? [`--max-old-space-size=${limit}`] : [])];
  const env = { ...process.env, LAZYMMU_NO_RELAUNCH: '1' };
  if (env.MALLOC_MMAP_THRESHOLD_ === undefined) env.MALLOC_MMAP_THRESHOLD_ = String(MMAP_THRESHOLD);
  if (env.MALLOC_TRIM_THRESHOLD_ === undefined) env.MALLOC_TRIM_THRESHOLD_ = String(TRIM_THRESHOLD);
  env.GLIBC_TUNABLES = cliGlibcTunables(env.GLIBC_TUNABLES);
  if (env.NODE_EXTRA_CA_CERTS !== undefined) {
    // The name cli/main.ts reads it back from.
    env.LAZYMMU_NODE_EXTRA_CA_CERTS = env.NODE_EXTRA_CA_CERTS;
    delete env.NODE_EXTRA_CA_CERTS;
  }
  // stdout and stdin go straight through; stderr passes through here, line by line, so that V8's
  // out-of-memory report (which ends the child) can be told apart and said plainly.
  const child = spawn(process.execPath, [...process.execArgv, ...flags, bundle, ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'pipe'], env });
  process.once('beforeExit', () => process.exit());
  let pending = '';
  let outOfMemory = false;
  // Blank lines wait for the next line: V8's report opens with one.
  let blanks = 0;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      // V8's report starts with its last GCs, before the FATAL ERROR line: from there on it is held back.
      if (line.startsWith('<--- Last few GCs --->') || outOfMemoryIn(line)) outOfMemory = true;
      if (outOfMemory) continue;
      if (line === '') blanks++;
      else {
        process.stderr.write('\n'.repeat(blanks) + line + '\n');
        blanks = 0;
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('close', (code, signal) => {
    if (!outOfMemory && (pending || blanks)) process.stderr.write('\n'.repeat(blanks) + pending);
    if (outOfMemory || (pending && outOfMemoryIn(pending))) {
      const bound = limit ? `the heap limit LAZYMMU_MAX_HEAP_MB=${limit}` : `V8's heap limit`;
      process.stderr.write(`lazymmu: out of memory: the check needed more than ${bound}; check fewer paths, or set LAZYMMU_MAX_HEAP_MB to a larger number of megabytes\n`);
      process.exitCode = 2;
    } else if (signal) {
      process.exitCode = 128 + (require('os').constants.signals[signal] ?? 0);
    } else process.exitCode = code ?? 2;
  });
  child.on('error', (e) => {
    process.stderr.write(`lazymmu: cannot start ${process.execPath}: ${e.message}\n`);
    process.exitCode = 2;
  });
}
