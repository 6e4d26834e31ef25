// Compiles the scan's byte loop (engine/index/wasm/blank.ts, AssemblyScript)
// to blank.wasm next to the compiled engine (out/engine/index/, read by tests
// and the scripts) and next to the bundles (dist/). Skipped when both copies
// are newer than the source (asc takes a few seconds).
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const src = path.join(root, 'engine', 'index', 'wasm', 'blank.ts');
const outs = [path.join(root, 'out', 'engine', 'index', 'blank.wasm'), path.join(root, 'dist', 'blank.wasm')];
const mtime = (f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : -1);
if (outs.every((o) => mtime(o) >= mtime(src))) process.exit(0);

const asc = require.resolve('assemblyscript/bin/asc.js');
// -O3, no runtime (nothing is allocated: the caller lays out memory), no assertions and no abort import;
// SIMD (16 bytes a step) for the prefilter's searches.
execFileSync(process.execPath, [asc, src, '-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=', '--enable', 'simd', '-o', outs[0]], { stdio: 'inherit' });
fs.mkdirSync(path.dirname(outs[1]), { recursive: true });
fs.copyFileSync(outs[0], outs[1]);
