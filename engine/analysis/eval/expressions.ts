// Expressions on one path: evaluation in order (values where constant),
// assignments (pointer identity, known values, entry-value kinds, facts),
// `p->x` making p non-NULL, and reads of entries (`*p`, `pte[i]`, the
// catalogue's readers) checked against pending writes: a read of a written,
// unflushed entry while batching is a ReadHit (or, for an entry a caller
// wrote, an EntryRead for the caller to judge).
import type { Node } from 'web-tree-sitter';
import { PathState, Val } from '../pathState';
import { constValue } from '../constValue';
import { accessPath, unwrap } from '../syntax';
import { ANY_KIND } from '../entryValues';
import { Pair, unionConds } from '../walk/flow';
import { MAX_SURVEY_EXPRESSIONS } from '../limits';
import { ValueFacts } from './facts';

export abstract class ExpressionEval extends ValueFacts {
  protected abstract evalCall(n: Node, st: PathState): Pair[];

  protected evalExpr(n: Node, st: PathState): Pair[] {
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
          if (key) this.overwritten(s2, key, n);
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
        const { t, f } = c ? this.innerCond(c, [st]) : { t: [st], f: [st] };
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
          const { t, f } = this.innerCond(n, [st]);
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
  protected dereferenced(n: Node, s: PathState): PathState {
    if (n.type !== 'field_expression') return s;
    const base = n.childForFieldName('argument');
    const b = base ? unwrap(base) : null;
    if (b?.type !== 'identifier' || !n.text.slice(base!.text.length).trimStart().startsWith('->')) return s;
    if (s.nonzero.has(b.text) || s.vals.has(b.text)) return s;
    const s2 = s.clone();
    s2.nonzero.add(b.text);
    return s2;
  }

  protected valueOf(n: Node, s: PathState): Val {
    if (n.type === 'identifier') {
      const v = s.vals.get(n.text);
      if (v) return v;
    }
    const v = constValue(n, s, this.ip.constEnv());
    return v === undefined ? null : [v];
  }

  protected evalAssignment(n: Node, st: PathState): Pair[] {
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
      else this.overwritten(s2, key, n);
      return [s2, op === '=' ? v : null];
    });
  }

  /** `a[i]`: the array and index are evaluated (in order), the element is not read. */
  protected evalParts(sub: Node, st: PathState): Pair[] {
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
  /** `key` gets a value not known here (`x++`, `x += y`): what was known of it is gone, and it names a new entry. */
  protected overwritten(s: PathState, key: string, at: Node): void {
    s.vals.delete(key);
    s.nonzero.delete(key);
    s.entryVals.delete(key);
    this.forgetFacts(s, key);
    if (this.isPointer(key, s)) this.names.newEntry(s, key, at);
    this.names.assigned(s, key, at);
  }

  protected assign(s: PathState, key: string, value: Node, v: Val, at: Node): void {
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

  /** An argument that points at an entry: a known entry pointer, or arithmetic on one (`pte + i`, `&pte[i]`). */
  protected isEntryPointer(s: PathState, a: Node): boolean {
    const k = accessPath(a);
    return k ? this.isPointer(k, s) : !!this.names.arithmetic(s, a);
  }

  /** The entry an argument names, with `field` the member of a struct argument holding the entry pointer. */
  protected argEntry(s: PathState, arg: Node | undefined, field?: string): string | null {
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
  protected readEntry(s: PathState, entry: string | null, at: Node): PathState {
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
}
