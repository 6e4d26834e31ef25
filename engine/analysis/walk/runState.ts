// One function run's state beside its paths: the function, its parameters
// and declared names, the records it makes (hits, entry reads, mode events,
// calls made while batching, indirect calls, survey calls), and its places
// (a Hop per node: inside a macro expansion every place is its call site).
// The layers above (statements, conditions, facts, expressions, calls,
// summaries/apply) share it; FunctionRun (functionRun.ts) is the whole.
// It also holds the run's options (a survey, a local run, the listeners) and
// sends the listeners their events (events.ts) on copies of the states.
import type { Node } from 'web-tree-sitter';
import { Hop, PathState } from '../pathState';
import { FunctionRef } from '../sourceCache';
import { declaredName, isPointerTo, parameterNames } from '../syntax';
import { EntryNames } from '../entryIdentity';
import { Binding, Fact } from '../values';
import { Cond } from '../../config/cond';
import type { Interpreter } from '../interpreter';
import type { PathListener } from '../events';
import { EntryRead, IndirectCall, ModeEvent, ReadHit, SectionCall, SurveyCall } from '../records';
import { SyntaxView } from '../syntaxView';
import { localSiteNumber, SeqWatch } from './localResume';

/** A call through a pointer: the expression called, and the file the function it designates was named in. */
export interface Via {
  expr: string;
  file: string;
}

/** How a run is made: its arguments' facts, and whether it is a survey (Interpreter.survey). */
export interface RunOptions {
  binding?: Binding;
  /** The calls that bound a root's pointer parameter (see Interpreter.summarize). */
  origin?: Hop[];
  survey?: boolean;
  /**
   * One body alone: callees are not summarised nor macros expanded, and an
   * assertion (BUG_ON) or a call that never returns ends the paths it stops.
   * The local rules' runs (checkers/localRules.ts).
   */
  local?: boolean;
  /** Rules riding on this walk with a state per path (events.ts), in order: slot i is listener i's. */
  listeners?: PathListener[];
  /** A local run told at its body's top-level statements, to keep or restart from them (localResume.ts). */
  watch?: SeqWatch;
}

export const NONNULL: Fact = { kind: 'nonnull' };

export abstract class RunState {
  protected hits: ReadHit[] = [];
  protected entryReads: EntryRead[] = [];
  protected modeEvents = new Map<string, ModeEvent>();
  protected sectionCalls = new Map<string, SectionCall>();
  protected indirectCalls = new Map<string, IndirectCall>();
  protected surveyCalls = new Map<string, SurveyCall>();
  /** Surveys: records per call site (see MAX_SURVEY_BINDINGS), and expressions evaluated (see MAX_SURVEY_EXPRESSIONS). */
  protected surveySites = new Map<string, number>();
  protected surveyWork = 0;
  protected surveyCut = false;
  protected ownOps = new Set<string>();
  protected ptrVars = new Set<string>();
  /** Which entry a pointer expression names (indexing, address arithmetic, generations). */
  protected readonly names: EntryNames;
  /** Parameters and locals: a call through one of these names is a call through a pointer, not to a function. */
  protected declared = new Set<string>();
  /** Surveys: parameters and the locals computed from them without calls (guards on these are the context's to decide). */
  protected ctxNames = new Set<string>();
  protected params: (string | null)[];
  protected readonly fnName: string;
  protected readonly survey: boolean;
  /** The call site of the macro being expanded, if any. */
  protected expansionSite: Node | null = null;
  protected expanding: string[] = [];
  /**
   * The syntax this run reads, each node read once (syntaxView.ts), dropped
   * with the run; only where the interpreter says it pays
   * (Interpreter.readsThroughView), else the parsed nodes.
   */
  protected readonly view: SyntaxView | null;
  /** The function's definition (in the view when there is one). */
  protected readonly root: Node;

  constructor(
    protected readonly ip: Interpreter,
    protected readonly fn: FunctionRef,
    /** The caller has writes pending that a flush in here would complete. */
    protected readonly outerPending = false,
    protected readonly opts: RunOptions = {},
  ) {
    this.fnName = fn.name;
    this.view = ip.readsThroughView(fn, !!opts.survey) ? new SyntaxView() : null;
    this.root = this.view ? this.view.node(fn.node) : fn.node;
    this.params = parameterNames(this.root);
    this.survey = !!opts.survey;
    for (const p of this.params) if (p) this.declared.add(p);
    this.collectPointerVars(this.root);
    // A local run names assignment sites by place, so that a run restarted after an edit names them alike (localResume.ts).
    this.names = new EntryNames(this.root, (k, s) => this.isPointer(k, s), ip.constEnv(), opts.local ? localSiteNumber(this.root) : undefined);
    if (this.survey) this.collectContextNames();
  }

