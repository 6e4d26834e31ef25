// The path-sensitive, interprocedural interpreter: what the checkers and the
// workspace ask of it. `summarize` analyses a function in a context (mode,
// parameters with pending writes, the facts bound to its arguments) and keeps
// the summary in the memo (summaries/store.ts); `survey` lists the calls one
// function makes for a binding (for contextReach.ts); `records` gathers a
// root's reads-after-write, mode events and calls made while batching. What
// is known of globals (their designated initializers) is answered here too.
//
// One function run is walk/functionRun.ts, layered by concern:
//   walk/runState.ts      the run's state and places (Hop)
//   walk/statements.ts    statement flow: sequences, if, loops, switch, goto, #if
//   eval/conditions.ts    conditions: splitting and refining paths
//   eval/facts.ts         facts of arguments and assignments (values.ts)
//   eval/expressions.ts   expressions, assignments, entry reads
//   eval/calls.ts         calls: catalogue semantics, pointers, macros
//   summaries/apply.ts    a callee's summary applied at a call site
// Limits are in limits.ts; the records it reports in records.ts.
import type { Node } from 'web-tree-sitter';
import { Catalogue } from '../catalogue/catalogue';
import { MacroDefinition, WorkspaceIndex } from '../index/workspaceIndex';
import { Hop, ModeState, PathState, SectionStart } from './pathState';
import { ConstEnv, constValue, describeValue } from './constValue';
import { FunctionRef, SourceCache } from './sourceCache';
import { accessPath } from './syntax';
import { Binding, bindingKey, Fact, isTestPath, normPath, testsUsed, zeroFilled } from './values';
import { globalInitializer, InitValue } from './initializers';
import { Cond, conjuncts, isTrue, parseCond } from '../config/cond';
import { MAX_CALL_DEPTH, MAX_RETURN_VALUES, MAX_ROOT_STEPS } from './limits';
import { SurveyCall } from './records';
import { FunctionSummary, ParamValues } from './summaries/summary';
import { Frame, MemoEntry, memoKey, SummaryStore } from './summaries/store';
import { ConditionDecider } from './walk/flow';
import { FunctionRun } from './walk/functionRun';
import { MacroExpansions } from './eval/macros';

export { substituteMacroArgs } from './eval/macros';
export { interpreterWork } from './limits';
export { syntaxViewReads } from './syntaxView';
export type { ConditionDecider } from './walk/flow';
export type { FunctionSummary, Outcome, ParamValues } from './summaries/summary';
export type { IndirectCall, ModeEvent, ReadHit, SectionCall, SurveyCall } from './records';

export class Interpreter extends SummaryStore {
  private readonly env: ConstEnv;

  constructor(
    readonly index: WorkspaceIndex,
    readonly cat: Catalogue,
    readonly sources: SourceCache,
    /** The configuration deciding #if CONFIG_* and IS_ENABLED(), when there is one. */
    readonly config?: ConditionDecider,
  ) {
    super();
    this.macros = new MacroExpansions(index, cat);
    this.env = { errno: cat.errno, transparent: cat.valueTransparent, config, member: (n, st) => this.memberValue(n, st) };
  }

  describe(v: number): string {
    return describeValue(v, this.cat.errno);
  }


  /** Ends a check: only clean summaries are carried over, and none after the root budget was hit; expansions are freed. */
  endCheck(): void {
    super.endCheck();
    this.macros.clear();
  }

