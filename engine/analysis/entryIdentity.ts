// Entry identity: which page-table entry a pointer expression names.
//
// An entry id is a base, the entry a pointer variable names (`S<site>` per
// assignment site: its rank among the function's assignment sites,
// `siteRanks`, or in a local run a number made of its place in the function,
// walk/localResume.ts; `S<site>~` for the previous loop
// iteration's, `P<n>` for a parameter's, `V:<path>` for a pointer never assigned here, `?<path>` after
// a join lost it), optionally followed by an offset from it:
// `S12@i#I34|1` is "one past element `i` (as assigned at site 34) of the
// entry S12". So `pte[i]`, `&pte[i]`, `pte + i` and `*(pte + i)` name the same
// entry while neither `pte` nor `i` is assigned; `ptep + 1` and `ptep + 2`
// different ones; and after `i++` (or in the next loop iteration) `pte[i]`
// names another entry. An index is tracked only when every variable in it is
// a local or parameter whose address is never taken (so only an assignment
// here can change it) or a constant; otherwise the expression names no entry
// we can tell apart, and no write or read is matched through it.
import type { Node } from 'web-tree-sitter';
import { ConstEnv, constValue } from './constValue';
import { PathState } from './pathState';
import { accessPath, declaredName, unwrap } from './syntax';

/** An offset from a base entry: index terms (rendered with their versions) plus a constant. */
interface Offset {
  terms: string[];
  k: number;
}

const MACRO_CONSTANT = /^[A-Z][A-Z0-9_]*$/;

/** Node types an entry or an index variable is assigned at (eval/expressions.ts, statements.ts: declarators, assignments, `x++`, an iterator macro's test). */
const SITE_TYPES = new Set(['init_declarator', 'assignment_expression', 'update_expression', 'condition_clause', 'parenthesized_expression']);

/**
 * Sites outside the function's own tree (a macro body run in place,
 * eval/macros.ts) keep their node id, put above every rank so the two never
 * meet: ranks are below 2^24 (a function has fewer nodes), node ids below 2^32.
 */
const OUTSIDE = 2 ** 24;

/** The base of an entry id (what a pointer variable names). */
export function baseOf(id: string): string {
  const at = id.indexOf('@');
  return at < 0 ? id : id.slice(0, at);
}

function parseOffset(id: string): Offset {
  const at = id.indexOf('@');
  if (at < 0) return { terms: [], k: 0 };
  const rest = id.slice(at + 1);
  const bar = rest.lastIndexOf('|');
  return { terms: rest.slice(0, bar) ? rest.slice(0, bar).split(',') : [], k: Number(rest.slice(bar + 1)) };
}

/** The entry `off` away from the entry `id`. */
function withOffset(id: string, off: Offset): string {
  if (!off.terms.length && off.k === 0) return id;
  const prev = parseOffset(id);
  const terms = [...prev.terms, ...off.terms].sort();
  const k = prev.k + off.k;
  return terms.length || k !== 0 ? `${baseOf(id)}@${terms.join(',')}|${k}` : baseOf(id);
}

/** Index versions in an id: `i#I34` and `i#0` (the value the function was entered with). */
const VERSION = /([A-Za-z_]\w*)#(I\d+~?|0|\?)/g;

export class EntryNames {
  /**
   * Variables used in an index of an entry pointer here (`pte[i]`, `pte + i`)
   * that only an assignment in this function can change: locals and
   * parameters whose address is never taken. Only these get versions (every
   * local would multiply the states for nothing).
   */
  private readonly versioned = new Set<string>();

