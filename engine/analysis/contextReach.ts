// Contextual reachability: can a call made inside a section reach a target
// (an enter API, a page-table allocator, a sleeper) for the arguments it is
// given? The name-level call graph (index/reachability.ts) says which callees
// can reach a target at all and how far; this search follows only those, and
// follows each as the interpreter sees it: the callee's survey
// (Interpreter.survey) with its parameters bound to the caller's facts gives
// the calls it makes on paths those facts allow, each with its own arguments'
// facts, and the search goes on from there, nearest (by name) first.
//
//   update_range_prot: walk_kernel_page_table_range_lockless(.., &pageattr_ops, ..)
//     -> walk_pgd_range(.., &walk)        walk.ops = &pageattr_ops
//          if (has_install) __p4d_alloc() pageattr_ops names no install_pte: never
//
// What the facts cannot decide stays possible, and the hop says which guard
// it was. Results are memoised per (function, binding) for one check; past a
// work bound the name-level chain is given, marked as not decided. What the
// searches read is told to `reads` when set (engine/store/keptChains.ts keeps
// a check's chains on disk by it).
import { Interpreter, SectionCall, SurveyCall } from './interpreter';
import type { MemoEntry } from './summaries/store';
import { Node_, Reachability } from '../index/reachability';
import { WorkspaceIndex } from '../index/workspaceIndex';
import { FunctionRef, SourceCache } from './sourceCache';
import { switchesOf } from './callGuards';
import { GuardNote } from './pathState';
import { Binding, bindingKey } from './values';
import { Cond, TRUE, and, conjuncts, or, parseCond, show, simplify } from '../config/cond';

/**
 * One call of a chain: "f() calls g() here", with the configuration and
 * runtime switches guarding it (conjuncts) and the guards on its path that
 * the contextual search could not decide. The name-level chains
 * (checkers/callChain.ts) have the same shape.
 */
export interface ReachHop {
  file: string;
  line: number;
  column: number;
  message: string;
  conditions: Cond[];
  /** The function (or macro) making the call, and the name it calls: the chain as data. */
  caller: string;
  callee: string;
  undecided?: GuardNote[];
}

export interface ReachChain {
  /** From the section call's callee to the target, one hop per call. */
  hops: ReachHop[];
  /** The target call reached (the enter API, allocator or sleeper). */
  target: string;
  /** The work bound was hit: the chain is the call graph's, not decided for the arguments. */
  bounded?: boolean;
}

/** Turns the name-level chain from a function or macro into hops (checkers/callChain.ts), for fallbacks; null when the configuration rules it out. */
export type NameChain = (start: Node_) => ReachHop[] | null;

/**
 * What the searches read, told as they read it (engine/store/keptChains.ts):
 * the names resolved, the call graph's answers, the surveys made, and
 * whether something not keyed finer was read (the call graph's own chain, a
 * survey cut by its bound, a definition not parsed).
 */
export interface ReachReads {
  name(name: string): void;
  /** The call graph's distance for `name` called from `file` (-1: none). */
  entry(name: string, file: string, dist: number): void;
  survey(fn: FunctionRef, binding: Binding | undefined): void;
  whole(): void;
}

/** Functions surveyed per search at most, before the name-level answer is taken (the default). */
export const MAX_SURVEYS = 400;

class BoundHit extends Error {}

/** Arguments that carry functions: a designator, or a global (ops struct) whose members may be ones. */
function carriesCode(b: Binding | undefined): boolean {
  return !!b && b.some(([, f]) => f.kind === 'fn' || f.kind === 'global');
}

interface Found {
  hops: ReachHop[];
  target: string;
  /** Part of it is the call graph's because a survey was cut by its work bound. */
  bounded?: boolean;
}

/** All the conditions a chain needs (its hops', conjoined). */
function chainCondition(f: Found): Cond {
  return simplify(and(...f.hops.flatMap((h) => h.conditions)));
}

/**
 * Chains through alternative definitions of one call, as one: the least
 * conditional chain, its first hop weakened to hold when any of the chains
 * does (each chain's conditions whole, so that one needing more further down
 * does not widen the finding).
 */
function eitherOf(found: Found[]): Found {
  const conds = found.map(chainCondition);
  let best = 0;
  conds.forEach((c, i) => {
    if (conjuncts(c).length < conjuncts(conds[best]).length) best = i;
  });
  const either = simplify(or(...conds));
  const [first, ...rest] = found[best].hops;
  return { ...found[best], hops: [{ ...first, conditions: conjuncts(either), message: withWhen(first.message, either) }, ...rest] };
}