  /**
   * Analyses a function entered with the given mode and parameters whose
   * entries have pending writes; `binding`: what its arguments are known to
   * be (part of the key); `origin`: the calls that bound a root's pointer
   * parameter (kept on the calls made through it).
   */
  summarize(
    fn: FunctionRef,
    mode: ModeState,
    dirtyParams: number[],
    outerPending = false,
    section?: SectionStart,
    paramValues?: ParamValues,
    binding?: Binding,
    origin?: Hop[],
  ): FunctionSummary {
    const fnKey = fn.key;
    const key = memoKey(fnKey, mode, dirtyParams, outerPending, paramValues, binding, !!section);
    if (this.depth === 0) this.rootSteps = 0;
    let known = this.memo.get(key);
    // Its text is one an earlier edit left (an undo): the summary made for it, when it still holds.
    if (!known && (known = this.restore(key, fn.file))) this.memo.set(key, known);
    if (known === 'pending') return this.cut(); // recursion: assume no effect, which terminates
    if (known) {
      if (known.epoch === this.epoch || this.used.has(key)) {
        this.useChild(key, known, section);
        return known.sum;
      }
      // Carried from an earlier check: valid where a fresh analysis would
      // compute the same (no bound would cut it here, and what it was computed
      // from still holds), else computed again.
      if (this.depth + known.height < MAX_CALL_DEPTH && ![...known.fns].some((k) => this.active.has(k))) {
        if (known.suspect && this.revalidate(known)) known.suspect = false;
        if (!known.suspect && this.memo.get(key) === known) {
          this.charge(key);
          this.useChild(key, known, section);
          return known.sum;
        }
      }
      this.memo.delete(key);
    }
    if (this.depth >= MAX_CALL_DEPTH) return this.cut();
    // Recursion in another mode (each call one enter deeper) makes a new key
    // per level and a tree of contexts exponential in MAX_CALL_DEPTH (issue 7,
    // fuzz seed 208 hung): a function already being summarised is recursion
    // whatever the context, and is assumed to have no effect.
    if (this.active.has(fnKey)) return this.cut();
    if (this.depth > 0 && this.rootSteps > MAX_ROOT_STEPS) return this.cut();
    this.memo.set(key, 'pending');
    this.active.add(fnKey);
    if (process.env.LAZYMMU_DEBUG) console.error(`summarize ${'  '.repeat(this.depth)}${fn.name} ${key.split('|').slice(1).join('|')}`);
    this.depth++;
    const frame: Frame = { names: new Set(), files: new Set([fn.file]), fns: new Set([fnKey]), height: 0, own: 0, children: [], childSections: new Map(), clean: true, globals: new Set() };
    this.frames.push(frame);
    try {
      const run = new FunctionRun(this, fn, outerPending, { binding, origin });
      const result = run.run(mode, dirtyParams, section, paramValues);
      const entry: MemoEntry = { sum: result, ...frame, epoch: this.epoch, fnKey, mode: { ...mode }, dirtyParams, paramValues, outerPending, section, binding, origin };
      this.memo.set(key, entry);
      this.frames.pop();
      this.useChild(key, entry, section);
      return result;
    } catch (e) {
      this.memo.delete(key);
      throw e;
    } finally {
      if (this.frames[this.frames.length - 1] === frame) this.frames.pop();
      this.depth--;
      this.active.delete(fnKey);
    }
  }

  /**
   * The values a call to one of `refs` can return, its arguments bound to
   * `binding`, for a caller that uses the value inside a section (or with
   * writes pending) where the callee matters for nothing else: each value
   * once, or null when any path's is unknown, there are more than
   * MAX_RETURN_VALUES, or a bound cut the summary (recursion, call depth,
   * root budget). The callee is summarised outside any section, so its own
   * callees are followed only where they use the lazy MMU API (the rule
   * outside sections) and their values are not asked for in turn: one level,
   * memoised per (function, binding) like any summary.
   */
  returnValues(refs: FunctionRef[], binding?: Binding): number[] | null {
    const out = new Set<number>();
    const off: ModeState = { depth: 0, paused: 0 };
    for (const ref of refs) {
      const sum = this.summarize(ref, off, [], false, undefined, undefined, binding);
      const e = this.memo.get(memoKey(ref.key, off, [], false, undefined, binding));
      if (!e || e === 'pending' || !e.clean || e.sum !== sum || !sum.outcomes.length) return null;
      for (const o of sum.outcomes) {
        if (!o.ret) return null;
        for (const v of o.ret) out.add(v);
      }
      if (out.size > MAX_RETURN_VALUES) return null;
    }
    return [...out].sort((a, b) => a - b);
  }

  /**
   * The calls `fn` makes while batching when it runs inside a section with
   * `binding` for its arguments: what each designates, its arguments' facts
   * and the guards on its path the facts could not decide. Callees are not
   * followed: the contextual search (contextReach.ts) asks for one survey
   * per function and binding. Kept in the memo with the summaries (same
   * invalidation); a survey counts toward no root's budget.
   */
  survey(fn: FunctionRef, bindingIn?: Binding): { calls: SurveyCall[]; cut: boolean } {
    const binding = testsUsed(bindingIn, fn.node.text);
    const key = `S|${fn.key}|${bindingKey(binding)}`;
    const known = this.memo.get(key);
    if (known === 'pending') return { calls: [], cut: true };
    if (known && this.surveyHolds(known)) return { calls: known.sum.surveyCalls ?? [], cut: !!known.sum.surveyCut };
    const saved = this.rootSteps;
    this.rootSteps = 0;
    // A macro's survey depends on its definition (looked up by name).
    const frame: Frame = { names: new Set(fn.place ? [fn.name] : []), files: new Set([fn.file]), fns: new Set([fn.key]), height: 0, own: 0, children: [], childSections: new Map(), clean: true, globals: new Set(), expanded: new Map() };
    this.frames.push(frame);
    this.memo.set(key, 'pending');
    try {
      const mode = { depth: 1, paused: 0 };
      const sum = new FunctionRun(this, fn, false, { binding, survey: true }).run(mode, []);
      const entry: MemoEntry = { sum, ...frame, epoch: this.epoch, fnKey: fn.key, mode, dirtyParams: [], outerPending: false, binding, survey: true, searches: this.searchGeneration };
      this.memo.set(key, entry);
      this.surveyKeys.set(entry, key);
      return { calls: sum.surveyCalls ?? [], cut: !!sum.surveyCut };
    } catch (e) {
      this.memo.delete(key);
      throw e;
    } finally {
      this.frames.pop();
      this.rootSteps = saved;
    }
  }

