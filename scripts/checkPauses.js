// How long the editor's first check keeps the event loop between two pauses
// (issue 13: a hover is answered in a running check's pauses). Runs what the
// language server runs after an index -- the open file's sections first, then
// the whole check -- with a progress callback that gives the event loop back as
// the server's does, and prints the longest stretches without a pause.
// Usage (after npm run build): node scripts/checkPauses.js ROOT FILE [ARCH]
const path = require('path');
const { Workspace } = require('../out/engine/workspace');
const { defaultCacheBase } = require('../out/engine/index/indexCache');

(async () => {
  const [root, fileArg, arch = 'arm64'] = process.argv.slice(2);
  if (!root || !fileArg) throw new Error('usage: node scripts/checkPauses.js ROOT FILE [ARCH]');
  const file = path.resolve(root, fileArg);
  const ws = new Workspace({ root, arch, cacheDir: defaultCacheBase() });
  let t = Date.now();
  await ws.buildAsync(() => undefined);
  console.log(`index: ${Date.now() - t} ms`);
  const gaps = [];
  let last = 0;
  const step = (pass) => (done, total) => {
    gaps.push({ ms: Date.now() - last, where: `${pass}, before ${done}/${total}` });
    return new Promise((r) => setImmediate(() => ((last = Date.now()), r())));
  };
  for (const [pass, run] of [['first pass', () => ws.checkOpenersFirst([file], step('first pass'))], ['whole check', () => ws.check([file], step('whole check'))]]) {
    t = last = Date.now();
    const r = await run();
    gaps.push({ ms: Date.now() - last, where: `${pass}, after its last pause` });
    console.log(`${pass}: ${Date.now() - t} ms, ${r.findings.length} findings`);
  }
  gaps.sort((a, b) => b.ms - a.ms);
  console.log(`pauses: ${gaps.length}; longest stretches without one:`);
  for (const g of gaps.slice(0, 6)) console.log(`  ${g.ms} ms (${g.where})`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
