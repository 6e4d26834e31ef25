// A small path-sensitive walker over one function body, shared by the
// intraprocedural checkers (break-before-make, kernel-access-before-flush).
//
// The checker supplies a per-path state and three operations: evaluate an
// expression for its effects, bind a declaration, and refine a path by a
// condition. The walker follows the statements in order with a bounded set of
// path states: if/else and ?: split, loops run until no new state reaches the
// head (bounded), break/continue/return/goto end a path, labels join the
// paths that jump to them (forward gotos), switch cases see every path, and
// both branches of every #if are taken. It never throws on ERROR nodes: what
// is inside them is walked in order.
import type { Node } from 'web-tree-sitter';
import { declaredName } from '../analysis/syntax';
import type { Finding } from '../findings';
import type { Catalogue } from '../catalogue/catalogue';
import { Cond, not, parseCond } from '../config/cond';

export interface PathDomain<S> {
  /** Identity of a path state (dedupe, loop fixpoint). */
  key(s: S): string;
  clone(s: S): S;
  /** Evaluates `n` on one path, in evaluation order, mutating `s`. */
  eval(n: Node, s: S): void;
  /** `T name = value;` (value null when there is no initialiser): evaluates the value and binds it. */
  declare(name: string, value: Node | null, declarator: Node, s: S): void;
  /** Refines a path (already evaluated) by the truth of a leaf condition; false: the path is infeasible. */
  assume(n: Node, truth: boolean, s: S): boolean;
}

export interface WalkOptions {
  /** Calls whose value is their first argument's (likely, unlikely, WARN_ON...). */
  transparent: Set<string>;
  /** Calls that do not return (BUG, panic): a path ends at a statement calling one. */
  noReturn?: Set<string>;
  /** Calls that stop when their first argument is true (BUG_ON): paths continue where it is false. */
  assertions?: Set<string>;
  /** Calls that warn when their first argument is true (WARN_ON) and return: paths continue on both outcomes. */
  warnings?: Set<string>;
  maxStates?: number;
  maxLoopIterations?: number;
}

interface Flow<S> {
  normal: S[];
  brk: S[];
  cont: S[];
  gotos: Map<string, S[]>;
}

const MAX_STATES = 32;
const MAX_LOOP_ITER = 6;

/** Walks `fn` (a function_definition) from `init`. Effects are the domain's business. */
export function walkFunction<S>(fn: Node, init: S, d: PathDomain<S>, opts: WalkOptions): void {
  const body = fn.childForFieldName('body');
  if (!body) return;
  new Walker(d, opts).exec(body, [init]);
}

class Walker<S> {
  private readonly maxStates: number;
  private readonly maxIter: number;

  constructor(
    private readonly d: PathDomain<S>,
    private readonly opts: WalkOptions,
  ) {
    this.maxStates = opts.maxStates ?? MAX_STATES;
    this.maxIter = opts.maxLoopIterations ?? MAX_LOOP_ITER;
  }

  private dedupe(ss: S[]): S[] {
    if (ss.length <= 1) return ss; // nothing to merge: no key to build (it runs before every statement)
    const seen = new Set<string>();
    const out: S[] = [];
    for (const s of ss) {
      const k = this.d.key(s);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(s);
      if (out.length >= this.maxStates) break;
    }
    return out;
  }

  private flow(normal: S[] = []): Flow<S> {
    return { normal, brk: [], cont: [], gotos: new Map() };
  }

  private absorb(into: Flow<S>, f: Flow<S>): void {
    into.brk.push(...f.brk);
    into.cont.push(...f.cont);
    for (const [k, v] of f.gotos) into.gotos.set(k, [...(into.gotos.get(k) ?? []), ...v]);
  }

  private evalAll(n: Node, ss: S[]): S[] {
    return ss.map((s) => {
      const c = this.d.clone(s);
      this.d.eval(n, c);
      return c;
    });
  }

