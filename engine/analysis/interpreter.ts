// The path-sensitive interpreter: walks a function's syntax tree carrying a
// set of path states, and follows calls into callees through context-keyed
// summaries (what a callee does to the entries its parameters point at, per
// return value). Lazy-mode calls, PTE writes and reads come from the catalogue.
//
// What it reports is neutral: reads of entries with pending (unflushed)
// writes, calls made while batching (with their arguments' facts, values.ts),
// calls through pointers it could not follow, and surveys (the calls one
// function makes for a binding, for contextReach.ts). The checkers turn those
// into findings.
//
// It is long (about 2,200 lines) because statements, expressions, calls,
// values and summaries still share one walker and one state; issue 11's
// point 7 splits it by concern. New mechanisms live beside it (values.ts,
// initializers.ts, callTargets.ts, contextReach.ts, callGuards.ts).
import type { Node } from 'web-tree-sitter';
import { Catalogue } from '../catalogue/catalogue';
import { MacroDefinition, WorkspaceIndex } from '../index/workspaceIndex';
import { bound, dedupe, GuardNote, Hop, ModeState, modeKey, PathState, PendingWrite, SectionStart, Val } from './pathState';
import { ConstEnv, constValue, describeValue, truth } from './constValue';
import { FunctionRef, SourceCache } from './sourceCache';
import { accessPath, declaredName, isPointerTo, parameterNames, unwrap } from './syntax';
import { EntryNames } from './entryIdentity';
import { ANY_KIND, builtValue, entryTestCall, Kinds, kindsOf, narrowKinds, testOutcome } from './entryValues';
import { ArgFacts, Binding, bindingKey, Fact, factTruth, isNonNull, isTestPath, joinFactMaps, makeBinding, normPath, testPath, testsUsed, withoutTestFacts, zeroFilled } from './values';
import { globalInitializer, initializerMembers, InitValue } from './initializers';
import { guards, negatedText } from './callGuards';
import { parseKernelC } from '../parse/cParser';
import { Cond, and as condAnd, contradicts, conjuncts, isTrue, key as condKey, not as condNot, parseCond } from '../config/cond';
import type { Tree } from 'web-tree-sitter';

/** Puts macro arguments in place of the parameters (whole identifiers only). */
export function substituteMacroArgs(params: string[], body: string, args: string[]): string {
  const map = new Map<string, string>();
  params.forEach((p, i) => {
    if (p === '...' ) map.set('__VA_ARGS__', args.slice(i).join(', '));
    else if (p.endsWith('...')) map.set(p.slice(0, -3), args.slice(i).join(', '));
    else map.set(p, args[i] ?? '');
  });
  return body.replace(/\b[A-Za-z_]\w*\b/g, (w) => (map.has(w) ? `(${map.get(w)})` : w));
}

/** A read of an entry written earlier in the same section, with no flush between. */
export interface ReadHit {
  /** The read itself. */
  read: Hop;
  /** Calls from the analysed function down to the function holding the read. */
  readChain: Hop[];
  write: PendingWrite;
  conds: Cond[];
  /** Function holding the read. */
  fn: string;
  /** The enter call of the section the read is in (when seen). */
  section?: SectionStart;
}

/** A read, inside a callee, of the entry a parameter pointed at when the callee was entered. */
interface EntryRead {
  param: number;
  read: Hop;
  readChain: Hop[];
  conds: Cond[];
  fn: string;
}

/** A lazy-mode call that does not fit the mode it is made in. */
export interface ModeEvent {
  kind: 'nested-enter' | 'leave-without-enter' | 'pause-outside' | 'resume-without-pause';
  at: Hop;
  /** The api called. */
  api: string;
  section?: SectionStart;
  conds: Cond[];
  fn: string;
}

export interface Outcome {
  ret: Val;
  exitAt?: Hop;
  /** The goto/break that left this path's mode unlike other paths (PathState.leftBy): where it leaves, when set. */
  leftBy?: Hop;
  section?: SectionStart;
  /** Parameter index -> the write (inside the callee) still pending at return. */
  writes: Map<number, PendingWrite>;
  flushed: boolean;
  mode: ModeState;
  conds: Cond[];
}

export interface FunctionSummary {
  outcomes: Outcome[];
  entryReads: EntryRead[];
  hits: ReadHit[];
  /** Calls through pointers made while batching whose target the facts did not name (gathered like sectionCalls). */
  indirectCalls: IndirectCall[];
  /** Surveys only: the calls made while batching, with what the facts make of them (see Interpreter.survey). */
  surveyCalls?: SurveyCall[];
  /** Surveys only: the work bound cut the survey short (its calls are not all there). */
  surveyCut?: boolean;
  /**
   * This run's own lazy-mode events and calls made while batching (site and
   * callee, for the reachability checkers). A callee's are not copied in:
   * `Interpreter.records` gathers them over the summaries a root used, so
   * that a callee whose calls changed leaves its callers' summaries as they were.
   */
  modeEvents: ModeEvent[];
  sectionCalls: SectionCall[];
  /** Lazy-mode operations this function's own body performs (not its callees'). */
  ownOps: Set<string>;
}

/** A call made inside a section: where, to what, in which section. */
export interface SectionCall {
  at: Hop;
  callee: string;
  args: string[];
  fromFile: string;
  section?: SectionStart;
  conds: Cond[];
  fn: string;
  /** The facts the call's arguments carry on this path (the callee's context for the contextual search). */
  binding?: Binding;
  /** A call through a pointer: the expression called (`fn`, `ops->pte_entry`); `callee` is what it designates here. */
  via?: string;
  /** When the pointer was bound by callers of the analysed root: their calls, from the one that names the function down. */
  origin?: Hop[];
  /** Made while a spinlock is held (or preemption is off) on the path: atomic whatever the lazy mode. */
  atomic?: boolean;
}

/** A call through a pointer inside a section whose target is not known on the path. */
export interface IndirectCall {
  at: Hop;
  /** The expression called. */
  expr: string;
  fn: string;
  /** The parameter of `fn` the expression starts from (`fn`, `ops->pte_entry`), if any. */
  param?: number;
}

/** A call a survey found (Interpreter.survey): made while batching, with its arguments' facts and the guards not decided on its path. */
export interface SurveyCall {
  at: Hop;
  /** The functions (or macros, or catalogue APIs) called: one, or those a pointer may designate. */
  names: string[];
  via?: string;
  /** A call through a pointer: the file the function was named in (where its name is looked up). */
  from?: string;
  binding?: Binding;
  args: string[];
  /** What guards the call in the source (if-conditions, #if branches); the chains name its switches. */
  guard: Cond;
  /** Conditions on the path to the call that the facts could not decide and that the context could have. */
  undecided: GuardNote[];
  /** A macro whose body the survey ran in place: its calls are recorded themselves. */
  expanded?: boolean;
  /** Made while a spinlock is held (or preemption is off) on the path. */
  atomic?: boolean;
}

interface Flow {
  normal: PathState[];
  brk: PathState[];
  cont: PathState[];
  ret: [PathState, Val][];
  gotos: Map<string, PathState[]>;
}

type Pair = [PathState, Val];

const MAX_STATES = 48;
const MAX_LOOP_ITER = 6;
const MAX_CALL_DEPTH = 12;
const MAX_GOTO_RESTARTS = 6;
const MAX_EXPANSION_CHARS = 2000;
// Work per function run (statements x states). Loops (6 iterations) nested in
// loops and switches multiply: a fuzzed body of nested loops ran for minutes
// (issue 7, fuzz seed 208). Past the budget the rest of the body is skipped
// (no effect), so every input ends; real kernel functions use far less.
const MAX_FUNCTION_STEPS = 200_000;
// Work per analysis root (an opener and every callee summarised for it):
// many (enable depth, pause) contexts of a small call DAG are each summarised
// once, and their number multiplies (issue 7, generated fuzz seed 20250 hung).
const MAX_ROOT_STEPS = 600_000;
const MAX_NESTING = 200;
/**
 * A deterministic work counter (statements executed x states carried), read by
 * the fuzz tests to assert a per-input work bound without timing anything.
 */
export const interpreterWork = { steps: 0 };
const EMPTY: FunctionSummary = { outcomes: [], entryReads: [], hits: [], indirectCalls: [], modeEvents: [], sectionCalls: [], ownOps: new Set() };

/** States without the results of tests on objects (values.ts testPath), for fixpoints keyed without them. */
function withoutTests(states: PathState[]): PathState[] {
  return states.map((s) => {
    if (![...s.facts.keys()].some(isTestPath)) return s;
    const c = s.clone();
    for (const k of [...c.facts.keys()]) if (isTestPath(k)) c.facts.delete(k);
    return c;
  });
}

function emptyFlow(normal: PathState[] = []): Flow {
  return { normal, brk: [], cont: [], ret: [], gotos: new Map() };
}

function absorb(into: Flow, f: Flow): void {
  into.brk.push(...f.brk);
  into.cont.push(...f.cont);
  into.ret.push(...f.ret);
  for (const [k, v] of f.gotos) {
    const a = into.gotos.get(k);
    if (a) a.push(...v);
    else into.gotos.set(k, [...v]);
  }
}

/** States that take a preprocessor branch; a path whose conditions contradict it is dropped. */
function withCond(states: PathState[], c: Cond): PathState[] {
  const parts = conjuncts(c);
  return states
    .filter((s) => !contradicts(condAnd(...s.conds), c))
    .map((s) => {
      const have = new Set(s.conds.map(condKey));
      const add = parts.filter((p) => !have.has(condKey(p)));
      if (!add.length) return s;
      const n = s.clone();
      n.conds = [...s.conds, ...add];
      return n;
    });
}

/** Conjuncts of both, each once. */
function unionConds(a: Cond[], b: Cond[]): Cond[] {
  if (!b.length) return a;
  const have = new Set(a.map(condKey));
  const add = b.filter((c) => !have.has(condKey(c)) && !!have.add(condKey(c)));
  return add.length ? [...a, ...add] : a;
}

/** What decides #if and IS_ENABLED() branches: a configuration oracle (engine/config/oracle.ts). */
export interface ConditionDecider {
  decide(cond: string | Cond): boolean | undefined;
  /** The condition with what the configuration decides put in. */
  reduce(cond: Cond): Cond;
}

/**
 * Where jumped paths meet others (a label, the statement after a loop): a
 * jump whose mode differs from some other path's here is what left that mode
 * (a `goto out` past the leave); it is kept as the path's `leftBy`. Either way
 * the pending jump is settled.
 */
function joinJumps(fallthrough: PathState[], jumped: PathState[]): PathState[] {
  if (!jumped.length) return fallthrough;
  const mode = (s: PathState) => `${s.mode.depth}/${s.mode.paused}`;
  const modes = new Set([...fallthrough, ...jumped].map(mode));
  const settled = jumped.map((s) => {
    if (!s.jump) return s;
    const c = s.clone();
    if (modes.size > 1) c.leftBy = s.jump;
    c.jump = undefined;
    return c;
  });
  return [...fallthrough, ...settled];
}

/** The kinds of value the caller's pending writes left in the entries of the dirty parameters (by parameter index). */
export type ParamValues = Map<number, Kinds>;

/** What a summarise run collects besides its summary: what it was computed from. */
interface Frame {
  /** Callee names looked up, in this run and every callee's: a change to their definitions' shape invalidates. */
  names: Set<string>;
  /** Files whose places the summary holds (places move when those files are edited). */
  files: Set<string>;
  /** Function keys summarised below this one (a carried summary is wrong while one of them is on the stack). */
  fns: Set<string>;
  /** Summarise calls nested below this one, at most (the call-depth bound). */
  height: number;
  /** Work of this run alone (statements x states), charged to the root on first use in a check. */
  own: number;
  /** Memo keys of the summaries this run used. */
  children: string[];
  /**
   * The section each child was used in (its first use): a summary is shared
   * by every section that calls it, so the section its records name is put
   * in when they are gathered (Interpreter.records), not kept from its first
   * computation (that section may have moved or be another caller's).
   */
  childSections: Map<string, SectionStart | undefined>;
  /** No bound (depth, recursion, root budget) cut anything in this run or below: the result depends on its inputs only. */
  clean: boolean;
  /** Files whose global initializers were read (an edit there, even outside functions, invalidates). */
  globals: Set<string>;
}

