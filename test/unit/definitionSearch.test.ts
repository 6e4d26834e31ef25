// The by-name definition search (engine/index/definitionSearch.ts) and the
// partial index built from it (engine/partialIndex.ts): which files may define
// a name (functions, prototypes, function-like macros, statics), grep's
// answer equal to the in-process one, every definition the index's scan finds
// in the fixtures found by the search too, and the rounds following calls as
// WorkspaceIndex.resolve() resolves them (a static in the caller's file
// first), within their bounds. Fixture: test/fixtures/beforeIndex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NoNativeSearch, definedNamesIn, searchDefinitions } from '../../engine/index/definitionSearch';
import { DefinitionSites } from '../../engine/index/definitionSites';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { scanFile } from '../../engine/index/fileScan';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { PARTIAL_BOUNDS, checkBeforeIndex, partialIndexFor } from '../../engine/partialIndex';
import { isProvisional } from '../../engine/provisional';
import { Workspace } from '../../engine/workspace';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const ROOT = path.join(FIXTURES, 'beforeIndex');
const OPEN = path.join(ROOT, 'bi_open.c');
const cat = loadCatalogue();

function scopeOf(root: string) {
  const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue: cat });
  return { root: idx.root, roots: idx.searchRoots(), covers: (rel: string) => idx.covers(rel) };
}

const rel = (sites: DefinitionSites, name: string) => (sites.get(name) ?? []).map((f) => path.relative(ROOT, f)).sort();
const sorted = (sites: DefinitionSites) => [...sites].map(([n, fs]) => `${n}: ${[...fs].sort().join(' ')}`).sort();

test('the line shapes: declarators at column 0 (one line or the second), #define NAME(; not calls, not object-like macros', () => {
  const text = [
    'static inline pte_t ptep_get(pte_t *ptep)',
    '{',
    '\treturn READ_ONCE(*ptep);', // an indented call
    '}',
    'static unsigned long __must_check',
    'long_name(int a,',
    '\t  int b)',
    'struct page *vm_normal_page(struct vm_area_struct *vma);', // a prototype counts (a few more files scanned)
    '#define pte_offset(dir, addr) ((dir) + (addr))',
    '#  define  spaced_macro(x) x',
    '#define OBJECT_LIKE (1)',
    '#define NOT_FN (x)',
    '\tindented_definition(void)',
    'x = 3 * (y);', // no identifier right before `(`
  ].join('\n');
  assert.deepEqual(definedNamesIn(text), ['ptep_get', 'long_name', 'vm_normal_page', 'pte_offset', 'spaced_macro']);
});

test('by name: header inlines, macros, functions of .c files, every file defining a name (statics too); grep equals the in-process search', async () => {
  const grep = await searchDefinitions(scopeOf(ROOT));
  assert.equal(grep.stats.how, 'grep');
  assert.deepEqual(rel(grep.sites, 'bi_set_entry'), ['bi_helpers.h']);
  assert.deepEqual(rel(grep.sites, 'bi_deep_write'), ['bi_helpers.h', 'lib/bi_deep.c']); // the prototype and the definition
  assert.deepEqual(rel(grep.sites, 'BI_READ'), ['bi_macros.h']);
  assert.deepEqual(rel(grep.sites, 'bi_touch'), ['bi_open.c', 'bi_other.c']); // the static and the global
  assert.deepEqual(rel(grep.sites, 'bi_count'), ['bi_unrelated.c']);
  assert.equal(grep.sites.get('ptep_get'), undefined, 'a name only called is defined nowhere');
  const inProcess = await searchDefinitions(scopeOf(ROOT), { grep: path.join(os.tmpdir(), 'no-such-grep') });
  assert.equal(inProcess.stats.how, 'in-process');
  assert.deepEqual(sorted(inProcess.sites), sorted(grep.sites));
  // The server refuses the in-process search (it costs about what the whole index does).
  await assert.rejects(searchDefinitions(scopeOf(ROOT), { grep: path.join(os.tmpdir(), 'no-such-grep'), inProcess: false }), NoNativeSearch);
});