  exec(n: Node, ss: S[]): Flow<S> {
    if (!ss.length) return this.flow();
    switch (n.type) {
      case 'compound_statement':
      case 'preproc_else':
        return this.seq(named(n), ss);
      case 'expression_statement': {
        const e = n.namedChild(0);
        if (e?.type === 'call_expression') {
          const name = calleeName(e);
          const arg = callArgs(e)[0];
          if (name && this.opts.noReturn?.has(name)) {
            this.evalAll(e, ss);
            return this.flow();
          }
          if (name && arg && this.opts.assertions?.has(name)) return this.flow(this.cond(arg, ss).f);
          // `WARN_ON(pte_present(x));` warns and goes on: the write after it can meet a live entry.
          if (name && arg && this.opts.warnings?.has(name)) {
            const { t, f } = this.cond(arg, ss);
            return this.flow(this.dedupe([...t, ...f]));
          }
        }
        return this.flow(e ? this.evalAll(e, ss) : ss);
      }
      case 'declaration':
        return this.flow(this.declaration(n, ss));
      case 'if_statement':
        return this.ifStmt(n, ss);
      case 'while_statement':
        return this.loop(ss, n.childForFieldName('condition'), n.childForFieldName('body'), null, false);
      case 'do_statement':
        return this.loop(ss, n.childForFieldName('condition'), n.childForFieldName('body'), null, true);
      case 'for_statement': {
        const init = n.childForFieldName('initializer');
        let pre = ss;
        if (init) pre = init.type === 'declaration' ? this.declaration(init, pre) : this.evalAll(init, pre);
        return this.loop(pre, n.childForFieldName('condition'), n.childForFieldName('body'), n.childForFieldName('update'), false);
      }
      case 'function_definition': {
        // An iterator macro read as a nested definition: a loop body that may not run.
        const f = this.loop(ss, null, n.childForFieldName('body'), null, false);
        f.normal = this.dedupe([...ss, ...f.normal]);
        return f;
      }
      case 'switch_statement':
        return this.switchStmt(n, ss);
      case 'return_statement': {
        const e = n.namedChild(0);
        if (e) this.evalAll(e, ss);
        return this.flow();
      }
      case 'break_statement': {
        const f = this.flow();
        f.brk = ss;
        return f;
      }
      case 'continue_statement': {
        const f = this.flow();
        f.cont = ss;
        return f;
      }
      case 'goto_statement': {
        const f = this.flow();
        const label = n.childForFieldName('label')?.text;
        if (label) f.gotos.set(label, ss);
        return f;
      }
      case 'labeled_statement': {
        const inner = n.namedChildren.find((c) => c && c.type !== 'statement_identifier');
        return inner ? this.exec(inner, ss) : this.flow(ss);
      }
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef': {
        const alt = n.childForFieldName('alternative');
        const skip = new Set([n.childForFieldName('name')?.id, n.childForFieldName('condition')?.id, alt?.id]);
        const a = this.seq(named(n).filter((c) => !skip.has(c.id)), ss);
        const b = alt ? this.exec(alt, ss) : this.flow(ss);
        const out = this.flow();
        this.absorb(out, a);
        this.absorb(out, b);
        out.normal = this.dedupe([...a.normal, ...b.normal]);
        return out;
      }
      case 'comment':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_call':
      case 'preproc_include':
      case 'type_definition':
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier':
        return this.flow(ss);
      default:
        if (n.type.endsWith('_expression') || n.type === 'identifier') return this.flow(this.evalAll(n, ss));
        // ERROR nodes and statements we do not model: what is inside, in order.
        return this.seq(named(n), ss);
    }
  }

  private seq(children: Node[], ss: S[]): Flow<S> {
    const flow = this.flow(ss);
    for (const c of children) {
      if (c.type === 'labeled_statement') {
        const l = c.childForFieldName('label')?.text ?? c.namedChild(0)?.text;
        if (l && flow.gotos.has(l)) {
          flow.normal = [...flow.normal, ...flow.gotos.get(l)!];
          flow.gotos.delete(l);
        }
      }
      const f = this.exec(c, this.dedupe(flow.normal));
      flow.normal = f.normal;
      this.absorb(flow, f);
    }
    flow.normal = this.dedupe(flow.normal);
    return flow;
  }

  private declaration(n: Node, ss: S[]): S[] {
    let cur = ss;
    for (const dcl of n.childrenForFieldName('declarator')) {
      if (!dcl) continue;
      const name = declaredName(dcl);
      if (!name) continue;
      const value = dcl.type === 'init_declarator' ? dcl.childForFieldName('value') : null;
      cur = cur.map((s) => {
        const c = this.d.clone(s);
        this.d.declare(name, value, dcl, c);
        return c;
      });
    }
    return cur;
  }

  /** Splits paths by a condition's truth. */
  cond(n: Node, ss: S[]): { t: S[]; f: S[] } {
    if (n.type === 'condition_clause' || n.type === 'parenthesized_expression') {
      const inner = n.type === 'condition_clause' ? n.childForFieldName('value') : n.namedChild(0);
      if (inner && (n.type === 'condition_clause' || n.namedChildCount === 1)) return this.cond(inner, ss);
    }
    if (n.type === 'comma_expression') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (right) return this.cond(right, left ? this.evalAll(left, ss) : ss);
    }
    if (n.type === 'unary_expression' && n.child(0)?.text === '!') {
      const arg = n.childForFieldName('argument');
      if (arg) {
        const r = this.cond(arg, ss);
        return { t: r.f, f: r.t };
      }
    }
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.text;
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      if ((op === '&&' || op === '||') && l && r) {
        const a = this.cond(l, ss);
        if (op === '&&') {
          const b = this.cond(r, a.t);
          return { t: b.t, f: [...a.f, ...b.f] };
        }
        const b = this.cond(r, a.f);
        return { t: [...a.t, ...b.t], f: b.f };
      }
    }
    if (n.type === 'call_expression') {
      const fnName = n.childForFieldName('function');
      const args = n.childForFieldName('arguments');
      if (fnName?.type === 'identifier' && this.opts.transparent.has(fnName.text) && args?.namedChild(0))
        return this.cond(args.namedChild(0)!, ss);
    }
    const t: S[] = [];
    const f: S[] = [];
    for (const s of ss) {
      const e = this.d.clone(s);
      this.d.eval(n, e);
      const a = this.d.clone(e);
      if (this.d.assume(n, true, a)) t.push(a);
      if (this.d.assume(n, false, e)) f.push(e);
    }
    return { t, f };
  }

  private ifStmt(n: Node, ss: S[]): Flow<S> {
    const c = n.childForFieldName('condition');
    const { t, f } = c ? this.cond(c, ss) : { t: ss, f: ss };
    const cons = n.childForFieldName('consequence');
    const alt = n.childForFieldName('alternative');
    const altStmt = alt ? (alt.type === 'else_clause' ? alt.namedChild(0) : alt) : null;
    const a = cons ? this.exec(cons, t) : this.flow(t);
    const b = altStmt ? this.exec(altStmt, f) : this.flow(f);
    const out = this.flow();
    this.absorb(out, a);
    this.absorb(out, b);
    out.normal = this.dedupe([...a.normal, ...b.normal]);
    return out;
  }

  private loop(ss: S[], condNode: Node | null, body: Node | null, update: Node | null, isDo: boolean): Flow<S> {
    const out = this.flow();
    const exits: S[] = [];
    const seen = new Set<string>();
    let cur = this.dedupe(ss);
    if (!isDo) cur.forEach((s) => seen.add(this.d.key(s)));
    const test = (xs: S[]): S[] => {
      if (!condNode) return xs;
      const { t, f } = this.cond(condNode, xs);
      exits.push(...f);
      return t;
    };
    for (let iter = 0; cur.length; iter++) {
      if (iter >= this.maxIter) {
        test(cur);
        break;
      }
      const enter = isDo && iter === 0 ? cur : test(cur);
      const bf = body ? this.exec(body, enter) : this.flow(enter);
      exits.push(...bf.brk);
      for (const [k, v] of bf.gotos) out.gotos.set(k, [...(out.gotos.get(k) ?? []), ...v]);
      let next = [...bf.normal, ...bf.cont];
      if (update) next = this.evalAll(update, next);
      next = this.dedupe(next).filter((s) => !seen.has(this.d.key(s)));
      next.forEach((s) => seen.add(this.d.key(s)));
      cur = next;
    }
    out.normal = this.dedupe(exits);
    return out;
  }

  private switchStmt(n: Node, ss: S[]): Flow<S> {
    const out = this.flow();
    const c = n.childForFieldName('condition');
    const entry = c ? this.evalAll(c, ss) : ss;
    const body = n.childForFieldName('body');
    const cases = named(body).filter((x) => x.type === 'case_statement');
    let fall: S[] = [];
    let hasDefault = false;
    for (const cs of cases) {
      const v = cs.childForFieldName('value');
      if (!v) hasDefault = true;
      const stmts = named(cs).filter((x) => x.id !== v?.id);
      const f = this.seq(stmts, this.dedupe([...fall, ...entry]));
      fall = f.normal;
      out.normal.push(...f.brk);
      out.cont.push(...f.cont);
      for (const [k, g] of f.gotos) out.gotos.set(k, [...(out.gotos.get(k) ?? []), ...g]);
    }
    out.normal.push(...fall);
    if (!hasDefault) out.normal.push(...entry);
    out.normal = this.dedupe(out.normal);
    return out;
  }
}

