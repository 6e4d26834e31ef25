// Which functions can reach a set of target calls (an enter API, a page-table
// allocator, a sleeper) through the index's call graph, with the shortest
// chain. Computed backwards from the targets, breadth-first; a caller counts
// only if its call really resolves to the callee (a static function of the
// same name in another file does not). Macros that wrap calls are nodes too.
// The search itself is stepSearch.ts's. Long (~620 lines) because the
// answer's update in place after an edit, its serial form and its decoding
// from the store share one representation of steps and must change together.
import { IndexDelta, MacroDefinition, WorkspaceIndex } from './workspaceIndex';
import { Node_, ReachStep, StepTable, frontierOrder, isMacro, searchSteps } from './stepSearch';
import { StoredNames, packedList } from './storedNames';

export type { Node_, ReachStep } from './stepSearch';

/** A definition made only when __KERNEL__ is not defined (a header's userspace branch): never in a kernel build. */
function userspaceOnly(condition: string): boolean {
  // Asked for every definition a search reaches (~5 * 10^5): most conditions are empty or do not name it.
  if (!condition.includes('__KERNEL__')) return false;
  return condition.split('&&').some((c) => /^!\s*\(?\s*(defined\s*\(?\s*)?__KERNEL__\s*\)?\s*\)?$/.test(c.trim()));
}
/**
 * Whether a name matches any of `res`, as `res.some((r) => r.test(name))`:
 * one RegExp of their alternation when that is the same (no flags, no
 * numbered or named groups to renumber), since a search tests ~50 barriers
 * on each of ~5 * 10^5 definitions it reaches.
 */
export function anyMatch(res: RegExp[]): (name: string) => boolean {
  if (!res.length) return () => false;
  if (res.every((r) => !r.flags && !/\\[1-9k]|\(\?</.test(r.source))) {
    const one = new RegExp(res.map((r) => `(?:${r.source})`).join('|'));
    return (name) => one.test(name);
  }
  return (name) => res.some((r) => r.test(name));
}

/** A Reachability's answer in serial form (toStored). */
export interface StoredReach {
  /**
   * The files and names the arrays number, each list as one string and where
   * each entry ends in it (storedNames.ts's packed form): a whole tree's
   * ~500,000 strings cost its serial form's read as many objects, and a run
   * asks for the few hundred files it checks (restore() makes them on demand).
   * A name may be listed more than once (a computed answer lists each step's
   * definition's name at the step's own number): readers go by number.
   */
  fileText: string;
  fileEnds: Int32Array;
  nameText: string;
  nameEnds: Int32Array;
  /** Per definition with a step: file, name (indexes into the tables), rank (-1 - rank for a macro). */
  nodes: Int32Array;
  /** Per definition: dist, via (a name), next (a definition, -1: none). */
  steps: Int32Array;
  relevant: Int32Array;
}

/** Each of `file`'s definitions' rank among the file's definitions of the same name and kind (a macro's as -1 - rank), into `ranks`. */
function rankDefinitionsIn(index: WorkspaceIndex, file: string, ranks: Map<Node_, number>): void {
  for (const macro of [false, true]) {
    const rank = new Map<string, number>();
    for (const d of (macro ? index.macrosIn(file) : index.functionsIn(file)) as Node_[]) {
      const r = rank.get(d.name) ?? 0;
      rank.set(d.name, r + 1);
      ranks.set(d, macro ? -1 - r : r);
    }
  }
}

/** Whether no name is given twice among `defs` (pairs compared for a few, a Set for more). */
function namesOnceIn(defs: readonly { name: string }[]): boolean {
  if (defs.length <= 12) {
    for (let i = 1; i < defs.length; i++) for (let j = 0; j < i; j++) if (defs[i].name === defs[j].name) return false;
    return true;
  }
  const seen = new Set<string>();
  for (const d of defs) {
    if (seen.has(d.name)) return false;
    seen.add(d.name);
  }
  return true;
}

/** Serial forms made (toStored): tests count that an edit keeping the searches makes none. */
export const reachCounts = { serialForms: 0 };

/** Strings numbered in order of first use. */
class Table {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  of(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) this.ids.set(s, (i = this.list.push(s) - 1));
    return i;
  }
}

