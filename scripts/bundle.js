// Bundles the CLI, the language server and the VS Code client with esbuild; the WASM files
// are copied next to the bundles because web-tree-sitter loads them at run time.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
fs.mkdirSync(dist, { recursive: true });

const entries = [{ in: 'cli/main.ts', out: 'cli' }];
// The index's scan worker (worker_threads): found next to the bundle at run time.
entries.push({ in: 'engine/index/scanWorker.ts', out: 'scanWorker' });
// The index cache's writer (worker_threads, a cold build's whole cache file): found next to the bundle too.
entries.push({ in: 'engine/index/cacheWriter.ts', out: 'cacheWriter' });
if (fs.existsSync(path.join(root, 'server/main.ts'))) entries.push({ in: 'server/main.ts', out: 'server' });

// What every bundle shares: Node 20, CommonJS, into dist/ with source maps.
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', outdir: dist, sourcemap: true, logLevel: 'warning' };

esbuild.buildSync({
  ...common,
  entryPoints: entries.map((e) => ({ in: path.join(root, e.in), out: e.out })),
  // web-tree-sitter's CommonJS build still asks for import.meta.url.
  define: { 'import.meta.url': '__lazymmuImportMetaUrl' },
  banner: { js: "const __lazymmuImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
});
// The C injection grammar follows the API catalogue.
require('./injectionGrammar').writeInjectionGrammar();
// The VS Code extension's client: `vscode` is provided by the editor at run time.
if (fs.existsSync(path.join(root, 'client/extension.ts'))) {
  esbuild.buildSync({ ...common, entryPoints: [{ in: path.join(root, 'client/extension.ts'), out: 'client' }], external: ['vscode'] });
}
// The memory policy (its numbers and rules) alone, for bin/lazymmu.js (plain JS beside dist/; the bundles inline it).
esbuild.buildSync({ ...common, entryPoints: [{ in: path.join(root, 'server/memoryPolicy.ts'), out: 'memoryPolicy' }] });
for (const wasm of [
  require.resolve('web-tree-sitter/tree-sitter.wasm'),
  require.resolve('tree-sitter-c/tree-sitter-c.wasm'),
]) {
  fs.copyFileSync(wasm, path.join(dist, path.basename(wasm)));
}
