// The local rules' prefilter (checkers/localVerdicts.ts mayBeJudged) first
// looks for one call among the names each predicate needs one of
// (judgedCallNames: the entry makers, the section openers, each rule's
// needsOneOf) and skips the predicates when none is called. Asserted: for
// every call list of one or two catalogue names (and a name no API has), the
// prefiltered answer is the predicates' own, so a rule whose needsOneOf
// misses a name its mayFind needs fails here; and a function calling no API
// is not judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';
import { LOCAL_RULES } from '../../engine/checkers';
import { judgedCallNames, mayBeJudged } from '../../engine/checkers/localVerdicts';

test('the union prefilter gives the predicates\' own answer on every pair of API names', () => {
  const cat = builtinCatalogue();
  const names = [...new Set([...cat.pteMakers.keys(), ...cat.entrySetters.keys(), ...cat.kernelMappers.keys(), ...cat.lazyMode.keys(), 'not_an_api'])];
  // The predicates as the rules state them (makesOrOpens, then each rule's mayFind), with no prefilter.
  const exact = (calls: string[]) =>
    calls.some((c) => cat.pteMakers.has(c) || cat.lazyMode.get(c)?.op === 'enter') || LOCAL_RULES.some((r) => r.mayFind(calls, cat));
  let judged = 0;
  for (const a of names)
    for (const b of names) {
      const calls = a === b ? [a] : [a, b];
      const want = exact(calls);
      if (want) judged++;
      assert.equal(mayBeJudged(calls, cat), want, `calls ${calls.join(', ')}`);
    }
  // Both answers occur (the loop above compares something).
  assert.ok(judged > 0 && judged < names.length * names.length);
  assert.equal(mayBeJudged(['not_an_api', 'spin_lock'], cat), false);
  assert.ok(!judgedCallNames(cat).has('not_an_api'));
});
