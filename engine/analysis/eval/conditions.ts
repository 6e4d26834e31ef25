// Conditions: a path set split by a condition's truth (&&, ||, !, comma,
// transparent wrappers, IS_ENABLED() as a path condition), each leaf decided
// where the path knows enough (known values, facts, non-NULL, the
// catalogue's entry tests on a value the section wrote) and the branches
// refined (a variable's values, a member NULL or not, an entry value's kinds).
// Surveys note the guards their context could have decided and did not.
import type { Node } from 'web-tree-sitter';
import { PathState } from '../pathState';
import { constValue, truth } from '../constValue';
import { accessPath, declaredName, unwrap } from '../syntax';
import { entryTestCall, Kinds, narrowKinds, testOutcome } from '../entryValues';
import { factTruth, normPath } from '../values';
import { negatedText } from '../callGuards';
import { not as condNot, parseCond } from '../../config/cond';
import { withCond } from '../walk/flow';
import { StatementWalker } from '../walk/statements';
import { NONNULL } from '../walk/runState';

export abstract class ConditionEval extends StatementWalker {
  protected abstract testOf(call: Node): string | null;

  /**
   * Surveys: the names whose values a caller's context can fix: parameters,
   * and locals assigned from them without calls (`ops = walk->ops`,
   * `has_install = ops->install_pte`), to a fixpoint.
   */
  protected collectContextNames(): void {
    for (const p of this.params) if (p) this.ctxNames.add(p);
    const flows: [string, Node][] = [];
    const stack: Node[] = [this.root];
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
  protected fromContext(n: Node): boolean {
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
  protected isContextGuard(n: Node): boolean {
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
  protected noted(s: PathState, n: Node, holds: boolean): PathState {
    const text = n.text.replace(/\s+/g, ' ').trim();
    const at = this.hop(n, '');
    const c = s.clone();
    c.guards = [...s.guards, { text: holds ? text : negatedText(text), file: at.file, line: at.line, column: at.column }];
    return c;
  }

  /** Splits states by the truth of a condition, refining known values. */
  protected cond(n: Node, states: PathState[]): { t: PathState[]; f: PathState[] } {
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
      for (const [s1, v] of this.evalExpr(n, s)) {
        // The listeners take the leaf each way first (events.ts): a way one of them rules out is not taken.
        const way = this.listening ? this.emitBranch(n, s1) : null;
        if (way && !way.t && !way.f) continue;
        const s2 = way ? (way.t ?? way.f)! : s1;
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
        if (tv !== false && (!way || way.t)) {
          const st = this.narrow(tested, this.refine(n, way ? way.t! : s2, true), true);
          t.push(note ? this.noted(st, n, true) : st);
        }
        if (tv !== true && (!way || way.f)) {
          const sf = this.narrow(tested, this.refine(n, way ? way.f! : s2, false), false);
          f.push(note ? this.noted(sf, n, false) : sf);
        }
      }
    }
    return { t, f };
  }

  /** A condition inside an expression (`a ? b : c`, `x = p && q`): split like a statement's, with no branch events (events.ts). */
  protected innerCond(n: Node, states: PathState[]): { t: PathState[]; f: PathState[] } {
    this.quiet++;
    try {
      return this.cond(n, states);
    } finally {
      this.quiet--;
    }
  }

  /** On the branch where an entry test came out `outcome`, the kinds its (followed) variable can still be. */
  protected narrow(tested: ReturnType<typeof entryTestCall>, s: PathState, outcome: boolean): PathState {
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
  protected valueKinds(s: PathState, n: Node | undefined): Kinds | undefined {
    if (!n) return undefined;
    const u = unwrap(n);
    const key = accessPath(u);
    return key ? s.entryVals.get(key) : s.exprVals.get(u.id);
  }

  /**
   * A test of a pointer or member the facts know (`ops->install_pte`,
   * `walk`, `fn == NULL`): its truth, or undefined.
   */
  protected factTest(n: Node, s: PathState): boolean | undefined {
    const t = this.memberTest(n);
    if (!t) return undefined;
    const v = factTruth(this.ip.factAt(s, t.path));
    return v === undefined ? undefined : v !== t.zeroWhen;
  }

  /** `p`, `p->m`, `p == NULL`, `p->m != 0`: the (normalised) path tested and whether the test holds when it is 0. */
  protected memberTest(n: Node): { path: string; zeroWhen: boolean } | null {
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
  protected refine(n: Node, s: PathState, holds: boolean): PathState {
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
  protected zeroTest(n: Node): { name: string; zeroWhen: boolean } | null {
    if (n.type === 'identifier') return { name: n.text, zeroWhen: false };
    if (n.type !== 'binary_expression') return null;
    const op = n.childForFieldName('operator')?.text;
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if ((op !== '==' && op !== '!=') || l?.type !== 'identifier' || !r) return null;
    if (constValue(r, new PathState(), this.ip.constEnv()) !== 0) return null;
    return { name: l.text, zeroWhen: op === '==' };
  }
}
