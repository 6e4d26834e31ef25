// A callee's summary applied at a call site: the call recorded when made
// while batching (SectionCall, one per place, its binding what holds on every
// path making it); the callee summarised in the caller's context when it can
// matter (entries passed with pending writes, the mode); its reads of the
// caller's written entries become hits; one state per outcome, with the
// entries it left written, its flush, mode and return value.
import type { Node } from 'web-tree-sitter';
import { Hop, PathState } from '../pathState';
import { unwrap, valueUse } from '../syntax';
import { Binding, joinFactMaps, withoutTestFacts } from '../values';
import { conjuncts, parseCond } from '../../config/cond';
import { SectionCall, sectionCallKey } from '../records';
import { ParamValues } from '../summaries/summary';
import { Pair, unionConds } from '../walk/flow';
import { CallEval } from '../eval/calls';
import { Via } from '../walk/runState';

/** What two bindings agree on (a member a record leaves out is 0 there). */
function joinBindings(a: Binding | undefined, b: Binding | undefined): Binding | undefined {
  if (!a || !b) return undefined;
  const m = joinFactMaps(new Map(a), new Map(b));
  return m.size ? [...m].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)) : undefined;
}

export abstract class CalleeApply extends CallEval {
  /** A call to a function in the index: apply its summary in this context. */
  protected applyCallee(name: string, n: Node, args: Node[], s: PathState, via?: Via): Pair[] {
    // A local run (one body, for the rules riding on the walk) follows no callee.
    if (this.opts.local) return [[s, null]];
    this.ip.noteName(name);
    // A function a pointer designates is looked up where it was named.
    const from = via?.file ?? this.fn.file;
    // A survey follows no callee (the contextual search does); a macro's body runs in place.
    if (this.survey) {
      if (this.ip.index.resolve(name, from).length || !this.ip.expands(name)) return [[s, null]];
      if (this.expanding.includes(name) || this.expanding.length >= 4 || !this.ip.expansion(name, args.map((a) => a.text))) return [[s, null]];
      const at = this.hop(n, '');
      for (const [k, c] of this.surveyCalls) if (k.startsWith(`${at.line}:${at.column}:${name}|`)) c.expanded = true;
      return this.expandMacro(name, n, args, s);
    }
    // The arguments' facts, made once for the call's record, the callee's summary and its values (s does not change here).
    let made: { b: Binding | undefined } | undefined;
    const argBinding = () => (made ??= { b: this.bindingFor(args, s) }).b;
    if (s.batching) {
      const at = this.hop(n, '');
      // One record per place (the first path's, or one with fewer conditions: addOnce), made only when kept;
      // its binding is what holds on every path that makes the call.
      const k = sectionCallKey({ at, callee: name, via: via?.expr });
      const prev = this.sectionCalls.get(k);
      const binding = argBinding();
      if (!prev || s.conds.length < prev.conds.length) {
        at.message = `${via ? `${via.expr}() = ` : ''}${name}() is called inside the section`;
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
        this.sectionCalls.set(k, call);
      }
      if (prev) this.sectionCalls.get(k)!.binding = joinBindings(prev.binding, binding);
    }
    // Outside a section only functions that call the lazy-mode API themselves
    // matter (their effect on the mode: wrappers that enter or leave).
    if (!s.batching && !this.ip.index.usesLazyApi(name)) return this.calleeValues(name, from, n, args, s, argBinding);
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
    if (!worth) return this.calleeValues(name, from, n, args, s, argBinding);
    const defs = this.ip.resolveCallee(name, from);
    if (!defs.length) return this.expandMacro(name, n, args, s);
    // The callee is summarised per binding of what its arguments are known to be
    // (results of tests on them left out: they decide chains, not the entries written).
    const summaryBinding = withoutTestFacts(argBinding());
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
   * A call to a function that matters for nothing but its value: inside a
   * section (or with writes pending), where the value is used (assigned,
   * returned, tested), one path per value the callee can return
   * (Interpreter.returnValues), so the caller's tests on it drop the paths it
   * cannot take; elsewhere, or when not known, one path with the value
   * unknown.
   */
  protected calleeValues(name: string, from: string, n: Node, args: Node[], s: PathState, argBinding = () => this.bindingFor(args, s)): Pair[] {
    if (!(s.batching || s.dirty.size > 0 || this.outerPending) || !this.valueUsed(n)) return [[s, null]];
    const defs = this.ip.resolveCallee(name, from);
    const values = defs.length ? this.ip.returnValues(defs.map((d) => d.ref), withoutTestFacts(argBinding())) : null;
    return values ? values.map((v): Pair => [s, [v]]) : [[s, null]];
  }

  /** Whether the value of call `n` is used here (in a macro's expansion: at its call site). */
  protected valueUsed(n: Node): boolean {
    const use = valueUse(n);
    return use === 'used' || (use === 'top' && !!this.expansionSite && valueUse(this.expansionSite) === 'used');
  }
}
