#!/usr/bin/env node
// One SHA-1 over every file's scan in a built index, to show that a change to
// the scan or to how scans travel (scan threads, the disk cache) leaves them
// the same. Usage (after `npm run build`):
//   node scripts/scanDigest.js TREE [ARCH]
// Environment: LAZYMMU_SCAN_WORKERS=0 scans in this thread only; CACHE=DIR
// uses DIR as the index cache's base (a second run then reads the cache).
// Prints the files, how many came from the cache, the scan threads and the digest.
const path = require('path');
const crypto = require('crypto');
const out = path.join(__dirname, '..', 'out', 'engine');
const { WorkspaceIndex } = require(path.join(out, 'index', 'workspaceIndex.js'));
const { builtinCatalogue } = require(path.join(out, 'catalogue', 'catalogue.js'));

const [root, arch = 'arm64'] = process.argv.slice(2);
if (!root) {
  process.stderr.write('usage: node scripts/scanDigest.js TREE [ARCH]\n');
  process.exit(2);
}
const idx = new WorkspaceIndex({ root, arch, catalogue: builtinCatalogue(), cacheDir: process.env.CACHE || undefined });
idx.build();
const h = crypto.createHash('sha1');
const scans = idx.scansByFile();
// Definitions carry their file; the digest takes it as a separate field so key order cannot matter.
const plain = (defs) => defs.map(({ file, ...rest }) => [file, rest]);
for (const f of [...scans.keys()].sort()) {
  const s = scans.get(f);
  h.update(`${f}\n${JSON.stringify(plain(s.functions))}${JSON.stringify(plain(s.macros))}\n`);
}
const b = idx.lastBuild;
console.log(`files ${scans.size} fromCache ${b.fromCache} workers ${b.workers} digest ${h.digest('hex')}`);