  /** A survey's memo entry: what it read (engine/store/keptChains.ts keys kept chains by it); undefined when not made. */
  surveyEntry(fn: FunctionRef, binding?: Binding): MemoEntry | undefined {
    const e = this.memo.get(`S|${fn.key}|${bindingKey(testsUsed(binding, fn.node.text))}`);
    return e === 'pending' || (e && !this.surveyHolds(e)) ? undefined : e;
  }

  /**
   * Whether survey entry `e` is still the one survey() gives (not forgotten
   * or made again since, its in-place macro answers holding): the calls it
   * lists are then what a survey made now lists (places moved with the text).
   */
  surveyStillHeld(e: MemoEntry): boolean {
    const key = this.surveyKeys.get(e);
    return key !== undefined && this.memo.get(key) === e && this.surveyHolds(e);
  }

  /** Each survey entry's memo key (surveyStillHeld: making it again per entry was most of serving a kept chain phase). */
  private surveyKeys = new WeakMap<MemoEntry, string>();

  /**
   * Which macros a survey runs in place: those that can reach what the
   * section rules look for (set by the Workspace from its call-graph
   * searches; the others are only named). When the searches are made
   * again (recheckSurveys), a survey is kept while the answers it was given
   * (expands) come out the same.
   */
  surveyExpands: (name: string) => boolean = () => true;

  /** surveyExpands, the answer remembered by the survey being made (its memo entry holds while the answers do). */
  expands(name: string): boolean {
    const v = this.surveyExpands(name);
    this.frames[this.frames.length - 1]?.expanded?.set(name, v);
    return v;
  }

  /**
   * Whether runs of a function in `file` read its syntax through a view
   * (syntaxView.ts) wherever they are made. Set by the Workspace: files open
   * in an editor, whose functions are run again at every edit.
   */
  viewWanted: (file: string) => boolean = () => false;

  /**
   * Whether every analysis's root run and every survey reads through a view.
   * Set by the Workspace while a file is open in an editor: an edit that
   * changes a callee's summary runs again the roots that reach it, their
   * callees' summaries kept, so the root's own walk is most of it, over up to
   * MAX_STATES paths through its loops, each node read many times
   * (migrate_vma_collect_pmd after an edit of vm_normal_page: 23,000 steps,
   * about a third less CPU with a view); an edit that changes what a survey
   * gives the contextual searches makes their surveys again (line 2802 of
   * 6.12's mm/memory.c: 412 chains, ~10-45% less CPU). docs/perf/view26.md.
   * A cold CLI run computes each root's callees with it: no gain measured
   * there, and a view for every run cost more than it saved (cold23.md).
   */
  rootsViewed: () => boolean = () => false;

  /** Whether the run of `fn` about to be made (a survey's or not) reads its syntax through a view. */
  readsThroughView(fn: FunctionRef, survey: boolean): boolean {
    // A root run: summarize entered from outside any summary (an opener's own run, a binding's).
    return this.viewWanted(fn.file) || ((survey || this.depth === 1) && this.rootsViewed());
  }

  /** Whether `name`, called or named from `file`, is a function in the index (a designator when not a local). */
  isFunction(name: string, file: string): boolean {
    this.noteName(name);
    return this.index.resolve(name, file).length > 0;
  }

  /** The initializer of global `name` in `file`, read once per text of the file. */
  private globalInit(file: string, name: string): Map<string, InitValue> | null {
    this.frames[this.frames.length - 1]?.globals.add(file);
    return this.sources.remember(file, `global-init\0${name}`, () => {
      const root = this.sources.rootOf(file);
      return root ? globalInitializer(root, name, (n) => constValue(n, new PathState(), this.env)) : null;
    });
  }