/** A summary kept in the memo, with what it was computed from (for reuse across checks). */
interface MemoEntry extends Frame {
  sum: FunctionSummary;
  /** The check that computed it. */
  epoch: number;
  /** How it was asked for (to compute it again when checking a caller's summary, see revalidate). */
  fnKey: string;
  mode: ModeState;
  dirtyParams: number[];
  paramValues?: ParamValues;
  outerPending: boolean;
  section?: SectionStart;
  binding?: Binding;
  origin?: Hop[];
  /** A survey (Interpreter.survey) rather than a summary. */
  survey?: boolean;
  /** A function summarised below it changed: valid only if those summaries come out the same (revalidate). */
  suspect?: boolean;
}

/** A caller's summary takes on what a callee's was computed from. */
function absorbDeps(into: MemoEntry, from: MemoEntry): void {
  for (const n of from.names) into.names.add(n);
  for (const n of from.files) into.files.add(n);
  for (const n of from.fns) into.fns.add(n);
  for (const n of from.globals) into.globals.add(n);
  into.height = Math.max(into.height, from.height + 1);
}

/** What two bindings agree on (a member a record leaves out is 0 there). */
function joinBindings(a: Binding | undefined, b: Binding | undefined): Binding | undefined {
  if (!a || !b) return undefined;
  const m = joinFactMaps(new Map(a), new Map(b));
  return m.size ? [...m].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)) : undefined;
}

/** One record per place; a call through a pointer per place and function designated. */
function sectionCallKey(c: { at: Hop; callee: string; via?: string }): string {
  return `${c.at.file}:${c.at.line}:${c.at.column}${c.via ? `:${c.callee}` : ''}`;
}

/**
 * The memo key of a summary: function and context (mode, written parameters,
 * outer writes, argument facts, and whether the caller is in a section it
 * entered: a leave then is no double leave; which section it is, is put in
 * when records are gathered).
 */
/**
 * A summary's memo key: the function and its context (mode, parameters with
 * pending writes and the kinds of value written there, the facts bound to its
 * parameters, whether the caller is inside a section).
 */
function memoKey(
  fnKey: string,
  mode: ModeState,
  dirtyParams: number[],
  outerPending: boolean,
  values?: ParamValues,
  binding?: Binding,
  inSection = false,
): string {
  const dirty = dirtyParams.map((i) => (values?.has(i) ? `${i}=${values.get(i)}` : `${i}`)).join(',');
  const b = bindingKey(binding);
  return `${fnKey}|${modeKey(mode)}|${dirty}|${outerPending}${b ? `|${b}` : ''}${inSection ? '|s' : ''}`;
}

/**
 * Summaries equal in what a caller's run takes from them (outcomes, entry
 * reads, hits), places included (Maps by content). Events and section calls
 * are gathered per root (Interpreter.records), never copied into a caller.
 */
function sameForCallers(a: FunctionSummary, b: FunctionSummary): boolean {
  const plain = (_k: string, v: unknown) => (v instanceof Map ? [...v] : v);
  const used = (x: FunctionSummary) => JSON.stringify([x.outcomes, x.entryReads, x.hits], plain);
  return used(a) === used(b);
}

export class Interpreter {
  // Summaries by (function, context). They outlive a check: a clean summary is
  // reused until a function or name it was computed from changes (see
  // invalidate and beginCheck), which is what makes an edit cheap.
  private memo = new Map<string, MemoEntry | 'pending'>();
  private depth = 0;
  private readonly env: ConstEnv;
  private frames: Frame[] = [];
  private epoch = 0;
  /** Summaries of functions whose text changed, as they were: what their callers' summaries were computed from. */
  private previous = new Map<string, MemoEntry>();
  /** Carried summaries already charged in this check. */
  private used = new Set<string>();
  /** The root budget was exceeded in this check: carried summaries may differ from a fresh analysis. */
  budgetHit = false;

  constructor(
    readonly index: WorkspaceIndex,
    readonly cat: Catalogue,
    readonly sources: SourceCache,
    /** The configuration deciding #if CONFIG_* and IS_ENABLED(), when there is one. */
    readonly config?: ConditionDecider,
  ) {
    this.env = { errno: cat.errno, transparent: cat.valueTransparent, config, member: (n, st) => this.memberValue(n, st) };
  }

  describe(v: number): string {
    return describeValue(v, this.cat.errno);
  }

  /** Starts a check: summaries from earlier checks are carried over, and charged when first used. */
  beginCheck(): void {
    this.epoch++;
    this.used.clear();
    this.budgetHit = false;
  }

  /** Ends a check: only clean summaries are carried over, and none after the root budget was hit. */
  endCheck(): void {
    for (const [k, e] of this.memo) if (e === 'pending' || !e.clean || e.suspect || this.budgetHit) this.memo.delete(k);
    this.previous.clear();
    this.clearExpansions();
  }

  /** Whether summaries from an earlier check are kept. */
  hasSummaries(): boolean {
    return this.memo.size > 0;
  }

  /** `file`'s text changed: summaries that read a global initializer there are forgotten (it may have changed outside any function). */
  forgetGlobalsOf(file: string): void {
    for (const [k, e] of this.memo) if (e !== 'pending' && e.globals.has(file)) this.memo.delete(k);
  }

  /** Forgets every summary holding places in `file` (its text changed and was not parsed before). */
  forgetFile(file: string): void {
    for (const [k, e] of this.memo) if (e === 'pending' || e.files.has(file)) this.memo.delete(k);
  }

  /**
   * Forgets every summary that looked up one of `names` (their definitions
   * changed shape in the index: calls, linkage, macros) or summarised one of
   * the functions `fnKeys` (their text changed).
   */
  invalidate(names: Set<string>, fnKeys: Set<string>): void {
    if (!names.size && !fnKeys.size) return;
    for (const [k, e] of this.memo) {
      if (e === 'pending' || [...e.names].some((n) => names.has(n))) this.memo.delete(k);
      else if (fnKeys.has(e.fnKey)) {
        // Its own text changed: computed again when next asked for; the old one
        // is kept to tell whether its callers' summaries still hold.
        this.memo.delete(k);
        this.previous.set(k, e);
      } else if ([...e.fns].some((f) => fnKeys.has(f))) e.suspect = true;
    }
  }

  /**
   * Early cut-off (rust-analyzer's "backdating"): a summary computed from a
   * function that has since changed still holds if that function's summaries
   * it used come out the same now (places included, moved with the text).
   * They are computed again in its context (inside it, one call deeper);
   * otherwise it must be computed again itself.
   */
  private revalidate(e: MemoEntry): boolean {
    const frame: Frame = { names: new Set(), files: new Set(), fns: new Set(), height: 0, own: 0, children: [], childSections: new Map(), clean: true, globals: new Set() };
    this.frames.push(frame);
    this.active.add(e.fnKey);
    this.depth++;
    try {
      for (const ck of e.children) {
        const prev = this.previous.get(ck);
        if (prev) {
          let cur = this.memo.get(ck);
          if (!cur) {
            const ref = this.sources.functionByKey(prev.fnKey);
            if (!ref) return false;
            this.summarize(ref, prev.mode, prev.dirtyParams, prev.outerPending, prev.section, prev.paramValues, prev.binding, prev.origin);
            cur = this.memo.get(ck);
          }
          if (!cur || cur === 'pending' || !cur.clean || !sameForCallers(prev.sum, cur.sum)) return false;
          absorbDeps(e, cur);
          continue;
        }
        const ce = this.memo.get(ck);
        if (!ce || ce === 'pending') return false;
        if (ce.suspect && ce.epoch !== this.epoch) {
          if (!this.revalidate(ce)) return false;
          ce.suspect = false;
        }
        absorbDeps(e, ce);
      }
      return frame.clean;
    } finally {
      this.depth--;
      this.active.delete(e.fnKey);
      this.frames.pop();
    }
  }

  /** Moves the places in `file` held by carried summaries (the file's text was edited outside their functions). */
  movePlaces(file: string, move: (line: number, column: number) => [number, number]): void {
    const seen = new Set<object>();
    const visit = (x: unknown): void => {
      if (!x || typeof x !== 'object' || seen.has(x)) return;
      seen.add(x);
      if (x instanceof Map) {
        for (const v of x.values()) visit(v);
        return;
      }
      if (x instanceof Set) return;
      if (Array.isArray(x)) {
        for (const v of x) visit(v);
        return;
      }
      // A place: a Hop, or a GuardNote (no end).
      const h = x as Partial<Hop>;
      if (h.file === file && typeof h.line === 'number' && typeof h.column === 'number') {
        [h.line, h.column] = move(h.line, h.column);
        if (typeof h.endLine === 'number' && typeof h.endColumn === 'number') [h.endLine, h.endColumn] = move(h.endLine, h.endColumn);
      }
      for (const v of Object.values(x)) visit(v);
    };
    for (const e of [...this.memo.values(), ...this.previous.values()]) if (e !== 'pending' && e.files.has(file)) visit(e);
  }

  /** A bound cut the current run short: it and every run on the stack are not clean. */
  private cut(): FunctionSummary {
    const f = this.frames[this.frames.length - 1];
    if (f) f.clean = false;
    return EMPTY;
  }

  /** Work done (statements x states): to the root's budget and the current run's own cost. */
  addWork(w: number): void {
    this.rootSteps += w;
    const f = this.frames[this.frames.length - 1];
    if (f) f.own += w;
    if (this.rootSteps > MAX_ROOT_STEPS) this.budgetHit = true;
  }

  /** A name the current run looked up (a callee, a macro). */
  noteName(name: string): void {
    this.frames[this.frames.length - 1]?.names.add(name);
  }

  /** The summary `key` is used by the current run. */
  private useChild(key: string, e: MemoEntry, section?: SectionStart): void {
    const f = this.frames[this.frames.length - 1];
    if (!f) return;
    if (!f.childSections.has(key)) f.childSections.set(key, section);
    for (const n of e.names) f.names.add(n);
    for (const n of e.files) f.files.add(n);
    for (const n of e.fns) f.fns.add(n);
    for (const n of e.globals) f.globals.add(n);
    f.height = Math.max(f.height, e.height + 1);
    f.children.push(key);
    if (!e.clean) f.clean = false;
  }

  /** First use in this check of a summary from an earlier one: what a fresh analysis would have spent on it and below. */
  private charge(key: string): void {
    const stack = [key];
    for (let k = stack.pop(); k !== undefined; k = stack.pop()) {
      if (this.used.has(k)) continue;
      this.used.add(k);
      const e = this.memo.get(k);
      if (!e || e === 'pending') continue;
      if (e.epoch === this.epoch) continue; // computed in this check: already paid
      this.addWork(e.own);
      stack.push(...e.children);
    }
  }