/** A hop's message (`f() calls g() [when X] [not decided: ...]`, see ContextReach.hop) with its `[when ...]` part for `when`. */
function withWhen(message: string, when: Cond): string {
  const at = message.indexOf(WHEN);
  const open = message.indexOf(UNDECIDED);
  const head = at >= 0 ? message.slice(0, at) : open >= 0 ? message.slice(0, open) : message;
  const tail = open >= 0 ? message.slice(open) : '';
  return `${head}${conjuncts(when).length ? `${WHEN}${show(when)}]` : ''}${tail}`;
}

const WHEN = ' [when ';
const UNDECIDED = ' [not decided: ';

export class ContextReach {
  /** (function, binding) -> the chain found, or the depth at which none was. */
  private memo = new Map<string, { found: Found } | { none: number }>();
  private surveys = 0;
  /** Search paths cut because a function was already on the stack (a "none" found then is not memoised). */
  private cycles = 0;
  /** Told what the searches read (null: nobody keeps the chains). */
  reads: ReachReads | null = null;

  constructor(
    private readonly interp: Interpreter,
    private readonly index: WorkspaceIndex,
    private readonly sources: SourceCache,
    /** The name-level search: prefilter and distances. */
    private readonly reach: Reachability,
    private readonly nameChain: NameChain,
    /** Whether a call is a target (a name, and its arguments for GFP flags). */
    private readonly isTarget: (name: string, args: string[], binding?: Binding) => boolean,
    /** A call whose arguments say it cannot lead to a target (a GFP allocation given flags that do not sleep): not followed. */
    private readonly stops: (name: string, args: string[], binding?: Binding) => boolean,
    /** Functions no chain passes through (the name-level search's barriers). */
    private readonly isBarrier: (name: string) => boolean,
    /** Calls made under a spinlock do not count (the sleep search: atomic there whatever the mode). */
    private readonly skipAtomic: boolean,
    private readonly maxDepth: number,
    /** Functions surveyed per search at most. */
    private readonly maxSurveys = MAX_SURVEYS,
  ) {}

  /** The chain from a call made inside a section to a target, for its arguments; null when none can be. */
  chain(call: SectionCall): ReachChain | null {
    if (this.answeredAtOnce(call)) return null;
    const entry = this.reach.entry(call.callee, call.fromFile);
    this.surveys = 0;
    try {
      return this.throughBodies(call.callee, call.fromFile, call.binding, this.maxDepth, new Set());
    } catch (e) {
      if (!(e instanceof BoundHit)) throw e;
      this.reads?.whole();
      if (entry) {
        const hops = this.nameChain(entry.node);
        return hops ? { hops, target: this.targetOf(entry.node), bounded: true } : null;
      }
      // A callback the graph does not enter (a barrier's name): the graph's chain from its own calls.
      for (const d of this.resolve(call.callee, call.fromFile).slice(0, 4)) {
        const next = d.calls.map((n) => ({ n, e: this.entryOf(n, d.file) })).filter((x) => x.e).sort((a, b) => a.e!.step.dist - b.e!.step.dist)[0];
        if (!next) continue;
        const rest = this.nameChain(next.e!.node);
        if (!rest) continue;
        const first: ReachHop = { file: d.file, line: d.line, column: 1, message: `${d.name}() calls ${next.n}()`, conditions: [], caller: d.name, callee: next.n };
        return { hops: [first, ...rest], target: this.targetOf(next.e!.node), bounded: true };
      }
      return null;
    }
  }

  /**
   * What search() can take from a survey's calls (of a function of `file`),
   * at any depth: one string per call it may follow (its place, names,
   * arguments, guard, undecided notes, and `gone` when an edit replaced its
   * place: store/chainsAcrossEdits.ts), in order. A call it never follows
   * (skipped as atomic, a macro run in place, or no name a target, stopping,
   * in the call graph, or through a pointer) is only looked up in the call
   * graph (no answer): `none` hears those lookups. Two surveys that give the
   * same strings give every search through them the same chains.
   */
  followed(calls: (SurveyCall & { gone?: boolean })[], file: string, none?: (name: string, file: string) => void): string[] {
    const out: string[] = [];
    for (const c of calls) {
      if (this.skipAtomic && c.atomic) continue;
      const from = c.from ?? file;
      let follows = c.names.some((n) => this.isTarget(n, c.args, c.binding) || this.stops(n, c.args, c.binding));
      if (!follows && !c.expanded)
        for (const n of c.names) {
          if (this.reach.entry(n, from) || c.via || (carriesCode(c.binding) && !this.isBarrier(n))) follows = true;
          else none?.(n, from);
        }
      if (follows)
        out.push(
          JSON.stringify([c.at.file, c.at.line, c.at.column, c.names, c.via ?? null, from, bindingKey(c.binding), c.args, c.guard, c.undecided.map((u) => [u.text, u.file, u.line, u.column]), !!c.expanded, !!c.gone]),
        );
    }
    return out;
  }

