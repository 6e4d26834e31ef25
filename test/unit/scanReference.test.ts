// The scanner (engine/index/fileScan.ts) against the reference: the scanner
// as it was before it was made faster (test/reference/fileScanReference.ts).
// Same bytes in, same scan out — through scanFile (this thread), and through
// scanInto with one name table kept across files (a scan worker's form,
// names looked up by their bytes), on our awkward-C fixtures and on
// deterministic mutations of them (quotes, comment openers, continuations,
// braces, CR, NUL and Latin-1 bytes spliced in everywhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { FileScan, scanFile, scanInto } from '../../engine/index/fileScan';
import { NameTable, decodeScan } from '../../engine/index/scanCodec';
import * as reference from '../reference/fileScanReference';

const DIR = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'scan');
const ENTRY = /\b(?:pte_t|pmd_t|pud_t|p4d_t|pgd_t|struct\s+vm_fault)\s*\*/;
const fixtures = fs.readdirSync(DIR).filter((f) => /\.[ch]$/.test(f)).sort();

/** A scan as plain data (objects compared field by field, key order ignored). */
const plain = (s: FileScan) => JSON.parse(JSON.stringify(s));

function viaTable(buf: Uint8Array, t: NameTable, entry?: RegExp): FileScan {
  const out: number[] = [];
  scanInto(buf, entry, t, out);
  return decodeScan(Int32Array.from(out), 0, t.names);
}

test('the fixtures cover what they are for: each is scanned to definitions the reference also finds', () => {
  assert.ok(fixtures.length >= 4, fixtures.join(' '));
  const names = (f: string) => reference.scanFile(fs.readFileSync(path.join(DIR, f)), ENTRY);
  const strings = names('comments_strings.c');
  assert.deepEqual(strings.functions.map((f) => f.name), ['quoted', 'odd_literals', 'weak_one', 'division']);
  assert.deepEqual(strings.functions[0].calls, ['helper_one', 'helper_two']);
  assert.ok(strings.functions[1].calls.includes('helper_five') && strings.functions[1].calls.includes('helper_six'));
  const macros = names('macros_continuations.h');
  assert.deepEqual(macros.macros.map((m) => m.name), ['FN_LIKE', 'EMPTY_ARGS', 'SPACED_DEFINE', 'STRING_BODY']);
  assert.deepEqual(macros.functions.map((f) => f.name), ['under_cont', 'under_cont', 'under_cont', 'not_asm']);
  const knr = names('knr_unbalanced.c');
  assert.ok(knr.functions.some((f) => f.name === 'split_header' && f.isStatic) && knr.functions.some((f) => f.name === 'split_header' && !f.isStatic));
  assert.ok(knr.functions.some((f) => f.name === 'missing_close'));
  const crlf = names('crlf_latin1.c');
  assert.ok(crlf.functions.some((f) => f.name === 'crlf_fn' && f.takesEntry && f.calls.includes('cr_helper')));
  assert.ok(crlf.macros.some((m) => m.name === 'CR_MACRO'));
});

test('every fixture: scanFile and scanInto (one table across files) give the reference scan', () => {
  const t = new NameTable();
  // Names the table met first as strings (a condition, a call) must keep their ids when met as bytes.
  t.id('helper_one');
  t.id('CONFIG_X');
  for (const entry of [ENTRY, undefined]) {
    for (const f of fixtures) {
      const buf = fs.readFileSync(path.join(DIR, f));
      const want = plain(reference.scanFile(buf, entry));
      assert.deepEqual(plain(scanFile(buf, entry)), want, `${f}: scanFile`);
      assert.deepEqual(plain(viaTable(buf, t, entry)), want, `${f}: scanInto`);
      // A Uint8Array that is not a Buffer, at an offset into a bigger one.
      const big = new Uint8Array(buf.length + 7);
      big.set(buf, 7);
      assert.deepEqual(plain(scanFile(big.subarray(7), entry)), want, `${f}: Uint8Array view`);
    }
  }
});

/** A scan's definitions as [name, line, condition, calls] rows (functions, then macros). */
const rows = (s: FileScan) => [...s.functions, ...s.macros].map((d) => [d.name, d.line, d.condition, d.calls]);

test('the fast paths keep what they skip: a brace-less header\'s macros, header guards, lines after comments, continued directives, literals and CRLF', () => {
  const t = new NameTable();
  // no_brace_defines.h has no `{`: the define prefilter (bytes after a native search) must let it through
  // for its function-like macros, tab after `define` included; `NAME (` and a digit-led name are not macros.
  const header = fs.readFileSync(path.join(DIR, 'no_brace_defines.h'));
  const want = [
    ['REG_FIELD', 11, '', []],
    ['REG_TABBED', 15, '', ['tabbed_helper']],
    ['REG_CALLS', 16, '', ['first_call', 'second_call']],
    ['REG_STRING', 17, '', ['string_call']],
  ];
  assert.deepEqual(rows(reference.scanFile(header, ENTRY)), want);
  assert.deepEqual(rows(scanFile(header, ENTRY)), want);
  assert.deepEqual(rows(viaTable(header, t, ENTRY)), want);
  // lines_guards.c: an #include between #ifndef X and #define X is no header guard (its condition stays);
  // lines count the newlines in comments, continued directives, a string's escaped newline and CRLF ends.
  const lines = fs.readFileSync(path.join(DIR, 'lines_guards.c'));
  const wantLines = [
    ['under_not_guard', 7, '!NOT_A_GUARD', ['ng_call']],
    ['under_guard', 11, '', ['guard_call']],
    ['after_comment', 16, '', ['first']],
    ['in_if_zero', 21, '0', ['hidden']],
    ['after_string', 25, '', ['second']],
    ['after_char', 27, '', ['third']],
    ['crlf_after', 28, '', ['crlf_call']],
    ['crlf_last', 34, '', ['last_call']],
    ['MULTI_LINE', 17, '', ['multi_one', 'multi_two']],
  ];
  assert.deepEqual(rows(reference.scanFile(lines, ENTRY)), wantLines);
  assert.deepEqual(rows(scanFile(lines, ENTRY)), wantLines);
  assert.deepEqual(rows(viaTable(lines, t, ENTRY)), wantLines);
});

