// The index scan reads every branch of an #if group (branchReader.ts): a
// definition in an #elif or #else is found with the condition of its branch,
// nested groups conjoin, and a group whose branches open or close braces
// differently falls back to its first branch without losing what follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFile, FileScan } from '../../engine/index/fileScan';
import { parseCond, show } from '../../engine/config/cond';

const scan = (lines: string[]) => scanFile(Buffer.from(lines.join('\n')));
/** name -> [line, condition as the condition parser reads it, calls] for each definition, in order. */
const defs = (s: FileScan, name: string) =>
  s.functions.filter((f) => f.name === name).map((f) => [f.line, f.condition ? show(parseCond(f.condition)) : '', f.calls.join(',')]);

test('#if / #elif / #else: one definition per branch, each with its branch condition', () => {
  const s = scan([
    '#if defined(CONFIG_A)', // 1
    'static void pick(void)',
    '{',
    '\tfrom_a();',
    '}',
    '#elif defined(CONFIG_B) || defined(CONFIG_C)', // 6
    'static void pick(void)',
    '{',
    '\tfrom_b();',
    '}',
    '#else', // 11
    'static void pick(void)',
    '{',
    '\tfrom_else();',
    '}',
    '#endif',
    'void after(void) { tail(); }',
  ]);
  assert.deepEqual(defs(s, 'pick'), [
    [2, 'CONFIG_A', 'from_a'],
    [7, '!CONFIG_A && (CONFIG_B || CONFIG_C)', 'from_b'],
    [12, '!CONFIG_A && !(CONFIG_B || CONFIG_C)', 'from_else'],
  ]);
  assert.deepEqual(defs(s, 'after'), [[17, '', 'tail']]);
});

test('nested groups conjoin: the inner #else is under the outer #ifdef', () => {
  const s = scan([
    '#ifdef CONFIG_OUTER',
    '#ifdef CONFIG_INNER',
    'void f(void) { one(); }',
    '#else',
    'void f(void) { two(); }',
    '#endif',
    '#else',
    'void f(void) { three(); }',
    '#endif',
  ]);
  assert.deepEqual(defs(s, 'f'), [
    [3, 'CONFIG_OUTER && CONFIG_INNER', 'one'],
    [5, 'CONFIG_OUTER && !CONFIG_INNER', 'two'],
    [8, '!CONFIG_OUTER', 'three'],
  ]);
});

test('function-like macros and functions side by side in the branches of one group', () => {
  const s = scan([
    '#ifdef CONFIG_M',
    '#define helper(x) real_helper(x)',
    '#else',
    'static inline void helper(int x)',
    '{',
    '\tstub_helper(x);',
    '}',
    '#endif',
  ]);
  assert.deepEqual(
    s.macros.map((m) => [m.name, m.condition, m.calls.join(',')]),
    [['helper', 'CONFIG_M', 'real_helper']],
  );
  assert.deepEqual(defs(s, 'helper'), [[4, '!CONFIG_M', 'stub_helper']], 'the #else function is found (it was not before)');
});

test('a header per branch before one shared body: a definition per header, each with its linkage', () => {
  const s = scan([
    '#ifdef CONFIG_SHARED',
    'void shared(int a)',
    '#else',
    'static void shared(int a)',
    '#endif',
    '{',
    '\tbody_call(a);',
    '}',
  ]);
  assert.deepEqual(defs(s, 'shared'), [
    [2, 'CONFIG_SHARED', 'body_call'],
    [4, '!CONFIG_SHARED', 'body_call'],
  ]);
  assert.deepEqual(
    s.functions.map((f) => f.isStatic),
    [false, true],
  );
});

test('branches that open braces differently fall back to the first branch; what follows is intact', () => {
  const s = scan([
    '#ifdef CONFIG_X',
    'void split(int a) {',
    '\tif (a) {',
    '#else',
    'void split(int a) {',
    '\t{',
    '#endif',
    '\t\tinner();',
    '\t}',
    '}',
    'void body_if(int a)',
    '{',
    '#ifdef CONFIG_Y',
    '\tif (a) {',
    '\t\tx();',
    '\t} else {',
    '#else',
    '\t{',
    '#endif',
    '\t\ty();',
    '\t}',
    '}',
    'void next_fn(void)',
    '{',
    '\tlast();',
    '}',
  ]);
  assert.deepEqual(defs(s, 'split').map(([line, cond]) => [line, cond]), [[2, 'CONFIG_X']], 'the first branch, as before');
  assert.deepEqual(defs(s, 'body_if'), [[11, '', 'x,y']], "an #ifdef inside a body: the body's calls, one definition");
  assert.deepEqual(defs(s, 'next_fn'), [[23, '', 'last']]);
});

test('a branch compiled only for the assembler is not read as C', () => {
  const s = scan([
    '#ifndef __ASSEMBLY__',
    'static inline int c_side(void)',
    '{',
    '\treturn c_call();',
    '}',
    '#else',
    '\t.macro asm_side reg',
    '\tmov \\reg, #1',
    '\t.endm',
    'sym = (1',
    '#endif',
    'void later(void)',
    '{',
    '\tlater_call();',
    '}',
  ]);
  assert.deepEqual(defs(s, 'c_side'), [[2, '!__ASSEMBLY__', 'c_call']]);
  assert.deepEqual(defs(s, 'later'), [[12, '', 'later_call']]);
});