export class Reachability {
  /** The steps as compute() left them (null for an answer taken from the store). */
  private table: StepTable | null = null;
  /**
   * Steps decoded from the store, or set by update() since compute() (null:
   * the table's step is gone). Keyed by the index's definition objects,
   * which survive re-indexing a file when only lines move.
   */
  private steps = new Map<Node_, ReachStep | null>();
  /** Names on some chain (targets, and every node with a step): a change elsewhere cannot alter the answer. */
  private relevantSet: Set<string> | null = new Set();
  /** A stored answer's names on some chain, made into relevantSet when first asked (an edit's staleAfter; a CLI run never asks). */
  private relevantFrom: { s: StoredReach; names: StoredNames } | null = null;
  /** A computed answer's names on some chain are the targets' then its steps' (in the steps' order), not kept while nothing changed them. */
  private relevantFromSteps = false;
  /**
   * Ranks of the definitions of files indexed again since this answer was
   * computed, as they were then (keepRanksOf): its serial form, made later
   * (the store's pending searches, off the edit path), names them so.
   */
  private ranksAsComputed = new Map<Node_, number>();
  private filesAsComputed = new Set<string>();
  private get relevant(): Set<string> {
    if (!this.relevantSet && this.relevantFromSteps) {
      this.relevantSet = new Set(this.targets);
      for (const [n] of this.eachStep()) this.relevantSet.add(n.name);
    }
    return (this.relevantSet ??= new Set([...this.relevantFrom!.s.relevant].map((i) => this.relevantFrom!.names.get(i))));
  }

  constructor(
    readonly index: WorkspaceIndex,
    readonly targets: Set<string>,
    private readonly maxDepth: number,
    /** Functions no chain passes through. */
    barriers: RegExp[] = [],
    /** Files no chain passes through (test code). */
    private readonly barrierFile: (file: string) => boolean = () => false,
    /** The answer as stored (engine/store/), for the same inputs: taken instead of computing it. */
    stored?: StoredReach,
  ) {
    this.barrierName = anyMatch(barriers);
    if (!stored || !this.restore(stored)) this.compute();
  }

  /** Whether a name is one of the barriers' (functions no chain passes through). */
  private readonly barrierName: (name: string) => boolean;

  /**
   * The answer in serial form: each step's definition named by file, name,
   * kind and rank among its file's same-name definitions of that kind (not
   * its line: an edit that moves lines leaves the graph, and so the answer,
   * as it was); numbers in typed arrays (a whole tree has ~10^5 steps).
   */
  toStored(): StoredReach {
    reachCounts.serialForms++;
    // As computed (no edit since): each step's `next` by its position.
    return this.table && !this.steps.size ? this.storedAsComputed(this.table) : this.storedAfterEdit();
  }

