// The guards around a call inside its function, read from the syntax: the
// if-conditions and #if branches it sits in, as one condition (config/cond.ts).
// The section rules name the configuration and runtime switches among them
// (CONFIG_*, IS_ENABLED(), static keys such as debug_pagealloc_enabled_static())
// on each hop of a chain (checkers/callChain.ts, analysis/contextReach.ts).
import type { Node } from 'web-tree-sitter';
import { Cond, and, isSwitch, not, parseCond, relax } from '../config/cond';
import type { ConfigOracle } from '../config/oracle';

function ifCondition(n: Node): string {
  const c = n.childForFieldName('condition');
  return (c?.type === 'parenthesized_expression' && c.namedChild(0) ? c.namedChild(0)! : c)?.text ?? '';
}

function preprocCondition(p: Node): Cond {
  const name = p.childForFieldName('name')?.text;
  if (name) return parseCond(/^#\s*(ifndef|elifndef)/.test(p.text) ? `!defined(${name})` : `defined(${name})`);
  return parseCond(p.childForFieldName('condition')?.text ?? '');
}

/** The guards around `call` inside its function: if-conditions and #if branches, as one condition. */
export function guards(call: Node): Cond {
  const out: Cond[] = [];
  let child: Node = call;
  for (let p = call.parent; p && p.type !== 'function_definition'; child = p, p = p.parent) {
    if (p.type === 'if_statement') {
      const cond = parseCond(ifCondition(p), 'c');
      const inElse = p.childForFieldName('alternative')?.id === child.id;
      if (p.childForFieldName('condition')?.id !== child.id) out.push(inElse ? not(cond) : cond);
    } else if (p.type === 'preproc_ifdef' || p.type === 'preproc_if' || p.type === 'preproc_elif') {
      if (p.childForFieldName('alternative')?.id !== child.id) out.push(preprocCondition(p));
    } else if (p.type === 'preproc_else' && p.parent) {
      out.push(not(preprocCondition(p.parent)));
    }
  }
  return and(...out.reverse());
}

/** `!c` of a condition's text, without doubling a negation (for notes shown to the user). */
export function negatedText(cond: string): string {
  if (/^!\w+$/.test(cond)) return cond.slice(1);
  if (/^[\w>.-]+$/.test(cond)) return `!${cond}`;
  return `!(${cond})`;
}

/** Configuration and runtime switches only, with what the configuration decides put in. */
export function switchesOf(c: Cond, config?: ConfigOracle): Cond {
  const r = relax(c, isSwitch);
  return config ? config.reduce(r) : r;
}

/** The #if conditions around `n` inside its function (outermost first): X, !X for #else (a finding's conditions). */
export function preprocConditions(n: Node): Cond[] {
  const cond = (p: Node): Cond => {
    const name = p.childForFieldName('name')?.text;
    if (name) return parseCond(/^#\s*(ifndef|elifndef)/.test(p.text) ? `!defined(${name})` : `defined(${name})`);
    return parseCond(p.childForFieldName('condition')?.text ?? '?');
  };
  const out: Cond[] = [];
  let child: Node = n;
  for (let p = n.parent; p && p.type !== 'function_definition'; child = p, p = p.parent) {
    if (['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef'].includes(p.type)) {
      if (p.childForFieldName('alternative')?.id === child.id) out.push(not(cond(p)));
      else if (p.childForFieldName('condition')?.id !== child.id) out.push(cond(p));
    }
  }
  return out.reverse();
}
