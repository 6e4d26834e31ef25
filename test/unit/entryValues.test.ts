// The written-value facts (engine/analysis/entryValues.ts) over the
// catalogue's data: which entry tests a value the code wrote decides, and how
// a test's outcome narrows a value read back. These are the decisions that
// keep a read behind an impossible guard from being reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';
import { ANY_KIND, builtValue, ENTRY_KINDS, joinKinds, kindsOf, narrowKinds, testOutcome } from '../../engine/analysis/entryValues';

const cat = builtinCatalogue();
const t = (name: string) => {
  const x = cat.entryTests.get(name);
  assert.ok(x, `entryTests has ${name}`);
  return x;
};
const k = (...names: ('none' | 'present' | 'table' | 'swap')[]) => names.reduce((m, n) => m | kindsOf(n), 0);

test('catalogue: entry tests and writers name known kinds only', () => {
  for (const [name, test] of cat.entryTests) {
    for (const kind of Object.keys(test.on ?? {})) assert.ok(ENTRY_KINDS.includes(kind as never), `${name}: unknown kind ${kind}`);
    if (test.means !== undefined) assert.ok(['none', 'valid'].includes(test.means), `${name}: means ${test.means}`);
  }
  for (const [name, w] of cat.writers) if (w.value !== undefined) assert.ok(ENTRY_KINDS.includes(w.value), `${name}: value ${w.value}`);
  // What the analysis relies on for 6.12's pagemap walker: a split leaves the pmd empty or a table entry.
  assert.equal(cat.writers.get('pmd_populate')?.value, 'table');
  assert.equal(cat.writers.get('pmdp_huge_get_and_clear')?.value, 'none');
  assert.equal(cat.writers.get('pmdp_invalidate')?.value, undefined, 'an invalidated pmd is not empty (x86 keeps _PAGE_PSE, arm64 PTE_PRESENT_INVALID)');
});

test('a test is decided when every kind the value can be gives the same result', () => {
  assert.equal(testOutcome(t('pmd_bad'), k('table')), false);
  assert.equal(testOutcome(t('pmd_bad'), k('none')), true);
  assert.equal(testOutcome(t('pmd_bad'), k('none', 'table')), undefined);
  assert.equal(testOutcome(t('pmd_none'), k('table')), false);
  assert.equal(testOutcome(t('pmd_trans_huge'), k('none', 'table')), false);
  assert.equal(testOutcome(t('pmd_trans_huge'), k('present')), undefined, 'a present pmd may be a leaf or not');
  assert.equal(testOutcome(t('pte_none'), k('present')), false);
  assert.equal(testOutcome(t('pte_present'), k('none')), false);
  assert.equal(testOutcome(t('pte_valid'), k('present')), undefined, 'PROT_NONE entries are present but not valid on arm64');
  assert.equal(testOutcome(t('pud_bad'), k('none')), undefined, 'pud_bad() of an empty pud differs between x86 and arm64');
  assert.equal(testOutcome(t('pte_none'), undefined), undefined);
  assert.equal(testOutcome(t('pte_none'), ANY_KIND), undefined);
});

test('a test outcome narrows a followed value; a value not followed stays so', () => {
  assert.equal(narrowKinds(t('pte_present'), ANY_KIND, true), k('present', 'table'));
  assert.equal(narrowKinds(t('pte_present'), ANY_KIND, false), k('none', 'swap'));
  assert.equal(narrowKinds(t('pte_valid'), narrowKinds(t('pte_present'), ANY_KIND, false), true), 0, 'not present and valid: no value');
  assert.equal(narrowKinds(t('pte_present'), undefined, true), undefined);
  assert.equal(joinKinds(k('none'), k('table')), k('none', 'table'));
  assert.equal(joinKinds(k('none'), undefined), undefined);
});

test('values built here: makers are present mappings, transforms keep their argument\'s kind unless listed as changing it', () => {
  const arg = (kinds: number | undefined) => () => kinds;
  assert.equal(builtValue('mk_pte', arg(undefined), cat), k('present'));
  assert.equal(builtValue('pfn_pmd', arg(undefined), cat), k('present'));
  assert.equal(builtValue('pte_mkdirty', arg(k('present')), cat), k('present'));
  assert.equal(builtValue('pmd_mkinvalid', arg(k('present')), cat), undefined);
  assert.equal(builtValue('READ_ONCE', arg(k('none')), cat), k('none'));
  assert.equal(builtValue('folio_put', arg(k('none')), cat), undefined);
});
