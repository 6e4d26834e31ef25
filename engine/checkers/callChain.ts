// Turns an index reachability chain (function -> name it calls -> ...) into
// related locations, one per hop, with the config and runtime conditions that
// guard each call (#ifdef CONFIG_*, IS_ENABLED(), static keys such as
// debug_pagealloc_enabled_static()), as Conds. Where a function calls the next
// name at several sites, the site with the fewest conditions is shown (an
// unconditional call makes the hop unconditional); sites the configuration
// rules out are skipped, and a hop with none left makes the chain impossible.
import type { Node } from 'web-tree-sitter';
import { Reachability, Node_ } from '../index/reachability';
import { SourceCache } from '../analysis/sourceCache';
import type { ReachHop } from '../analysis/contextReach';
import { guards, switchesOf } from '../analysis/callGuards';
import { Cond, TRUE, and, conjuncts, isFalse, isSwitch, or, parseCond, relax, show, simplify } from '../config/cond';

/** One hop of a chain (the same shape whichever search found it: analysis/contextReach.ts). */
export type ChainHop = ReachHop;

function findCalls(fn: Node, callee: string): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [fn];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'call_expression' && n.childForFieldName('function')?.text === callee) out.push(n);
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c) stack.push(c);
    }
  }
  return out;
}

function switches(c: Cond, reach: Reachability): Cond {
  return switchesOf(c, reach.index.config);
}

/**
 * Hops from `start` (reached from a call site) to the target, one per call:
 * "f() calls g() here [when CONFIG_X]", or null when some hop needs what the
 * configuration rules out.
 */
export function chainHops(reach: Reachability, start: Node_, sources: SourceCache): ChainHop[] | null {
  const hops: ChainHop[] = [];
  const config = reach.index.config;
  let caller = start.file;
  for (const { node, calls } of reach.chain(start)) {
    // The definition's #if and the condition its file is built under (mm/highmem.c: CONFIG_HIGHMEM); where
    // other definitions the same call resolves to lead to the target too (alloc_pages_noprof() in mm/mempolicy.c
    // under CONFIG_NUMA, in gfp.h otherwise), the call reaches the target when any of them is built.
    const where = (d: Node_) => {
      const c = reach.index.buildCondition(d);
      return and(c ? parseCond(c) : TRUE, config ? config.fileCondition(d.file) : TRUE);
    };
    const alternatives: Node_[] = reach.isMacro(node) ? [node] : reach.index.resolve(node.name, caller).filter((d) => d === node || reach.reaches(d));
    const built = switches(or(...(alternatives.includes(node) ? alternatives : [node, ...alternatives]).map(where)), reach);
    caller = node.file;
    let line = node.line;
    let column = 1;
    let when: Cond;
    if (reach.isMacro(node)) when = built;
    else {
      // Every definition of the name in this file that makes the call (an #if and its #else), every site in each:
      // the hop happens when any of them can, and the site shown is the one with the fewest conditions.
      const defs = (reach.index.functionsIn(node.file) as Node_[]).filter((d) => d.name === node.name && (d === node || d.calls.includes(calls)));
      const guarded: Cond[] = [];
      let best: { line: number; column: number; n: number } | null = null;
      for (const d of defs) {
        const sites = callSites(sources, node.file, d.name, d.line, calls);
        for (const s of sites.length ? sites : d === node ? [{ line: node.line, column: 1, guard: TRUE }] : []) {
          const g = switches(and(d.condition ? parseCond(d.condition) : TRUE, s.guard), reach);
          if (isFalse(g)) continue;
          guarded.push(g);
          const own = conjuncts(switches(s.guard, reach)).length;
          if (d === node && (!best || own < best.n)) best = { line: s.line, column: s.column, n: own };
        }
      }
      when = simplify(and(built, or(...guarded)));
      if (best) [line, column] = [best.line, best.column];
    }
    if (isFalse(when)) return null;
    const kind = reach.isMacro(node) ? 'macro' : '';
    const list = conjuncts(when);
    hops.push({
      file: node.file,
      line,
      column,
      message: `${node.name}()${kind ? ' (macro)' : ''} calls ${calls}()${list.length ? ` [when ${show(when)}]` : ''}`,
      conditions: list,
      caller: node.name,
      callee: calls,
    });
  }
  return hops;
}

/** The sites in one definition that call `callee`, with their guards, once per text of the file (a check asks again for every section call). */
function callSites(sources: SourceCache, file: string, name: string, line: number, callee: string): { line: number; column: number; guard: Cond }[] {
  return sources.remember(file, `call-sites\0${name}\0${line}\0${callee}`, () => {
    const ref = sources.functionAt(file, name, line);
    return (ref ? findCalls(ref.node, callee) : []).map((call) => ({
      line: call.startPosition.row + 1,
      column: call.startPosition.column + 1,
      guard: guards(call),
    }));
  });
}

/**
 * A chain's conditions: the section call's path conditions and every hop's,
 * configuration and runtime switches only, simplified into conjuncts; null
 * when they contradict each other.
 */
export function chainConditions(pathConds: Cond[], hops: ChainHop[]): Cond[] | null {
  const c = simplify(relax(and(...pathConds, ...hops.flatMap((h) => h.conditions)), isSwitch));
  return isFalse(c) ? null : conjuncts(c);
}

/** Conjuncts as one text: `CONFIG_X && debug_pagealloc_enabled_static()`. */
export function showConditions(conds: Cond[]): string {
  return show(and(...conds));
}
