// The breadth-first search behind a Reachability (reachability.ts), over the
// callers map's ids: which definitions reach a set of target names, each
// with its distance and the definition it calls next. Kept by id in typed
// arrays (StepTable), not as a Map of step objects: the two large searches
// of a kernel tree set ~4.7 * 10^5 steps between them, and a Map entry and
// an object per step were a third of their CPU (docs/perf/search24.md).
// What counts as an edge (the static rule, barriers) is the caller's.
import { CallersMap, IdSpan } from './callersMap';
import { Definition, MacroDefinition } from './workspaceIndex';

export type Node_ = Definition | MacroDefinition;

export interface ReachStep {
  /** Calls from this function to the target: 1 when it calls a target itself. */
  dist: number;
  /** The name this function calls next on the way. */
  via: string;
  /** The definition that name resolves to (null when `via` is a target). */
  next: Node_ | null;
}

export const isMacro = (n: Node_): n is MacroDefinition => 'params' in n;

/** Order of frontier entries: name, then place (functions before macros of the same name and file). */
export function frontierOrder(an: string, a: Node_, bn: string, b: Node_): number {
  if (an !== bn) return an < bn ? -1 : 1;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const am = isMacro(a) ? 1 : 0;
  const bm = isMacro(b) ? 1 : 0;
  return am !== bm ? am - bm : a.line - b.line;
}

/** The steps of one search, by the callers map's ids. */
export class StepTable {
  constructor(
    readonly callers: CallersMap<Node_>,
    /** The targets, sorted: a step to a target names it by its position here. */
    private readonly targets: readonly string[],
    /** By id: the distance (0: no step). */
    private readonly dist: Uint8Array,
    /** By id: the id of the next definition, or -1 - (the target's position). */
    private readonly nextOf: Int32Array,
    /** The ids with a step, in the order the search set them (by distance, then as reached). */
    readonly order: Int32Array,
  ) {}

  /** How many ids the table covers (those the callers map had when searched). */
  get ids(): number {
    return this.dist.length;
  }

  /** How many steps. */
  get size(): number {
    return this.order.length;
  }

  /** The step of the definition with id `id` (undefined: none). */
  stepAt(id: number): ReachStep | undefined {
    const d = id >= 0 && id < this.dist.length ? this.dist[id] : 0;
    if (!d) return undefined;
    const e = this.nextOf[id];
    if (e < 0) return { dist: d, via: this.targets[-1 - e], next: null };
    const next = this.callers.node(e);
    return { dist: d, via: next.name, next };
  }

  /** Steps asked for by definition (a check asks about the same few thousand callees again and again). */
  private readonly asked = new Map<Node_, ReachStep | null>();

  /** `n`'s step (undefined: none, or a definition the search never saw). */
  step(n: Node_): ReachStep | undefined {
    let st = this.asked.get(n);
    if (st === undefined) this.asked.set(n, (st = this.stepAt(this.callers.idOf(n)) ?? null));
    return st ?? undefined;
  }

  /** The distance of `id`'s step (0: none). */
  distOf(id: number): number {
    return this.dist[id];
  }

  /** The id of the next definition on `id`'s step (-1: a target's). */
  nextId(id: number): number {
    return Math.max(-1, this.nextOf[id]);
  }

  /** The target name `id`'s step calls (when nextId is -1). */
  targetOf(id: number): string {
    return this.targets[-1 - this.nextOf[id]];
  }
}

/** What makes an edge of the search: the caller's rules (reachability.ts). */
export interface SearchRules {
  /** Files no chain passes through (asked once per file). */
  barrierFile(file: string): boolean;
  /** Definitions no chain passes through, besides those of barrier files. */
  barrierNode(c: Node_): boolean;
  /** Whether a call to `name` from a file reaches `node`, as a function of the file (made once per frontier entry). */
  resolverTo(name: string, node: Node_): (file: string) => boolean;
}

/**
 * The steps within `maxDepth` calls of the targets: breadth-first from the
 * targets through their callers. A caller reached by several entries of one
 * level takes the least of them (frontierOrder: name, then place), so that
 * which chain is shown does not depend on the order files were indexed in;
 * asked only of those revisits, instead of sorting every level (~10^5
 * entries).
 */
export function searchSteps(callers: CallersMap<Node_>, targetSet: Set<string>, maxDepth: number, rules: SearchRules): StepTable {
  const targets = [...targetSet].sort();
  const n = callers.numbered();
  // By id: has a step or is a barrier (a barrier stays one: skipped on every later edge into it).
  const done = new Uint8Array(n);
  // Barrier files' definitions first: one question per file, not per definition reached (~5 * 10^5).
  for (const [file, runs] of callers.fileRuns())
    if (rules.barrierFile(file)) for (let r = 0; r < runs.length; r += 2) done.fill(1, runs[r], Math.min(runs[r + 1], n));
  const dist = new Uint8Array(n);
  const nextOf = new Int32Array(n);
  const order = new Int32Array(n);
  let count = 0;
  // Whether entry a comes before entry b (a frontier's entries: ids, or -1 - t for target t).
  const precedes = (a: number, b: number): boolean => {
    if (a < 0 || b < 0) return a < 0 && b < 0 ? a > b : a < 0;
    const x = callers.node(a);
    const y = callers.node(b);
    return frontierOrder(x.name, x, y.name, y) < 0;
  };
  const span: IdSpan = { list: [], from: 0, to: 0 };
  // A level's entries: ids, or -1 - t for target t (the first level).
  let frontier: number[] = targets.map((_, t) => -1 - t);
  for (let d = 1; d <= maxDepth && frontier.length; d++) {
    const level: number[] = [];
    for (const e of frontier) {
      const node = e >= 0 ? callers.node(e) : null;
      const name = node ? node.name : targets[-1 - e];
      if (e >= 0) callers.idsOfCallersOf(e, span);
      else callers.idsOf(name, span);
      const list = span.list;
      // Made when a caller first needs it (most entries' callers all have a step by then).
      let reachesNode: ((file: string) => boolean) | null = null;
      for (let i = span.from, end = span.to; i < end; i++) {
        const id = list[i];
        if (done[id]) {
          // Reached at this level already: the step goes to the least callee (frontierOrder), as bestStep() has it.
          if (dist[id] !== d || !precedes(e, nextOf[id])) continue;
          if (node && !(reachesNode ??= rules.resolverTo(name, node))(callers.node(id).file)) continue;
          nextOf[id] = e;
          continue;
        }
        const c = callers.node(id);
        if (rules.barrierNode(c)) {
          done[id] = 1;
          continue;
        }
        if (node && !(reachesNode ??= rules.resolverTo(name, node))(c.file)) continue;
        done[id] = 1;
        dist[id] = d;
        nextOf[id] = e;
        order[count++] = id;
        level.push(id);
      }
    }
    frontier = level;
  }
  return new StepTable(callers, targets, dist, nextOf, order.slice(0, count));
}