  /**
   * The serial form of the steps as compute() left them. Name i is step i's
   * definition's name (a name two steps' definitions share is written twice)
   * and the targets' follow: no table of ~3 * 10^5 names to look each one up
   * in (most of toStored's CPU on a whole tree: docs/perf/cold5.md); a
   * step's `via` is its `next`'s name, so its number is `next`'s own.
   */
  private storedAsComputed(table: StepTable): StoredReach {
    const count = table.size;
    const callers = table.callers;
    const files = new Table();
    const rankOf = this.ranker();
    const nodes = new Int32Array(3 * count);
    const names: string[] = new Array(count);
    // Written in order of id, so that one file's steps come together (callers are numbered in runs of one
    // file): the last file's number kept, no lookup, and the ranker asks about each file once.
    const order = Int32Array.from(table.order).sort();
    let lastFile: string | null = null;
    let lastFileId = -1;
    // Each id's position in that order (+ 1; 0: no step).
    const at = new Int32Array(table.ids);
    for (let k = 0; k < count; k++) {
      const n = callers.node(order[k]);
      at[order[k]] = k + 1;
      if (n.file !== lastFile) lastFileId = files.of((lastFile = n.file));
      nodes[3 * k] = lastFileId;
      nodes[3 * k + 1] = k;
      nodes[3 * k + 2] = rankOf(n);
      names[k] = n.name;
    }
    const targetIds = new Map<string, number>();
    const targetId = (t: string): number => {
      let i = targetIds.get(t);
      if (i === undefined) targetIds.set(t, (i = names.push(t) - 1));
      return i;
    };
    const steps = new Int32Array(3 * count);
    for (let i = 0; i < count; i++) {
      const id = order[i];
      const next = table.nextId(id);
      const nx = next >= 0 ? at[next] - 1 : -1;
      steps[3 * i] = table.distOf(id);
      steps[3 * i + 1] = nx >= 0 ? nx : targetId(table.targetOf(id));
      steps[3 * i + 2] = nx;
    }
    // The names on some chain: the targets', then every step's (its own number).
    const relevant = new Int32Array(this.targets.size + count);
    let r = 0;
    for (const t of this.targets) relevant[r++] = targetId(t);
    for (let s = 0; s < count; s++) relevant[r++] = s;
    const f = StoredNames.pack(files.list);
    const nm = StoredNames.pack(names);
    return { fileText: f.text, fileEnds: f.ends, nameText: nm.text, nameEnds: nm.ends, nodes, steps, relevant };
  }

  /** The serial form of steps an edit changed (update()): definitions and names numbered by tables. */
  private storedAfterEdit(): StoredReach {
    const files = new Table();
    const names = new Table();
    const ids = new Map<Node_, number>();
    const all = [...this.eachStep()];
    let nodes = new Int32Array(3 * all.length);
    let count = 0;
    const rankOf = this.ranker();
    const id = (n: Node_): number => {
      if (3 * count === nodes.length) {
        const more = new Int32Array(2 * nodes.length + 3);
        more.set(nodes);
        nodes = more;
      }
      nodes[3 * count] = files.of(n.file);
      nodes[3 * count + 1] = names.of(n.name);
      nodes[3 * count + 2] = rankOf(n);
      ids.set(n, count);
      return count++;
    };
    // Every definition with a step numbered first (in the steps' order), so the arrays are filled without holes.
    for (const [n] of all) id(n);
    const steps = new Int32Array(3 * count);
    let i = 0;
    for (const [, st] of all) {
      steps[3 * i] = st.dist;
      const nx = st.next ? ids.get(st.next) ?? id(st.next) : -1;
      // A step's `via` is its `next`'s name (numbered above: no lookup), or a target's.
      steps[3 * i + 1] = nx >= 0 && st.via === st.next!.name ? nodes[3 * nx + 1] : names.of(st.via);
      steps[3 * i + 2] = nx;
      i++;
    }
    const f = StoredNames.pack(files.list);
    const relevant = Int32Array.from([...this.relevant].map((n) => names.of(n)));
    const n = StoredNames.pack(names.list);
    return { fileText: f.text, fileEnds: f.ends, nameText: n.text, nameEnds: n.ends, nodes: nodes.slice(0, 3 * count), steps, relevant };
  }

  /**
   * A definition's rank among its file's definitions of the same name and
   * kind (a macro's as -1 - rank). In most files no name is defined twice
   * (2,794 of 46,748 on 6.12): rank 0 for all, told once per file (asked in
   * runs of one file's steps); the others are ranked whole.
   */
  private ranker(): (n: Node_) => number {
    const ranks = new Map<Node_, number>();
    const ranked = new Set<string>();
    const plain = new Map<string, boolean>();
    let lastFile: string | null = null;
    let lastPlain = false;
    return (n) => {
      // A file indexed again since: its ranks as they were (keepRanksOf).
      if (this.filesAsComputed.size && this.filesAsComputed.has(n.file)) {
        const r = this.ranksAsComputed.get(n);
        if (r === undefined) throw new Error(`reachability: ${n.name} was not in the index`);
        return r;
      }
      if (n.file !== lastFile) {
        lastFile = n.file;
        let p = plain.get(n.file);
        if (p === undefined) plain.set(n.file, (p = namesOnceIn(this.index.functionsIn(n.file)) && namesOnceIn(this.index.macrosIn(n.file))));
        lastPlain = p;
      }
      if (lastPlain) return isMacro(n) ? -1 : 0;
      if (!ranked.has(n.file)) {
        ranked.add(n.file);
        rankDefinitionsIn(this.index, n.file, ranks);
      }
      const r = ranks.get(n);
      if (r === undefined) throw new Error(`reachability: ${n.name} is not in the index`);
      return r;
    };
  }