function named(n: Node | null): Node[] {
  return (n?.namedChildren ?? []).filter((c): c is Node => !!c);
}

// ---- small helpers shared by the checkers ---------------------------------

/** The called name of a call_expression (identifier callee only). */
export function calleeName(call: Node): string | null {
  const f = call.childForFieldName('function');
  return f?.type === 'identifier' ? f.text : null;
}

/** The arguments of a call_expression, in order. */
export function callArgs(call: Node): Node[] {
  return named(call.childForFieldName('arguments')).filter((a) => a.type !== 'comment');
}

/** 1-based position of a node. */
export function position(n: Node): { line: number; column: number; endLine: number; endColumn: number } {
  return {
    line: n.startPosition.row + 1,
    column: n.startPosition.column + 1,
    endLine: n.endPosition.row + 1,
    endColumn: n.endPosition.column + 1,
  };
}

function preprocCondition(p: Node): Cond {
  const name = p.childForFieldName('name')?.text;
  if (name) return parseCond(/^#\s*(ifndef|elifndef)/.test(p.text) ? `!defined(${name})` : `defined(${name})`);
  return parseCond(p.childForFieldName('condition')?.text ?? '?');
}

/** The #if conditions around `n` inside its function (outermost first): X, !X for #else. */
export function preprocConditions(n: Node): Cond[] {
  const out: Cond[] = [];
  let child: Node = n;
  for (let p = n.parent; p && p.type !== 'function_definition'; child = p, p = p.parent) {
    if (['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef'].includes(p.type)) {
      if (p.childForFieldName('alternative')?.id === child.id) out.push(not(preprocCondition(p)));
      else if (p.childForFieldName('condition')?.id !== child.id) out.push(preprocCondition(p));
    }
  }
  return out.reverse();
}

/** A local checker: walks one function and collects findings by node. */
export interface LocalChecker<S> extends PathDomain<S> {
  readonly findings: Map<number, Finding>;
}

/**
 * Runs a local checker over a function body with the catalogue's
 * non-returning calls and assertions; findings sorted by place. Never throws:
 * a checker that fails on odd code reports nothing for that function.
 */
export function runLocalChecker<S>(fnNode: Node, init: S, checker: LocalChecker<S>, cat: Catalogue): Finding[] {
  try {
    walkFunction(fnNode, init, checker, {
      transparent: cat.valueTransparent,
      noReturn: cat.noReturn,
      assertions: cat.assertions,
      warnings: cat.warnings,
    });
    return [...checker.findings.values()].sort((a, b) => a.line - b.line || a.column - b.column);
  } catch {
    return [];
  }
}

/** Source text on one line, cut to `max` characters, for messages. */
export function shortText(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 3) + '...' : t;
}
