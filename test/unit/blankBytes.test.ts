// The scan's byte loops in WebAssembly (engine/index/wasm/blank.ts through
// engine/index/blankBytes.ts): the classification of a file (binary; anything
// to scan) against what the regexes say; what it blanks and records, byte for byte, on
// a file written for it; its output arrays growing past their first
// capacities (a file with tens of thousands of calls); and the module's
// memory let go after a very large file, the next files scanned as before.
// The scans themselves are held to the reference (the scanner before the
// loop moved) here and in scanReference.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BINARY, DIR_INTS, DIR_OBJECT_DEFINE, DIR_READ, MAY_DEFINE, blank, classifyLoaded, load } from '../../engine/index/blankBytes';
import { FileScan, scanFile } from '../../engine/index/fileScan';
import * as reference from '../reference/fileScanReference';

const ENTRY = /\b(?:pte_t|pmd_t|pud_t|p4d_t|pgd_t|struct\s+vm_fault)\s*\*/;
const plain = (s: FileScan) => JSON.parse(JSON.stringify(s));
const offsetsOf = (text: string, chars: string) => [...text].flatMap((c, i) => (chars.includes(c) ? [i] : []));

test('the blanker: comments, literals and directives blanked with their newlines kept; code offsets and directive extents recorded', () => {
  const src = [
    '#ifndef GUARD_H',
    '#define GUARD_H 1',
    '  #  include "x.h" /* a; { comment',
    ' still } comment */',
    '#define F(a) \\',
    '  g(a); /* c */ h(a)',
    'int f(void) { return g("a;(b", \'{\'); } // tail ( ; }',
    '#if defined(X) /* why',
    '   ( */ && Y',
    'x = "esc\\',
    'aped";',
    '#endif',
    '#',
  ].join('\n');
  const buf = Buffer.from(src, 'latin1');
  const b = blank(buf);
  const clean = b.clean.toString('latin1');
  assert.equal(clean.length, src.length);
  // Newlines where they were, every one recorded (the one inside the continued literal too).
  assert.deepEqual(offsetsOf(clean, '\n'), offsetsOf(src, '\n'));
  assert.deepEqual([...b.newlines], offsetsOf(src, '\n'));
  const lines = clean.split('\n');
  // Directives (continued, with comments) and comments: blanks only.
  for (const k of [0, 1, 2, 3, 4, 5, 7, 8, 11, 12]) assert.match(lines[k], /^ *$/, `line ${k + 1}: ${JSON.stringify(lines[k])}`);
  // Code kept, literals' insides and the line comment blanked.
  assert.equal(lines[6], 'int f(void) { return g(' + ' '.repeat('"a;(b"'.length) + ', ' + ' '.repeat(3) + '); }' + ' '.repeat(' // tail ( ; }'.length));
  assert.equal(lines[9], 'x =      ');
  assert.equal(lines[10], '     ;');
  // The code's `;{}` and `(`, nothing from comments, literals or directives.
  assert.deepEqual([...b.marks], offsetsOf(clean, ';{}'));
  assert.deepEqual([...b.parens], offsetsOf(clean, '('));
  assert.ok(b.marks.length === 4 && b.parens.length === 2);
  // Directives read: the #ifndef, the object-like define after it (its name only), the function-like
  // define, the #if, the #endif; not the include, nor the lone `#` (no word) at the end.
  const dirs: number[][] = [];
  for (let k = 0; k < b.dirs.length; k += DIR_INTS) dirs.push([...b.dirs.subarray(k, k + DIR_INTS)]);
  const lineStart = (k: number) => src.split('\n').slice(0, k).join('\n').length + (k ? 1 : 0);
  assert.deepEqual(dirs.map((d) => [d[0], d[2]]), [
    [lineStart(0), DIR_READ],
    [lineStart(1), DIR_OBJECT_DEFINE],
    [lineStart(4), DIR_READ],
    [lineStart(7), DIR_READ],
    [lineStart(11), DIR_READ],
  ]);
  assert.equal(src.slice(dirs[1][3], dirs[1][4]), 'GUARD_H');
  // A directive ends at its unescaped newline, a block comment spanning lines included.
  assert.equal(dirs[2][1], lineStart(6) - 1);
  assert.equal(dirs[3][1], lineStart(9) - 1);
});