  /**
   * Before `file` is indexed again, while this answer's serial form may
   * still be asked for (the store's pending search): the ranks of the file's
   * definitions kept, so that toStored() after the edit names the steps as
   * it would have before (an edit that keeps the answer leaves its steps;
   * one that changes it has the serial form made before update()). The rest
   * toStored() reads does not change with an edit of another file: a
   * definition's rank counts only its own file's definitions. ~1 ms for
   * mm/memory.c, instead of the ~1.2 s of CPU the four searches' serial
   * forms cost on the first edit after a check.
   */
  keepRanksOf(file: string): void {
    if (this.filesAsComputed.has(file)) return;
    this.filesAsComputed.add(file);
    rankDefinitionsIn(this.index, file, this.ranksAsComputed);
  }

  /**
   * A stored answer, decoded a file at a time as definitions are asked about
   * (a whole tree's ~10^5 steps would cost more to rebuild than the few
   * hundred files a check asks about).
   */
  private stored: {
    s: StoredReach;
    files: StoredNames;
    names: StoredNames;
    /** File -> the stored definitions in it, in stored order. */
    byFile: (file: string) => Int32Array;
    nodes: (Node_ | undefined)[];
    /** File -> name -> its functions and its macros, in file order (rank = position). */
    defs: Map<string, Map<string, [Node_[], Node_[]]>>;
    decoded: Set<string>;
  } | null = null;

  /** Takes a stored answer; false (nothing taken) when it is malformed. */
  private restore(s: StoredReach): boolean {
    const n = s.nodes.length / 3;
    if (!Number.isInteger(n) || s.steps.length !== s.nodes.length) return false;
    const files = packedList(s.fileText, s.fileEnds);
    const names = packedList(s.nameText, s.nameEnds);
    if (!files || !names) return false;
    // The definitions grouped by file id (a counting sort, stable): no per-node arrays or string lookups
    // (4 searches of ~10^5 steps each on a kernel tree, decoded for the few hundred files a check asks about).
    const nf = files.length;
    const start = new Int32Array(nf + 1);
    for (let i = 0; i < n; i++) {
      const f = s.nodes[3 * i];
      if (!(f >= 0 && f < nf)) return false;
      start[f + 1]++;
    }
    for (let f = 0; f < nf; f++) start[f + 1] += start[f];
    const order = new Int32Array(n);
    const fill = start.slice(0, nf);
    for (let i = 0; i < n; i++) order[fill[s.nodes[3 * i]]++] = i;
    let ids: Map<string, number> | null = null;
    const byFile = (file: string): Int32Array => {
      if (!ids) {
        ids = new Map();
        for (let k = 0; k < nf; k++) ids.set(files.get(k), k);
      }
      const k = ids.get(file);
      return k === undefined ? order.subarray(0, 0) : order.subarray(start[k], start[k + 1]);
    };
    this.stored = { s, files, names, byFile, nodes: new Array(n), defs: new Map(), decoded: new Set() };
    this.relevantSet = null;
    this.relevantFrom = { s, names };
    return true;
  }