  /** What `&name` is, seen from `file`: a global whose initializer is read, a function, or some object. */
  addrFact(name: string, file: string): Fact {
    if (this.globalInit(file, name)) return { kind: 'global', file, name };
    if (this.isFunction(name, file)) return { kind: 'fn', names: [name], files: [file] };
    return { kind: 'nonnull' };
  }

  private initFact(v: InitValue, file: string): Fact | undefined {
    switch (v.kind) {
      case 'int':
        return { kind: 'int', values: [v.value] };
      case 'ident':
        return this.isFunction(v.name, file) ? { kind: 'fn', names: [v.name], files: [file] } : undefined;
      case 'addr':
        return this.addrFact(v.name, file);
      case 'record':
        return { kind: 'record' };
      default:
        return undefined;
    }
  }

  /** A member (path `rest`) of a global: what its initializer says; members it does not name are 0. */
  private memberFact(g: { file: string; name: string }, rest: string[], depth = 0): Fact | undefined {
    const init = this.globalInit(g.file, g.name);
    if (!init || depth > 4) return undefined;
    const named = init.get(rest.join('.'));
    if (named) return this.initFact(named, g.file);
    for (let i = rest.length - 1; i >= 0; i--) {
      const above = i === 0 ? ({ kind: 'record' } as InitValue) : init.get(rest.slice(0, i).join('.'));
      if (!above) continue;
      if (above.kind === 'record') return i === rest.length - 1 ? { kind: 'int', values: [0] } : undefined;
      const f = this.initFact(above, g.file);
      return f?.kind === 'global' ? this.memberFact(f, rest.slice(i), depth + 1) : undefined;
    }
    return undefined;
  }

  /** What the path knows about access path `path` (normalised, see values.ts). */
  factAt(st: PathState, path: string): Fact | undefined {
    const direct = st.facts.get(path);
    if (direct) return direct.kind === 'any' ? undefined : direct;
    if (isTestPath(path)) return undefined;
    if (!path.includes('.')) {
      const v = st.vals.get(path);
      if (v) return { kind: 'int', values: v };
      return st.nonzero.has(path) ? { kind: 'nonnull' } : undefined;
    }
    const z = zeroFilled(st.facts, path);
    if (z) return z;
    for (let i = path.lastIndexOf('.'); i > 0; i = path.lastIndexOf('.', i - 1)) {
      const f = st.facts.get(path.slice(0, i));
      if (!f) continue;
      return f.kind === 'global' ? this.memberFact(f, path.slice(i + 1).split('.')) : undefined;
    }
    return undefined;
  }

  /** The integer a member access holds on this path (constValue's hook). */
  private memberValue(n: Node, st: PathState): number | undefined {
    const p = accessPath(n);
    const f = p ? this.factAt(st, normPath(p)) : undefined;
    return f?.kind === 'int' && f.values.length === 1 ? f.values[0] : undefined;
  }

  resolveCallee(name: string, fromFile: string): { ref: FunctionRef; condition: string }[] {
    const out: { ref: FunctionRef; condition: string }[] = [];
    for (const d of this.index.resolve(name, fromFile).slice(0, 4)) {
      const ref = this.sources.functionAt(d.file, d.name, d.line);
      if (ref) out.push({ ref, condition: d.condition });
    }
    return out;
  }

  /** Function-like macros expanded or read as functions in this check (eval/macros.ts). */
  private readonly macros: MacroExpansions;

  /** The parsed body of macro `name` with `args` put in (cached), or null when it cannot be expanded. */
  expansion(name: string, args: string[]): Node | null {
    return this.macros.expansion(name, args);
  }

  /** A function-like macro as a function of its parameters, for surveys (eval/macros.ts). */
  macroFunction(m: MacroDefinition): FunctionRef | null {
    return this.macros.macroFunction(m);
  }

  dispose(): void {
    this.macros.clear();
    this.memo.clear();
    this.textBefore('', null);
    this.gathered.clear();
  }

  /** The #if condition a function's definition sits under (as the index scanned it), reduced by the configuration, as conjuncts. */
  definitionConds(fn: FunctionRef): Cond[] {
    const row = fn.node.startPosition.row + 1;
    const defs = this.index.definitionsIn(fn.file, fn.name);
    const def = defs.length === 1 ? defs[0] : defs.find((d) => d.line >= row && d.line <= fn.node.endPosition.row + 1);
    if (!def?.condition) return [];
    const c = parseCond(def.condition);
    const r = this.config ? this.config.reduce(c) : c;
    return isTrue(r) ? [] : conjuncts(r);
  }

  takesEntry(name: string, fromFile: string): boolean {
    return this.index.resolve(name, fromFile).some((d) => d.takesEntry);
  }

  constEnv(): ConstEnv {
    return this.env;
  }
}
