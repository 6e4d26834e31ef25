// Facts about values beyond integers (values.ts) as the code moves them: what
// an argument is known to be (its members too), a Binding for a callee, and
// what an assignment or a designated initializer gives a variable. Invariant:
// a variable given a new value loses what was known of it and its members.
import type { Node } from 'web-tree-sitter';
import { PathState } from '../pathState';
import { constValue } from '../constValue';
import { accessPath, unwrap } from '../syntax';
import { ArgFacts, Binding, isNonNull, makeBinding, normPath, zeroFilled } from '../values';
import { initializerMembers } from '../initializers';
import { ConditionEval } from './conditions';
import { NONNULL } from '../walk/runState';

export abstract class ValueFacts extends ConditionEval {
  /** What an argument is known to be on this path, relative to it ("" itself, ".ops" a member). */
  protected argFacts(arg: Node, s: PathState): ArgFacts | null {
    const n = unwrap(arg);
    const t = n.type; // read once: a call into WebAssembly
    if (t === 'pointer_expression' && n.child(0)?.text === '&') {
      const x = n.childForFieldName('argument');
      const p = x ? accessPath(x) : null;
      if (!p) return [['', NONNULL]];
      if (!p.includes('.') && !p.includes('->') && !this.declared.has(p)) return [['', this.ip.addrFact(p, this.fn.file)]];
      const np = normPath(p);
      const own = s.facts.get(np);
      return [['', own?.kind === 'record' ? own : NONNULL], ...this.memberFacts(s, np)];
    }
    if (t === 'null') return [['', { kind: 'int', values: [0] }]];
    if (t === 'identifier') {
      const name = n.text;
      if (!this.declared.has(name) && !s.vals.has(name)) {
        if (name === 'NULL') return [['', { kind: 'int', values: [0] }]];
        if (this.ip.isFunction(name, this.fn.file)) return [['', { kind: 'fn', names: [name], files: [this.fn.file] }]];
      }
    }
    const p = t === 'identifier' || t === 'field_expression' ? accessPath(n) : null;
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
  protected constantNames(n: Node, s: PathState): string[] | null {
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
  protected memberFacts(s: PathState, path: string): ArgFacts {
    const out: ArgFacts = [];
    for (const [k, f] of s.facts) if (k.length > path.length && k.startsWith(path) && k[path.length] === '.') out.push([k.slice(path.length), f]);
    return out;
  }

  protected bindingFor(args: Node[], s: PathState): Binding | undefined {
    return makeBinding(args.map((a) => this.argFacts(a, s)));
  }

  /** `key` was given a new value: what was known about it and its members goes (a record's member becomes unknown, not 0). */
  protected forgetFacts(s: PathState, key: string): void {
    const nk = normPath(key);
    for (const k of [...s.facts.keys()]) if (k === nk || (k.startsWith(nk) && k[nk.length] === '.')) s.facts.delete(k);
    if (zeroFilled(s.facts, nk)) s.facts.set(nk, { kind: 'any' });
  }

  /** `key = value`: the facts of the value (taken before the assignment) go to `key` and its members. */
  protected assignFacts(s: PathState, key: string, facts: ArgFacts | null): void {
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
  protected initRecord(s: PathState, name: string, list: Node): void {
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
}
