// The value facts a caller hands a callee (engine/analysis/values.ts): what a
// record's zero fill means when paths join and when a binding is cut down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Binding, Fact, joinFactMaps, makeBinding, testsUsed, zeroFilled } from '../../engine/analysis/values';

const int = (...values: number[]): Fact => ({ kind: 'int', values });

test('a member a record does not name is 0; one assigned something unknown is not', () => {
  const facts = new Map<string, Fact>([['walk', { kind: 'record' }], ['walk.ops', { kind: 'any' }]]);
  assert.deepEqual(zeroFilled(facts, 'walk.vma'), int(0));
  assert.equal(zeroFilled(facts, 'walk.vma.x'), undefined, 'a member of a NULL member is no fact');
  assert.equal(zeroFilled(new Map([['walk', { kind: 'nonnull' }]]), 'walk.vma'), undefined);
  assert.equal(zeroFilled(facts, 'walk.@folio_test_hugetlb'), undefined, 'a test result is no member');
});

test('joining paths: a member left out of a record on one path is 0 there', () => {
  const a = new Map<string, Fact>([['walk', { kind: 'record' }], ['walk.pgd', int(0)]]);
  const b = new Map<string, Fact>([['walk', { kind: 'record' }], ['walk.vma', { kind: 'nonnull' }]]);
  const j = joinFactMaps(a, b);
  assert.deepEqual(j.get('walk'), { kind: 'record' });
  assert.deepEqual(j.get('walk.pgd'), int(0), 'b leaves pgd out: 0 on both');
  assert.deepEqual(j.get('walk.vma'), { kind: 'any' }, '0 on one path, non-NULL on the other: unknown, not 0');
  const fns = joinFactMaps(new Map([['f', { kind: 'fn', names: ['a'], files: ['x.c'] }]]), new Map([['f', { kind: 'fn', names: ['b'], files: ['y.c'] }]]));
  assert.deepEqual(fns.get('f'), { kind: 'fn', names: ['a', 'b'], files: ['x.c', 'y.c'] });
});

test('a binding too large keeps the shallow facts, and a record whose members went is no longer zero-filled', () => {
  const members: [string, Fact][] = Array.from({ length: 30 }, (_, i): [string, Fact] => [`.m${String(i).padStart(2, '0')}`, int(i)]);
  const b = makeBinding([[['', { kind: 'record' }], ...members]])!;
  assert.ok(b.length <= 24);
  assert.deepEqual(b.find(([p]) => p === 'P0')?.[1], { kind: 'nonnull' });
  const deep = makeBinding([[['', { kind: 'record' }], ['.a.b.c.d', int(1)]]])!;
  assert.deepEqual(deep, [['P0', { kind: 'nonnull' }]], 'a member too deep to carry: the record is only known to exist');
});

test('a survey keeps only the results of tests its function makes itself', () => {
  const b: Binding = [['P0', { kind: 'nonnull' }], ['P0.@folio_test_large', int(0)], ['P0.@folio_test_hugetlb', int(1)]];
  assert.deepEqual(testsUsed(b, 'if (folio_test_hugetlb(folio)) x();'), [['P0', { kind: 'nonnull' }], ['P0.@folio_test_hugetlb', int(1)]]);
});
