// Written-value facts: what the interpreter knows about a value it wrote into
// a page-table entry, as the set of kinds the value can be (a bit mask):
// empty (`pte_clear()`, `ptep_get_and_clear()`, `pmd_clear()`...), a present
// mapping (`set_pte_at(.., mk_pte(..))`, a value tested present), a table
// entry (`pmd_populate()`...), or a non-present non-empty one (swap,
// migration, marker). A read of an entry with a pending write is taken to
// return the written value, so the guards the code puts on it (`pmd_bad()`
// after a `pmd_populate()`) decide which later reads can happen at all. The
// first read after the write stays the reported read-after-write; what the
// tests return on each kind is catalogue data (`entryTests[..].on`).
import type { Node } from 'web-tree-sitter';
import type { Catalogue, EntryKind, EntryTest } from '../catalogue/catalogue';
import { unwrap } from './syntax';

export const ENTRY_KINDS: readonly EntryKind[] = ['none', 'present', 'table', 'swap'];

/**
 * A set of entry kinds as a bit mask. ANY (every bit) is kept for a value read
 * back after a write of unknown kind, so that the tests on it can narrow it;
 * undefined means the value is not one we follow.
 */
export type Kinds = number;

export const ANY_KIND: Kinds = (1 << ENTRY_KINDS.length) - 1;

export function kindsOf(k: EntryKind): Kinds {
  return 1 << ENTRY_KINDS.indexOf(k);
}

/** Either value: undefined when one of them is not followed. */
export function joinKinds(a: Kinds | undefined, b: Kinds | undefined): Kinds | undefined {
  return a === undefined || b === undefined ? undefined : a | b;
}

/** "none", "present|table": for messages and debugging. */
export function describeKinds(k: Kinds | undefined): string {
  if (k === undefined || k === ANY_KIND) return 'any';
  return ENTRY_KINDS.filter((_, i) => k & (1 << i)).join('|');
}

/** The test's result on a value of one of `kinds`: decided when every kind gives the same declared result. */
export function testOutcome(test: EntryTest, kinds: Kinds | undefined): boolean | undefined {
  if (kinds === undefined || !test.on) return undefined;
  let out: boolean | undefined;
  for (let i = 0; i < ENTRY_KINDS.length; i++) {
    if (!(kinds & (1 << i))) continue;
    const r = test.on[ENTRY_KINDS[i]];
    if (r === undefined || (out !== undefined && r !== out)) return undefined;
    out = r;
  }
  return out;
}

/**
 * The kinds a followed value can still be when `test` came out `outcome`:
 * kinds the test gives the other result for are dropped; kinds it says
 * nothing about stay. A value not followed stays so (facts are made by
 * writes, reads back and makers, not by every test in the kernel).
 */
export function narrowKinds(test: EntryTest, kinds: Kinds | undefined, outcome: boolean): Kinds | undefined {
  if (!test.on || kinds === undefined) return kinds;
  let out = kinds;
  for (let i = 0; i < ENTRY_KINDS.length; i++) {
    const r = test.on[ENTRY_KINDS[i]];
    if (r !== undefined && r !== outcome) out &= ~(1 << i);
  }
  return out;
}

/** `pmd_bad(x)`, `pte_none(ptep_get(p))`: the catalogue's test and the tested value, or null. */
export function entryTestCall(n: Node, cat: Catalogue): { name: string; test: EntryTest; arg: Node } | null {
  n = unwrap(n);
  if (n.type !== 'call_expression') return null;
  const fn = n.childForFieldName('function');
  if (fn?.type !== 'identifier') return null;
  const test = cat.entryTests.get(fn.text);
  const arg = n.childForFieldName('arguments')?.namedChildren.find((a) => a && a.type !== 'comment');
  return test?.on && arg ? { name: fn.text, test, arg } : null;
}

/**
 * The kinds of an entry value a call builds from its arguments: a maker
 * (`mk_pte`, `pfn_pte`) gives a present mapping; a transform (`pte_mkdirty`,
 * `pte_wrprotect`) keeps its first argument's kinds unless the catalogue
 * says it changes them; READ_ONCE and the value-transparent wrappers pass
 * their argument's through.
 */
export function builtValue(name: string, argKinds: (i: number) => Kinds | undefined, cat: Catalogue): Kinds | undefined {
  if (cat.pteMakers.has(name)) return kindsOf('present');
  if (cat.entryKindChangers.has(name)) return undefined;
  if (cat.entryValueTransform.test(name) || cat.valueTransparent.has(name) || name === 'READ_ONCE') return argKinds(0);
  return undefined;
}
