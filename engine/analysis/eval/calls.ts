// Calls: what a call does on one path. Catalogue calls act directly
// (enter/leave/flush/pause/resume with the odd ones recorded as ModeEvents;
// writers leave a pending write with the kinds written; readers check for
// one; spinlocks count as atomic); a call through a pointer is a call to each
// function the facts say it designates (else an IndirectCall); a macro with
// no function of its name runs in place; tests on objects are remembered.
// A call to a function in the index is summaries/apply.ts's.
import type { Node } from 'web-tree-sitter';
import { PathState, Val } from '../pathState';
import { accessPath, unwrap } from '../syntax';
import { builtValue, kindsOf } from '../entryValues';
import { bindingKey, isNonNull, normPath, testPath } from '../values';
import { guards } from '../callGuards';
import { joinJumps, Pair } from '../walk/flow';
import { MAX_SURVEY_BINDINGS } from '../limits';
import { ExpressionEval } from './expressions';
import { Via } from '../walk/runState';

/** The variables (and members) whose address a call is handed: `&err`, `&walk.action`. */
function addressedArgs(args: Node[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    const x = unwrap(a);
    const arg = x.type === 'pointer_expression' && x.child(0)?.text === '&' ? x.childForFieldName('argument') : null;
    const p = arg ? accessPath(arg) : null;
    if (p) out.push(p);
  }
  return out;
}

/** The integer values known for `key` and its members are gone (the facts about records stay: they name what was set up). */
function forgetValues(s: PathState, key: string): void {
  const under = (k: string) => k === key || k.startsWith(`${key}.`) || k.startsWith(`${key}->`);
  for (const k of [...s.vals.keys()]) if (under(k)) s.vals.delete(k);
  for (const k of [...s.nonzero]) if (under(k)) s.nonzero.delete(k);
}

export abstract class CallEval extends ExpressionEval {
  protected abstract applyCallee(name: string, n: Node, args: Node[], s: PathState, via?: Via): Pair[];

  protected evalCall(n: Node, st: PathState): Pair[] {
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
    const handed = addressedArgs(args);
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
        // A variable whose address the call is handed may hold anything after it (`foo(&err)`).
        for (const k of handed) forgetValues(s2, k);
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
  protected testOf(call: Node): string | null {
    // The callee first, its name read once: each node read is a call into WebAssembly (syntaxView.ts).
    const f = call.childForFieldName('function');
    if (f?.type !== 'identifier') return null;
    const name = f.text;
    if (this.declared.has(name)) return null;
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
    if (args.length !== 1) return null;
    const cat = this.ip.cat;
    if (cat.lazyMode.has(name) || cat.writers.has(name) || cat.readers.has(name) || cat.valueTransparent.has(name)) return null;
    const p = accessPath(args[0]);
    return p ? testPath(normPath(p), name) : null;
  }

  /** A call made for its effect (a statement): the tests kept on the objects it is handed may no longer hold. */
  protected forgetTests(call: Node, states: PathState[]): PathState[] {
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
  protected calleeOf(fnNode: Node): { name?: string; expr: string; path?: string } | null {
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
  protected applyPointerCall(expr: string, path: string | undefined, n: Node, args: Node[], s: PathState): Pair[] {
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
  protected surveyCall(name: string, n: Node, args: Node[], s: PathState, via?: Via): void {
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
  protected applyCall(name: string, n: Node, args: Node[], s: PathState, via?: Via): Pair[] {
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

  protected applyCallInner(name: string, n: Node, args: Node[], s: PathState, via?: Via): Pair[] {
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

  /**
   * A call to a function-like macro with no function of that name (much of
   * the kernel API is macros over functions, e.g. `alloc_pages()` over
   * `alloc_pages_noprof()`): its body, with the arguments put in, is parsed
   * and interpreted in place; every location inside it is the call site.
   */
  protected expandMacro(name: string, n: Node, args: Node[], s: PathState): Pair[] {
    if (this.expanding.includes(name) || this.expanding.length >= 4) return [[s, null]];
    const parsed = this.ip.expansion(name, args.map((a) => a.text));
    if (process.env.LAZYMMU_DEBUG) console.error(`expand ${name} in ${this.fnName}: ${parsed ? parsed.text.slice(0, 200) : 'no'}`);
    if (!parsed) return [[s, null]];
    const body = this.view ? this.view.node(parsed) : parsed;
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