test('grep finishes while the caller\'s thread is busy (its output is not held in an undrained pipe)', async () => {
  // A grep standing in for the real one: 2 MB of matches (a pipe holds 64 KB), then a mark that it ended.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-busy-'));
  const ended = path.join(dir, 'ended');
  const fake = path.join(dir, 'grep');
  fs.writeFileSync(fake, `#!/bin/sh\nawk 'BEGIN { for (i = 0; i < 60000; i++) printf "a.c%cstatic int busy_fn_%d(\\n", 0, i }'\ntouch '${ended}'\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'a.c'), '');
  try {
    const searching = searchDefinitions({ root: dir, roots: ['a.c'], covers: () => true }, { grep: fake, inProcess: false });
    // This thread busy (as partialIndexFor is, reading the Kconfig facts) until the child ended, or a long bound.
    const bound = Date.now() + 60_000;
    while (!fs.existsSync(ended) && Date.now() < bound);
    assert.ok(fs.existsSync(ended), 'the search\'s child ended while this thread was busy');
    const { sites, stats } = await searching;
    assert.equal(stats.how, 'grep');
    assert.equal(sites.size, 60000);
    assert.deepEqual(sites.get('busy_fn_59999'), [path.join(dir, 'a.c')]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('grep\'s output read in chunks: lines across the chunks\' edges, a line longer than a chunk, a file\'s lines on both sides of an edge, the last line without its newline', async () => {
  // A grep standing in for the real one: ~12 MB of matches (the search reads 4 MB at a time) over three files,
  // a 5 MB match in the middle (a declarator line that long), and no newline after the last line.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-chunks-'));
  const fake = awkGrep(dir, [
    'BEGIN {',
    '  for (i = 0; i < 100000; i++) printf "a.c%cstatic int chunk_a_%d(\\n", 0, i;',
    '  for (pad = " "; length(pad) < 5000000; ) pad = pad pad;',
    '  printf "b.c%cint%slong_one(\\n", 0, pad;',
    '  for (i = 0; i < 100000; i++) printf "b.c%c#define chunk_b_%d(\\n", 0, i;',
    '  for (i = 0; i < 3; i++) printf "c.c%cvoid chunk_c_%d(\\n", 0, i;',
    '  printf "c.c%cvoid chunk_c_last(", 0;',
    '}',
  ]);
  for (const f of ['a.c', 'b.c', 'c.c']) fs.writeFileSync(path.join(dir, f), '');
  try {
    const { sites, stats } = await searchDefinitions({ root: dir, roots: ['a.c'], covers: () => true }, { grep: fake, inProcess: false });
    assert.equal(stats.how, 'grep');
    assert.equal(stats.lines, 100000 + 1 + 100000 + 4);
    assert.equal(sites.size, stats.lines);
    const at = (f: string) => [path.join(dir, f)];
    for (let i = 0; i < 100000; i++) {
      assert.deepEqual(sites.get(`chunk_a_${i}`), at('a.c'), `chunk_a_${i}`);
      assert.deepEqual(sites.get(`chunk_b_${i}`), at('b.c'), `chunk_b_${i}`);
    }
    assert.deepEqual(sites.get('long_one'), at('b.c'));
    for (const n of ['chunk_c_0', 'chunk_c_2', 'chunk_c_last']) assert.deepEqual(sites.get(n), at('c.c'), n);
    assert.equal(sites.get('chunk_a_100000'), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the answer is sized from grep\'s output: a kernel tree\'s shape of lines fills it without growing it', async () => {
  // A grep standing in for the real one: 200,000 lines of ~75 bytes (a kernel tree's ~72), each name twice (a header's
  // prototype, a .c file's definition), as on a kernel tree where ~10^6 lines give ~7x10^5 names.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-sized-'));
  const fake = awkGrep(dir, [
    'BEGIN {',
    '  for (i = 0; i < 100000; i++) {',
    '    printf "drivers/gpu/drm/amd/display/dc/core/dc_file%06d.h%cint dc_fn_%06d(\\n", i, 0, i;',
    '    printf "drivers/gpu/drm/amd/display/dc/core/dc_file%06d.c%cstatic int dc_fn_%06d(\\n", i, 0, i;',
    '  }',
    '}',
  ]);
  fs.writeFileSync(path.join(dir, 'a.c'), '');
  try {
    const { sites, stats } = await searchDefinitions({ root: dir, roots: ['a.c'], covers: () => true }, { grep: fake, inProcess: false });
    assert.equal(stats.lines, 200000);
    assert.equal(sites.size, 100000);
    assert.equal(sites.regrown, 0);
    const f = (i: number, ext: string) => path.join(dir, `drivers/gpu/drm/amd/display/dc/core/dc_file${String(i).padStart(6, '0')}.${ext}`);
    for (const i of [0, 1, 65535, 65536, 99999]) assert.deepEqual(sites.get(`dc_fn_${String(i).padStart(6, '0')}`), [f(i, 'h'), f(i, 'c')]);
    // Filled unsized, the same answers, grown on the way.
    const unsized = new DefinitionSites();
    for (const [name, files] of sites) for (const file of files) unsized.add(name, unsized.file(file));
    assert.ok(unsized.regrown > 0);
    assert.deepEqual(sorted(unsized), sorted(sites));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('file names from grep as it may write them: joined to the root as they are when plain, resolved when not', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-names-'));
  const fake = path.join(dir, 'grep');
  const names = ['mm/a.c', './mm/b.c', 'mm//c.c', 'mm/../d.c', 'mm/./e.c', '..d/f.c', 'mm/.g/h.c', 'x.c'];
  fs.writeFileSync(fake, `#!/bin/sh\nprintf '${names.map((n, i) => `${n}\\000int fn_${i}(\\n`).join('')}'\n`, { mode: 0o755 });
  try {
    const asked: string[] = [];
    const { sites } = await searchDefinitions({ root: dir, roots: ['x.c'], covers: (rel) => (asked.push(rel), rel !== 'x.c') }, { grep: fake, inProcess: false });
    assert.deepEqual(asked, ['mm/a.c', 'mm/b.c', 'mm/c.c', 'd.c', 'mm/e.c', '..d/f.c', 'mm/.g/h.c', 'x.c']);
    const want = ['mm/a.c', 'mm/b.c', 'mm/c.c', 'd.c', 'mm/e.c', '..d/f.c', 'mm/.g/h.c'];
    want.forEach((rel, i) => assert.deepEqual(sites.get(`fn_${i}`), [path.join(dir, rel)], rel));
    assert.equal(sites.get('fn_7'), undefined, 'not covered');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A grep standing in for the real one, in `dir`: it prints what the awk program (its lines) prints. */
function awkGrep(dir: string, program: string[]): string {
  const fake = path.join(dir, 'grep');
  fs.writeFileSync(fake, `#!/bin/sh\nawk '${program.join('\n')}'\n`, { mode: 0o755 });
  return fake;
}

/** A grep standing in for the real one: logs its first argument (the flags) to `log`, refuses -P with `refuseP`'s exit code, else runs the real grep. */
function loggingGrep(dir: string, log: string, refuseP?: number): string {
  const real = execFileSync('sh', ['-c', 'command -v grep'], { encoding: 'utf8' }).trim();
  const fake = path.join(dir, 'grep');
  const refuse = refuseP === undefined ? '' : `case "$1" in *P*) echo "grep: Perl matching not supported in a --disable-perl-regexp build" >&2; exit ${refuseP};; esac\n`;
  fs.writeFileSync(fake, `#!/bin/sh\necho "$1" >> '${log}'\n${refuse}exec '${real}' "$@"\n`, { mode: 0o755 });
  return fake;
}

test('grep -P where grep has it: the same answers as the in-process search', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-pcre-'));
  const log = path.join(dir, 'log');
  try {
    const { sites, stats } = await searchDefinitions(scopeOf(ROOT), { grep: loggingGrep(dir, log), inProcess: false });
    assert.equal(stats.how, 'grep');
    const flags = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.ok(flags.length >= 1 && flags.every((f) => f === '-rHZIoP'), flags.join(' '));
    const inProcess = await searchDefinitions(scopeOf(ROOT), { grep: path.join(os.tmpdir(), 'no-such-grep') });
    assert.deepEqual(sorted(sites), sorted(inProcess.sites));
    assert.deepEqual(rel(sites, 'bi_touch'), ['bi_open.c', 'bi_other.c']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a grep without -P (it writes nothing and exits 2, or 1 as a grep that does not know the option): the same answers, by -E', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-nopcre-'));
  try {
    const real = await searchDefinitions(scopeOf(ROOT), { inProcess: false });
    for (const code of [2, 1]) {
      const log = path.join(dir, `log${code}`);
      fs.mkdirSync(path.join(dir, String(code)));
      const fake = loggingGrep(path.join(dir, String(code)), log, code);
      const { sites, stats } = await searchDefinitions(scopeOf(ROOT), { grep: fake, inProcess: false });
      assert.equal(stats.how, 'grep', `exit ${code}`);
      assert.deepEqual(sorted(sites), sorted(real.sites), `exit ${code}`);
      const shares = fs.readFileSync(log, 'utf8').trim().split('\n');
      assert.deepEqual(new Set(shares), new Set(['-rHZIoP', '-rHZIoE']), `exit ${code}: ${shares.join(' ')}`);
      // Asked again: GNU grep's refusal (2) is remembered; after an exit 1 (maybe a tree without definitions) -P is tried again.
      fs.rmSync(log);
      const again = await searchDefinitions(scopeOf(ROOT), { grep: fake, inProcess: false });
      assert.deepEqual(sorted(again.sites), sorted(real.sites));
      assert.equal(fs.readFileSync(log, 'utf8').includes('-rHZIoP'), code !== 2, `exit ${code}, asked again`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every definition and macro the index scan finds in the fixtures is found by name, by grep and in process alike', async () => {
  const grep = await searchDefinitions(scopeOf(FIXTURES));
  const inProcess = await searchDefinitions(scopeOf(FIXTURES), { grep: path.join(os.tmpdir(), 'no-such-grep') });
  assert.deepEqual(sorted(inProcess.sites), sorted(grep.sites));
  const missed: string[] = [];
  let checked = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.[ch]$/.test(e.name)) {
        const buf = fs.readFileSync(full);
        if (buf.includes(0)) continue;
        const scan = scanFile(buf);
        for (const d of [...scan.functions, ...scan.macros]) {
          checked++;
          if (!(grep.sites.get(d.name) ?? []).includes(full)) missed.push(`${path.relative(FIXTURES, full)}:${d.line} ${d.name}`);
        }
      }
    }
  };
  walk(FIXTURES);
  assert.ok(checked > 400, `${checked} definitions checked`);
  assert.deepEqual(missed, []);
});

test('the partial index: the open file, the files its calls resolve to, round after round; not the rest', async () => {
  const { scans, stats } = await partialIndexFor({ root: ROOT, arch: 'arm64', catalogue: cat }, [{ file: OPEN, text: fs.readFileSync(OPEN, 'utf8') }]);
  assert.deepEqual([...scans.keys()].map((f) => path.relative(ROOT, f)).sort(), ['bi_helpers.h', 'bi_macros.h', 'bi_open.c', 'bi_other.c', 'lib/bi_deep.c']);
  assert.equal(stats.complete, true);
  assert.equal(stats.rounds, 3);
  // One round: bi_deep_write's definition (a call inside bi_set_entry) is not reached.
  const one = await partialIndexFor({ root: ROOT, arch: 'arm64', catalogue: cat }, [{ file: OPEN, text: fs.readFileSync(OPEN, 'utf8') }], { ...PARTIAL_BOUNDS, rounds: 1 });
  assert.equal(one.stats.complete, false);
  assert.ok(!one.scans.has(path.join(ROOT, 'lib', 'bi_deep.c')));
  // The open file's unsaved text is what is followed: a call added there brings its definition's file in.
  const edited = fs.readFileSync(OPEN, 'utf8').replace('bi_touch(ptep);', 'bi_touch(ptep);\n\tbi_count(ptep, 1);');
  const withEdit = await partialIndexFor({ root: ROOT, arch: 'arm64', catalogue: cat }, [{ file: OPEN, text: edited }]);
  assert.ok(withEdit.scans.has(path.join(ROOT, 'bi_unrelated.c')));
  // A name that more files than `crowded` may define is looked up in headers only.
  const crowded = await partialIndexFor({ root: ROOT, arch: 'arm64', catalogue: cat }, [{ file: OPEN, text: fs.readFileSync(OPEN, 'utf8') }], { ...PARTIAL_BOUNDS, crowded: 1 });
  assert.ok(!crowded.scans.has(path.join(ROOT, 'bi_other.c')), 'bi_touch: two .c files, looked up in headers only');
  assert.ok(crowded.stats.crowded >= 1);
});

test('checked before the index: the open file\'s own section findings, all provisional; the static of the same file resolved first; the whole check adds the cross-file read', async () => {
  const { result } = await checkBeforeIndex({ root: ROOT, arch: 'arm64' }, [{ file: OPEN, text: fs.readFileSync(OPEN, 'utf8') }]);
  assert.equal(result.partial, true);
  assert.equal(result.partialIndex, true);
  const at = (r: { findings: { rule: string; line: number; file: string }[] }) => r.findings.filter((f) => f.file === OPEN).map((f) => `${f.rule}:${f.line}`);
  // The write two files away (bi_set_entry -> bi_deep_write -> set_pte_at) and the read through BI_READ(); nothing in bi_quiet().
  assert.deepEqual(at(result), ['lazy-mmu/read-after-write:29']);
  for (const f of result.findings) assert.equal(isProvisional(result, f), true);
  const ws = new Workspace({ root: ROOT, arch: 'arm64' });
  ws.build();
  const whole = await ws.check([OPEN]);
  assert.deepEqual(at(whole), ['lazy-mmu/read-after-write:14', 'lazy-mmu/read-after-write:29']);
  // The finding both found says the same.
  const same = (r: typeof whole) => JSON.stringify(r.findings.find((f) => f.line === 29));
  assert.equal(same(result), same(whole));
});
