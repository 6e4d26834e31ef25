// Turns an index reachability chain (function -> name it calls -> ...) into
// related locations, one per hop, with the config and runtime conditions that
// guard each call (#ifdef CONFIG_*, IS_ENABLED(), static keys such as
// debug_pagealloc_enabled_static()).
import type { Node } from 'web-tree-sitter';
import { RelatedLocation } from '../findings';
import { Reachability, Node_ } from '../index/reachability';
import { SourceCache } from '../analysis/sourceCache';
import { negateCondition } from '../analysis/interpreter';

/** Conditions worth naming: configuration and runtime switches, not ordinary data tests. */
const SWITCH = /CONFIG_|IS_ENABLED|_enabled\w*\s*\(|static_branch|static_key|debug_pagealloc/;

export interface ChainHop extends RelatedLocation {
  conditions: string[];
  /** The function (or macro) making the call, and the name it calls: the chain as data. */
  caller: string;
  callee: string;
}

function ifCondition(n: Node): string {
  const c = n.childForFieldName('condition');
  const t = (c?.type === 'parenthesized_expression' && c.namedChild(0) ? c.namedChild(0)! : c)?.text ?? '';
  return t.replace(/\s+/g, ' ').trim();
}

/** The guards around `call` inside its function: if-conditions and #if branches. */
function guards(call: Node): string[] {
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

function findCall(fn: Node, callee: string): Node | null {
  const stack: Node[] = [fn];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'call_expression' && n.childForFieldName('function')?.text === callee) return n;
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c) stack.push(c);
    }
  }
  return null;
}

/**
 * Hops from `start` (reached from a call site) to the target, one per call:
 * "f() calls g() here [when CONFIG_X]". Conditions that are configuration or
 * runtime switches are kept per hop.
 */
export function chainHops(reach: Reachability, start: Node_, sources: SourceCache): ChainHop[] {
  const hops: ChainHop[] = [];
  for (const { node, calls } of reach.chain(start)) {
    const conds: string[] = node.condition ? [node.condition] : [];
    let line = node.line;
    let column = 1;
    if (!reach.isMacro(node)) {
      // The call site and its guards, once per text of the file (a check asks again for every section call).
      const site = sources.remember(node.file, `call-site\0${node.name}\0${node.line}\0${calls}`, () => {
        const ref = sources.functionAt(node.file, node.name, node.line);
        const call = ref ? findCall(ref.node, calls) : null;
        return call ? { line: call.startPosition.row + 1, column: call.startPosition.column + 1, guards: guards(call) } : null;
      });
      if (site) {
        line = site.line;
        column = site.column;
        conds.push(...site.guards);
      }
    }
    const switches = [...new Set(conds.filter((c) => SWITCH.test(c)))];
    const kind = reach.isMacro(node) ? 'macro' : '';
    const when = switches.length ? ` [when ${switches.join(' && ')}]` : '';
    hops.push({
      file: node.file,
      line,
      column,
      message: `${node.name}()${kind ? ' (macro)' : ''} calls ${calls}()${when}`,
      conditions: switches,
      caller: node.name,
      callee: calls,
    });
  }
  return hops;
}
