// Conditions as data (engine/config/cond.ts): what a condition a finding
// carries looks like to a user, and how the configuration folds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Atom, and, atoms, conjuncts, joinConjuncts, contradicts, fold, isSwitch, key, not, or, parseCond, reduce, relax, show, simplify } from '../../engine/config/cond';
import { parseExpr } from '../../engine/config/kconfig';

const showC = (t: string, syntax: 'pp' | 'c' = 'pp') => show(parseCond(t, syntax));

test('preprocessor spellings of one option read as one atom', () => {
  for (const t of ['CONFIG_X', 'defined(CONFIG_X)', 'defined CONFIG_X', '( defined ( CONFIG_X ) )', 'IS_ENABLED(CONFIG_X)', 'IS_REACHABLE(CONFIG_X)'])
    assert.equal(key(parseCond(t)), 'cfg:X', t);
  assert.equal(showC('IS_BUILTIN(CONFIG_X)'), 'IS_BUILTIN(CONFIG_X)');
  assert.equal(showC('IS_MODULE(CONFIG_X)'), 'IS_MODULE(CONFIG_X)');
  assert.equal(showC('!defined(__ASSEMBLY__)'), '!__ASSEMBLY__');
});

test('comments go, whitespace is normalised, data tests stay opaque', () => {
  const c = parseCond('IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && /* filter "hugepage" allocation */ is_pmd_order(order) &&\n\t ilx != NO_INTERLEAVE_INDEX', 'c');
  assert.equal(show(c), 'CONFIG_TRANSPARENT_HUGEPAGE && is_pmd_order(order) && ilx != NO_INTERLEAVE_INDEX');
  assert.deepEqual(conjuncts(c).map((x) => x.k), ['cfg', 'opaque', 'opaque']);
  assert.equal(showC('a /* x */ + // y\n b > 3', 'c'), 'a + b > 3');
});

test('runtime switches and integer options are recognised', () => {
  assert.deepEqual(parseCond('debug_pagealloc_enabled_static()', 'c'), { k: 'switch', text: 'debug_pagealloc_enabled_static()' });
  assert.equal(parseCond('static_branch_unlikely(&foo_key)', 'c').k, 'switch');
  assert.deepEqual(parseCond('CONFIG_PGTABLE_LEVELS > 4'), { k: 'cmp', sym: 'PGTABLE_LEVELS', op: '>', value: 4 });
  assert.deepEqual(parseCond('4 < CONFIG_PGTABLE_LEVELS'), { k: 'cmp', sym: 'PGTABLE_LEVELS', op: '>', value: 4 });
  assert.equal(parseCond('0').k, 'const');
  // A bare name in C is data, in the preprocessor a macro.
  assert.equal(parseCond('ret', 'c').k, 'opaque');
  assert.equal(parseCond('DEBUG', 'pp').k, 'macro');
});

test('simplify: repeats, X && !X, absorption, constants', () => {
  assert.equal(show(simplify(and(parseCond('CONFIG_MMU'), parseCond('defined(CONFIG_MMU)'), parseCond('CONFIG_A')))), 'CONFIG_MMU && CONFIG_A');
  assert.equal(show(simplify(and(parseCond('CONFIG_A'), not(parseCond('IS_ENABLED(CONFIG_A)'))))), '0');
  assert.equal(show(simplify(or(parseCond('CONFIG_A'), not(parseCond('CONFIG_A'))))), '1');
  assert.equal(show(simplify(parseCond('CONFIG_A && (CONFIG_A || CONFIG_B)'))), 'CONFIG_A');
  assert.equal(show(simplify(parseCond('CONFIG_A || (CONFIG_A && CONFIG_B)'))), 'CONFIG_A');
  assert.equal(show(simplify(parseCond('1 && CONFIG_A'))), 'CONFIG_A');
  assert.equal(show(parseCond('!(CONFIG_A || CONFIG_B) && CONFIG_C')), '!(CONFIG_A || CONFIG_B) && CONFIG_C');
  assert.equal(key(parseCond('CONFIG_B && CONFIG_A')), key(parseCond('CONFIG_A && CONFIG_B')));
});