  /**
   * The lazy-mode events and calls made while batching of `fn`'s summary in
   * `mode` and of every summary it used, below it: one record per place (the
   * one with fewest conditions; the first in pre-order on a tie). Call right
   * after summarising it, in the same check.
   */
  records(
    fn: FunctionRef,
    mode: ModeState,
    dirtyParams: number[] = [],
    outerPending = false,
    binding?: Binding,
  ): { modeEvents: ModeEvent[]; sectionCalls: SectionCall[]; indirectCalls: IndirectCall[] } {
    const events = new Map<string, ModeEvent>();
    const calls = new Map<string, SectionCall>();
    const indirect = new Map<string, IndirectCall>();
    const fewer = <T extends { conds: Cond[] }>(m: Map<string, T>, k: string, v: T) => {
      const prev = m.get(k);
      if (!prev || v.conds.length < prev.conds.length) m.set(k, v);
    };
    const seen = new Set<string>();
    // Each summary with the section its caller had when using it (undefined: as computed).
    const stack: [string, SectionStart | undefined][] = [[memoKey(fn.key, mode, dirtyParams, outerPending, undefined, binding), undefined]];
    const same = (a?: SectionStart, b?: SectionStart) => !!a && !!b && a.file === b.file && a.line === b.line && a.column === b.column;
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      const [k, section] = top;
      if (seen.has(k)) continue;
      seen.add(k);
      const e = this.memo.get(k);
      if (!e || e === 'pending') continue;
      // A record made in the section the summary was computed in belongs to the caller's section now.
      const now = <T extends { section?: SectionStart }>(x: T): T => (section && same(x.section, e.section) ? { ...x, section } : x);
      for (const x of e.sum.modeEvents) fewer(events, `${x.kind}@${x.at.file}:${x.at.line}:${x.at.column}`, now(x));
      // Per place and callee: a call through a pointer may designate several functions.
      for (const c of e.sum.sectionCalls) fewer(calls, sectionCallKey(c), now(c));
      for (const c of e.sum.indirectCalls) if (!indirect.has(`${c.at.file}:${c.at.line}:${c.at.column}`)) indirect.set(`${c.at.file}:${c.at.line}:${c.at.column}`, c);
      for (let i = e.children.length - 1; i >= 0; i--) {
        const ck = e.children[i];
        const cs = e.childSections.get(ck);
        stack.push([ck, section && same(cs, e.section) ? section : cs]);
      }
    }
    return { modeEvents: [...events.values()], sectionCalls: [...calls.values()], indirectCalls: [...indirect.values()] };
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
    const known = this.memo.get(key);
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
    if (known) return { calls: known.sum.surveyCalls ?? [], cut: !!known.sum.surveyCut };
    const saved = this.rootSteps;
    this.rootSteps = 0;
    // A macro's survey depends on its definition (looked up by name).
    const frame: Frame = { names: new Set(fn.place ? [fn.name] : []), files: new Set([fn.file]), fns: new Set([fn.key]), height: 0, own: 0, children: [], childSections: new Map(), clean: true, globals: new Set() };
    this.frames.push(frame);
    this.memo.set(key, 'pending');
    try {
      const mode = { depth: 1, paused: 0 };
      const sum = new FunctionRun(this, fn, false, { binding, survey: true }).run(mode, []);
      this.memo.set(key, { sum, ...frame, epoch: this.epoch, fnKey: fn.key, mode, dirtyParams: [], outerPending: false, binding, survey: true });
      return { calls: sum.surveyCalls ?? [], cut: !!sum.surveyCut };
    } catch (e) {
      this.memo.delete(key);
      throw e;
    } finally {
      this.frames.pop();
      this.rootSteps = saved;
    }
  }

  /**
   * Which macros a survey runs in place: those that can reach what the
   * section rules look for (set by the Workspace from its call-graph
   * searches; the others are only named). Surveys made under another answer
   * are forgotten with forgetSurveys().
   */
  surveyExpands: (name: string) => boolean = () => true;

  /** Forgets every survey (the call-graph searches that decide which macros a survey expands changed). */
  forgetSurveys(): void {
    for (const [k, e] of this.memo) if (e !== 'pending' && e.survey) this.memo.delete(k);
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

  /** Functions being summarised now (on the call stack). */
  private active = new Set<string>();
  /** Work done for the current analysis root (see MAX_ROOT_STEPS). */
  rootSteps = 0;

  resolveCallee(name: string, fromFile: string): { ref: FunctionRef; condition: string }[] {
    const out: { ref: FunctionRef; condition: string }[] = [];
    for (const d of this.index.resolve(name, fromFile).slice(0, 4)) {
      const ref = this.sources.functionAt(d.file, d.name, d.line);
      if (ref) out.push({ ref, condition: d.condition });
    }
    return out;
  }

  private expansions = new Map<string, Node | null>();

  /** The parsed body of macro `name` with `args` put in (cached), or null when it cannot be expanded. */
  expansion(name: string, args: string[]): Node | null {
    const key = `${name}(${args.join('\u0000')})`;
    if (this.expansions.has(key)) return this.expansions.get(key)!;
    let body: Node | null = null;
    const m = this.index.macros(name).find((d) => {
      const variadic = d.params[d.params.length - 1] === '...' || /\.\.\.$/.test(d.params[d.params.length - 1] ?? '');
      return variadic ? args.length >= d.params.length - 1 : args.length === d.params.length;
    });
    const text = m && !m.body.includes('##') && !/(^|[^#])#\s*[A-Za-z_]/.test(m.body)
      ? substituteMacroArgs(m.params, m.body, args)
      : null;
    // Nested macros grow their text fast (abs() over __abs_choose_expr ...): past a size, not followed.
    if (text !== null && text.length <= MAX_EXPANSION_CHARS) {
      const parsed = parseKernelC(`<expansion of ${name}>`, `void __lazymmu_expansion__(void)\n{\n${text};\n}\n`, this.cat);
      this.trees.push(parsed.tree);
      const fn = parsed.tree.rootNode.namedChildren.find((c) => c?.type === 'function_definition');
      body = fn?.childForFieldName('body') ?? null;
    }
    this.expansions.set(key, body);
    return body;
  }

  private macroFunctions = new Map<string, FunctionRef | null>();

  /**
   * A function-like macro as a function of its parameters, for surveys
   * (`folio_remove_rmap_pte(folio, page, vma)` calls
   * folio_remove_rmap_ptes(folio, page, 1, vma) with what the caller's facts
   * say of its arguments). Parsed once per check; null for a body that pastes
   * or stringifies, or a variadic one. Places inside are the definition's line.
   */
  macroFunction(m: MacroDefinition): FunctionRef | null {
    const key = `macro\0${m.file}\0${m.name}#${m.line}`;
    if (this.macroFunctions.has(key)) return this.macroFunctions.get(key)!;
    let ref: FunctionRef | null = null;
    const pastes = m.body.includes('##') || /(^|[^#])#\s*[A-Za-z_]/.test(m.body);
    const variadic = m.params.some((p) => p.endsWith('...'));
    if (!pastes && !variadic && m.body.length <= MAX_EXPANSION_CHARS && m.params.every((p) => /^[A-Za-z_]\w*$/.test(p))) {
      const text = `void ${m.name}(${m.params.map((p) => `long ${p}`).join(', ') || 'void'})\n{\n${m.body};\n}\n`;
      const parsed = parseKernelC(`<macro ${m.name}>`, text, this.cat);
      this.trees.push(parsed.tree);
      const node = parsed.tree.rootNode.namedChildren.find((c) => c?.type === 'function_definition');
      if (node) ref = { file: m.file, name: m.name, node, key, place: { line: m.line, column: 1 } };
    }
    this.macroFunctions.set(key, ref);
    return ref;
  }

  /** Expansion trees stay alive as long as the interpreter (their nodes are in use). */
  private trees: Tree[] = [];

  /** Expansions are parsed per check (their trees are freed at its end). */
  private clearExpansions(): void {
    for (const t of this.trees) t.delete();
    this.trees = [];
    this.expansions.clear();
    this.macroFunctions.clear();
  }

  dispose(): void {
    this.clearExpansions();
    this.memo.clear();
  }

  /** The #if condition a function's definition sits under (as the index scanned it), reduced by the configuration, as conjuncts. */
  definitionConds(fn: FunctionRef): Cond[] {
    const row = fn.node.startPosition.row + 1;
    const defs = this.index.functionsIn(fn.file).filter((d) => d.name === fn.name);
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

/** A call through a pointer: the expression called, and the file the function it designates was named in. */
interface Via {
  expr: string;
  file: string;
}

/** How a run is made: its arguments' facts, and whether it is a survey (Interpreter.survey). */
interface RunOptions {
  binding?: Binding;
  /** The calls that bound a root's pointer parameter (see Interpreter.summarize). */
  origin?: Hop[];
  survey?: boolean;
}

const NONNULL: Fact = { kind: 'nonnull' };

/** How many surveyed records one call site keeps (one per distinct binding of its arguments). */
const MAX_SURVEY_BINDINGS = 4;
/** Expressions one survey evaluates at most (x states). */
const MAX_SURVEY_EXPRESSIONS = 100_000;

/** One analysis of one function in one context. */
class FunctionRun {
  private hits: ReadHit[] = [];
  private entryReads: EntryRead[] = [];
  private modeEvents = new Map<string, ModeEvent>();
  private sectionCalls = new Map<string, SectionCall>();
  private indirectCalls = new Map<string, IndirectCall>();
  private surveyCalls = new Map<string, SurveyCall>();
  /** Surveys: records per call site (see MAX_SURVEY_BINDINGS), and expressions evaluated (see MAX_SURVEY_EXPRESSIONS). */
  private surveySites = new Map<string, number>();
  private surveyWork = 0;
  private surveyCut = false;
  private ownOps = new Set<string>();
  private ptrVars = new Set<string>();
  /** Which entry a pointer expression names (indexing, address arithmetic, generations). */
  private readonly names: EntryNames;
  /** Parameters and locals: a call through one of these names is a call through a pointer, not to a function. */
  private declared = new Set<string>();
  /** Surveys: parameters and the locals computed from them without calls (guards on these are the context's to decide). */
  private ctxNames = new Set<string>();
  private params: (string | null)[];
  private readonly fnName: string;
  private readonly survey: boolean;
  /** The call site of the macro being expanded, if any. */
  private expansionSite: Node | null = null;
  private expanding: string[] = [];

  constructor(
    private readonly ip: Interpreter,
    private readonly fn: FunctionRef,
    /** The caller has writes pending that a flush in here would complete. */
    private readonly outerPending = false,
    private readonly opts: RunOptions = {},
  ) {
    this.fnName = fn.name;
    this.params = parameterNames(fn.node);
    this.survey = !!opts.survey;
    for (const p of this.params) if (p) this.declared.add(p);
    this.collectPointerVars(fn.node);
    this.names = new EntryNames(fn.node, (k, s) => this.isPointer(k, s), ip.constEnv());
    if (this.survey) this.collectContextNames();
  }

  run(mode: ModeState, dirtyParams: number[], section?: SectionStart, paramValues?: ParamValues): FunctionSummary {
    const st = new PathState();
    st.mode = { ...mode };
    st.section = section;
    // The body exists only under the #if around the definition: every path through it needs that.
    st.conds = this.ip.definitionConds(this.fn);
    this.params.forEach((p, i) => {
      if (p) st.ptrs.set(p, `P${i}`);
    });
    for (const i of dirtyParams) st.dirty.set(`P${i}`, { chain: [], conds: [], param: i, value: paramValues?.get(i) });
    this.bindParams(st);
    const body = this.fn.node.childForFieldName('body');
    const flow = body ? this.exec(body, [st]) : emptyFlow([st]);
    const closing = body ? this.hopAtEnd(body, 'the function ends here') : undefined;
    const ends: Pair[] = [
      ...flow.ret,
      ...flow.normal.map((s): Pair => {
        const c = s.clone();
        c.exitAt = closing;
        return [c, null];
      }),
    ];
    const outcomes = new Map<string, Outcome>();
    for (const [s, v] of ends) {
      const writes = new Map<number, PendingWrite>();
      this.params.forEach((_, i) => {
        const w = s.dirty.get(`P${i}`);
        if (w && w.param === undefined) writes.set(i, w);
      });
      const at = s.exitAt ? `${s.exitAt.line}:${s.exitAt.column}` : '';
      const written = [...writes].map(([i, w]) => (w.value === undefined ? `${i}` : `${i}=${w.value}`));
      const k = `${v ? v.join('|') : '?'};${written};${s.flushed};${modeKey(s.mode)};${at}`;
      const prev = outcomes.get(k);
      if (!prev || s.conds.length < prev.conds.length)
        outcomes.set(k, {
          ret: v,
          writes,
          flushed: s.flushed,
          mode: { ...s.mode },
          conds: s.conds,
          exitAt: s.exitAt,
          ...(s.leftBy ? { leftBy: s.leftBy } : {}),
          section: s.section,
        });
    }
    return {
      outcomes: [...outcomes.values()],
      entryReads: this.entryReads,
      hits: this.hits,
      indirectCalls: [...this.indirectCalls.values()],
      ...(this.survey ? { surveyCalls: [...this.surveyCalls.values()], surveyCut: this.surveyCut } : {}),
      modeEvents: [...this.modeEvents.values()],
      sectionCalls: [...this.sectionCalls.values()],
      ownOps: this.ownOps,
    };
  }

  /** The caller's facts about the arguments, on the parameters (values.ts). */
  private bindParams(st: PathState): void {
    for (const [path, f] of this.opts.binding ?? []) {
      const m = /^P(\d+)(.*)$/.exec(path);
      const p = m ? this.params[Number(m[1])] : null;
      if (!m || !p) continue;
      if (m[2]) st.facts.set(p + m[2], f);
      else if (f.kind === 'int') st.vals.set(p, f.values);
      else {
        if (f.kind !== 'nonnull') st.facts.set(p, f);
        if (isNonNull(f)) st.nonzero.add(p);
      }
    }
  }

  /**
   * Surveys: the names whose values a caller's context can fix: parameters,
   * and locals assigned from them without calls (`ops = walk->ops`,
   * `has_install = ops->install_pte`), to a fixpoint.
   */
  private collectContextNames(): void {
    for (const p of this.params) if (p) this.ctxNames.add(p);
    const flows: [string, Node][] = [];
    const stack: Node[] = [this.fn.node];
    for (let x = stack.pop(); x; x = stack.pop()) {
      if (x.type === 'init_declarator' || x.type === 'assignment_expression') {
        const name = x.type === 'init_declarator' ? declaredName(x.childForFieldName('declarator')) : accessPath(x.childForFieldName('left') ?? x);
        const value = x.childForFieldName(x.type === 'init_declarator' ? 'value' : 'right');
        if (name && value && !name.includes('.') && !name.includes('->')) flows.push([name, value]);
      }
      for (const c of x.namedChildren) if (c) stack.push(c);
    }
    for (let changed = true, guard = 0; changed && guard < 8; guard++) {
      changed = false;
      for (const [name, value] of flows) {
        if (this.ctxNames.has(name) || !this.fromContext(value)) continue;
        this.ctxNames.add(name);
        changed = true;
      }
    }
  }

  /** An expression computed from context names without calls. */
  private fromContext(n: Node): boolean {
    let mentions = false;
    const stack: Node[] = [n];
    for (let x = stack.pop(); x; x = stack.pop()) {
      if (x.type === 'call_expression') return false;
      if (x.type === 'identifier' && this.ctxNames.has(x.text)) mentions = true;
      for (const c of x.namedChildren) if (c) stack.push(c);
    }
    return mentions;
  }

  /** A condition the context could decide: a test of a context name or a member of one, against a constant or for truth. */
  private isContextGuard(n: Node): boolean {
    n = unwrap(n);
    if (n.type === 'unary_expression' && n.child(0)?.text === '!') return this.isContextGuard(n.childForFieldName('argument')!);
    if (n.type === 'call_expression') {
      const f = n.childForFieldName('function');
      const a = n.childForFieldName('arguments');
      return !!f && this.ip.cat.valueTransparent.has(f.text) && a?.namedChildCount === 1 && this.isContextGuard(a.namedChild(0)!);
    }
    const rooted = (x: Node | null) => {
      const p = x ? accessPath(x) : null;
      return !!p && this.ctxNames.has(normPath(p).split('.')[0]);
    };
    if (n.type === 'identifier' || n.type === 'field_expression') return rooted(n);
    if (n.type === 'binary_expression' && /^(==|!=|<|>|<=|>=|&)$/.test(n.childForFieldName('operator')?.text ?? '')) {
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      const constant = (x: Node | null) => !!x && constValue(x, new PathState(), this.ip.constEnv()) !== undefined;
      return (rooted(l) && (constant(r) || rooted(r))) || (rooted(r) && constant(l));
    }
    return false;
  }

  /** A state on the branch where `n` is `holds`, with the guard noted (surveys). */
  private noted(s: PathState, n: Node, holds: boolean): PathState {
    const text = n.text.replace(/\s+/g, ' ').trim();
    const at = this.hop(n, '');
    const c = s.clone();
    c.guards = [...s.guards, { text: holds ? text : negatedText(text), file: at.file, line: at.line, column: at.column }];
    return c;
  }

  /** What an argument is known to be on this path, relative to it ("" itself, ".ops" a member). */
  private argFacts(arg: Node, s: PathState): ArgFacts | null {
    const n = unwrap(arg);
    if (n.type === 'pointer_expression' && n.child(0)?.text === '&') {
      const x = n.childForFieldName('argument');
      const p = x ? accessPath(x) : null;
      if (!p) return [['', NONNULL]];
      if (!p.includes('.') && !p.includes('->') && !this.declared.has(p)) return [['', this.ip.addrFact(p, this.fn.file)]];
      const np = normPath(p);
      const own = s.facts.get(np);
      return [['', own?.kind === 'record' ? own : NONNULL], ...this.memberFacts(s, np)];
    }
    if (n.type === 'null') return [['', { kind: 'int', values: [0] }]];
    if (n.type === 'identifier' && !this.declared.has(n.text) && !s.vals.has(n.text)) {
      if (n.text === 'NULL') return [['', { kind: 'int', values: [0] }]];
      if (this.ip.isFunction(n.text, this.fn.file)) return [['', { kind: 'fn', names: [n.text], files: [this.fn.file] }]];
    }
    const p = n.type === 'identifier' || n.type === 'field_expression' ? accessPath(n) : null;
    if (p) {
      const np = normPath(p);
      const f = this.ip.factAt(s, np);
      const out: ArgFacts = f ? [['', f]] : [];
      out.push(...this.memberFacts(s, np));
      if (out.length) return out;
    }
    const c = constValue(n, s, this.ip.constEnv());
    if (c !== undefined) return [['', { kind: 'int', values: [c] }]];
    const names = this.constantNames(n, s);
    return names?.length ? [['', { kind: 'names', names }]] : null;
  }

  /**
   * `GFP_ATOMIC | __GFP_NOWARN`, `gfp | __GFP_ZERO` with `gfp` known by
   * name: the named constants an or of them is made of (sorted), or null
   * when it holds anything else.
   */
  private constantNames(n: Node, s: PathState): string[] | null {
    const out = new Set<string>();
    const stack: Node[] = [n];
    for (let x = stack.pop(); x; x = stack.pop()) {
      x = unwrap(x);
      if (x.type === 'identifier') {
        if (this.declared.has(x.text)) {
          const f = this.ip.factAt(s, x.text);
          if (f?.kind !== 'names') return null;
          f.names.forEach((v) => out.add(v));
        } else if (/^[A-Z_][A-Z0-9_]*$/.test(x.text)) out.add(x.text);
        else return null;
      } else if (x.type === 'binary_expression' && x.childForFieldName('operator')?.text === '|') {
        for (const c of x.namedChildren) if (c) stack.push(c);
      } else if (x.type !== 'number_literal') return null;
    }
    return [...out].sort();
  }

  /** Facts about members of `path` (relative: ".ops"). */
  private memberFacts(s: PathState, path: string): ArgFacts {
    const out: ArgFacts = [];
    for (const [k, f] of s.facts) if (k.length > path.length && k.startsWith(path) && k[path.length] === '.') out.push([k.slice(path.length), f]);
    return out;
  }

  private bindingFor(args: Node[], s: PathState): Binding | undefined {
    return makeBinding(args.map((a) => this.argFacts(a, s)));
  }

  /** `key` was given a new value: what was known about it and its members goes (a record's member becomes unknown, not 0). */
  private forgetFacts(s: PathState, key: string): void {
    const nk = normPath(key);
    for (const k of [...s.facts.keys()]) if (k === nk || (k.startsWith(nk) && k[nk.length] === '.')) s.facts.delete(k);
    if (zeroFilled(s.facts, nk)) s.facts.set(nk, { kind: 'any' });
  }

  /** `key = value`: the facts of the value (taken before the assignment) go to `key` and its members. */
  private assignFacts(s: PathState, key: string, facts: ArgFacts | null): void {
    this.forgetFacts(s, key);
    const nk = normPath(key);
    // A member written: tests made on the objects above it may no longer hold.
    for (let i = nk.lastIndexOf('.'); i > 0; i = nk.lastIndexOf('.', i - 1)) {
      const above = `${nk.slice(0, i)}.@`;
      for (const k of [...s.facts.keys()]) if (k.startsWith(above)) s.facts.delete(k);
    }
    for (const [rel, f] of facts ?? []) {
      if (rel) s.facts.set(nk + rel, f);
      else if (nk.includes('.') || (f.kind !== 'int' && f.kind !== 'nonnull')) s.facts.set(nk, f);
      if (!rel && !nk.includes('.') && isNonNull(f)) s.nonzero.add(key);
    }
  }

  /** `struct S name = { .a = x, ... }`: a record (members not named are 0). */
  private initRecord(s: PathState, name: string, list: Node): void {
    this.forgetFacts(s, name);
    const members = initializerMembers(list);
    if (members === null) return;
    s.facts.set(name, { kind: 'record' });
    if (members === 'zero') return;
    for (const [m, node] of members) {
      const key = `${name}.${m}`;
      if (node.type === 'initializer_list') {
        s.facts.set(key, initializerMembers(node) === null ? { kind: 'any' } : { kind: 'record' });
        continue;
      }
      const facts = this.argFacts(node, s) ?? [];
      const own = facts.find(([rel]) => !rel);
      s.facts.set(key, own ? own[1] : { kind: 'any' });
      for (const [rel, f] of facts) if (rel) s.facts.set(key + rel, f);
    }
  }

  private collectPointerVars(n: Node): void {
    const types = this.ip.cat.entryPointerTypes;
    const visit = (x: Node) => {
      if (x.type === 'parameter_declaration' || x.type === 'declaration') {
        const t = x.childForFieldName('type')?.text ?? '';
        for (const d of x.childrenForFieldName('declarator')) {
          const name = d ? declaredName(d) : null;
          if (name && x.type === 'declaration') this.declared.add(name);
          if (d && name && isPointerTo(t, d, types)) this.ptrVars.add(name);
        }
      }
    };
    // Iterative: a 5,000-deep nested body overflowed the stack when recursive (issue 7).
    const stack: Node[] = [n];
    for (let x = stack.pop(); x; x = stack.pop()) {
      visit(x);
      for (const c of x.namedChildren) if (c) stack.push(c);
    }
  }

  // ---- locations -------------------------------------------------------

  private hop(n: Node, message: string): Hop {
    // A macro surveyed as a function: every place is its definition.
    const fixed = this.fn.place;
    if (fixed) return { file: this.fn.file, line: fixed.line, column: fixed.column, endLine: fixed.line, endColumn: fixed.column + this.fn.name.length, message };
    // Inside a macro expansion every place is the macro's call site.
    if (this.expansionSite) n = this.expansionSite;
    return {
      file: this.fn.file,
      line: n.startPosition.row + 1,
      column: n.startPosition.column + 1,
      endLine: n.endPosition.row + 1,
      endColumn: n.endPosition.column + 1,
      message,
    };
  }

  /** Keeps the first record per place (the path with fewer conditions when both are seen early). */
  private addOnce<T extends { conds: Cond[] }>(m: Map<string, T>, k: string, v: T): void {
    const prev = m.get(k);
    if (!prev || v.conds.length < prev.conds.length) m.set(k, v);
  }

  /** A return/goto/break that is the body of an if or loop without braces (a fix must add them). */
  private braceless(n: Node): boolean {
    const p = n.parent?.type;
    return !this.expansionSite && p !== 'compound_statement' && p !== 'labeled_statement' && p !== 'case_statement';
  }

  /** States leaving by a goto or break at `n`: the jump is remembered until the join judges it. */
  private jumping(n: Node, statement: string, states: PathState[]): PathState[] {
    const at: Hop = { ...this.hop(n, `${statement} leaves here`), braceless: this.braceless(n), statement };
    return states.map((s) => {
      const c = s.clone();
      c.jump = at;
      return c;
    });
  }

  private hopAtEnd(n: Node, message: string): Hop {
    const line = n.endPosition.row + 1;
    const column = Math.max(1, n.endPosition.column);
    return { file: this.fn.file, line, column, endLine: line, endColumn: column + 1, message };
  }

  private modeEvent(kind: ModeEvent['kind'], api: string, n: Node, s: PathState, message: string): void {
    const at = this.hop(n, message);
    this.addOnce(this.modeEvents, `${kind}@${at.file}:${at.line}:${at.column}`, { kind, api, at, section: s.section, conds: s.conds, fn: this.fnName });
  }

  // ---- statements ------------------------------------------------------

  private steps = 0;

  private exec(n: Node, states: PathState[]): Flow {
    const w = states.length || 1;
    interpreterWork.steps += w;
    this.ip.addWork(w);
    if ((this.steps += w) > MAX_FUNCTION_STEPS || this.ip.rootSteps > MAX_ROOT_STEPS) {
      if (this.survey) this.surveyCut = true;
      return emptyFlow(states);
    }
    // Statements nested past MAX_NESTING are skipped (no effect): 5,000-deep
    // nesting overflowed the JS stack in this recursive walk (issue 7).
    if (this.nesting >= MAX_NESTING) return emptyFlow(states);
    this.nesting++;
    try {
      return this.execNode(n, states);
    } finally {
      this.nesting--;
    }
  }

  private nesting = 0;

  private execNode(n: Node, states: PathState[]): Flow {
    switch (n.type) {
      case 'compound_statement':
      case 'translation_unit':
        return this.execSeq(n.namedChildren.filter((c): c is Node => !!c), states);
      case 'expression_statement': {
        const e = n.namedChild(0);
        if (!e) return emptyFlow(states);
        const after = this.evalStates(e, states);
        const call = unwrap(e);
        return emptyFlow(call.type === 'call_expression' ? this.forgetTests(call, after) : after);
      }
      case 'declaration':
        return emptyFlow(this.execDeclaration(n, states));
      case 'if_statement':
        return this.execIf(n, states);
      case 'while_statement': {
        const c = n.childForFieldName('condition');
        return this.loop(states, c, n.childForFieldName('body'), null, false, false, this.macroIterator(c));
      }
      case 'do_statement':
        return this.loop(states, n.childForFieldName('condition'), n.childForFieldName('body'), null, true);
      case 'for_statement': {
        let pre = states;
        const init = n.childForFieldName('initializer');
        if (init) pre = init.type === 'declaration' ? this.execDeclaration(init, pre) : this.evalStates(init, pre);
        return this.loop(pre, n.childForFieldName('condition'), n.childForFieldName('body'), n.childForFieldName('update'), false);
      }
      case 'function_definition':
        // An iterator macro the rewrite did not catch, read as a nested definition: a loop body.
        return this.loop(states, null, n.childForFieldName('body'), null, false, true);
      case 'switch_statement':
        return this.execSwitch(n, states);
      case 'return_statement': {
        const e = n.namedChild(0);
        const f = emptyFlow();
        const exitAt: Hop = { ...this.hop(n, 'returns here'), braceless: this.braceless(n), statement: 'return' };
        const tag = (s: PathState) => {
          const c = s.clone();
          c.exitAt = exitAt;
          return c;
        };
        if (!e) f.ret.push(...states.map((s): Pair => [tag(s), null]));
        else for (const s of states) for (const [s2, v] of this.evalExpr(e, this.fresh(s))) f.ret.push([tag(s2), v]);
        return f;
      }
      case 'break_statement': {
        const f = emptyFlow();
        f.brk = this.jumping(n, 'break', states);
        return f;
      }
      case 'continue_statement': {
        const f = emptyFlow();
        f.cont = states;
        return f;
      }
      case 'goto_statement': {
        const f = emptyFlow();
        const label = n.childForFieldName('label')?.text;
        if (label && states.length) f.gotos.set(label, this.jumping(n, `goto ${label}`, states));
        return f;
      }
      case 'labeled_statement': {
        const inner = n.namedChildren.find((c) => c && c.type !== 'statement_identifier');
        return inner ? this.exec(inner, states) : emptyFlow(states);
      }
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef':
        return this.execPreproc(n, states);
      case 'preproc_else':
        return this.execSeq(n.namedChildren.filter((c): c is Node => !!c), states);
      case 'comment':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_call':
      case 'preproc_include':
      case 'type_definition':
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier':
        return emptyFlow(states);
      default:
        if (n.type.endsWith('_expression') || n.type === 'identifier') return emptyFlow(this.evalStates(n, states));
        // ERROR nodes and statement kinds we do not model: analyse what is inside, in order.
        return this.execSeq(n.namedChildren.filter((c): c is Node => !!c), states);
    }
  }

  private execSeq(children: Node[], states: PathState[]): Flow {
    const flow = emptyFlow(states);
    const labelIdx = new Map<string, number>();
    children.forEach((c, i) => {
      if (c.type === 'labeled_statement') {
        const l = c.childForFieldName('label')?.text ?? c.namedChild(0)?.text;
        if (l) labelIdx.set(l, i);
      }
    });
    const seenAtLabel = new Map<string, Set<string>>();
    const ended: PathState[] = [];
    let restarts = 0;
    let i = 0;
    while (i <= children.length) {
      if (i === children.length) {
        // Backward gotos to labels of this block: run again from the label.
        let restarted = false;
        for (const [label, gs] of flow.gotos) {
          const at = labelIdx.get(label);
          if (at === undefined || restarts >= MAX_GOTO_RESTARTS) continue;
          const seen = seenAtLabel.get(label) ?? new Set();
          seenAtLabel.set(label, seen);
          const fresh = dedupe(withoutTests(joinJumps([], gs))).filter((s) => !seen.has(s.key()));
          flow.gotos.delete(label);
          if (!fresh.length) continue;
          fresh.forEach((s) => seen.add(s.key()));
          ended.push(...flow.normal);
          flow.normal = fresh;
          i = at;
          restarts++;
          restarted = true;
          break;
        }
        if (!restarted) break;
      }
      const c = children[i];
      if (c.type === 'labeled_statement') {
        const l = c.childForFieldName('label')?.text ?? c.namedChild(0)?.text;
        if (l && flow.gotos.has(l)) {
          flow.normal = joinJumps(flow.normal, flow.gotos.get(l)!);
          flow.gotos.delete(l);
        }
        if (l) {
          const seen = seenAtLabel.get(l) ?? new Set();
          seenAtLabel.set(l, seen);
          flow.normal.forEach((s) => seen.add(s.key()));
        }
      }
      const f = this.exec(c, bound(flow.normal, MAX_STATES));
      flow.normal = f.normal;
      absorb(flow, f);
      i++;
    }
    flow.normal = bound([...ended, ...flow.normal], MAX_STATES);
    return flow;
  }

  private execDeclaration(n: Node, states: PathState[]): PathState[] {
    let cur = states;
    for (const d of n.childrenForFieldName('declarator')) {
      if (!d || d.type !== 'init_declarator') continue;
      const name = declaredName(d);
      const value = d.childForFieldName('value');
      if (!name || !value) continue;
      const next: PathState[] = [];
      // Both arms of `c ? a : b` may come back as one state object: each gets its own.
      const seen = new Set<PathState>();
      for (const s of cur) {
        for (const [s1, v] of this.evalExpr(value, this.fresh(s))) {
          const s2 = seen.has(s1) ? s1.clone() : s1;
          seen.add(s2);
          this.assign(s2, name, value, v, d);
          if (value.type === 'initializer_list') this.initRecord(s2, name, value);
          next.push(s2);
        }
      }
      cur = next;
    }
    return cur;
  }

  private execIf(n: Node, states: PathState[]): Flow {
    const cond = n.childForFieldName('condition');
    const { t, f } = cond ? this.cond(cond, states.map((s) => this.fresh(s))) : { t: states, f: states };
    const cons = n.childForFieldName('consequence');
    const alt = n.childForFieldName('alternative');
    const out = emptyFlow();
    const a = cons ? this.exec(cons, t) : emptyFlow(t);
    absorb(out, a);
    const altStmt = alt ? (alt.type === 'else_clause' ? alt.namedChild(0) : alt) : null;
    const b = altStmt ? this.exec(altStmt, f) : emptyFlow(f);
    absorb(out, b);
    out.normal = bound([...a.normal, ...b.normal], MAX_STATES);
    return out;
  }

  private loop(
    states: PathState[],
    condNode: Node | null,
    body: Node | null,
    update: Node | null,
    isDo: boolean,
    mayNotRun = false,
    /** An iterator macro's variable (`for_each_set_bit(i, ...)`), given its next value at every test. */
    iterator: string | null = null,
  ): Flow {
    const out = emptyFlow();
    const exits: PathState[] = [];
    const breaks: PathState[] = [];
    const seen = new Set<string>();
    let cur = bound(states, MAX_STATES);
    // A do-while's first states run the body before any test: they are not
    // "seen" at the head yet, or a body that changes nothing would never exit.
    if (!isDo) cur.forEach((s) => seen.add(s.key()));
    if (mayNotRun) exits.push(...cur);
    const test = (ss: PathState[]): PathState[] => {
      if (!condNode) return ss;
      if (iterator) ss = ss.map((s) => this.advance(s, iterator, condNode));
      const { t, f } = this.cond(condNode, ss.map((s) => this.fresh(s)));
      exits.push(...f);
      return t;
    };
    for (let iter = 0; cur.length; iter++) {
      if (iter >= MAX_LOOP_ITER) {
        test(cur); // keep the exits of the states we stop following
        break;
      }
      const enter = isDo && iter === 0 ? cur : test(cur);
      const bf = body ? this.exec(body, enter) : emptyFlow(enter);
      breaks.push(...bf.brk);
      out.ret.push(...bf.ret);
      for (const [k, v] of bf.gotos) out.gotos.set(k, [...(out.gotos.get(k) ?? []), ...v]);
      let next = [...bf.normal, ...bf.cont];
      if (update) next = this.evalStates(update, next);
      // Results of tests on objects are not part of a state's identity: a loop's next round starts without them.
      next = bound(withoutTests(next), MAX_STATES).filter((s) => !seen.has(s.key()));
      next.forEach((s) => seen.add(s.key()));
      cur = next;
      if (!condNode && !isDo && !mayNotRun && !body) break;
    }
    out.normal = bound(joinJumps(exits, breaks), MAX_STATES);
    return out;
  }

  /**
   * An iterator macro rewritten to `while (i, bitmap, n)` (kernelIdioms.ts)
   * assigns its first argument at every test: the variable, when it names an
   * entry or indexes one, or null. A real `while` with a comma condition is
   * rare, and a new version only ever loses a match.
   */
  private macroIterator(cond: Node | null): string | null {
    let c = cond ? unwrap(cond.type === 'condition_clause' ? (cond.childForFieldName('value') ?? cond) : cond) : null;
    if (c?.type !== 'comma_expression') return null;
    while (c.type === 'comma_expression' && c.childForFieldName('left')) c = unwrap(c.childForFieldName('left')!);
    const key = accessPath(c);
    return key && (this.ptrVars.has(key) || this.names.tracks(key)) ? key : null;
  }

  /** The iterator `key` takes its next value at `site`. */
  private advance(s: PathState, key: string, site: Node): PathState {
    const s2 = s.clone();
    s2.vals.delete(key);
    s2.nonzero.delete(key);
    s2.entryVals.delete(key);
    if (this.ptrVars.has(key)) this.names.newEntry(s2, key, site);
    this.names.assigned(s2, key, site);
    return s2;
  }

  private execSwitch(n: Node, states: PathState[]): Flow {
    const out = emptyFlow();
    const condNode = n.childForFieldName('condition');
    const body = n.childForFieldName('body');
    const pairs: Pair[] = [];
    for (const s of states) {
      if (condNode) pairs.push(...this.evalExpr(unwrap(condNode), this.fresh(s)));
      else pairs.push([s, null]);
    }
    const cases = (body?.namedChildren ?? []).filter((c): c is Node => !!c && c.type === 'case_statement');
    const caseVal = (c: Node): number | undefined | 'default' => {
      const v = c.childForFieldName('value');
      return v ? constValue(v, new PathState(), this.ip.constEnv()) : 'default';
    };
    const vals = cases.map(caseVal);
    const known = vals.filter((v): v is number => typeof v === 'number');
    const hasDefault = vals.includes('default');
    let fall: PathState[] = [];
    cases.forEach((c, i) => {
      const cv = vals[i];
      const matched = pairs
        .filter(([, v]) => {
          if (!v || cv === undefined) return true;
          if (cv === 'default') return v.some((x) => !known.includes(x));
          return v.includes(cv);
        })
        .map(([s]) => s);
      const stmts = c.namedChildren.filter((x): x is Node => !!x && x !== c.childForFieldName('value'));
      const f = this.execSeq(stmts, [...fall, ...matched]);
      fall = f.normal;
      // A break is how a case ends: not a jump that could leave a section open.
      out.normal.push(...joinJumps([], f.brk));
      out.cont.push(...f.cont);
      out.ret.push(...f.ret);
      for (const [k, v] of f.gotos) out.gotos.set(k, [...(out.gotos.get(k) ?? []), ...v]);
    });
    out.normal.push(...fall);
    if (!hasDefault) out.normal.push(...pairs.filter(([, v]) => !v || v.some((x) => !known.includes(x))).map(([s]) => s));
    out.normal = bound(out.normal, MAX_STATES);
    return out;
  }

  private execPreproc(n: Node, states: PathState[]): Flow {
    let text: string;
    if (n.type === 'preproc_ifdef' || n.type === 'preproc_elifdef') {
      const name = n.childForFieldName('name')?.text ?? '?';
      text = /^#\s*(ifndef|elifndef)/.test(n.text) ? `!defined(${name})` : `defined(${name})`;
    } else text = (n.childForFieldName('condition')?.text ?? '?').trim();
    const alt = n.childForFieldName('alternative');
    const skip = new Set([n.childForFieldName('name')?.id, n.childForFieldName('condition')?.id, alt?.id]);
    const body = n.namedChildren.filter((c): c is Node => !!c && !skip.has(c.id));
    const out = emptyFlow();
    // The configuration decides what it can (an impossible option drops the branch); the rest is carried.
    const parsed = parseCond(text);
    const cond = this.ip.config ? this.ip.config.reduce(parsed) : parsed;
    const always = cond.k === 'const' && cond.v;
    const never = cond.k === 'const' && !cond.v;
    const a = never ? emptyFlow() : this.execSeq(body, always ? states : withCond(states, cond));
    absorb(out, a);
    const elseStates = always ? [] : never ? states : withCond(states, condNot(cond));
    const b = alt ? this.exec(alt, elseStates) : emptyFlow(elseStates);
    absorb(out, b);
    out.normal = bound([...a.normal, ...b.normal], MAX_STATES);
    return out;
  }

  // ---- expressions -----------------------------------------------------

  /** A state for evaluating a new statement: call values of the last one forgotten. */
  private fresh(s: PathState): PathState {
    if (s.callVals.size === 0 && s.exprVals.size === 0) return s;
    const c = s.clone();
    c.callVals = new Map();
    c.exprVals = new Map();
    return c;
  }

  private evalStates(n: Node, states: PathState[]): PathState[] {
    const out: PathState[] = [];
    for (const s of states) for (const [s2] of this.evalExpr(n, this.fresh(s))) out.push(s2);
    return out;
  }

  /** Splits states by the truth of a condition, refining known values. */
  private cond(n: Node, states: PathState[]): { t: PathState[]; f: PathState[] } {
    n = n.type === 'condition_clause' ? (n.childForFieldName('value') ?? n) : n;
    const t: PathState[] = [];
    const f: PathState[] = [];
    if (n.type === 'parenthesized_expression' && n.namedChildCount === 1) return this.cond(n.namedChild(0)!, states);
    if (n.type === 'comma_expression') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      return this.cond(right!, left ? this.evalStates(left, states) : states);
    }
    if (n.type === 'unary_expression' && n.child(0)?.text === '!') {
      const r = this.cond(n.childForFieldName('argument')!, states);
      return { t: r.f, f: r.t };
    }
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.text;
      if (op === '&&' || op === '||') {
        const l = this.cond(n.childForFieldName('left')!, states);
        if (op === '&&') {
          const r = this.cond(n.childForFieldName('right')!, l.t);
          return { t: r.t, f: [...l.f, ...r.f] };
        }
        const r = this.cond(n.childForFieldName('right')!, l.f);
        return { t: [...l.t, ...r.t], f: r.f };
      }
    }
    if (n.type === 'call_expression') {
      const fnName = n.childForFieldName('function');
      const args = n.childForFieldName('arguments');
      if (fnName?.type === 'identifier' && this.ip.cat.valueTransparent.has(fnName.text) && args?.namedChildCount === 1)
        return this.cond(args.namedChild(0)!, states);
      // IS_ENABLED(CONFIG_X) and friends: decided by the configuration, else carried as the path's condition like an #if.
      if (fnName?.type === 'identifier' && /^IS_(ENABLED|BUILTIN|MODULE|REACHABLE)$/.test(fnName.text)) {
        const parsed = parseCond(n.text);
        const c = this.ip.config ? this.ip.config.reduce(parsed) : parsed;
        if (c.k === 'const') return c.v ? { t: states, f: [] } : { t: [], f: states };
        return { t: withCond(states, c), f: withCond(states, condNot(c)) };
      }
    }
    const tested = entryTestCall(n, this.ip.cat);
    for (const s of states) {
      for (const [s2, v] of this.evalExpr(n, s)) {
        let tv: boolean | undefined;
        if (v && v.length) tv = v.every((x) => x !== 0) ? true : v.every((x) => x === 0) ? false : undefined;
        else tv = truth(n, s2, this.ip.constEnv());
        if (tv === undefined) tv = this.factTest(n, s2);
        const zt = tv === undefined ? this.zeroTest(n) : null;
        if (zt && s2.nonzero.has(zt.name)) tv = !zt.zeroWhen;
        // `pmd_bad(pmdval)` on a value this section wrote (a table entry): decided by the catalogue's entryTests.
        if (tv === undefined && tested) tv = testOutcome(tested.test, this.valueKinds(s2, tested.arg));
        // A survey notes the guards its context could have decided and did not.
        const note = tv === undefined && this.survey && this.isContextGuard(n);
        if (tv !== false) {
          const st = this.narrow(tested, this.refine(n, s2, true), true);
          t.push(note ? this.noted(st, n, true) : st);
        }
        if (tv !== true) {
          const sf = this.narrow(tested, this.refine(n, s2, false), false);
          f.push(note ? this.noted(sf, n, false) : sf);
        }
      }
    }
    return { t, f };
  }

  /** On the branch where an entry test came out `outcome`, the kinds its (followed) variable can still be. */
  private narrow(tested: ReturnType<typeof entryTestCall>, s: PathState, outcome: boolean): PathState {
    const key = tested ? accessPath(tested.arg) : null;
    const known = key ? s.entryVals.get(key) : undefined;
    if (!key || known === undefined) return s;
    const k = narrowKinds(tested!.test, known, outcome);
    if (k === known || k === undefined) return s;
    const s2 = s.clone();
    s2.entryVals.set(key, k);
    return s2;
  }

  /** The kinds of entry value an expression holds on this path (a followed variable, a read back, a made value). */
  private valueKinds(s: PathState, n: Node | undefined): Kinds | undefined {
    if (!n) return undefined;
    const u = unwrap(n);
    const key = accessPath(u);
    return key ? s.entryVals.get(key) : s.exprVals.get(u.id);
  }

  /**
   * A test of a pointer or member the facts know (`ops->install_pte`,
   * `walk`, `fn == NULL`): its truth, or undefined.
   */
  private factTest(n: Node, s: PathState): boolean | undefined {
    const t = this.memberTest(n);
    if (!t) return undefined;
    const v = factTruth(this.ip.factAt(s, t.path));
    return v === undefined ? undefined : v !== t.zeroWhen;
  }

  /** `p`, `p->m`, `p == NULL`, `p->m != 0`: the (normalised) path tested and whether the test holds when it is 0. */
  private memberTest(n: Node): { path: string; zeroWhen: boolean } | null {
    n = unwrap(n);
    const test = n.type === 'call_expression' ? this.testOf(n) : null;
    if (test) return { path: test, zeroWhen: false };
    if (n.type === 'identifier' || n.type === 'field_expression') {
      const p = accessPath(n);
      return p ? { path: normPath(p), zeroWhen: false } : null;
    }
    if (n.type !== 'binary_expression') return null;
    const op = n.childForFieldName('operator')?.text;
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if ((op !== '==' && op !== '!=') || !l || !r) return null;
    const p = accessPath(l);
    if (!p || constValue(r, new PathState(), this.ip.constEnv()) !== 0) return null;
    return { path: normPath(p), zeroWhen: op === '==' };
  }

  /** On the branch where `n` is `holds`, narrow a variable's known values (x, x == C, x != C). */
  private refine(n: Node, s: PathState, holds: boolean): PathState {
    let name: string | null = null;
    let pred: ((v: number) => boolean) | null = null;
    // `p->m` / `p->m == NULL` / `test(p)`: a member (or a test's result) is 0 on one branch and not on the other.
    const mt = this.memberTest(n);
    if (mt && mt.path.includes('.') && !this.ip.factAt(s, mt.path)) {
      const s2 = s.clone();
      s2.facts.set(mt.path, mt.zeroWhen === holds ? { kind: 'int', values: [0] } : NONNULL);
      return s2;
    }
    // `p` / `p == NULL` / `p != NULL`: zero on one branch, non-zero on the other.
    const zeroTest = this.zeroTest(n);
    if (zeroTest && !s.vals.has(zeroTest.name)) {
      const isZero = zeroTest.zeroWhen === holds;
      const s2 = s.clone();
      if (isZero) {
        s2.vals.set(zeroTest.name, [0]);
        s2.nonzero.delete(zeroTest.name);
      } else s2.nonzero.add(zeroTest.name);
      return s2;
    }
    if (n.type === 'identifier') {
      name = n.text;
      pred = (v) => (v !== 0) === holds;
    } else if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.text;
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      if ((op === '==' || op === '!=') && l?.type === 'identifier' && r) {
        const c = constValue(r, new PathState(), this.ip.constEnv());
        if (c !== undefined) {
          name = l.text;
          const eq = op === '==' ? holds : !holds;
          pred = (v) => (v === c) === eq;
          if (eq && !s.vals.has(name)) {
            const s2 = s.clone();
            s2.vals.set(name, [c]);
            return s2;
          }
        }
      }
    }
    if (!name || !pred) return s;
    const known = s.vals.get(name);
    if (!known) return s;
    const kept = known.filter(pred);
    if (kept.length === known.length || !kept.length) return s;
    const s2 = s.clone();
    s2.vals.set(name, kept);
    return s2;
  }

  /** `x` (zero when false), `x == 0`/`x == NULL` (zero when true), `x != 0` (zero when false). */
  private zeroTest(n: Node): { name: string; zeroWhen: boolean } | null {
    if (n.type === 'identifier') return { name: n.text, zeroWhen: false };
    if (n.type !== 'binary_expression') return null;
    const op = n.childForFieldName('operator')?.text;
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if ((op !== '==' && op !== '!=') || l?.type !== 'identifier' || !r) return null;
    if (constValue(r, new PathState(), this.ip.constEnv()) !== 0) return null;
    return { name: l.text, zeroWhen: op === '==' };
  }

  private evalExpr(n: Node, st: PathState): Pair[] {
    // A survey runs macro bodies in place, whose expressions the statement
    // budget does not see: they have a budget of their own (the survey is then cut).
    if (this.survey && ++this.surveyWork > MAX_SURVEY_EXPRESSIONS) {
      this.surveyCut = true;
      return [[st, null]];
    }
    switch (n.type) {
      case 'call_expression':
        return this.evalCall(n, st);
      case 'assignment_expression':
        return this.evalAssignment(n, st);
      case 'update_expression': {
        const arg = n.childForFieldName('argument');
        const key = arg ? accessPath(arg) : null;
        const pairs = arg && !key ? this.evalExpr(arg, st) : [[st, null] as Pair];
        return pairs.map(([s]) => {
          const s2 = arg ? this.dereferenced(unwrap(arg), s).clone() : s.clone();
          if (key) {
            s2.vals.delete(key);
            s2.nonzero.delete(key);
            s2.entryVals.delete(key);
            this.forgetFacts(s2, key);
            if (this.isPointer(key, s2)) this.names.newEntry(s2, key, n);
            this.names.assigned(s2, key, n);
          }
          return [s2, null];
        });
      }
      case 'field_expression': {
        // `p->x` dereferences p: on the path past it, p is not NULL.
        const base = n.childForFieldName('argument');
        const pairs = base ? this.evalExpr(base, st) : [[st, null] as Pair];
        return pairs.map(([s]): Pair => {
          const s2 = this.dereferenced(n, s);
          return [s2, this.valueOf(n, s2)];
        });
      }
      case 'pointer_expression': {
        const arg = n.childForFieldName('argument');
        if (!arg) return [[st, null]];
        const op = n.child(0)?.text;
        // `&p[i]` takes an entry's address: its parts are evaluated, the entry is not read.
        const sub = unwrap(arg);
        const pairs = op === '&' && sub.type === 'subscript_expression' ? this.evalParts(sub, st) : this.evalExpr(arg, st);
        if (op !== '*') return pairs.map(([s]) => [s, null]);
        return pairs.map(([s]) => [this.readEntry(s, this.names.pointer(s, arg), n), null]);
      }
      case 'subscript_expression': {
        // `pte[i]` reads the entry at index i from the one `pte` names.
        const base = n.childForFieldName('argument');
        const index = n.childForFieldName('index');
        const pairs = this.evalParts(n, st);
        if (!base || !index) return pairs.map(([s]) => [s, null]);
        return pairs.map(([s]) => [this.readEntry(s, this.names.element(s, base, index), n), null]);
      }
      case 'conditional_expression': {
        const c = n.childForFieldName('condition');
        const { t, f } = c ? this.cond(c, [st]) : { t: [st], f: [st] };
        const cons = n.childForFieldName('consequence');
        const alt = n.childForFieldName('alternative');
        const out: Pair[] = [];
        for (const s of t) out.push(...(cons ? this.evalExpr(cons, s) : [[s, null] as Pair]));
        for (const s of f) out.push(...(alt ? this.evalExpr(alt, s) : [[s, null] as Pair]));
        return out;
      }
      case 'binary_expression': {
        const op = n.childForFieldName('operator')?.text;
        if (op === '&&' || op === '||') {
          const { t, f } = this.cond(n, [st]);
          return [...t.map((s): Pair => [s, [1]]), ...f.map((s): Pair => [s, [0]])];
        }
        break;
      }
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
      case 'string_literal':
      case 'concatenated_string':
      case 'char_literal':
      case 'number_literal':
        return [[st, this.valueOf(n, st)]];
      case 'identifier':
        return [[st, this.valueOf(n, st)]];
    }
    let pairs: Pair[] = [[st, null]];
    for (const c of n.namedChildren) {
      if (!c) continue;
      const next: Pair[] = [];
      for (const [s] of pairs) next.push(...this.evalExpr(c, s));
      pairs = next;
    }
    return pairs.map(([s]) => [s, this.valueOf(n, s)]);
  }

  /** Past `p->x` (read or written), `p` is not NULL on the path. */
  private dereferenced(n: Node, s: PathState): PathState {
    if (n.type !== 'field_expression') return s;
    const base = n.childForFieldName('argument');
    const b = base ? unwrap(base) : null;
    if (b?.type !== 'identifier' || !n.text.slice(base!.text.length).trimStart().startsWith('->')) return s;
    if (s.nonzero.has(b.text) || s.vals.has(b.text)) return s;
    const s2 = s.clone();
    s2.nonzero.add(b.text);
    return s2;
  }

  private valueOf(n: Node, s: PathState): Val {
    if (n.type === 'identifier') {
      const v = s.vals.get(n.text);
      if (v) return v;
    }
    const v = constValue(n, s, this.ip.constEnv());
    return v === undefined ? null : [v];
  }

  private evalAssignment(n: Node, st: PathState): Pair[] {
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    const op = n.childForFieldName('operator')?.text ?? '=';
    if (!left || !right) return [[st, null]];
    const key = accessPath(left);
    let pairs = this.evalExpr(right, st);
    if (!key) {
      // `*p = v`, `a[i] = v`: evaluate the target's parts (no read of the target itself).
      const next: Pair[] = [];
      if (left.type === 'subscript_expression') {
        for (const [s, v] of pairs) for (const [s2] of this.evalParts(left, s)) next.push([s2, v]);
        return next;
      }
      const target = left.type === 'pointer_expression' ? left.childForFieldName('argument') : left;
      if (target) {
        for (const [s, v] of pairs) for (const [s2] of this.evalExpr(target, s)) next.push([s2, v]);
        pairs = next;
      }
      return pairs;
    }
    return pairs.map(([s, v]) => {
      const s2 = this.dereferenced(unwrap(left), s).clone();
      if (op === '=') this.assign(s2, key, right, v, n);
      else {
        s2.vals.delete(key);
        s2.nonzero.delete(key);
        s2.entryVals.delete(key);
        this.forgetFacts(s2, key);
        if (this.isPointer(key, s2)) this.names.newEntry(s2, key, n);
        this.names.assigned(s2, key, n);
      }
      return [s2, op === '=' ? v : null];
    });
  }

  /** `a[i]`: the array and index are evaluated (in order), the element is not read. */
  private evalParts(sub: Node, st: PathState): Pair[] {
    let pairs: Pair[] = [[st, null]];
    for (const c of [sub.childForFieldName('argument'), sub.childForFieldName('index')]) {
      if (!c) continue;
      const next: Pair[] = [];
      for (const [s] of pairs) next.push(...this.evalExpr(c, s));
      pairs = next;
    }
    return pairs;
  }

  /** `key = value`: the pointer takes the value's entry (or a new one); integers keep known values. */
  private assign(s: PathState, key: string, value: Node, v: Val, at: Node): void {
    const facts = this.argFacts(value, s);
    s.nonzero.delete(key);
    const src = accessPath(value);
    const kinds = this.valueKinds(s, value);
    if (src && s.ptrs.has(src)) s.ptrs.set(key, s.ptrs.get(src)!);
    else if (src && this.ptrVars.has(src)) s.ptrs.set(key, `V:${src}`);
    else if (this.isPointer(key, s)) {
      // `q = p + 1`, `q = &p[i]`: the entry at that offset from p's; `p = p + 1` is a new entry.
      const derived = this.names.derived(s, key, value);
      if (derived) s.ptrs.set(key, derived);
      else this.names.newEntry(s, key, at);
    }
    this.names.assigned(s, key, at);
    if (v && v.length <= 4) s.vals.set(key, v);
    else s.vals.delete(key);
    if (kinds !== undefined) s.entryVals.set(key, kinds);
    else s.entryVals.delete(key);
    this.assignFacts(s, key, facts);
  }

  private isPointer(key: string, s: PathState): boolean {
    return this.ptrVars.has(key) || s.ptrs.has(key) || /(->|\.)(pte|pmd|pud)$/.test(key);
  }

  /** An argument that points at an entry: a known entry pointer, or arithmetic on one (`pte + i`, `&pte[i]`). */
  private isEntryPointer(s: PathState, a: Node): boolean {
    const k = accessPath(a);
    return k ? this.isPointer(k, s) : !!this.names.arithmetic(s, a);
  }

  /** The entry an argument names, with `field` the member of a struct argument holding the entry pointer. */
  private argEntry(s: PathState, arg: Node | undefined, field?: string): string | null {
    if (!arg) return null;
    if (!field) return this.names.pointer(s, arg);
    const k = accessPath(arg);
    return k ? this.names.ofPath(s, `${k}->${field}`) : null;
  }

  /**
   * A read of `entry` at `at`: a hit when it has a pending write. The value
   * read is taken to be the one written (its kinds decide later guards), or a
   * followed value of any kind when the write's value is not known.
   */
  private readEntry(s: PathState, entry: string | null, at: Node): PathState {
    if (!entry || !s.batching) return s;
    const w = s.dirty.get(entry);
    if (!w) return s;
    const read = this.hop(at, `${at.text.replace(/\s+/g, ' ')} reads the entry`);
    if (w.param !== undefined)
      this.entryReads.push({ param: w.param, read, readChain: [], conds: s.conds, fn: this.fnName });
    else this.hits.push({ read, readChain: [], write: w, conds: unionConds(w.conds, s.conds), fn: this.fnName, section: s.section });
    const c = s.clone();
    c.exprVals.set(at.id, w.value ?? ANY_KIND);
    return c;
  }

  private evalCall(n: Node, st: PathState): Pair[] {
    const fnNode = n.childForFieldName('function');
    const args = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a);
    let pairs: Pair[] = fnNode && fnNode.type !== 'identifier' ? this.evalExpr(fnNode, st) : [[st, null]];
    for (const a of args) {
      const next: Pair[] = [];
      for (const [s] of pairs) next.push(...this.evalExpr(a, s));
      pairs = next;
    }
    const callee = fnNode ? this.calleeOf(fnNode) : null;
    const out: Pair[] = [];
    const test = callee?.name ? this.testOf(n) : null;
    for (const [s0] of pairs) {
      const results = callee?.name
        ? this.applyCall(callee.name, n, args, s0)
        : callee
          ? this.applyPointerCall(callee.expr, callee.path, n, args, s0)
          : [[s0, null] as Pair];
      // mk_pte(..) is a present mapping, pte_mkdirty(x) is of x's kind: for the writes and tests that use it.
      const built = callee?.name ? builtValue(callee.name, (i) => this.valueKinds(s0, args[i]), this.ip.cat) : undefined;
      for (const [s, v0] of results) {
        // The same test made before on the same object (here or by a caller) gives its result.
        const known = !v0 && test ? s.facts.get(test) : undefined;
        const v: Val = known ? (known.kind === 'int' ? known.values : isNonNull(known) ? [1] : v0) : v0;
        const s2 = s === s0 || s === st ? s.clone() : s;
        s2.callVals.set(n.id, v);
        if (built !== undefined && !s2.exprVals.has(n.id)) s2.exprVals.set(n.id, built);
        out.push([s2, v]);
      }
    }
    return out;
  }

  /**
   * A one-argument call on an object (`folio_test_hugetlb(folio)`, a
   * function or macro, not a catalogue API): the pseudo-member its result is
   * kept in (values.ts testPath), or null.
   */
  private testOf(call: Node): string | null {
    const f = call.childForFieldName('function');
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
    if (f?.type !== 'identifier' || this.declared.has(f.text) || args.length !== 1) return null;
    const cat = this.ip.cat;
    if (cat.lazyMode.has(f.text) || cat.writers.has(f.text) || cat.readers.has(f.text) || cat.valueTransparent.has(f.text)) return null;
    const p = accessPath(args[0]);
    return p ? testPath(normPath(p), f.text) : null;
  }

  /** A call made for its effect (a statement): the tests kept on the objects it is handed may no longer hold. */
  private forgetTests(call: Node, states: PathState[]): PathState[] {
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a);
    const roots: string[] = [];
    for (const a of args) {
      let x = unwrap(a);
      if (x.type === 'pointer_expression' && x.child(0)?.text === '&' && x.childForFieldName('argument')) x = unwrap(x.childForFieldName('argument')!);
      const p = accessPath(x);
      if (p) roots.push(`${normPath(p)}.@`);
    }
    if (!roots.length) return states;
    return states.map((s) => {
      const gone = [...s.facts.keys()].filter((k) => roots.some((r) => k.startsWith(r)));
      if (!gone.length) return s;
      const c = s.clone();
      for (const k of gone) c.facts.delete(k);
      return c;
    });
  }

  /** What a call calls: a function by name, or what a pointer expression holds (`fn`, `ops->pte_entry`, `(*fn)`). */
  private calleeOf(fnNode: Node): { name?: string; expr: string; path?: string } | null {
    let f = unwrap(fnNode);
    if (f.type === 'pointer_expression' && f.child(0)?.text === '*' && f.childForFieldName('argument')) f = unwrap(f.childForFieldName('argument')!);
    if (f.type === 'identifier') return this.declared.has(f.text) ? { expr: f.text, path: f.text } : { name: f.text, expr: f.text };
    const p = accessPath(f);
    return { expr: f.text.replace(/\s+/g, ''), path: p ? normPath(p) : undefined };
  }

  /**
   * A call through a pointer: to each function the facts say it designates,
   * as a direct call; otherwise not followed, and counted when made inside a
   * section (IndirectCall) so the user knows what was not looked at.
   */
  private applyPointerCall(expr: string, path: string | undefined, n: Node, args: Node[], s: PathState): Pair[] {
    const f = path ? this.ip.factAt(s, path) : undefined;
    if (f?.kind === 'fn') {
      const out: Pair[] = [];
      f.names.forEach((name, i) => out.push(...this.applyCall(name, n, args, s, { expr, file: f.files[i] })));
      return out;
    }
    // Only a pointer the code names (`fn`, `ops->pte_entry`) is counted: what a broken macro expansion calls is not.
    if (s.batching && !this.survey && path) {
      const at = this.hop(n, `${expr}() is called through a pointer whose target is not known here`);
      const root = path?.split('.')[0];
      const param = root !== undefined ? this.params.indexOf(root) : -1;
      this.indirectCalls.set(`${at.line}:${at.column}`, { at, expr, fn: this.fnName, ...(param >= 0 ? { param } : {}) });
    }
    return [[s, null]];
  }

  /** Surveys: a call made while batching, with its arguments' facts and the guards not decided on its path. */
  private surveyCall(name: string, n: Node, args: Node[], s: PathState, via?: Via): void {
    const at = this.hop(n, `${via ? `${via.expr}() = ` : ''}${name}() is called here`);
    const binding = this.bindingFor(args, s);
    const site = `${at.line}:${at.column}:${name}`;
    const k = `${site}|${bindingKey(binding)}`;
    const prev = this.surveyCalls.get(k);
    if (prev) {
      if (s.guards.length < prev.undecided.length) prev.undecided = s.guards;
      return;
    }
    const count = this.surveySites.get(site) ?? 0;
    if (count >= MAX_SURVEY_BINDINGS) return;
    this.surveySites.set(site, count + 1);
    this.surveyCalls.set(k, {
      at,
      names: [name],
      ...(via ? { via: via.expr, from: via.file } : {}),
      ...(binding ? { binding } : {}),
      args: args.map((a) => a.text),
      guard: guards(this.expansionSite ?? n),
      undecided: s.guards,
      ...(s.mode.atomic ? { atomic: true } : {}),
    });
  }

  /** A call: what it does (applyCallInner), then whether it takes or drops a spinlock (the catalogue's atomicEnter/atomicLeave). */
  private applyCall(name: string, n: Node, args: Node[], s: PathState, via?: Via): Pair[] {
    const cat = this.ip.cat;
    const step = cat.atomicEnter.has(name) ? 1 : cat.atomicLeave.has(name) ? -1 : 0;
    const out = this.applyCallInner(name, n, args, s, via);
    if (!step) return out;
    // From the caller's count: a lock helper summarised through its own spin_lock() is counted once.
    const atomic = Math.max(0, (s.mode.atomic ?? 0) + step);
    return out.map(([s1, v]): Pair => {
      const s2 = s1 === s ? s1.clone() : s1;
      s2.mode = { ...s2.mode, atomic: atomic || undefined };
      if (!atomic) delete s2.mode.atomic;
      return [s2, v];
    });
  }

  private applyCallInner(name: string, n: Node, args: Node[], s: PathState, via?: Via): Pair[] {
    const cat = this.ip.cat;
    if (this.survey && s.batching && !cat.writers.has(name) && !cat.readers.has(name)) this.surveyCall(name, n, args, s, via);
    const lazy = cat.lazyMode.get(name);
    if (lazy) {
      if (!this.expansionSite) this.ownOps.add(lazy.op);
      const s2 = s.clone();
      // An enter or resume opens anew: a later odd exit is not the earlier jump's doing.
      if (lazy.op === 'enter' || lazy.op === 'resume') s2.leftBy = undefined;
      switch (lazy.op) {
        case 'enter':
          if (s2.mode.depth >= 1 && s2.mode.paused === 0)
            this.modeEvent('nested-enter', name, n, s2, `${name}() enters the lazy MMU mode again`);
          if (s2.mode.depth <= 0) s2.section = { ...this.hop(n, `${name}() enters the lazy MMU mode`), shape: lazy.shape, fn: this.fnName };
          s2.mode.depth++;
          break;
        case 'leave':
          // Without an enter on this path a leave is judged only when this
          // path did enter before (a double leave); a leave-only helper is the
          // caller's business.
          if (s2.mode.depth <= 0 && s2.section)
            this.modeEvent('leave-without-enter', name, n, s2, `${name}() leaves a lazy MMU section that is no longer active`);
          s2.mode.depth--;
          s2.flush();
          break;
        case 'flush':
          s2.flush();
          break;
        case 'pause':
          if (s2.mode.depth <= 0 && s2.section)
            this.modeEvent('pause-outside', name, n, s2, `${name}() pauses outside a lazy MMU section`);
          s2.mode.paused++;
          s2.flush();
          break;
        case 'resume':
          if (s2.mode.paused <= 0 && s2.section)
            this.modeEvent('resume-without-pause', name, n, s2, `${name}() resumes a lazy MMU section that was not paused`);
          s2.mode.paused = Math.max(0, s2.mode.paused - 1);
          break;
      }
      return [[s2, null]];
    }
    const writer = cat.writers.get(name);
    if (writer) {
      const entry = this.argEntry(s, args[writer.ptrArg], writer.field);
      if (!entry || !s.batching) return [[s, null]];
      const s2 = s.clone();
      const what = args[writer.ptrArg] ? unwrap(args[writer.ptrArg]).text : '?';
      // What it leaves in the entry: a clear's or populate's own kind, or a setter's value argument's.
      const setter = cat.entrySetters.get(name);
      const value = writer.value ? kindsOf(writer.value) : setter ? this.valueKinds(s, args[setter.valueArg]) : undefined;
      s2.dirty.set(entry, {
        chain: [{ ...this.hop(n, `${name}() writes the entry through ${what}`), callee: name }],
        conds: s.conds,
        value,
      });
      return [[s2, null]];
    }
    const reader = cat.readers.get(name);
    if (reader) return [[this.readEntry(s, this.argEntry(s, args[reader.ptrArg], reader.field), n), null]];
    if (cat.valueTransparent.has(name) && args.length) return [[s, this.valueOf(args[0], s)]];
    return this.applyCallee(name, n, args, s, via);
  }

  /** A call to a function in the index: apply its summary in this context. */
  private applyCallee(name: string, n: Node, args: Node[], s: PathState, via?: Via): Pair[] {
    this.ip.noteName(name);
    // A function a pointer designates is looked up where it was named.
    const from = via?.file ?? this.fn.file;
    // A survey follows no callee (the contextual search does); a macro's body runs in place.
    if (this.survey) {
      if (this.ip.index.resolve(name, from).length || !this.ip.surveyExpands(name)) return [[s, null]];
      if (this.expanding.includes(name) || this.expanding.length >= 4 || !this.ip.expansion(name, args.map((a) => a.text))) return [[s, null]];
      const at = this.hop(n, '');
      for (const [k, c] of this.surveyCalls) if (k.startsWith(`${at.line}:${at.column}:${name}|`)) c.expanded = true;
      return this.expandMacro(name, n, args, s);
    }
    if (s.batching) {
      const at = this.hop(n, `${via ? `${via.expr}() = ` : ''}${name}() is called inside the section`);
      const binding = this.bindingFor(args, s);
      const call: SectionCall = {
        at,
        callee: name,
        args: args.map((a) => a.text),
        fromFile: from,
        section: s.section,
        conds: s.conds,
        fn: this.fnName,
        ...(binding ? { binding } : {}),
        ...(via ? { via: via.expr } : {}),
        ...(via && this.opts.origin ? { origin: this.opts.origin } : {}),
        ...(s.mode.atomic ? { atomic: true } : {}),
      };
      // One record per place: its binding is what holds on every path that makes the call.
      const k = sectionCallKey(call);
      const prev = this.sectionCalls.get(k);
      this.addOnce(this.sectionCalls, k, call);
      if (prev) this.sectionCalls.get(k)!.binding = joinBindings(prev.binding, binding);
    }
    // Outside a section only functions that call the lazy-mode API themselves
    // matter (their effect on the mode: wrappers that enter or leave).
    if (!s.batching && !this.ip.index.usesLazyApi(name)) return [[s, null]];
    const argEntries = args.map((a) => this.names.pointer(s, a));
    const dirtyParams: number[] = [];
    const paramValues: ParamValues = new Map();
    argEntries.forEach((e, i) => {
      const w = e ? s.dirty.get(e) : undefined;
      if (!w) return;
      dirtyParams.push(i);
      if (w.value !== undefined) paramValues.set(i, w.value);
    });
    // A callee matters when it can write or read an entry passed to it, or
    // flush/leave while writes are pending (mode changes are for the section checkers).
    const worth =
      this.ip.index.usesLazyApi(name) ||
      dirtyParams.length > 0 ||
      (args.some((a) => this.isEntryPointer(s, a)) &&
        (this.ip.takesEntry(name, from) || this.ip.index.macros(name).length > 0)) ||
      ((s.dirty.size > 0 || this.outerPending) && this.ip.index.mayTouchMode(name));
    if (!worth) return [[s, null]];
    const defs = this.ip.resolveCallee(name, from);
    if (!defs.length) return this.expandMacro(name, n, args, s);
    // The callee is summarised per binding of what its arguments are known to be
    // (results of tests on them left out: they decide chains, not the entries written).
    const summaryBinding = withoutTestFacts(this.bindingFor(args, s));
    const out: Pair[] = [];
    for (const { ref, condition } of defs) {
      const sum = this.ip.summarize(ref, s.mode, dirtyParams, s.dirty.size > 0 || this.outerPending, s.section, paramValues.size ? paramValues : undefined, summaryBinding);
      // Through a pointer the hop says what was called and what it held: "fn() = apply_range_set_cb()".
      const shown = via ? `${via.expr}() = ${name}` : name;
      const callHop = (msg: string): Hop => ({ ...this.hop(n, msg), callee: name });
      const defConds = defs.length > 1 && condition ? conjuncts(parseCond(condition)) : [];
      for (const er of sum.entryReads) {
        const e = argEntries[er.param];
        const w = e ? s.dirty.get(e) : undefined;
        if (!w) continue;
        const via = callHop(`${shown}() is called here and reads ${unwrap(args[er.param]).text} inside`);
        const conds = unionConds(unionConds(s.conds, er.conds), defConds);
        if (w.param !== undefined)
          this.entryReads.push({ param: w.param, read: er.read, readChain: [via, ...er.readChain], conds, fn: er.fn });
        else
          this.hits.push({
            read: er.read,
            readChain: [via, ...er.readChain],
            write: w,
            conds: unionConds(conds, w.conds),
            fn: er.fn,
            section: s.section,
          });
      }
      for (const h of sum.hits) {
        const via = callHop(`${shown}() is called here`);
        this.hits.push({
          ...h,
          readChain: [via, ...h.readChain],
          write: { ...h.write, chain: [via, ...h.write.chain] },
          section: h.section ?? s.section,
        });
      }
      for (const o of sum.outcomes) {
        const s2 = s.clone();
        if (o.flushed) s2.flush();
        if (o.mode.depth > s.mode.depth || o.mode.paused < s.mode.paused) s2.leftBy = undefined;
        s2.mode = { ...o.mode };
        if (o.mode.depth > 0 && !s2.section) s2.section = o.section;
        const retText = o.ret && o.ret.length === 1 ? ` on its path returning ${this.ip.describe(o.ret[0])}` : '';
        for (const [i, w] of o.writes) {
          const e = argEntries[i];
          if (!e) continue;
          s2.dirty.set(e, {
            chain: [callHop(`${shown}() writes the entry through ${unwrap(args[i]).text}${retText}`), ...w.chain],
            conds: unionConds(unionConds(w.conds, defConds), s.conds),
            value: w.value,
          });
        }
        if (o.conds.length) s2.conds = unionConds(s2.conds, o.conds);
        out.push([s2, o.ret]);
      }
    }
    return out.length ? out : [[s, null]];
  }

  /**
   * A call to a function-like macro with no function of that name (much of
   * the kernel API is macros over functions, e.g. `alloc_pages()` over
   * `alloc_pages_noprof()`): its body, with the arguments put in, is parsed
   * and interpreted in place; every location inside it is the call site.
   */
  private expandMacro(name: string, n: Node, args: Node[], s: PathState): Pair[] {
    if (this.expanding.includes(name) || this.expanding.length >= 4) return [[s, null]];
    const body = this.ip.expansion(name, args.map((a) => a.text));
    if (process.env.LAZYMMU_DEBUG) console.error(`expand ${name} in ${this.fnName}: ${body ? body.text.slice(0, 200) : 'no'}`);
    if (!body) return [[s, null]];
    const outerSite = this.expansionSite;
    this.expansionSite ??= n;
    this.expanding.push(name);
    try {
      const stmts = body.namedChildren.filter((c): c is Node => !!c);
      if (stmts.length === 1 && stmts[0].type === 'expression_statement' && stmts[0].namedChild(0))
        return this.evalExpr(stmts[0].namedChild(0)!, s);
      const f = this.exec(body, [s]);
      return [...f.normal, ...joinJumps([], f.brk)].map((x): Pair => [x, null]);
    } finally {
      this.expanding.pop();
      this.expansionSite = outerSite;
    }
  }
}