test('a file with more offsets than the blanker first holds (40,000 calls, 20,000 defines): every one recorded, the scan the reference\'s', () => {
  const body = Array.from({ length: 20000 }, (_, k) => `\tcall_${k % 97}(x); other(y);`).join('\n');
  const src = `#if A\nint big(pte_t *p)\n{\n${body}\n}\n#endif\n` + Array.from({ length: 20000 }, (_, k) => `#define M${k}(x) f${k}(x)`).join('\n');
  const buf = Buffer.from(src, 'latin1');
  const b = blank(buf);
  // big( and two calls a line; the macros' parentheses are in directives.
  assert.equal(b.parens.length, 1 + 20000 * 2);
  assert.equal(b.marks.length, 40000 + 2);
  assert.equal(b.newlines.length, offsetsOf(src, '\n').length);
  assert.equal(b.dirs.length / DIR_INTS, 2 + 20000);
  const got = scanFile(buf, ENTRY);
  assert.deepEqual(plain(got), plain(reference.scanFile(buf, ENTRY)));
  assert.equal(got.functions[0].calls.length, 98);
  assert.equal(got.macros.length, 20000);
});

test('after a file bigger than the memory kept (20 MB), the next files scan as the reference scans them', () => {
  const unit = 'static int f_%(pte_t *p) { /* c */ return g_%("s(", p); }\n';
  const huge = Buffer.from(Array.from({ length: 340000 }, (_, k) => unit.replace(/%/g, String(k % 1000))).join(''), 'latin1');
  assert.ok(huge.length > 20 << 20);
  const small = Buffer.from('#ifdef CONFIG_Y\nvoid y(void) { z(); }\n#else\nstatic void y(void) { w(); }\n#endif\n', 'latin1');
  for (const buf of [small, huge, small]) {
    const got = scanFile(buf, ENTRY);
    const want = reference.scanFile(buf, ENTRY);
    assert.equal(got.functions.length, want.functions.length);
    assert.deepEqual(plain(got), plain(want));
  }
});

test('the classification: binary by a NUL in the first 8 KiB; something to scan by a `{` or what /define[\\s\\\\]+[A-Za-z_]\\w*\\(/ matches, at every offset of the 16-byte steps', () => {
  const classify = (b: Buffer) => {
    load(b);
    return classifyLoaded();
  };
  const oracle = (b: Buffer) => {
    const text = b.toString('latin1');
    return (b.subarray(0, 8192).includes(0) ? BINARY : 0) | (text.includes('{') || /define[\s\\]+[A-Za-z_]\w*\(/.test(text) ? MAY_DEFINE : 0);
  };
  const pieces = ['#define A(x) x\n', '#define B (x)\n', 'define\\\n  C(', 'define\xa0D(', 'define\x85E(', 'define F(', 'define9(', 'define _(', '{', '(', 'x', '\0', ' define\v\fG(', 'undefine H('];
  let checked = 0;
  for (const p of pieces)
    for (let pad = 0; pad < 40; pad++)
      for (const tail of ['', ' ', '(', 'x(']) {
        const b = Buffer.from('/* r */ '.repeat(pad % 5) + ' '.repeat(pad) + p + tail, 'latin1');
        assert.equal(classify(b), oracle(b), JSON.stringify(b.toString('latin1')));
        checked++;
      }
  // A NUL past the first 8 KiB is not binary; at its last byte it is.
  const big = Buffer.alloc(9000, 32);
  big[8192] = 0;
  assert.equal(classify(big) & BINARY, 0);
  big[8191] = 0;
  assert.equal(classify(big) & BINARY, BINARY);
  assert.equal(classify(Buffer.alloc(0)), 0);
  assert.ok(checked > 2000);
});

test('token soup (a fixed seed, 3,000 files of C fragments at every alignment of the 16-byte steps): the scan the reference gives', () => {
  const tokens = ['/*', '*/', '//', '"', "'", '\\', '\n', '\r\n', '#', '#if X', '#ifndef G', '#define G', '#define F(a) g(a)', '#else', '#elif Y', '#endif',
    '{', '}', '(', ')', ';', ',', 'f', 'int', 'static', '__weak', ' ', '\t', 'x(', 'pte_t *p', '\\\n', 'define', '\0', '\xa0', 'a_long_name_of_a_call(', '0x1f'];
  let seed = 12345;
  const rand = (k: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % k;
  };
  let withDefinitions = 0;
  for (let c = 0; c < 3000; c++) {
    let text = ' '.repeat(c % 17);
    const count = rand(120);
    for (let k = 0; k < count; k++) text += tokens[rand(tokens.length)];
    const buf = Buffer.from(text, 'latin1');
    const want = reference.scanFile(buf, ENTRY);
    assert.deepEqual(plain(scanFile(buf, ENTRY)), plain(want), JSON.stringify(text));
    if (want.functions.length + want.macros.length > 0) withDefinitions++;
  }
  // The soup makes definitions often enough for the comparison to say something.
  assert.ok(withDefinitions > 300, String(withDefinitions));
});