  constructor(
    fnNode: Node,
    /** Whether an access path holds a pointer to an entry (declared so, or known to name one). */
    private readonly isPointer: (key: string, s: PathState) => boolean,
    private readonly env: ConstEnv,
    /**
     * The number an assignment site is named by (local runs,
     * walk/localResume.ts: a number made of its place in the function, so
     * that a run restarted after an edit names the sites before the edit as
     * the last run did); by default its rank (siteRanks).
     */
    siteNumber?: (site: Node) => number,
  ) {
    this.siteNumber = siteNumber ?? this.rankedSite;
    const declared = new Set<string>();
    const addressTaken = new Set<string>();
    const inIndex = new Set<string>();
    const none = new PathState();
    const isBase = (n: Node | null) => {
      const k = n ? accessPath(n) : null;
      return !!k && this.isPointer(k, none);
    };
    const identifiers = (n: Node) => {
      const st: Node[] = [n];
      for (let x = st.pop(); x; x = st.pop()) {
        if (x.type === 'identifier') inIndex.add(x.text);
        for (const c of x.namedChildren) if (c) st.push(c);
      }
    };
    const stack: Node[] = [fnNode];
    for (let x = stack.pop(); x; x = stack.pop()) {
      // Read once: each read of a parsed node's type is a call into WebAssembly (syntaxView.ts).
      const t = x.type;
      if (!siteNumber && SITE_TYPES.has(t)) this.siteRanks.set(x.id, this.siteRanks.size);
      if (t === 'parameter_declaration' || t === 'declaration')
        for (const d of x.childrenForFieldName('declarator')) {
          const name = d ? declaredName(d) : null;
          if (name) declared.add(name);
        }
      else if (t === 'pointer_expression' && x.child(0)?.text === '&') {
        const a = x.childForFieldName('argument');
        const p = a ? accessPath(a) : null;
        if (p) addressTaken.add(p.split(/->|\./)[0]);
      } else if (t === 'subscript_expression' && isBase(x.childForFieldName('argument'))) {
        const i = x.childForFieldName('index');
        if (i) identifiers(i);
      } else if (t === 'binary_expression' && ['+', '-'].includes(x.childForFieldName('operator')?.text ?? '')) {
        const l = x.childForFieldName('left');
        const r = x.childForFieldName('right');
        if (isBase(l) && r) identifiers(r);
        else if (isBase(r) && l) identifiers(l);
      }
      for (const c of x.namedChildren) if (c) stack.push(c);
    }
    for (const d of inIndex) if (declared.has(d) && !addressTaken.has(d)) this.versioned.add(d);
  }

  /** The number an assignment site is named by (see the constructor). */
  private readonly siteNumber: (site: Node) => number;

  /**
   * Each possible assignment site of the function (SITE_TYPES), by node id, to
   * its rank in the walk above: what names it in entry ids. A node id is the
   * parse's (every re-parse gives new ones), a rank the function's shape's, so
   * the states of two runs of the function before and after an edit that
   * adds or removes no site name the same entries alike. Ranks are as
   * distinct as node ids (one per node of one tree), so which states are
   * equal, and every finding, is the same as with node ids.
   */
  private readonly siteRanks = new Map<number, number>();

  private readonly rankedSite = (site: Node): number => this.siteRanks.get(site.id) ?? OUTSIDE + site.id;

  /** The entry an access path names. */
  ofPath(s: PathState, key: string): string {
    return s.ptrs.get(key) ?? `V:${key}`;
  }

  /**
   * The entry a pointer expression names: `p`, `vmf->pte` (as before: any
   * access path), `p + i`, `p - 1`, `&p[i]` (an entry pointer plus an index we
   * can track). Null when it names none we can tell apart.
   */
  pointer(s: PathState, n: Node): string | null {
    const key = accessPath(n);
    if (key) return this.ofPath(s, key);
    const parts = this.arithmetic(s, n);
    return parts ? withOffset(this.ofPath(s, parts.base), parts.off) : null;
  }

  /** The entry `base[index]` reads, when `base` is an entry pointer. */
  element(s: PathState, base: Node, index: Node): string | null {
    const key = accessPath(base);
    const b = key ? (this.isPointer(key, s) ? this.ofPath(s, key) : null) : this.pointer(s, base);
    const off = b ? this.offset(s, index) : null;
    return b && off ? withOffset(b, off) : null;
  }

