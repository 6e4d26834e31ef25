// Which path states the interpreter merges (engine/analysis/stateIdentity.ts):
// states are compared by a hash and then entry by entry, so two paths whose
// hashes collide are still two paths (a merged pair would lose a pending write
// or a pointer identity, and with it a finding), and equal states merge
// whatever order their maps were written in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dedupe, PathState } from '../../engine/analysis/pathState';
import { parseCond } from '../../engine/config/cond';
import { identityParts, StateSet, stateHash } from '../../engine/analysis/stateIdentity';

function pointing(id: string): PathState {
  const s = new PathState();
  s.mode = { depth: 1, paused: 0 };
  s.ptrs.set('ptep', id);
  return s;
}

/** Two states that differ only in what `ptep` names and whose identity hashes are equal (found by search: 32 bits). */
function collidingPair(): [PathState, PathState] {
  const seen = new Map<number, number>();
  for (let n = 0; n < 1 << 20; n++) {
    const s = pointing(`S${n}`);
    const h = stateHash(s, identityParts(s), '');
    const m = seen.get(h);
    if (m !== undefined) return [pointing(`S${m}`), s];
    seen.set(h, n);
  }
  throw new Error('no collision in 2^20 states');
}

test('two states whose hashes collide stay two states', () => {
  const [a, b] = collidingPair();
  assert.equal(stateHash(a, identityParts(a), ''), stateHash(b, identityParts(b), ''));
  assert.notEqual(a.ptrs.get('ptep'), b.ptrs.get('ptep'));
  const kept = dedupe([a, b]);
  assert.equal(kept.length, 2, 'pointers naming different entries are different paths');
  const seen = new StateSet();
  seen.add(a);
  assert.equal(seen.has(b), false, 'a loop must not take b for a state it has seen');
  assert.equal(seen.has(pointing(a.ptrs.get('ptep')!)), true);
});

test('equal states merge whatever order their maps were written in; the one with fewer conditions is kept', () => {
  const a = new PathState();
  a.ptrs.set('ptep', 'S1');
  a.ptrs.set('pmd', 'P0');
  a.vals.set('ret', [0, -12]);
  a.dirty.set('S1', { chain: [], conds: [], value: 1 });
  const b = new PathState();
  b.dirty.set('S1', { chain: [{ file: 'x.c', line: 1, column: 1, endLine: 1, endColumn: 2, message: 'another writer' }], conds: [], value: 1 });
  b.vals.set('ret', [0, -12]);
  b.ptrs.set('pmd', 'P0');
  b.ptrs.set('ptep', 'S1');
  b.conds = [parseCond('defined(CONFIG_X)')];
  const kept = dedupe([b, a]);
  assert.equal(kept.length, 1);
  assert.equal(kept[0].dirty.get('S1')!.chain.length, 0, "a's write: the path with fewer conditions");
  // What a write left differs: two states.
  const c = a.clone();
  c.dirty.set('S1', { chain: [], conds: [], value: 2 });
  assert.equal(dedupe([a, c]).length, 2);
  // Known values in another order are other values (as the key string had them).
  const d = a.clone();
  d.vals.set('ret', [-12, 0]);
  assert.equal(dedupe([a, d]).length, 2);
});

test('results of tests on objects are left out of the identity, but not whether a path has facts at all', () => {
  const none = new PathState();
  const tested = new PathState();
  tested.facts.set('folio.@folio_test_large', { kind: 'int', values: [1] });
  const otherTest = new PathState();
  otherTest.facts.set('folio.@folio_test_large', { kind: 'int', values: [0] });
  const joined = dedupe([tested, otherTest]);
  assert.equal(joined.length, 1, 'differing only in a test result: one state');
  assert.equal(joined[0].facts.has('folio.@folio_test_large'), false, 'the result neither path shares is dropped');
  assert.equal(dedupe([none, tested]).length, 2, 'no facts and only a test result were two keys, and stay two states');
});

test('a loop remembers a state as it was when seen, not as it was changed after', () => {
  const s = pointing('S7');
  const seen = new StateSet();
  seen.add(s);
  s.ptrs.set('ptep', 'S8');
  assert.equal(seen.has(s), false);
  assert.equal(seen.has(pointing('S7')), true);
});
