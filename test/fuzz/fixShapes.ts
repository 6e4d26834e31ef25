// Generated reads after writes in every statement shape a quick fix must
// respect (issue 13, point 1), nested at random: a read as a statement, in an
// if/switch condition, a return expression, a declaration's initializer, a
// for initializer/condition/update, a while or do-while condition (and one
// whose loop `continue`s: no single safe place, so no fix); wrapped in
// unbraced if/else/for/while/do bodies, case labels, goto labels, macro loops
// (list_for_each_entry) and braced blocks, on one line or several.
// Deterministic for a seed (test/fuzz/rng.ts).
import { Rng } from './rng';

export const LEAVES = ['assign', 'if-cond', 'switch-cond', 'return', 'decl', 'while-cond', 'for-cond', 'for-init', 'for-update', 'do-cond', 'continue'] as const;
export const WRAPPERS = ['if-body', 'else-body', 'for-body', 'while-body', 'do-body', 'case', 'label', 'macro-loop', 'block', 'if-braced'] as const;
export type Leaf = (typeof LEAVES)[number];
export type Wrapper = (typeof WRAPPERS)[number];

/** One generated function: its name, the read's shape and the wrappers around it (innermost first). */
export interface ShapedFunction {
  name: string;
  leaf: Leaf;
  wrappers: Wrapper[];
}

const W = 'set_pte_at(mm, addr, pte, entry);';
const ind = (lines: string[]) => lines.map((l) => (l ? `\t${l}` : l));

/** The statement holding the read (one statement: lists are braced), as lines indented from 0. */
function leafLines(rng: Rng, leaf: Leaf): string[] {
  switch (leaf) {
    case 'assign':
      return ['v = ptep_get(pte);'];
    case 'if-cond':
      return rng.chance(0.5) ? ['if (pte_none(ptep_get(pte)))', '\tret = -ENOENT;'] : ['if (pte_none(ptep_get(pte))) ret = -ENOENT;'];
    case 'switch-cond':
      return ['switch (pte_val(ptep_get(pte))) {', 'case 0:', '\tret = 1;', '\tbreak;', '}'];
    case 'return':
      return ['return pte_val(ptep_get(pte));'];
    case 'decl':
      return ['{', '\tpte_t w = ptep_get(pte);', '', '\tret += pte_val(w);', '}'];
    case 'while-cond':
      return rng.chance(0.5) ? ['while (pte_none(ptep_get(pte))) {', `\t${W}`, '\taddr += PAGE_SIZE;', '}'] : ['while (pte_none(ptep_get(pte)))', `\t${W}`];
    case 'for-cond':
      return rng.chance(0.5) ? ['for (; pte_none(ptep_get(pte)); addr += PAGE_SIZE)', `\t${W}`] : [`for (; pte_none(ptep_get(pte)); addr += PAGE_SIZE) ${W}`];
    case 'for-init':
      return ['for (v = ptep_get(pte); addr < end; addr += PAGE_SIZE)', '\tret++;'];
    case 'for-update':
      return rng.chance(0.5) ? ['for (; addr < end; v = ptep_get(pte))', `\t${W}`] : ['for (; addr < end; v = ptep_get(pte)) {', `\t${W}`, '}'];
    case 'do-cond':
      return ['do {', `\t${W}`, '} while (pte_none(ptep_get(pte)));'];
    case 'continue':
      return ['while (pte_none(ptep_get(pte))) {', `\t${W}`, '\tif (++ret & 1)', '\t\tcontinue;', '\taddr += PAGE_SIZE;', '}'];
  }
}

/** `inner` (one statement) made the body or labelled statement of a wrapper; `label` names a goto label. */
function wrap(rng: Rng, w: Wrapper, inner: string[], label: string): string[] {
  const oneLine = inner.length === 1 && rng.chance(0.4);
  switch (w) {
    case 'if-body':
      return oneLine ? [`if (k) ${inner[0]}`] : ['if (k)', ...ind(inner)];
    case 'else-body':
      return oneLine ? [`if (k == 2) ret = 1; else ${inner[0]}`] : ['if (k == 2)', '\tret = 1;', 'else', ...ind(inner)];
    case 'for-body':
      return ['for (i = 0; i < n; i++)', ...ind(inner)];
    case 'while-body':
      return oneLine ? [`while (n--) ${inner[0]}`] : ['while (n--)', ...ind(inner)];
    case 'do-body':
      return ['do', ...ind(inner), 'while (--n > 0);'];
    case 'case':
      return ['switch (k) {', ...(rng.chance(0.5) ? [`case 1: ${inner[0]}`, ...ind(inner.slice(1))] : ['case 1:', ...ind(inner)]), '\tbreak;', 'default:', '\tbreak;', '}'];
    case 'label':
      // A jump to the label from before it, so the label's own path reaches the read too.
      return ['{', '\tif (ret == -EAGAIN)', `\t\tgoto ${label};`, '\tret = 0;', ...(rng.chance(0.5) ? [`${label}:\t${inner[0]}`, ...ind(inner.slice(1))] : [`${label}:`, ...ind(inner)]), '}'];
    case 'macro-loop':
      return rng.chance(0.5) ? ['list_for_each_entry(page, head, lru)', ...ind(inner)] : ['list_for_each_entry(page, head, lru) {', ...ind(inner), '}'];
    case 'block':
      return ['{', ...ind(inner), '}'];
    case 'if-braced':
      return ['if (k) {', ...ind(inner), '}'];
  }
}

/** A file of `count` functions, each a section with a write and then one shaped read. */
export function generateShapes(rng: Rng, count: number, prefix: string): { text: string; functions: ShapedFunction[] } {
  const out = ['typedef struct { unsigned long pte; } pte_t;', 'struct mm_struct;', 'struct list_head { struct list_head *next; };', 'struct fz_page { struct list_head lru; };', ''];
  const functions: ShapedFunction[] = [];
  for (let f = 0; f < count; f++) {
    const name = `${prefix}_${f}`;
    const leaf = rng.pick(LEAVES);
    const wrappers = Array.from({ length: rng.int(4) }, () => rng.pick(WRAPPERS));
    let lines = leafLines(rng, leaf);
    wrappers.forEach((w, i) => (lines = wrap(rng, w, lines, `lbl${i}`)));
    functions.push({ name, leaf, wrappers });
    out.push(
      `static int ${name}(struct mm_struct *mm, pte_t *pte, unsigned long addr, pte_t entry, int k, int n, struct list_head *head)`,
      '{',
      '\tunsigned long end = addr + PAGE_SIZE;',
      '\tstruct fz_page *page;',
      '\tpte_t v = entry;',
      '\tint ret = 0, i;',
      '',
      '\tarch_enter_lazy_mmu_mode();',
      `\t${W}`,
      ...ind(lines),
      '\tarch_leave_lazy_mmu_mode();',
      '\treturn ret + pte_val(v);',
      '}',
      '',
    );
  }
  return { text: out.join('\n'), functions };
}
