// Turns an index reachability chain (function -> name it calls -> ...) into
// related locations, one per hop, with the config and runtime conditions that
// guard each call (#ifdef CONFIG_*, IS_ENABLED(), static keys such as
// debug_pagealloc_enabled_static()).
import type { Node } from 'web-tree-sitter';
import { RelatedLocation } from '../findings';
import { Reachability, Node_ } from '../index/reachability';
import { WorkspaceIndex } from '../index/workspaceIndex';
import { SourceCache } from '../analysis/sourceCache';
import { guards, SWITCH } from '../analysis/callGuards';
import { GuardNote } from '../analysis/pathState';

export interface ChainHop extends RelatedLocation {
  conditions: string[];
  /** Guards on this hop's path that the contextual search could not decide (contextReach.ts). */
  undecided?: GuardNote[];
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
export function chainHops(reach: Reachability, start: Node_, sources: SourceCache, index?: WorkspaceIndex): ChainHop[] {
  const hops: ChainHop[] = [];
  for (const { node, calls } of reach.chain(start)) {
    const condition = index ? index.buildCondition(node) : node.condition;
    const conds: string[] = condition ? [condition] : [];
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
    });
  }
  return hops;
}