  /** What every statement's walk reads of the whole function: a restarted local run needs it the same (localResume.ts). */
  wholeFunction(): string {
    const sorted = (x: Iterable<string>) => [...x].sort().join(',');
    return `${this.params.join(',')};${sorted(this.ptrVars)};${sorted(this.declared)};${this.names.versionedNames().join(',')}`;
  }

  /** Surveys: the names a caller's context can fix (eval/conditions.ts). */
  protected abstract collectContextNames(): void;

  protected collectPointerVars(n: Node): void {
    const types = this.ip.cat.entryPointerTypes;
    const visit = (x: Node) => {
      const kind = x.type; // read once (a call into WebAssembly)
      if (kind === 'parameter_declaration' || kind === 'declaration') {
        const t = x.childForFieldName('type')?.text ?? '';
        for (const d of x.childrenForFieldName('declarator')) {
          const name = d ? declaredName(d) : null;
          if (name && kind === 'declaration') this.declared.add(name);
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

  protected isPointer(key: string, s: PathState): boolean {
    return this.ptrVars.has(key) || s.ptrs.has(key) || /(->|\.)(pte|pmd|pud)$/.test(key);
  }

  // ---- locations -------------------------------------------------------

  protected hop(n: Node, message: string): Hop {
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
  protected addOnce<T extends { conds: Cond[] }>(m: Map<string, T>, k: string, v: T): void {
    const prev = m.get(k);
    if (!prev || v.conds.length < prev.conds.length) m.set(k, v);
  }

  /** States leaving by a goto or break at `n`: the jump is remembered until the join judges it. */
  protected jumping(n: Node, statement: string, states: PathState[]): PathState[] {
    const at: Hop = { ...this.hop(n, `${statement} leaves here`), statement };
    return states.map((s) => {
      const c = s.clone();
      c.jump = at;
      return c;
    });
  }

  protected hopAtEnd(n: Node, message: string): Hop {
    const line = n.endPosition.row + 1;
    const column = Math.max(1, n.endPosition.column);
    return { file: this.fn.file, line, column, endLine: line, endColumn: column + 1, message };
  }

  protected modeEvent(kind: ModeEvent['kind'], api: string, n: Node, s: PathState, message: string): void {
    const at = this.hop(n, message);
    this.addOnce(this.modeEvents, `${kind}@${at.file}:${at.line}:${at.column}`, { kind, api, at, section: s.section, conds: s.conds, fn: this.fnName });
  }

  // ---- events to the listeners (events.ts) -------------------------------

  /** Conditions inside an expression being evaluated: not the statement's branches (see events.ts). */
  protected quiet = 0;

  /** Whether this run has listeners to tell (never inside an expression's own conditions). */
  protected get listening(): boolean {
    return !!this.opts.listeners?.length && this.quiet === 0;
  }

  /** `expression` on each path: each gets its own copy (states are shared between flow lists). */
  protected emitExpression(n: Node, states: PathState[]): PathState[] {
    const ls = this.opts.listeners!;
    return states.map((s) => {
      const c = s.clone();
      ls.forEach((l, i) => l.expression(n, c.slots![i]));
      return c;
    });
  }

  /** `declaration` on one path (a copy). */
  protected emitDeclaration(name: string, value: Node | null, declarator: Node, s: PathState): PathState {
    const c = s.clone();
    this.opts.listeners!.forEach((l, i) => l.declaration(name, value, declarator, c.slots![i]));
    return c;
  }

  /** `expression` of a leaf condition, then `branch` both ways: the paths each listener lets go on. */
  protected emitBranch(n: Node, s: PathState): { t: PathState | null; f: PathState | null } {
    const ls = this.opts.listeners!;
    const e = s.clone();
    ls.forEach((l, i) => l.expression(n, e.slots![i]));
    const a = e.clone();
    const t = ls.every((l, i) => l.branch(n, true, a.slots![i])) ? a : null;
    const f = ls.every((l, i) => l.branch(n, false, e.slots![i])) ? e : null;
    return { t, f };
  }
}