  /** The stored definition `i`; undefined when the index has no such definition (then the answer is computed). */
  private storedNode(i: number): Node_ | undefined {
    const st = this.stored!;
    let d = st.nodes[i];
    if (d) return d;
    const file = st.files.get(st.s.nodes[3 * i]);
    let m = st.defs.get(file);
    if (!m) {
      st.defs.set(file, (m = new Map()));
      for (const macro of [0, 1] as const)
        for (const x of (macro ? this.index.macrosIn(file) : this.index.functionsIn(file)) as Node_[]) {
          let e = m.get(x.name);
          if (!e) m.set(x.name, (e = [[], []]));
          e[macro].push(x);
        }
    }
    const rank = st.s.nodes[3 * i + 2];
    const e = m.get(st.names.get(st.s.nodes[3 * i + 1]));
    d = e ? (rank >= 0 ? e[0][rank] : e[1][-1 - rank]) : undefined;
    st.nodes[i] = d;
    return d;
  }

  /** `n`'s step (decoding its file's stored steps first). */
  private stepOf(n: Node_): ReachStep | undefined {
    if (this.stored && !this.stored.decoded.has(n.file)) this.decodeFile(n.file);
    const st = this.steps.get(n);
    if (st !== undefined) return st ?? undefined;
    return this.table?.step(n);
  }

  /** Every step: the table's (those update() left), then the others, each in the order set. */
  private *eachStep(): Iterable<[Node_, ReachStep]> {
    const t = this.table;
    if (t)
      for (const id of t.order) {
        const n = t.callers.node(id);
        if (!this.steps.has(n)) yield [n, t.stepAt(id)!];
      }
    for (const [n, st] of this.steps) if (st) yield [n, st];
  }

  /**
   * Decodes the stored steps of `file`'s definitions. The Workspace calls it
   * before the file is indexed again (the ranks name the definitions as they
   * were), so that staleAfter judges the change as for a computed answer.
   */
  decodeFile(file: string): void {
    const st = this.stored;
    if (!st || st.decoded.has(file)) return;
    st.decoded.add(file);
    for (const i of st.byFile(file)) {
      const d = this.storedNode(i);
      const nx = st.s.steps[3 * i + 2];
      const next = nx < 0 ? null : this.storedNode(nx);
      if (!d || next === undefined) {
        // Not the index this answer was stored for (its key said it was): computed instead.
        this.stored = null;
        this.steps = new Map();
        this.relevantSet = new Set();
        this.compute();
        return;
      }
      this.steps.set(d, { dist: st.s.steps[3 * i], via: st.names.get(st.s.steps[3 * i + 1]), next });
    }
  }

  private compute(): void {
    // The names on a chain are the targets' and the steps' (made from them when first asked, in this order).
    this.relevantSet = null;
    this.relevantFromSteps = true;
    this.steps = new Map();
    this.table = searchSteps(this.index.callersByName(), this.targets, this.maxDepth, {
      barrierFile: this.barrierFile,
      barrierNode: (c) => this.barrierNode(c),
      resolverTo: (name, node) => this.resolverTo(name, node),
    });
  }

  /**
   * resolvesTo(name, file, node) as a function of the calling file, made once
   * per frontier entry: a name with one function definition (most) or with
   * none (a macro) resolves alike from every file but the static rule's, so
   * no lookup per caller.
   */
  private resolverTo(name: string, node: Node_): (file: string) => boolean {
    const fns = this.index.definitionsNamed(name);
    if (isMacro(node)) {
      if (!fns.length) {
        const is = this.index.macros(name).includes(node);
        return () => is;
      }
    } else if (fns.length === 1 && fns[0] === node) {
      // resolve(): the one viable definition from its own file; from another, when it is visible there.
      const viable = this.index.resolve(name, node.file).includes(node);
      const visible = viable && (!node.isStatic || node.file.endsWith('.h'));
      return (file) => visible || (viable && file === node.file);
    }
    return (file) => this.resolvesTo(name, file, node);
  }

  /** Chains do not pass barrier functions, test code, or definitions only user space sees (`#ifndef __KERNEL__`). */
  private isBarrier(n: Node_): boolean {
    return this.barrierFile(n.file) || this.barrierNode(n);
  }

  /** isBarrier without the file's part (the search asks that once per file: stepSearch.ts). */
  private barrierNode(n: Node_): boolean {
    return this.barrierName(n.name) || userspaceOnly(n.condition);
  }

