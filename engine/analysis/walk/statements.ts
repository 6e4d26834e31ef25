// Statement flow, one function body at a time: sequences (with labels and
// backward gotos run again to a bound), if/else, loops to a fixpoint (at most
// MAX_LOOP_ITER rounds; iterator macros advance their variable at each
// test), switch (cases by the value's known constants), return/break/
// continue/goto as Flow lists, and #if (both branches, each with its
// condition; the configuration drops impossible ones). Every statement is
// charged to the work bounds (limits.ts); past them the rest is skipped.
// Conditions, expressions and declarations' values are the layers above.
// This is the one statement walker: the interprocedural runs and the local
// rules' runs (listeners with a slot each, events.ts) both walk here; it
// emits the listeners' events at each full expression, declaration and
// statement-level branch. About 400 lines: every statement kind's flow is
// kept in this one place on purpose.
import type { Node } from 'web-tree-sitter';
import { bound, dedupe, Hop, PathState, Val } from '../pathState';
import { StateSet } from '../stateIdentity';
import { constValue } from '../constValue';
import { accessPath, declaredName, unwrap } from '../syntax';
import { not as condNot, parseCond } from '../../config/cond';
import { absorb, emptyFlow, Flow, joinJumps, named, Pair, withCond, withoutTests } from './flow';
import { interpreterWork, MAX_FUNCTION_STEPS, MAX_GOTO_RESTARTS, MAX_LOOP_ITER, MAX_NESTING, MAX_ROOT_STEPS, MAX_STATES } from '../limits';
import { RunState } from './runState';
import type { SeqWatch } from './localResume';

export abstract class StatementWalker extends RunState {
  protected abstract cond(n: Node, states: PathState[]): { t: PathState[]; f: PathState[] };
  protected abstract evalExpr(n: Node, st: PathState): Pair[];
  protected abstract assign(s: PathState, key: string, value: Node, v: Val, at: Node): void;
  protected abstract initRecord(s: PathState, name: string, list: Node): void;
  protected abstract forgetTests(call: Node, states: PathState[]): PathState[];

  // ---- statements ------------------------------------------------------

  protected steps = 0;

