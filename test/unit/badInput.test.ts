// Bad input through the CLI (issue 7, part 2): binary files, invalid UTF-8, a
// 50 MB file, a 100,000-line function, 5,000-deep nesting, CRLF, symlink
// loops, a bad extra-APIs file, malformed .lzmmu scenarios. Each gets a clear
// message (or is simply handled) and the rest of the work goes on: a good file
// next to the bad one is still checked and its finding still reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { manySections, SECTIONS_IN_50MB } from '../manySections';

const REPO = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'raw');
const GOOD = 'interproc_depth2.c';

function lazymmu(args: string[], timeout = 120_000) {
  return spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), ...args], { encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}

/** A temp root holding the good fixture (it has a read-after-write finding) and `files`. */
function rootWith(files: Record<string, string | Buffer>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-bad-')));
  fs.copyFileSync(path.join(FIXTURES, GOOD), path.join(dir, GOOD));
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

/** The good file's finding is still reported: the bad input did not stop the work. */
function goodStillChecked(r: ReturnType<typeof lazymmu>): void {
  assert.equal(r.error, undefined, String(r.error));
  assert.match(r.stdout, new RegExp(`^${GOOD.replace('.', '\\.')}:\\d+:\\d+: warning: .*read-after-write`, 'm'), `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+|TypeError|RangeError|Maximum call stack/, r.stderr);
}

const lazyFn = (name: string, body: string) =>
  `void ${name}(struct mm_struct *mm, pte_t *pte, unsigned long addr, pte_t e)\n{\n\tarch_enter_lazy_mmu_mode();\n${body}\n\tarch_leave_lazy_mmu_mode();\n}\n`;

test('a binary file is named as binary and the good file is still checked', () => {
  const blob = Buffer.alloc(4096);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 131) & 0xff;
  const dir = rootWith({ 'blob.c': blob });
  const r = lazymmu(['check', '--root', dir, path.join(dir, 'blob.c'), path.join(dir, GOOD)]);
  goodStillChecked(r);
  assert.match(r.stderr, /^lazymmu: blob\.c: .*binary/m);
});

test('invalid UTF-8 and CRLF line ends are checked like clean text', () => {
  const body = '\tset_pte_at(mm, addr, pte, e);\n\te = ptep_get(pte);';
  const bad = Buffer.concat([Buffer.from('/* caf\xe9 \xff\xfe */\n', 'latin1'), Buffer.from(lazyFn('bad_utf8', body))]);
  const dir = rootWith({ 'utf8.c': bad, 'crlf.c': lazyFn('crlf_fn', body).replace(/\n/g, '\r\n') });
  const r = lazymmu(['check', '--root', dir, dir]);
  goodStillChecked(r);
  // Both hazards are found, on the same lines as in the clean text (line 5: the read).
  assert.match(r.stdout, /^utf8\.c:6:\d+: warning: .*read-after-write/m, r.stdout);
  assert.match(r.stdout, /^crlf\.c:5:\d+: warning: .*read-after-write/m, r.stdout);
});

test('a 50 MB file, a 100,000-line function and 5,000-deep nesting: handled, bounded', () => {
  const line = '\tx = y + 1; /* padding padding padding padding padding padding padding padding */\n';
  const big = `int big_fn(void)\n{\n${line.repeat(Math.ceil((50 << 20) / line.length))}}\n`;
  const long = lazyFn('long_fn', '\tset_pte_at(mm, addr, pte, e);\n' + '\tx++;\n'.repeat(100_000) + '\te = ptep_get(pte);');
  const deep = lazyFn('deep_fn', '\tset_pte_at(mm, addr, pte, e);\n' + 'if (x) {'.repeat(5000) + 'e = ptep_get(pte);' + '}'.repeat(5000));
  const dir = rootWith({ 'big.c': big, 'long.c': long, 'deep.c': deep });
  assert.ok(fs.statSync(path.join(dir, 'big.c')).size >= 50 << 20);
  const r = lazymmu(['check', '--root', dir, dir], 170_000);
  goodStillChecked(r);
});

test('a generated 50 MB file of 370,000 sections, each a read-after-write: a clear message, no crash', () => {
  const dir = rootWith({ 'many.c': manySections(SECTIONS_IN_50MB) });
  assert.ok(fs.statSync(path.join(dir, 'many.c')).size >= 50 << 20);
  const r = lazymmu(['check', '--root', dir, dir], 170_000);
  goodStillChecked(r);
  assert.equal(r.status, 1, r.stderr);
  // Too large to parse (engine/inputBounds.ts): said with its size and how many sections were left out.
  assert.match(r.stderr, /^lazymmu: many\.c: not analysed: at 5\d MB it is larger than the 8\.0 MB lazymmu parses; its 370,000 lazy MMU sections are not checked$/m, r.stderr);
  assert.doesNotMatch(r.stdout, /^many\.c:/m);
});

test('a 4 MB file of 30,000 sections: the first 1,000 analysed, 500 findings reported, the rest counted', () => {
  const dir = rootWith({ 'many.c': manySections(30_000) });
  const r = lazymmu(['check', '--root', dir, '--format', 'json', dir], 170_000);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  const mine = out.diagnostics.filter((f: { file: string }) => /many\.c$/.test(f.file));
  // The cap is per file, in line order: the first 500 reads, one per section.
  assert.equal(mine.length, 500);
  assert.ok(mine.every((f: { rule: string }) => f.rule === 'lazy-mmu/read-after-write'));
  assert.deepEqual(mine.map((f: { line: number }) => f.line), Array.from({ length: 500 }, (_, i) => 5 + 7 * i));
  assert.ok(out.diagnostics.some((f: { file: string }) => f.file.endsWith(GOOD)), 'the good file is still checked');
  assert.match(r.stderr, /^lazymmu: many\.c: 29,000 of its 30,000 lazy MMU sections not analysed: lazymmu analyses at most 1,000 per file$/m, r.stderr);
  assert.match(r.stderr, /^lazymmu: many\.c: 500 more findings not reported: at most 500 per file$/m, r.stderr);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+|TypeError|RangeError|heap/, r.stderr);
});

test('a symlink loop in the tree is not followed and the tree is still checked', () => {
  const dir = rootWith({ 'sub/keep.c': 'int keep(void) { return 0; }\n' });
  fs.symlinkSync(dir, path.join(dir, 'sub', 'loop'));
  fs.symlinkSync(path.join(dir, 'sub', 'self.c'), path.join(dir, 'sub', 'self.c.tmp'));
  fs.symlinkSync(path.join(dir, 'sub', 'self.c.tmp'), path.join(dir, 'sub', 'self.c'));
  const r = lazymmu(['check', '--root', dir, dir]);
  goodStillChecked(r);
});

test('a missing or malformed extra-APIs file is a clear usage error', () => {
  const dir = rootWith({ 'apis.json': '{ "sleepers": [1, 2' });
  for (const f of [path.join(dir, 'apis.json'), path.join(dir, 'none.json')]) {
    const r = lazymmu(['check', '--root', dir, '--extra-apis', f, dir]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /^lazymmu: /m);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  }
});

test('malformed .lzmmu scenarios get a message, not a stack trace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-badlz-'));
  const cases: Record<string, string | Buffer> = {
    'empty.lzmmu': '',
    'garbage.lzmmu': 'this is not a scenario {{{ ]]] ;;;\n',
    'binary.lzmmu': Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 0x7b]),
    'deep.lzmmu': '{'.repeat(5000) + '\n',
    'long.lzmmu': 'cpu 0:\n' + '  frobnicate x\n'.repeat(20000),
  };
  for (const [name, body] of Object.entries(cases)) {
    const f = path.join(dir, name);
    fs.writeFileSync(f, body);
    const r = lazymmu(['simulate', f]);
    assert.equal(r.error, undefined, `${name}: ${r.error}`);
    assert.equal(r.status, 2, `${name}: status ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^lazymmu: |error/m, `${name}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+|Maximum call stack/, `${name}: ${r.stderr}`);
  }
});
