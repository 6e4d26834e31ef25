// The guards around a call inside its function, read from the syntax: the
// if-conditions and #if branches it sits in. The section rules name the
// configuration and runtime switches among them (CONFIG_*, IS_ENABLED(),
// static keys such as debug_pagealloc_enabled_static()) on each hop of a chain.
import type { Node } from 'web-tree-sitter';

/** Conditions worth naming: configuration and runtime switches, not ordinary data tests. */
export const SWITCH = /CONFIG_|IS_ENABLED|_enabled\w*\s*\(|static_branch|static_key|debug_pagealloc/;

/** `!c` of a condition (C text), without doubling a negation. */
export function negateCondition(cond: string): string {
  if (/^!\w+$/.test(cond)) return cond.slice(1);
  if (/^\w+$/.test(cond)) return `!${cond}`;
  return `!(${cond})`;
}

function ifCondition(n: Node): string {
  const c = n.childForFieldName('condition');
  const t = (c?.type === 'parenthesized_expression' && c.namedChild(0) ? c.namedChild(0)! : c)?.text ?? '';
  return t.replace(/\s+/g, ' ').trim();
}

/** The guards around `call` inside its function: if-conditions and #if branches, outermost first. */
export function guards(call: Node): string[] {
  const out: string[] = [];
  let child: Node = call;
  for (let p = call.parent; p && p.type !== 'function_definition'; child = p, p = p.parent) {
    if (p.type === 'if_statement') {
      const cond = ifCondition(p);
      const inElse = p.childForFieldName('alternative')?.id === child.id;
      if (p.childForFieldName('condition')?.id !== child.id) out.push(inElse ? negateCondition(cond) : cond);
    } else if (p.type === 'preproc_ifdef' || p.type === 'preproc_if' || p.type === 'preproc_elif') {
      const name = p.childForFieldName('name')?.text;
      const cond = name ? (/^#\s*ifndef/.test(p.text) ? `!${name}` : name) : (p.childForFieldName('condition')?.text ?? '').trim();
      const inAlt = p.childForFieldName('alternative')?.id === child.id;
      if (!inAlt) out.push(cond);
    } else if (p.type === 'preproc_else' && p.parent) {
      const gp = p.parent;
      const name = gp.childForFieldName('name')?.text;
      const cond = name ? (/^#\s*ifndef/.test(gp.text) ? `!${name}` : name) : (gp.childForFieldName('condition')?.text ?? '').trim();
      out.push(negateCondition(cond));
    }
  }
  return out.reverse();
}

/** The switches among the guards of `call` (each once). */
export function switchGuards(call: Node): string[] {
  return [...new Set(guards(call).filter((c) => SWITCH.test(c)))];
}
