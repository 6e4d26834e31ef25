#!/usr/bin/env node
// Checks that the docs point at what exists. Broken (exit status 1): a
// Markdown link to a local file or folder that does not resolve; a repository
// path named in the text (a word ending in .ts/.js/.md/.sh/.yml, or a folder
// ending in /) that starts with one of our top-level folders, or a bare module
// name, and is no file or folder of ours (a short path such as
// `walk/statements.ts` may name the end of one; out/X.js is read as X.ts).
// Printed to be read: paths outside our folders (a kernel's mm/), and code
// names (in backticks, or camelCase words) that occur nowhere in our source
// (kernel names and shell words are not all in our code). The docs say how
// the code is; a module moved or a name renamed should show here, not in a
// reader's fruitless search. test/unit/docPaths.test.ts runs it.
// Usage: node scripts/docPaths.js [FILE.md ...]   (default: ARCHITECTURE.md,
// BENCHMARKS.md, README.md and docs/design/*.md).
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
/** The repository's top-level folders: a path starting with one of them is ours to check; others (a kernel's mm/) are printed only. */
const TOP = new Set(tracked.filter((f) => f.includes('/')).map((f) => f.split('/')[0]));
const folders = new Set(tracked.flatMap((f) => f.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/') + '/')));
const source = tracked.filter((f) => /\.(ts|js|json)$/.test(f) && !f.startsWith('test/fixtures/') && !f.endsWith('package-lock.json'));
const words = new Set();
for (const f of source) for (const w of fs.readFileSync(path.join(ROOT, f), 'utf8').match(/[A-Za-z_$][\w$]*/g) ?? []) words.add(w);

/** Whether `p` (a path as the text gives it, from the root or from `dir`) names a file or folder of ours: whole, or as the end of one; a build output (out/, dist/) by its source. */
function exists(p, dir) {
  if (dir && fs.existsSync(path.resolve(dir, p))) return true;
  const clean = p.replace(/^\.\//, '').replace(/^out\/(.*)\.js$/, (_, f) => (tracked.includes(f + '.ts') ? f + '.ts' : f + '.js'));
  if (/^(out|dist)\/$/.test(clean) || /^dist\/[\w.]+\.js$/.test(clean) || /^out\/(engine|scripts)\//.test(clean)) return true;
  if (clean.endsWith('/')) return folders.has(clean) || [...folders].some((d) => d.endsWith('/' + clean));
  return tracked.includes(clean) || tracked.some((f) => f.endsWith('/' + clean)) || folders.has(clean + '/');
}

const files = process.argv.slice(2);
const docs = files.length ? files : ['ARCHITECTURE.md', 'BENCHMARKS.md', 'README.md', ...fs.readdirSync(path.join(ROOT, 'docs/design')).map((f) => `docs/design/${f}`)];
let broken = 0;
for (const doc of docs) {
  const text = fs.readFileSync(path.resolve(ROOT, doc), 'utf8');
  const say = (what, s) => console.log(`${doc}: ${what}: ${s}`);
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^(https?:|mailto:|#)/.test(target) || /^\d+$/.test(target)) continue; // SARIF's embedded links ([line 905](2)) are not files
    const abs = path.resolve(path.dirname(path.resolve(ROOT, doc)), target.split('#')[0]);
    if (!fs.existsSync(abs)) (broken++, say('broken link', target));
  }
  const paths = new Set(text.match(/(?<![\w@$/.-])(?:[\w.-]+\/)*[\w.-]+\.(?:ts|js|md|sh|yml)\b(?![\w/])|(?<![\w@$/.<-])(?:[\w.-]+\/)+(?=[\s`),;:]|$)/gm) ?? []);
  for (const p of paths) {
    if (/^(https?|www)\b/.test(p) || exists(p, path.dirname(path.resolve(ROOT, doc)))) continue;
    const ours = TOP.has(p.split('/')[0]) || (!p.includes('/') && /\.(ts|js|md)$/.test(p));
    if (ours) (broken++, say('no such path', p));
    else say('not in the repository (read it)', p);
  }
  for (const [, span] of text.matchAll(/`([^`\n]+)`/g)) {
    if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*(\(\))?$/.test(span) || /\.(ts|js|md|json|bin|sh|yml|c|h)$/.test(span)) continue;
    for (const w of span.replace(/\(\)$/, '').split('.')) if (!words.has(w) && !/^(ts|js|md|json|bin|txt|c|h)$/.test(w)) say('name not in the source', `${w} (in \`${span}\`)`);
  }
  // Code names written without backticks: camelCase and PascalCase words with an inner capital.
  const prose = new Set(text.replace(/\]\([^)]*\)/g, '').replace(/[\w.-]*\/[\w./-]*/g, '').match(/\b[A-Za-z][a-z0-9]+[A-Z][\w]*\b/g) ?? []);
  for (const w of prose) if (!words.has(w)) say('name not in the source', w);
}
process.exit(broken ? 1 : 0);