test('the prefilter over a brace-less file: a macro behind any blank run after `define` is found, as the reference finds it', () => {
  const t = new NameTable();
  const cases: [string, string[]][] = [
    ['#define  F(x) f_call(x)\n', ['F']],
    ['#define\tF(x) f_call(x)\n', ['F']],
    ['# define F_2(x) f_call(x)\n', ['F_2']],
    ['#define F (x) f_call(x)\n', []],
    ['#define 2F(x) f_call(x)\n', []],
    ['#define F', []],
    ['#define F(', []],
    ['#define F(x)', ['F']],
    ['x(y) define', []],
    ['/* #define F(x) */ (y)', []],
    ['#define A 1\n#define B (2)\n#define C(x) c(x)\n', ['C']],
  ];
  for (const [text, macros] of cases) {
    const buf = Buffer.from(text, 'latin1');
    const want = plain(reference.scanFile(buf, ENTRY));
    assert.deepEqual(want.macros.map((m: { name: string }) => m.name), macros, JSON.stringify(text));
    assert.deepEqual(plain(scanFile(buf, ENTRY)), want, JSON.stringify(text));
    assert.deepEqual(plain(viaTable(buf, t, ENTRY)), want, JSON.stringify(text));
  }
});

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const SPLICES = ['"', "'", '/*', '*/', '//', '\\\n', '\\\r\n', '{', '}', '(', ')', ';', '#', '\n#if X\n', '\n#else\n', '\n#endif\n', '\r', '\0', '\xff', '\xa0', ' define F(', 'static ', '='];

test('binary bytes (NUL, 0xff) and an empty file: the same scan as the reference, no crash', () => {
  // Not a fixture file: the scan threads' test copies every fixture and expects definitions in each (a NUL makes a file binary).
  const t = new NameTable();
  for (const buf of [
    Buffer.from('int looks_like_c(void) { return zero(); }\n\x00\x01\x02{\xff}\n', 'latin1'),
    Buffer.from('\x00{\x00(\x00)\x00}', 'latin1'),
    Buffer.alloc(0),
    Buffer.from('{', 'latin1'),
  ]) {
    const want = plain(reference.scanFile(buf, ENTRY));
    assert.deepEqual(plain(scanFile(buf, ENTRY)), want);
    assert.deepEqual(plain(viaTable(buf, t, ENTRY)), want);
  }
  assert.equal(reference.scanFile(Buffer.from('int looks_like_c(void) { return zero(); }\n\x00', 'latin1')).functions[0].name, 'looks_like_c');
});

test('mutations of every fixture (bytes spliced in, cut, doubled): the same scan as the reference', () => {
  const next = rng(15);
  const t = new NameTable();
  let compared = 0;
  for (const f of fixtures) {
    const base = fs.readFileSync(path.join(DIR, f));
    for (let k = 0; k < 300; k++) {
      const at = Math.floor(next() * (base.length + 1));
      const pick = Math.floor(next() * (SPLICES.length + 2));
      let buf: Buffer;
      if (pick < SPLICES.length) buf = Buffer.concat([base.subarray(0, at), Buffer.from(SPLICES[pick], 'latin1'), base.subarray(at)]);
      else if (pick === SPLICES.length) buf = base.subarray(0, at);
      else buf = Buffer.concat([base.subarray(0, at), base.subarray(Math.floor(next() * base.length))]);
      const want = plain(reference.scanFile(buf, ENTRY));
      assert.deepEqual(plain(scanFile(buf, ENTRY)), want, `${f} mutation ${k}`);
      assert.deepEqual(plain(viaTable(buf, t, ENTRY)), want, `${f} mutation ${k} (table)`);
      compared++;
    }
  }
  assert.equal(compared, fixtures.length * 300);
});

test('the name table: the same id for a name met as a string or as bytes, long or short, and distinct names apart', () => {
  const t = new NameTable();
  const long = 'x'.repeat(200);
  const a = t.id('spin_lock');
  const bytes = Buffer.from(`(spin_lock)${long}(spin_lock_irq`, 'latin1');
  assert.equal(t.idOfBytes(bytes, 1, 10), a);
  assert.equal(t.idOfBytes(bytes, 11, 211), t.id(long));
  const irq = t.idOfBytes(bytes, 212, 225);
  assert.notEqual(irq, a);
  assert.equal(t.id('spin_lock_irq'), irq);
  assert.equal(t.names[irq], 'spin_lock_irq');
  // Latin-1 bytes and a string that is not Latin-1 never share an id.
  const e9 = t.idOfBytes(Buffer.from([0x63, 0xe9]), 0, 2);
  assert.equal(t.id('c\u00e9'), e9);
  assert.notEqual(t.id('c\u0169'), e9);
  // Many names: ids stay distinct and stable as the table grows.
  const ids = Array.from({ length: 20000 }, (_, i) => t.id(`name_${i}`));
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 0; i < 20000; i += 997) assert.equal(t.idOfBytes(Buffer.from(`name_${i}`, 'latin1'), 0, `name_${i}`.length), ids[i]);
});
