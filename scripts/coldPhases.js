#!/usr/bin/env node
// Where a cold run's time goes, phase by phase, from the CPU profiles of one
// run: node's --cpu-prof writes one per thread (the main thread's first, then
// each scan worker's). Each sample goes to the phase of its nearest enclosing
// function that names one (below), so a name interned inside the scan loop
// counts as interning, not as the scan. Samples are taken on wall time: on a
// loaded machine a thread waiting for a core keeps the phase it was in, so
// read the shares, and the run's CPU from `time`. Usage:
//   LAZYMMU_NO_RELAUNCH=1 LAZYMMU_CACHE=$(mktemp -d) node --heap-growing-percent=30 \
//     --cpu-prof --cpu-prof-dir=DIR bin/lazymmu.js check --root TREE --arch arm64 TREE
//   node scripts/coldPhases.js DIR
const fs = require('fs');
const path = require('path');

// [function name, phase]: the first phase of the nearest named ancestor wins.
const MAIN = [
  ['(garbage collector)', 'GC'],
  ['(idle)', 'idle (event loop)'],
  ['(program)', 'V8 and native, outside JS'],
  ['internFresh', 'scan: interning the workers\' new names'],
  ['takeName', 'scan: the workers\' new names taken into the cache encoding\'s table (a cold build\'s interning)'],
  ['encodeAsScanned', 'index cache: rows encoded as the batches come (during the scan)'],
  ['decodeScan', 'scan: decoding the workers\' batches into definitions'],
  ['scanOne', 'scan in this thread (few files, or a stalled worker)'],
  ['scanFiles', 'scan: waiting for the workers (Atomics.wait) and draining their ports'],
  ['listFiles', 'file listing (readdir, one walk)'],
  ['unchangedDigest', 'index cache: stats against the stored sizes and times'],
  ['putNew', 'index: definitions put in by name'],
  // A warm run's (docs/perf/lazyidx.md): the index kept encoded, the store's keys.
  ['TablePart', 'index: the encodings\' names by hash, definitions by name id'],
  ['lazyUserSet', 'index: the lazy-API users (from the encodings)'],
  // The analysis store's settle (the searches put in serial form) is also named settle: the serial form named first.
  // The whole-tree call-graph searches, computed inside whichever phase first asks (a survey's expands()).
  ['Reachability', 'call-graph searches (Reachability: computed)'],
  ['toStored', 'the searches\' serial forms (Reachability.toStored, at the store\'s settle)'],
  ['settle', 'index: names settled (files decoded on demand)'],
  ['treeDigest', 'analysis store: the tree digest'],
  ['graphDigest', 'analysis store: the call graph\'s digest'],
  ['localsOf', 'analysis store: local verdicts checked'],
  ['chainsOf', 'analysis store: chain phases checked'],
  ['analysisStore', 'analysis store: opened (files read)'],
  ['readAfterWriteFindings', 'analysis: read-after-write findings (fixes placed: parses)'],
  ['save', null], // resolved by its file below (index cache or analysis store)
  ['CallersMap', 'callers map'],
  ['readKconfig', 'Kconfig and Kbuild'],
  ['archOptions', 'Kconfig and Kbuild'],
  ['fileCondition', 'Kconfig and Kbuild'],
  ['parseKernelC', 'analysis: tree-sitter parses'],
  ['saveStore', 'analysis store: save'],
  ['analyseSections', 'analysis: sections (interpreter, summaries)'],
  ['chainOf', 'analysis: call chains (reachability searches)'],
  ['nestedSectionFindings', 'analysis: nested sections'],
  ['localFindingsOf', 'analysis: local rules'],
  ['ofFile', 'analysis: local rules'], // LocalVerdicts.ofFile (engine/checkers/localVerdicts.ts) since split
  ['checkRootsUnderWay', 'analysis: other'],
  ['build', 'index build: other'],
  ['checkTree', 'check: other (result cache, output)'],
  ['Module._load', 'start-up: loading the bundle'],
];
const WORKER = [
  ['(garbage collector)', 'GC'],
  ['(idle)', 'idle (done, waiting to end)'],
  ['(program)', 'V8 and native, outside JS'],
  ['readOne', 'read (open, fstat, read)'],
  ['contentHash', 'hash (SHA-1)'],
  ['blankNonCode', 'scan: blanking (WebAssembly since cold3) and directive texts'],
  ['callIdsIn', 'scan: call names from each ( and their ids'],
  ['mayDefineSomething', 'scan: the define prefilter'],
  ['scanInto', 'scan: the rest (brace walk, headers, directives, conditions)'],
  ['postMessage', 'batches posted to the main thread'],
  ['run', 'worker loop: other'],
  ['Module._load', 'start-up: loading the worker bundle'],
];

function phases(file, markers) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const memo = new Map();
  const phaseOf = (id) => {
    if (memo.has(id)) return memo.get(id);
    let out = 'other';
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const f = byId.get(x).callFrame;
      const m = markers.find(([name]) => name === f.functionName);
      if (!m) continue;
      if (m[1] === null) {
        // `save`: the index cache's or the analysis store's, by where the caller sits.
        const up = byId.get(parent.get(x))?.callFrame.functionName;
        out = up === 'buildSteps' ? 'index cache: save (encode, serialize, write)' : 'analysis store: save';
        // A nested phase further up must not override an inner hit.
      } else out = m[1];
      break;
    }
    memo.set(id, out);
    return out;
  };
  // When the scan ended on this thread: the last sample inside scanFiles (what follows runs on this thread alone).
  const inScan = new Map();
  const underScan = (id) => {
    if (inScan.has(id)) return inScan.get(id);
    let v = false;
    for (let x = id; x !== undefined && !v; x = parent.get(x)) v = byId.get(x).callFrame.functionName === 'scanFiles';
    inScan.set(id, v);
    return v;
  };
  let t = 0;
  let scanEnd = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += (p.timeDeltas[i] || 0) / 1e6;
    if (underScan(p.samples[i])) scanEnd = t;
  }
  // Per phase: seconds in all, and after the scan's end.
  const at = new Map();
  t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const ph = phaseOf(p.samples[i]);
    const dt = (p.timeDeltas[i] || 0) / 1e6;
    t += dt;
    const v = at.get(ph) || [0, 0];
    v[0] += dt;
    if (t > scanEnd) v[1] += dt;
    at.set(ph, v);
  }
  return { wall: (p.endTime - p.startTime) / 1e6, at, scanEnd };
}

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node scripts/coldPhases.js PROFILE_DIR\n');
  process.exit(2);
}
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
files.forEach((f, k) => {
  const { wall, at, scanEnd } = phases(path.join(dir, f), k === 0 ? MAIN : WORKER);
  console.log(`\n${k === 0 ? 'main thread' : `scan worker ${k}`}: ${wall.toFixed(2)} s from its start to its end`);
  if (k === 0 && scanEnd > 0) console.log(`(the scan ends ${scanEnd.toFixed(2)} s in; after it, this thread alone: ${(wall - scanEnd).toFixed(2)} s)`);
  const after = k === 0 && scanEnd > 0;
  console.log(after ? '| phase | s | share | s after the scan | share of after |\n|---|---:|---:|---:|---:|' : '| phase | s | share |\n|---|---:|---:|');
  for (const [ph, [s, a]] of [...at].sort((x, y) => y[1][0] - x[1][0]))
    if (s >= 0.05) console.log(`| ${ph} | ${s.toFixed(2)} | ${((100 * s) / wall).toFixed(0)}% |` + (after ? ` ${a.toFixed(2)} | ${((100 * a) / (wall - scanEnd)).toFixed(0)}% |` : ''));
});