  /** `p + i`, `i + p`, `p - 1`, `&p[i]`, nested: the base pointer's path and the offset, or null. */
  arithmetic(s: PathState, n: Node): { base: string; off: Offset } | null {
    n = unwrap(n);
    if (n.type === 'pointer_expression' && n.child(0)?.text === '&') {
      const sub = n.childForFieldName('argument');
      const e = sub && unwrap(sub);
      if (e?.type !== 'subscript_expression') return null;
      const b = e.childForFieldName('argument');
      const i = e.childForFieldName('index');
      if (!b || !i) return null;
      const inner = this.basePointer(s, b);
      const off = inner && this.offset(s, i);
      return inner && off ? { base: inner.base, off: add(inner.off, off) } : null;
    }
    if (n.type !== 'binary_expression') return null;
    const op = n.childForFieldName('operator')?.text;
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if ((op !== '+' && op !== '-') || !l || !r) return null;
    const left = this.basePointer(s, l);
    if (left) {
      const off = this.offset(s, r);
      return off ? { base: left.base, off: add(left.off, op === '-' ? negate(off) : off) } : null;
    }
    if (op !== '+') return null;
    const right = this.basePointer(s, r);
    const off = right && this.offset(s, l);
    return right && off ? { base: right.base, off: add(right.off, off) } : null;
  }

  /**
   * `q = p + 1`, `q = &p[i]`: the entry q now names, at that offset from p's.
   * Null (a new entry at the site, as for `p = p + 1`) when the base is q
   * itself or already an offset entry: an advancing loop (`next = p + 1;
   * p = next`) would otherwise grow a new id each iteration.
   */
  derived(s: PathState, key: string, value: Node): string | null {
    const parts = this.arithmetic(s, value);
    if (!parts || parts.base === key) return null;
    const base = this.ofPath(s, parts.base);
    return base.includes('@') ? null : withOffset(base, parts.off);
  }

  /** An entry pointer (a known one, or arithmetic on one) as base + offset. */
  private basePointer(s: PathState, n: Node): { base: string; off: Offset } | null {
    const key = accessPath(n);
    if (key) return this.isPointer(key, s) ? { base: key, off: { terms: [], k: 0 } } : null;
    return this.arithmetic(s, n);
  }