test('paths that differ in one #if branch join back (an #if and its #else)', () => {
  assert.deepEqual(joinConjuncts([parseCond('CONFIG_A'), parseCond('CONFIG_B')], [parseCond('CONFIG_A'), not(parseCond('CONFIG_B'))]).map(show), ['CONFIG_A']);
  assert.deepEqual(joinConjuncts([parseCond('CONFIG_HIGHPTE')], [not(parseCond('CONFIG_HIGHPTE'))]), []);
  assert.deepEqual(joinConjuncts([parseCond('CONFIG_A')], [parseCond('CONFIG_B')]).map(show), ['CONFIG_A || CONFIG_B']);
  // A definition under #ifdef that calls under a switch, and its #else that calls always: the call happens unless neither.
  assert.equal(show(simplify(or(parseCond('CONFIG_DEBUG_VM'), and(not(parseCond('CONFIG_DEBUG_VM')), parseCond('x_enabled()', 'c'))))), 'CONFIG_DEBUG_VM || x_enabled()');
  assert.equal(show(simplify(or(parseCond('x_enabled()', 'c'), not(parseCond('x_enabled()', 'c'))))), '1');
});

test('contradicts sees a branch and its #else', () => {
  assert.ok(contradicts(parseCond('defined(CONFIG_HIGHPTE)'), not(parseCond('CONFIG_HIGHPTE'))));
  assert.ok(!contradicts(parseCond('CONFIG_A'), parseCond('CONFIG_B')));
});

test('fold is three-valued and reduce keeps what is undecided', () => {
  const q = (a: Atom) => (a.k === 'cfg' ? (a.sym === 'MMU' ? true : a.sym === 'HIGHPTE' ? false : undefined) : undefined);
  const c = parseCond('!__ASSEMBLY__ && CONFIG_MMU && defined(CONFIG_HIGHPTE)');
  assert.equal(fold(c, q), false);
  assert.equal(fold(parseCond('CONFIG_MMU || CONFIG_X'), q), true);
  assert.equal(fold(parseCond('CONFIG_X && CONFIG_MMU'), q), undefined);
  assert.equal(show(reduce(parseCond('CONFIG_X && CONFIG_MMU && !CONFIG_HIGHPTE'), q)), 'CONFIG_X');
  assert.equal(show(reduce(c, q)), '0');
});

test('relax keeps configuration and runtime switches, weakening around data tests', () => {
  assert.equal(show(relax(parseCond('CONFIG_A && is_big(page)', 'c'), isSwitch)), 'CONFIG_A');
  assert.equal(show(relax(parseCond('CONFIG_A || is_big(page)', 'c'), isSwitch)), '1');
  assert.equal(show(relax(not(parseCond('CONFIG_A && is_big(page)', 'c')), isSwitch)), '1');
  assert.equal(show(relax(parseCond('!(CONFIG_A || x)', 'c'), isSwitch)), '!CONFIG_A');
  assert.equal(show(relax(parseCond('DEBUG && CONFIG_DEBUG_PAGEALLOC'), isSwitch)), 'CONFIG_DEBUG_PAGEALLOC');
});

test('bad input never throws: unbalanced, empty, odd tokens', () => {
  for (const t of ['(', ')', '((CONFIG_A)', '&& ||', '', '#', 'a ? b : c', '"str"', '!', 'defined(', '\u0000\uffff'])
    assert.doesNotThrow(() => show(parseCond(t)), t);
  assert.equal(showC('a ? b : c', 'c'), 'a ? b : c');
});

test('Kconfig expressions: symbols, y/m/n, comparisons, macros', () => {
  assert.equal(show(parseExpr('MMU && !64BIT')), 'CONFIG_MMU && !CONFIG_64BIT');
  assert.equal(show(parseExpr('y')), '1');
  assert.equal(show(parseExpr('n')), '0');
  assert.equal(show(parseExpr('X = n')), '!CONFIG_X');
  assert.equal(show(parseExpr('X != n || Y = m')), 'CONFIG_X || IS_MODULE(CONFIG_Y)');
  assert.equal(show(parseExpr('"x86" = "x86"')), '1');
  assert.equal(show(parseExpr('"arm64" = "x86"')), '0');
  assert.equal(parseExpr('$(cc-option,-mfoo)').k, 'opaque');
  assert.deepEqual(atoms(parseExpr('(A || B) && C')).map((a) => (a as { sym: string }).sym), ['A', 'B', 'C']);
});
