// Which path states the interpreter merges (engine/analysis/stateIdentity.ts):
// states are compared by a hash and then entry by entry, so two paths whose
// hashes collide are still two paths (a merged pair would lose a pending write
// or a pointer identity, and with it a finding), and equal states merge
// whatever order their maps were written in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dedupe, PathState } from '../../engine/analysis/pathState';
import { parseCond } from '../../engine/config/cond';
import { type HashedKey, hashedKey, identityParts, StateSet, stateHash } from '../../engine/analysis/stateIdentity';
import type { PathSlot } from '../../engine/analysis/pathState';

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
    const h = stateHash(s, identityParts(s));
    const m = seen.get(h);
    if (m !== undefined) return [pointing(`S${m}`), s];
    seen.set(h, n);
  }
  throw new Error('no collision in 2^20 states');
}

test('two states whose hashes collide stay two states', () => {
  const [a, b] = collidingPair();
  assert.equal(stateHash(a, identityParts(a)), stateHash(b, identityParts(b)));
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

/** A listener's slot as the local rules' are (checkers/breakBeforeMake.ts): a key kept until a write, its hash kept with it. */
class Slot implements PathSlot {
  private hashed: HashedKey | undefined;
  constructor(public text: string) {}
  clone(): Slot {
    const c = new Slot(this.text);
    c.hashed = this.hashed;
    return c;
  }
  key(): string {
    return this.text;
  }
  hash(): number {
    return (this.hashed = hashedKey(this.key(), this.hashed)).hash;
  }
}

function local(...keys: string[]): PathState {
  const s = new PathState();
  s.slots = keys.map((k) => new Slot(k));
  return s;
}

test("a local run's states: slots whose keys' hashes collide stay two paths; equal keys merge, a slot written after it was hashed by its new key", () => {
  // Two slot keys with equal hashes (found by search: 32 bits).
  const seen = new Map<number, string>();
  let pair: [string, string] | null = null;
  for (let n = 0; n < 1 << 20 && !pair; n++) {
    const k = `pte=live@${n};`;
    const h = new Slot(k).hash();
    const m = seen.get(h);
    if (m !== undefined) pair = [m, k];
    seen.set(h, k);
  }
  assert.ok(pair, 'no collision in 2^20 keys');
  const [a, b] = [local(pair![0]), local(pair![1])];
  assert.equal(stateHash(a, identityParts(a)), stateHash(b, identityParts(b)));
  assert.equal(dedupe([a, b]).length, 2, 'slots with different keys are different paths');
  assert.equal(dedupe([local('x;', 'y;'), local('x;', 'y;')]).length, 1, 'the same keys in other slot objects: one path');
  assert.equal(dedupe([local('x;', 'y;'), local('y;', 'x;')]).length, 2, 'slots are compared in order');
  // A slot hashed, then written (its clone shares the hash it made): compared by what it holds now.
  const c = local('before;');
  const seenStates = new StateSet();
  seenStates.add(c);
  const d = c.clone();
  d.slots = c.slots!.map((x) => x.clone());
  (d.slots[0] as Slot).text = 'after;';
  assert.equal(seenStates.has(d), false, 'a written slot is not the state seen before the write');
  assert.equal(seenStates.has(local('before;')), true);
  assert.equal(stateHash(d, identityParts(d)), stateHash(local('after;'), identityParts(local('after;'))));
});