  /**
   * An index: a constant (`1`, `PTRS_PER_PTE - 1`), `expr + C`, or an
   * expression of tracked variables. A variable's index is its version even
   * when its value is known on this path: `i` is 0 in two loop iterations only
   * if the loop says so, and a write in one iteration must not match a read
   * in the next (the same rule as for pointers).
   */
  private offset(s: PathState, n: Node): Offset | null {
    n = unwrap(n);
    const t = this.render(s, n);
    if (t === null) return null;
    const c = t.includes('#') ? undefined : constValue(n, s, this.env);
    if (c !== undefined) return Number.isInteger(c) ? { terms: [], k: c } : null;
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.text;
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      const rt = r ? this.render(s, unwrap(r)) : null;
      const rc = r && rt !== null && !rt.includes('#') ? constValue(r, s, this.env) : undefined;
      if ((op === '+' || op === '-') && l && rc !== undefined && Number.isInteger(rc)) {
        const lo = this.offset(s, l);
        return lo ? { terms: lo.terms, k: lo.k + (op === '-' ? -rc : rc) } : null;
      }
    }
    return { terms: [t], k: 0 };
  }

  /** The index's text with each variable's version, or null when something in it can change unseen. */
  private render(s: PathState, n: Node): string | null {
    switch (n.type) {
      case 'identifier':
        if (this.versioned.has(n.text)) return `${n.text}#${s.idx.get(n.text) ?? '0'}`;
        return MACRO_CONSTANT.test(n.text) ? n.text : null;
      case 'number_literal':
        return n.text;
      case 'parenthesized_expression':
      case 'binary_expression':
      case 'unary_expression':
      case 'cast_expression':
      case 'type_descriptor':
      case 'primitive_type':
      case 'sized_type_specifier':
      case 'type_identifier': {
        if (n.type === 'unary_expression' && !['-', '+', '~'].includes(n.child(0)?.text ?? '')) return null;
        let out = '';
        for (let i = 0; i < n.childCount; i++) {
          const c = n.child(i)!;
          const r = c.namedChildCount || c.type === 'identifier' || c.type === 'number_literal' ? this.render(s, c) : c.text;
          if (r === null) return null;
          out += r;
        }
        return out;
      }
      default:
        return null;
    }
  }

  /** The index variables whose versions are tracked (what a restarted run must find the same: walk/localResume.ts). */
  versionedNames(): string[] {
    return [...this.versioned].sort();
  }

  /** Whether `key` is an index variable whose versions are tracked. */
  tracks(key: string): boolean {
    return this.versioned.has(key);
  }

  /**
   * Index variable `key` gets a new value at `site`: entries named through its
   * version from the same site one iteration earlier become the older ones
   * (`I<site>~`), older still are forgotten, as for pointers (newEntry).
   */
  assigned(s: PathState, key: string, site: Node): void {
    if (!this.versioned.has(key)) return;
    const tok = `I${this.siteNumber(site)}`;
    const cur = new RegExp(`#${tok}(?![\\d~])`, 'g');
    const old = `#${tok}~`;
    for (const [k, v] of s.ptrs) {
      if (v.includes(old)) s.ptrs.set(k, `?${k}`);
      else if (cur.test(v)) s.ptrs.set(k, v.replace(cur, old));
      cur.lastIndex = 0;
    }
    for (const [e, w] of [...s.dirty]) {
      if (e.includes(old)) s.dirty.delete(e);
      else if (cur.test(e)) {
        s.dirty.delete(e);
        s.dirty.set(e.replace(cur, old), w);
      }
      cur.lastIndex = 0;
    }
    s.idx.set(key, tok);
    this.prune(s);
  }

  /**
   * `key` now names a new entry, made at `site`. An entry made by the same site
   * on an earlier loop iteration becomes that site's "older" entry, so a write
   * in one iteration never matches a read in the next.
   */
  newEntry(s: PathState, key: string, site: Node): void {
    const id = `S${this.siteNumber(site)}`;
    const old = `${id}~`;
    // Two generations are kept apart (this iteration's and the last one's);
    // anything older is forgotten rather than confused with a newer entry.
    for (const [k, v] of s.ptrs) if (baseOf(v) === old) s.ptrs.set(k, `?${k}`);
    for (const e of [...s.dirty.keys()]) if (baseOf(e) === old) s.dirty.delete(e);
    for (const [k, v] of s.ptrs) if (baseOf(v) === id) s.ptrs.set(k, old + v.slice(id.length));
    for (const [e, w] of [...s.dirty]) {
      if (baseOf(e) !== id) continue;
      s.dirty.delete(e);
      s.dirty.set(old + e.slice(id.length), w);
    }
    s.ptrs.set(key, id);
    this.prune(s);
  }

  /**
   * Drops pending writes to entries nothing here can name any more: a plain
   * entry no pointer holds (a parameter's still matters to the caller, and
   * `V:p` is what `p` names while p is not assigned here), an offset one whose
   * base is not named so or whose index versions are gone.
   */
  private prune(s: PathState): void {
    const named = new Set(s.ptrs.values());
    const bases = new Set([...named].map(baseOf));
    const unassigned = (b: string) => b.startsWith('V:') && !s.ptrs.has(b.slice(2));
    for (const e of [...s.dirty.keys()]) {
      if (named.has(e)) continue;
      const b = baseOf(e);
      const kept = b === e ? b.startsWith('P') || unassigned(b) : (bases.has(b) || b.startsWith('P') || unassigned(b)) && this.current(s, e);
      if (!kept) s.dirty.delete(e);
    }
  }

  /** Every index version in the id is its variable's current one. */
  private current(s: PathState, id: string): boolean {
    for (const m of id.matchAll(VERSION)) if ((s.idx.get(m[1]) ?? '0') !== m[2] || m[2] === '?') return false;
    return true;
  }
}

function add(a: Offset, b: Offset): Offset {
  return { terms: [...a.terms, ...b.terms], k: a.k + b.k };
}

function negate(o: Offset): Offset {
  return { terms: o.terms.map((t) => `-(${t})`), k: -o.k };
}