  /** Whether a call to `name` from `file` reaches `node` (a function, or a macro where no function exists). */
  private resolvesTo(name: string, file: string, node: Node_): boolean {
    // (macros() leaves out a macro the configuration rules out.)
    if (isMacro(node)) return this.index.resolve(name, file).length === 0 && this.index.macros(name).includes(node);
    return this.index.resolve(name, file).some((d) => d.file === node.file && d.line === node.line);
  }

  /** The nearest definition a call to `name` from `file` reaches that leads to a target, or null. */
  entry(name: string, file: string): { node: Node_; step: ReachStep } | null {
    if (this.targets.has(name)) return null;
    const defs: Node_[] = this.index.resolve(name, file);
    const cands = defs.length ? defs : this.index.macros(name);
    let best: { node: Node_; step: ReachStep } | null = null;
    for (const d of cands) {
      const st = this.stepOf(d);
      if (st && (!best || st.dist < best.step.dist)) best = { node: d, step: st };
    }
    return best;
  }

  /** Whether the definition leads to a target (has a step). */
  reaches(n: Node_): boolean {
    return !!this.stepOf(n);
  }

  /** The chain from `start` to the target: each node with the name it calls next. */
  chain(start: Node_): { node: Node_; calls: string }[] {
    const out: { node: Node_; calls: string }[] = [];
    let cur: Node_ | null = start;
    for (let guard = 0; cur && guard <= this.maxDepth; guard++) {
      const st: ReachStep | undefined = this.stepOf(cur);
      if (!st) break;
      out.push({ node: cur, calls: st.via });
      cur = st.next;
    }
    return out;
  }

  /**
   * Whether re-indexing a file (the delta) may have changed any answer. A
   * definition whose calls changed but whose own step comes out the same
   * changes nothing for its callers; anything else near a chain (a definition
   * on one removed or added, resolution of a chain's name changed, a step
   * gained, lost or moved) means computing again.
   */
  staleAfter(delta: IndexDelta): boolean {
    const why = this.whyStale(delta);
    if (why && process.env.LAZYMMU_DEBUG) console.error(`reachability to ${[...this.targets].slice(0, 3).join(', ')}...: stale (${why})`);
    return !!why;
  }

  private whyStale(delta: IndexDelta): string | null {
    for (const d of delta.removed) if (this.stepOf(d) || this.relevant.has(d.name)) return `${d.name} removed`;
    for (const d of delta.added) if (this.relevant.has(d.name) || this.bestStep(d)) return `${d.name} added`;
    for (const { def, before } of delta.changed) {
      // The linkage first: the names on a chain are made only when asked (~0.1 s per search on a kernel tree).
      if (!isMacro(def) && !isMacro(before) && (before.isStatic !== def.isStatic || before.isWeak !== def.isWeak) && this.relevant.has(def.name))
        return `${def.name} changed linkage`;
      const old = this.stepOf(def);
      const now = this.bestStep(def);
      if (!old && !now) continue;
      if (!old || !now || old.dist !== now.dist || old.via !== now.via || old.next !== now.next)
        return `${def.name}: ${old ? `${old.dist} via ${old.via}` : 'none'} -> ${now ? `${now.dist} via ${now.via}` : 'none'}`;
    }
    return null;
  }