  protected exec(n: Node, states: PathState[]): Flow {
    const w = states.length || 1;
    // The counter is the interprocedural analysis' (summaries, surveys); a local run is bounded by the same limits.
    if (!this.opts.local) interpreterWork.steps += w;
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

  protected nesting = 0;

  protected execNode(n: Node, states: PathState[]): Flow {
    switch (n.type) {
      case 'compound_statement':
      case 'translation_unit':
        return this.execSeq(
          n.namedChildren.filter((c): c is Node => !!c),
          states,
          this.opts.watch && n.id === this.watchedBody ? this.opts.watch : undefined,
        );
      case 'expression_statement': {
        const e = n.namedChild(0);
        if (!e) return emptyFlow(states);
        if (this.opts.local && e.type === 'call_expression') {
          const stops = this.stops(e, states);
          if (stops) return stops;
        }
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
        const exitAt: Hop = { ...this.hop(n, 'returns here'), statement: 'return' };
        const tag = (s: PathState) => {
          const c = s.clone();
          c.exitAt = exitAt;
          return c;
        };
        if (!e) f.ret.push(...states.map((s): Pair => [tag(s), null]));
        else
          for (const s of states)
            for (const [s2, v] of this.evalExpr(e, this.fresh(s))) f.ret.push([tag(this.listening ? this.emitExpression(e, [s2])[0] : s2), v]);
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

  /** The function body's node id, whose statements a traced local run watches (localResume.ts). */
  protected watchedBody = -1;

  protected execSeq(children: Node[], states: PathState[], watch?: SeqWatch): Flow {
    let flow = emptyFlow(states);
    const labelIdx = new Map<string, number>();
    children.forEach((c, i) => {
      if (c.type === 'labeled_statement') {
        const l = c.childForFieldName('label')?.text ?? c.namedChild(0)?.text;
        if (l) labelIdx.set(l, i);
      }
    });
    let seenAtLabel = new Map<string, StateSet>();
    const ended: PathState[] = [];
    let restarts = 0;
    let i = 0;
    if (watch?.from) {
      // A restarted local run: the flow before statement i as the last run left it, and its steps.
      ({ i, flow, seen: seenAtLabel } = watch.from);
      this.ip.rootSteps = this.steps = watch.from.steps;
    }
    while (i <= children.length) {
      if (i === children.length) {
        // Backward gotos to labels of this block: run again from the label.
        let restarted = false;
        for (const [label, gs] of flow.gotos) {
          const at = labelIdx.get(label);
          if (at === undefined || restarts >= MAX_GOTO_RESTARTS) continue;
          const seen = seenAtLabel.get(label) ?? new StateSet();
          seenAtLabel.set(label, seen);
          const fresh = dedupe(withoutTests(joinJumps([], gs))).filter((s) => !seen.has(s));
          flow.gotos.delete(label);
          if (!fresh.length) continue;
          fresh.forEach((s) => seen.add(s));
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
      if (watch?.before(i, flow, this.steps, restarts, seenAtLabel)) return emptyFlow();
      if (c.type === 'labeled_statement') {
        const l = c.childForFieldName('label')?.text ?? c.namedChild(0)?.text;
        if (l && flow.gotos.has(l)) {
          flow.normal = joinJumps(flow.normal, flow.gotos.get(l)!);
          flow.gotos.delete(l);
        }
        if (l) {
          const seen = seenAtLabel.get(l) ?? new StateSet();
          seenAtLabel.set(l, seen);
          flow.normal.forEach((s) => seen.add(s));
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

  protected execDeclaration(n: Node, states: PathState[]): PathState[] {
    let cur = states;
    for (const d of n.childrenForFieldName('declarator')) {
      if (!d) continue;
      const name = declaredName(d);
      const value = d.type === 'init_declarator' ? d.childForFieldName('value') : null;
      // `T name;`: the listeners forget what they knew of name.
      if (name && !value && this.listening) cur = cur.map((s) => this.emitDeclaration(name, null, d, s));
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
          next.push(this.listening ? this.emitDeclaration(name, value, d, s2) : s2);
        }
      }
      cur = next;
    }
    return cur;
  }

  protected execIf(n: Node, states: PathState[]): Flow {
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

  protected loop(
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
    const seen = new StateSet();
    let cur = bound(states, MAX_STATES);
    // A do-while's first states run the body before any test: they are not
    // "seen" at the head yet, or a body that changes nothing would never exit.
    if (!isDo) cur.forEach((s) => seen.add(s));
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
      next = bound(withoutTests(next), MAX_STATES).filter((s) => !seen.has(s));
      next.forEach((s) => seen.add(s));
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
  protected macroIterator(cond: Node | null): string | null {
    let c = cond ? unwrap(cond.type === 'condition_clause' ? (cond.childForFieldName('value') ?? cond) : cond) : null;
    if (c?.type !== 'comma_expression') return null;
    while (c.type === 'comma_expression' && c.childForFieldName('left')) c = unwrap(c.childForFieldName('left')!);
    const key = accessPath(c);
    return key && (this.ptrVars.has(key) || this.names.tracks(key)) ? key : null;
  }

  /** The iterator `key` takes its next value at `site`. */
  protected advance(s: PathState, key: string, site: Node): PathState {
    const s2 = s.clone();
    s2.vals.delete(key);
    s2.nonzero.delete(key);
    s2.entryVals.delete(key);
    if (this.ptrVars.has(key)) this.names.newEntry(s2, key, site);
    this.names.assigned(s2, key, site);
    return s2;
  }

  protected execSwitch(n: Node, states: PathState[]): Flow {
    const out = emptyFlow();
    const condNode = n.childForFieldName('condition');
    const body = n.childForFieldName('body');
    const pairs: Pair[] = [];
    for (const s of states) {
      if (condNode)
        for (const [s2, v] of this.evalExpr(unwrap(condNode), this.fresh(s))) pairs.push([this.listening ? this.emitExpression(condNode, [s2])[0] : s2, v]);
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
      // The case's value is walked with its statements, as it always was: web-tree-sitter
      // hands out a new Node per read, so the old `x !== c.childForFieldName('value')`
      // never matched (a constant: no effect but a step, which the bounds count).
      const stmts = c.namedChildren.filter((x): x is Node => !!x);
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

  protected execPreproc(n: Node, states: PathState[]): Flow {
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
  protected fresh(s: PathState): PathState {
    if (s.callVals.size === 0 && s.exprVals.size === 0) return s;
    const c = s.clone();
    c.callVals.clear();
    c.exprVals.clear();
    return c;
  }

  protected evalStates(n: Node, states: PathState[]): PathState[] {
    const out: PathState[] = [];
    for (const s of states) for (const [s2] of this.evalExpr(n, this.fresh(s))) out.push(s2);
    return this.listening ? this.emitExpression(n, out) : out;
  }

  /**
   * Local runs: a statement that is a call to an assertion (BUG_ON: the paths
   * where its argument is false go on), a warning (WARN_ON: both go on, the
   * write after it can meet a live entry) or a call that never returns (no
   * path goes on); null for any other statement.
   */
  protected stops(call: Node, states: PathState[]): Flow | null {
    const f = call.childForFieldName('function');
    const name = f?.type === 'identifier' ? f.text : null;
    const arg = named(call.childForFieldName('arguments')).filter((a) => a.type !== 'comment')[0];
    const cat = this.ip.cat;
    if (!name) return null;
    if (cat.noReturn.has(name)) {
      this.evalStates(call, states);
      return emptyFlow();
    }
    if (arg && cat.assertions.has(name)) return emptyFlow(this.cond(arg, states.map((s) => this.fresh(s))).f);
    if (arg && cat.warnings.has(name)) {
      const { t, f: fl } = this.cond(arg, states.map((s) => this.fresh(s)));
      return emptyFlow(bound([...t, ...fl], MAX_STATES));
    }
    return null;
  }
}
