// Designated initializers read member by member: a local
// `struct mm_walk walk = { .ops = ops, .no_vma = true }` and a global
// `static const struct mm_walk_ops pageattr_ops = { .pte_entry = f }`.
// C zero-fills the members an initializer does not name, which is what
// decides `if (ops->install_pte)` for an ops struct that has none.
import type { Node } from 'web-tree-sitter';
import { unwrap } from './syntax';

/** What a global's member is initialized to, as plain data (kept per text of its file). */
export type InitValue =
  | { kind: 'int'; value: number }
  /** A name: a function designator, or another global. */
  | { kind: 'ident'; name: string }
  /** `&name`. */
  | { kind: 'addr'; name: string }
  /** A nested initializer list (its members have their own entries, "a.b"). */
  | { kind: 'record' }
  | { kind: 'unknown' };

/**
 * The members an initializer list names, with their value nodes ("a.b" for
 * `.a.b = x` and for `.a = { .b = x }`); a nested list is given with its
 * own node. 'zero' for `{}` and `{ 0 }`; null for a positional list (which
 * member a position is needs the struct's definition).
 */
export function initializerMembers(list: Node): [string, Node][] | 'zero' | null {
  const items = list.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  if (!items.length) return 'zero';
  if (items.length === 1 && items[0].type === 'number_literal' && /^0+[uUlL]*$/.test(items[0].text)) return 'zero';
  const out: [string, Node][] = [];
  for (const it of items) {
    if (it.type !== 'initializer_pair') return null;
    const path: string[] = [];
    for (const d of it.childrenForFieldName('designator')) {
      const f = d?.type === 'field_designator' ? d.namedChild(0) : null;
      if (!f) return null; // [i] = ...: an array, not a struct
      path.push(f.text);
    }
    const value = it.childForFieldName('value');
    if (!path.length || !value) return null;
    const key = path.join('.');
    out.push([key, value]);
    if (value.type === 'initializer_list') {
      const inner = initializerMembers(value);
      if (Array.isArray(inner)) for (const [k, v] of inner) out.push([`${key}.${k}`, v]);
    }
  }
  return out;
}

/** A global's initializer as plain data: member -> value; null when the file has no such initialized global. */
export function globalInitializer(root: Node, name: string, constant: (n: Node) => number | undefined): Map<string, InitValue> | null {
  for (const decl of root.namedChildren) {
    if (!decl || decl.type !== 'declaration') continue;
    for (const d of decl.childrenForFieldName('declarator')) {
      if (d?.type !== 'init_declarator' || d.childForFieldName('declarator')?.text !== name) continue;
      const value = d.childForFieldName('value');
      if (value?.type !== 'initializer_list') return null;
      const members = initializerMembers(value);
      if (members === null) return null;
      const out = new Map<string, InitValue>();
      if (members === 'zero') return out;
      for (const [k, v] of members) out.set(k, initValue(v, constant));
      return out;
    }
  }
  return null;
}

function initValue(n: Node, constant: (n: Node) => number | undefined): InitValue {
  const v = unwrap(n);
  if (v.type === 'initializer_list') return { kind: 'record' };
  if (v.type === 'identifier') {
    const c = constant(v);
    return c !== undefined ? { kind: 'int', value: c } : { kind: 'ident', name: v.text };
  }
  if (v.type === 'pointer_expression' && v.child(0)?.text === '&') {
    const a = v.childForFieldName('argument');
    if (a?.type === 'identifier') return { kind: 'addr', name: a.text };
    return { kind: 'unknown' };
  }
  const c = constant(v);
  return c !== undefined ? { kind: 'int', value: c } : { kind: 'unknown' };
}