  /**
   * Brings the answer up to date with a re-indexed file (the delta) instead
   * of computing it again; false when it cannot (an answer taken from the
   * store, decoded a file at a time: compute). An edit that makes one
   * function start or stop reaching a target (typing might_sleep()) changed
   * the whole search, ~1-2 s of CPU on a kernel tree; this costs the part of
   * the graph whose distances can change. The result is what compute() gives
   * on the new index: every step is its shortest distance (within maxDepth)
   * with the breadth-first search's tie-break (bestStep: the least callee in
   * frontierOrder at one less), which this restores in three steps:
   *  1. touched: definitions whose calls, or what their calls resolve to,
   *     may differ (added or changed ones, callers of a name whose lookup
   *     changed); removed ones go;
   *  2. lost: the steps whose chain passes through a touched or removed
   *     definition (their distance may grow) are dropped; every other step
   *     is still a chain of the new graph, so its distance can only shrink;
   *  3. the touched and lost take their best step from the rest, and every
   *     step set is relaxed into its callers in order of distance (a
   *     shorter distance, or the same with an earlier callee), as Dijkstra
   *     with unit weights.
   */
  update(delta: IndexDelta): boolean {
    if (this.stored) return false;
    // The names on a chain made now if not yet (from the steps as computed): a name whose steps go below stays named.
    void this.relevant;
    const callers = this.index.callersByName();
    const touched = new Set<Node_>([...delta.added, ...delta.changed.map((c) => c.def)]);
    for (const name of delta.lookupNames) for (const c of callers.get(name) ?? []) touched.add(c);
    // Which steps lead through each definition (their `next`).
    const through = new Map<Node_, Node_[]>();
    const link = (n: Node_, next: Node_) => {
      const l = through.get(next);
      if (l) l.push(n);
      else through.set(next, [n]);
    };
    // The table's steps read by id (no step objects made for ~10^5 steps), then those set since.
    const t = this.table;
    if (t)
      for (const id of t.order) {
        const nx = t.nextId(id);
        if (nx >= 0 && !this.steps.has(t.callers.node(id))) link(t.callers.node(id), t.callers.node(nx));
      }
    for (const [n, st] of this.steps) if (st?.next) link(n, st.next);
    const redo = new Set<Node_>(touched);
    const removed = new Set<Node_>(delta.removed);
    const stack: Node_[] = [...touched, ...delta.removed];
    // A removed definition is not redone (its step would stay, naming a definition the index no longer has).
    while (stack.length) for (const c of through.get(stack.pop()!) ?? []) if (!redo.has(c) && !removed.has(c)) redo.add(c), stack.push(c);
    for (const n of delta.removed) this.steps.set(n, null);
    for (const n of redo) this.steps.set(n, null);
    // Distance buckets of the steps set here, relaxed in increasing order (a relaxation only ever sets one more).
    const buckets: Node_[][] = [];
    const set = (n: Node_, st: ReachStep) => {
      this.steps.set(n, st);
      this.relevant.add(n.name);
      (buckets[st.dist] ??= []).push(n);
    };
    for (const n of redo) {
      const st = this.bestStep(n);
      if (st) set(n, st);
    }
    for (let dist = 1; dist < this.maxDepth; dist++) {
      const level = buckets[dist];
      if (!level) continue;
      for (const u of new Set(level)) {
        if (this.stepOf(u)?.dist !== dist) continue;
        for (const c of callers.get(u.name) ?? []) {
          if (c === u) continue;
          const cur = this.stepOf(c);
          if (cur && (cur.dist < dist + 1 || (cur.dist === dist + 1 && (!cur.next || frontierOrder(u.name, u, cur.via, cur.next) >= 0)))) continue;
          if (this.isBarrier(c) || !this.resolvesTo(u.name, c.file, u)) continue;
          set(c, { dist: dist + 1, via: u.name, next: u });
        }
      }
    }
    return true;
  }

  /** The step the breadth-first search would give `d` from the steps of the others (its canonical tie-break included). */
  private bestStep(d: Node_): ReachStep | null {
    if (this.isBarrier(d)) return null;
    let best: ReachStep | null = null;
    for (const n of d.calls) {
      if (this.targets.has(n)) {
        if (!best || best.dist > 1 || (best.dist === 1 && n < best.via)) best = { dist: 1, via: n, next: null };
        continue;
      }
      const defs: Node_[] = this.index.resolve(n, d.file);
      for (const c of defs.length ? defs : this.index.macros(n)) {
        const st = this.stepOf(c);
        if (!st || st.dist + 1 > this.maxDepth || c === d) continue;
        if (!best || st.dist + 1 < best.dist || (st.dist + 1 === best.dist && best.next && frontierOrder(n, c, best.via, best.next) < 0))
          best = { dist: st.dist + 1, via: n, next: c };
      }
    }
    return best;
  }

  isMacro(n: Node_): n is MacroDefinition {
    return isMacro(n);
  }
}
