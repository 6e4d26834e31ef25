// Which functions can reach a set of target calls (an enter API, a page-table
// allocator, a sleeper) through the index's call graph, with the shortest
// chain. Computed backwards from the targets, breadth-first; a caller counts
// only if its call really resolves to the callee (a static function of the
// same name in another file does not). Macros that wrap calls are nodes too.
import { Definition, MacroDefinition, WorkspaceIndex } from './workspaceIndex';

export type Node_ = Definition | MacroDefinition;

export interface ReachStep {
  /** Calls from this function to the target: 1 when it calls a target itself. */
  dist: number;
  /** The name this function calls next on the way. */
  via: string;
  /** The definition that name resolves to (null when `via` is a target). */
  next: Node_ | null;
}

const isMacro = (n: Node_): n is MacroDefinition => 'params' in n;
export const nodeKey = (n: Node_) => `${isMacro(n) ? 'm' : 'f'}:${n.file}:${n.line}:${n.name}`;

export class Reachability {
  private steps = new Map<string, ReachStep>();

  constructor(
    private readonly index: WorkspaceIndex,
    readonly targets: Set<string>,
    private readonly maxDepth: number,
    /** Functions no chain passes through. */
    private readonly barriers: RegExp[] = [],
  ) {
    this.compute();
  }

  private compute(): void {
    const callers = this.index.callersByName();
    const visited = new Set<Node_>();
    let frontier: { name: string; node: Node_ | null }[] = [...this.targets].map((name) => ({ name, node: null }));
    for (let dist = 1; dist <= this.maxDepth && frontier.length; dist++) {
      const next: { name: string; node: Node_ | null }[] = [];
      for (const { name, node } of frontier) {
        for (const c of callers.get(name) ?? []) {
          // The index hands out one object per definition: most revisits stop here, before a key is built.
          if (visited.has(c)) continue;
          const k = nodeKey(c);
          if (this.steps.has(k)) {
            visited.add(c);
            continue;
          }
          if (this.barriers.some((b) => b.test(c.name))) continue;
          if (node && !this.resolvesTo(name, c.file, node)) continue;
          this.steps.set(k, { dist, via: name, next: node });
          visited.add(c);
          next.push({ name: c.name, node: c });
        }
      }
      frontier = next;
    }
  }

  /** Whether a call to `name` from `file` reaches `node` (a function, or a macro where no function exists). */
  private resolvesTo(name: string, file: string, node: Node_): boolean {
    if (isMacro(node)) return this.index.resolve(name, file).length === 0;
    return this.index.resolve(name, file).some((d) => d.file === node.file && d.line === node.line);
  }

  /** The nearest definition a call to `name` from `file` reaches that leads to a target, or null. */
  entry(name: string, file: string): { node: Node_; step: ReachStep } | null {
    if (this.targets.has(name)) return null;
    const defs: Node_[] = this.index.resolve(name, file);
    const cands = defs.length ? defs : this.index.macros(name);
    let best: { node: Node_; step: ReachStep } | null = null;
    for (const d of cands) {
      const st = this.steps.get(nodeKey(d));
      if (st && (!best || st.dist < best.step.dist)) best = { node: d, step: st };
    }
    return best;
  }

  /** The chain from `start` to the target: each node with the name it calls next. */
  chain(start: Node_): { node: Node_; calls: string }[] {
    const out: { node: Node_; calls: string }[] = [];
    let cur: Node_ | null = start;
    for (let guard = 0; cur && guard <= this.maxDepth; guard++) {
      const st = this.steps.get(nodeKey(cur));
      if (!st) break;
      out.push({ node: cur, calls: st.via });
      cur = st.next;
    }
    return out;
  }

  isMacro(n: Node_): n is MacroDefinition {
    return isMacro(n);
  }
}