  /**
   * The survey search() would make now of the function `fnKey` names, asked
   * with `binding` (made if not held): its memo entry, what the search
   * follows of it and the call-graph lookups of the rest (see followed);
   * null when the function is gone or the survey was cut or not clean.
   */
  surveyAgain(fnKey: string, binding: Binding | undefined): { entry: MemoEntry; followed: string[]; none: [string, string][] } | null {
    const fn = this.sources.functionByKey(fnKey);
    if (!fn) return null;
    const { calls, cut } = this.interp.survey(fn, binding);
    const entry = this.interp.surveyEntry(fn, binding);
    if (cut || !entry || !entry.clean) return null;
    const none: [string, string][] = [];
    return { entry, followed: this.followed(calls, fn.file, (n, f) => none.push([n, f])), none };
  }

  /**
   * Whether chain(call) is null before any search: nothing surveyed or
   * memoised, so a kept phase may pass over such a call asked or no longer
   * asked (store/keptChains.ts ChainPhase). Reads the call graph's answer.
   */
  answeredAtOnce(call: SectionCall): boolean {
    const entry = this.entryOf(call.callee, call.fromFile);
    // The call graph has no edges for calls through pointers: a callee handed
    // functions or ops structs may call them, so it is looked at whatever the
    // graph says; and a callback reached through a pointer is the section's
    // own code, whatever its name (the graph's barriers are for hooks).
    if (!entry && !call.via && !(carriesCode(call.binding) && !this.isBarrier(call.callee))) return true;
    return this.stops(call.callee, call.args, call.binding);
  }

  /** The call graph's answer for `name` called from `file`, told to `reads`. */
  private entryOf(name: string, file: string): ReturnType<Reachability['entry']> {
    const e = this.reach.entry(name, file);
    this.reads?.entry(name, file, e ? e.step.dist : -1);
    return e;
  }

  /** The definitions `name` called from `file` resolves to, told to `reads`. */
  private resolve(name: string, file: string): ReturnType<WorkspaceIndex['resolve']> {
    this.reads?.name(name);
    return this.index.resolve(name, file);
  }

  /** The target at the end of the name-level chain from `node`. */
  private targetOf(node: Node_): string {
    const chain = this.reach.chain(node);
    return chain.length ? chain[chain.length - 1].calls : '?';
  }

  /**
   * What a call to `name` from `file` runs: its function definitions, or the
   * macros of that name read as functions of their parameters (a macro that
   * cannot be read so has no ref: the call graph's chain from it is used).
   */
  private bodies(name: string, file: string): { ref: FunctionRef | null; node: Node_ }[] {
    const defs = this.resolve(name, file).slice(0, 4);
    if (defs.length) {
      const bodies = defs.map((d) => ({ ref: this.sources.functionAt(d.file, d.name, d.line), node: d }));
      // A definition the parser does not find has no key of its own.
      if (bodies.some((b) => !b.ref)) this.reads?.whole();
      return bodies.filter((b) => b.ref);
    }
    return this.index
      .macros(name)
      .slice(0, 2)
      .map((m) => ({ ref: this.interp.macroFunction(m), node: m }));
  }

  /** A chain from `fn` (definition `def`, entered with `binding`) to a target within `depth` calls. */
  private search(fn: FunctionRef, def: Node_, binding: Binding | undefined, depth: number, stack: Set<string>): Found | null {
    const built = this.index.buildCondition(def);
    const condition = and(built ? parseCond(built) : TRUE, this.index.config ? this.index.config.fileCondition(def.file) : TRUE);
    const key = `${fn.key}|${bindingKey(binding)}`;
    const known = this.memo.get(key);
    if (known && 'found' in known && known.found.hops.length <= depth) return known.found;
    if (known && 'none' in known && known.none >= depth) return null;
    if (stack.has(key)) {
      this.cycles++;
      return null;
    }
    if (++this.surveys > this.maxSurveys) throw new BoundHit();
    const { calls, cut } = this.interp.survey(fn, binding);
    this.reads?.survey(fn, binding);
    if (cut) {
      this.reads?.whole();
      // The survey's own work bound cut it: this function's calls are the call graph's.
      const chain = this.reach.chain(def);
      const hops = chain.length && chain.length <= depth ? this.nameChain(def) : null;
      const found = hops ? { hops, target: this.targetOf(def), bounded: true } : null;
      this.memo.set(key, found ? { found } : { none: depth });
      return found;
    }
    const cands: { c: SurveyCall; name: string; dist: number; entry: ReturnType<Reachability['entry']> }[] = [];
    // A call its arguments rule out, with what a macro there expanded to (same place).
    const place = (c: SurveyCall) => `${c.at.line}:${c.at.column}`;
    const stopped = new Set(calls.filter((c) => c.names.some((n) => this.stops(n, c.args, c.binding))).map(place));
    for (const c of calls)
      for (const name of c.names) {
        if (this.skipAtomic && c.atomic) continue;
        if (stopped.has(place(c)) && !this.isTarget(name, c.args, c.binding)) continue;
        if (this.isTarget(name, c.args, c.binding)) {
          cands.push({ c, name, dist: 0, entry: null });
          continue;
        }
        // A macro the survey expanded in place: its calls are there themselves.
        if (c.expanded) continue;
        const e = this.entryOf(name, c.from ?? fn.file);
        if (e && e.step.dist <= depth - 1) cands.push({ c, name, dist: e.step.dist, entry: e });
        else if (!e && (c.via || (carriesCode(c.binding) && !this.isBarrier(name))) && depth >= 2 && this.resolve(name, c.from ?? fn.file).length)
          cands.push({ c, name, dist: depth - 1, entry: null });
      }
    // Nearest first; among calls as near, the one with the fewest switches (an unconditional call wins), then in order.
    const switchCount = new Map<SurveyCall, number>();
    const nSwitches = (c: SurveyCall) => {
      let n = switchCount.get(c);
      if (n === undefined) switchCount.set(c, (n = conjuncts(switchesOf(c.guard, this.index.config)).length));
      return n;
    };
    cands.sort((a, b) => a.dist - b.dist || nSwitches(a.c) - nSwitches(b.c) || a.c.at.line - b.c.at.line || a.c.at.column - b.c.at.column);
    stack.add(key);
    const cyclesBefore = this.cycles;
    let found: Found | null = null;
    try {
      for (const { c, name, dist } of cands) {
        const hop = this.hop(fn, condition, c, name);
        if (dist === 0) {
          found = { hops: [hop], target: name };
          break;
        }
        const sub = this.throughBodies(name, c.from ?? fn.file, c.binding, depth - 1, stack);
        if (sub) found = { hops: [hop, ...sub.hops], target: sub.target, ...(sub.bounded ? { bounded: true } : {}) };
        if (found) break;
      }
    } finally {
      stack.delete(key);
    }
    if (found) this.memo.set(key, { found });
    else if (this.cycles === cyclesBefore) this.memo.set(key, { none: depth });
    return found;
  }

  /**
   * A chain from a call to `name` (from `file`) through the definitions it
   * resolves to, within `depth` calls. The first definition that leads to a
   * target gives the chain; when that chain has conditions, the others are
   * searched too (an #if and its #else, a header's inline and mm/'s
   * definition), since the call reaches the target when any of them that
   * leads there is built: the chain shown is the least conditional one, and
   * its first hop says when any of them does (free_pcp_prepare() in both
   * branches of #ifdef CONFIG_DEBUG_VM needs neither).
   */
  private throughBodies(name: string, file: string, binding: Binding | undefined, depth: number, stack: Set<string>): Found | null {
    const found: Found[] = [];
    for (const { ref, node } of this.bodies(name, file)) {
      let f: Found | null;
      if (!ref) {
        // A macro that cannot be read as a function (pasting, variadic): the call graph's chain from it.
        this.reads?.whole();
        const chain = this.reach.chain(node);
        const hops = chain.length && chain.length <= depth ? this.nameChain(node) : null;
        f = hops?.length ? { hops, target: this.targetOf(node) } : null;
      } else f = this.search(ref, node, binding, depth, stack);
      if (!f) continue;
      found.push(f);
      if (!conjuncts(chainCondition(f)).length) break;
    }
    return found.length > 1 ? eitherOf(found) : (found[0] ?? null);
  }

  /** The hop for call `c` of `fn` (its definition compiled under `condition`, in a file built under the configuration's condition). */
  private hop(fn: FunctionRef, condition: Cond, c: SurveyCall, name: string): ReachHop {
    const when = switchesOf(and(condition, c.guard), this.index.config);
    const conditions = conjuncts(when);
    const shown = conditions.length ? `${WHEN}${show(when)}]` : '';
    const open = c.undecided.length ? `${UNDECIDED}${[...new Set(c.undecided.map((u) => u.text))].join(', ')}]` : '';
    return {
      file: c.at.file,
      line: c.at.line,
      column: c.at.column,
      message: `${fn.name}() calls ${c.via ? `${c.via}() = ` : ''}${name}()${shown}${open}`,
      conditions,
      caller: fn.name,
      callee: name,
      ...(c.undecided.length ? { undecided: c.undecided } : {}),
    };
  }
}
