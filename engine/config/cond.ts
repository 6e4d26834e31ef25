// Conditions as data: a small boolean expression over configuration options,
// runtime switches and opaque tests (after rust-analyzer's CfgExpr). Every
// condition the engine carries (an #if around a definition, an if-guard
// around a call in a chain, a path's #if branches) is parsed into one of
// these, so that it can be negated, simplified, checked for contradiction,
// folded against a configuration and shown without comments or repeats.
//
// Plain JSON-able data (findings hold it, and results are cached as JSON).
// One module past a few hundred lines: the type, its operations and its
// parser change together, and nothing else in the engine builds Conds by hand.

export type Cond =
  | { k: 'const'; v: boolean }
  /** CONFIG_X is on: `#ifdef CONFIG_X`, `defined(CONFIG_X)`, `#if CONFIG_X`, IS_ENABLED/IS_REACHABLE; `form` for IS_BUILTIN / IS_MODULE. */
  | { k: 'cfg'; sym: string; form?: 'builtin' | 'module' }
  /** An integer option compared with a number: `CONFIG_PGTABLE_LEVELS > 4`. */
  | { k: 'cmp'; sym: string; op: CmpOp; value: number }
  /** A runtime switch: a static key or an `*_enabled*()` test such as debug_pagealloc_enabled_static(). */
  | { k: 'switch'; text: string }
  /** A preprocessor macro that is not a configuration option: `defined(__ASSEMBLY__)`. */
  | { k: 'macro'; name: string }
  /** Anything else (a data test), whitespace normalised, comments gone. */
  | { k: 'opaque'; text: string }
  | { k: 'not'; x: Cond }
  | { k: 'and'; xs: Cond[] }
  | { k: 'or'; xs: Cond[] };

export type CmpOp = '==' | '!=' | '<' | '>' | '<=' | '>=';
export type Atom = Extract<Cond, { k: 'cfg' | 'cmp' | 'switch' | 'macro' | 'opaque' }>;

export const TRUE: Cond = { k: 'const', v: true };
export const FALSE: Cond = { k: 'const', v: false };

/** Calls that are runtime switches of the kind chains depend on (static keys, *_enabled() tests). */
const SWITCH_CALL = /_enabled\w*$|^static_branch|^static_key|^debug_pagealloc/;
const CONFIG_TESTS: Record<string, 'builtin' | 'module' | undefined> = {
  IS_ENABLED: undefined,
  IS_REACHABLE: undefined,
  IS_BUILTIN: 'builtin',
  IS_MODULE: 'module',
};

// ---- construction ------------------------------------------------------

export function not(x: Cond): Cond {
  if (x.k === 'const') return { k: 'const', v: !x.v };
  if (x.k === 'not') return x.x;
  return { k: 'not', x };
}

export function and(...xs: Cond[]): Cond {
  const flat: Cond[] = [];
  for (const x of xs) {
    if (x.k === 'and') flat.push(...x.xs);
    else if (x.k === 'const') {
      if (!x.v) return FALSE;
    } else flat.push(x);
  }
  return flat.length === 0 ? TRUE : flat.length === 1 ? flat[0] : { k: 'and', xs: flat };
}

export function or(...xs: Cond[]): Cond {
  const flat: Cond[] = [];
  for (const x of xs) {
    if (x.k === 'or') flat.push(...x.xs);
    else if (x.k === 'const') {
      if (x.v) return TRUE;
    } else flat.push(x);
  }
  return flat.length === 0 ? FALSE : flat.length === 1 ? flat[0] : { k: 'or', xs: flat };
}

export const isTrue = (c: Cond) => c.k === 'const' && c.v;
export const isFalse = (c: Cond) => c.k === 'const' && !c.v;

// ---- canonical key and display ----------------------------------------

/**
 * Canonical texts by condition object. Conds are never mutated once built, and simplification asks for the
 * keys of the same operands again at every level of a nested and/or (a path's #if and guard conditions are
 * joined at every merge point): without this, building the text of a deep condition again and again was
 * ~1.4 s of a cold whole-tree check.
 */
const keys = new WeakMap<Cond, string>();

/** A canonical text: equal for conditions that differ only in order, spelling of the same test, or repeats. */
export function key(c: Cond): string {
  if (c.k === 'const') return c.v ? '1' : '0';
  let k = keys.get(c);
  if (k === undefined) keys.set(c, (k = keyOf(c)));
  return k;
}

function keyOf(c: Cond): string {
  switch (c.k) {
    case 'const':
      return c.v ? '1' : '0';
    case 'cfg':
      return c.form ? `${c.form}:${c.sym}` : `cfg:${c.sym}`;
    case 'cmp':
      return `cmp:${c.sym}${c.op}${c.value}`;
    case 'switch':
      return `sw:${c.text}`;
    case 'macro':
      return `m:${c.name}`;
    case 'opaque':
      return `o:${c.text}`;
    case 'not':
      return `!(${key(c.x)})`;
    case 'and':
    case 'or':
      return `${c.k === 'and' ? '&' : '|'}(${[...new Set(c.xs.map(key))].sort().join(',')})`;
  }
}

/** The condition as C-like text for people: `CONFIG_X && !CONFIG_Y && debug_pagealloc_enabled_static()`. */
export function show(c: Cond): string {
  switch (c.k) {
    case 'const':
      return c.v ? '1' : '0';
    case 'cfg':
      return c.form === 'builtin' ? `IS_BUILTIN(CONFIG_${c.sym})` : c.form === 'module' ? `IS_MODULE(CONFIG_${c.sym})` : `CONFIG_${c.sym}`;
    case 'cmp':
      return `CONFIG_${c.sym} ${c.op} ${c.value}`;
    case 'switch':
      return c.text;
    case 'macro':
      return c.name;
    case 'opaque':
      return c.text;
    case 'not':
      return c.x.k === 'and' || c.x.k === 'or' || c.x.k === 'cmp' || c.x.k === 'opaque' ? `!(${show(c.x)})` : `!${show(c.x)}`;
    case 'and':
      return c.xs.map((x) => (x.k === 'or' ? `(${show(x)})` : show(x))).join(' && ');
    case 'or':
      return c.xs.map((x) => (x.k === 'and' ? `(${show(x)})` : show(x))).join(' || ');
  }
}

/** The top-level conjuncts (true: none). */
export function conjuncts(c: Cond): Cond[] {
  return c.k === 'and' ? c.xs : isTrue(c) ? [] : [c];
}

export function atoms(c: Cond, out: Atom[] = []): Atom[] {
  if (c.k === 'not') atoms(c.x, out);
  else if (c.k === 'and' || c.k === 'or') for (const x of c.xs) atoms(x, out);
  else if (c.k !== 'const') out.push(c);
  return out;
}

// ---- simplification ---------------------------------------------------

/**
 * Flattens, drops constants and repeats, and applies `X && !X` → false,
 * `X || !X` → true, and absorption (`A && (A || B)` → A, `A || (A && B)` → A).
 * Operands keep their first-seen order, so the text shown follows the code.
 */
export function simplify(c: Cond): Cond {
  if (c.k !== 'and' && c.k !== 'or' && c.k !== 'not') return c;
  let s = simplified.get(c);
  if (s === undefined) simplified.set(c, (s = simplifyOnce(c)));
  return s;
}

/** Simplified forms by condition object: joins simplify the same operands again at every merge (see `keys`). */
const simplified = new WeakMap<Cond, Cond>();

function simplifyOnce(c: Cond): Cond {
  switch (c.k) {
    case 'not': {
      const x = simplify(c.x);
      return not(x);
    }
    case 'and':
    case 'or': {
      const isAnd = c.k === 'and';
      const parts = (isAnd ? and : or)(...c.xs.map(simplify));
      if (parts.k !== c.k) return parts;
      const xs = (parts as { xs: Cond[] }).xs;
      const seen = new Map<string, Cond>();
      for (const x of xs) {
        const k = key(x);
        if (!seen.has(k)) seen.set(k, x);
      }
      // Complements: X and !X side by side.
      for (const k of seen.keys()) if (seen.has(`!(${k})`)) return isAnd ? FALSE : TRUE;
      // Absorption: an inner or (in an and) holding one of the and's own operands is implied.
      const inner = isAnd ? 'or' : 'and';
      const kept = [...seen.values()].filter((x) => x.k !== inner || !(x as { xs: Cond[] }).xs.some((y) => seen.has(key(y))));
      if (!isAnd && kept.length > 1) {
        const factored = factorOr(kept);
        if (factored) return simplify(factored);
        // A || (!A && X) → A || X: the disjunct's !A adds nothing where A already holds.
        const keys = new Set(kept.map(key));
        let changed = false;
        const resolved = kept.map((x) => {
          if (x.k !== 'and') return x;
          const ys = x.xs.filter((y) => !(y.k === 'not' ? keys.has(key(y.x)) : keys.has(`!(${key(y)})`)));
          if (ys.length === x.xs.length) return x;
          changed = true;
          return and(...ys);
        });
        if (changed) return simplify(or(...resolved));
      }
      return kept.length === 1 ? kept[0] : kept.length === 0 ? (isAnd ? TRUE : FALSE) : { k: c.k, xs: kept };
    }
    default:
      return c;
  }
}

/**
 * `(C && X) || (C && Y)` → `C && (X || Y)`: the conjuncts every disjunct
 * shares are taken out, so that paths differing in one #if branch join back
 * (`(A && B) || (A && !B)` → A). Null when nothing is shared.
 */
function factorOr(xs: Cond[]): Cond | null {
  // Loops, not map/filter: conjuncts() hands out arrays of two kinds (a node's own list, a fresh one), and
  // the builtins' compiled code was thrown away at each new kind (simplifyOnce compiled 4-8 times in a run).
  const sets: Map<string, Cond>[] = [];
  for (let i = 0; i < xs.length; i++) {
    const m = new Map<string, Cond>();
    const cs = conjuncts(xs[i]);
    for (let j = 0; j < cs.length; j++) m.set(key(cs[j]), cs[j]);
    sets.push(m);
  }
  const common: string[] = [];
  for (const k of sets[0].keys()) {
    let all = true;
    for (let i = 1; i < sets.length && all; i++) all = sets[i].has(k);
    if (all) common.push(k);
  }
  if (!common.length) return null;
  const rest: Cond[] = [];
  for (const m of sets) {
    const left: Cond[] = [];
    for (const [k, y] of m) if (!common.includes(k)) left.push(y);
    rest.push(and(...left));
  }
  const shared: Cond[] = [];
  for (const k of common) shared.push(sets[0].get(k)!);
  return and(...shared, or(...rest));
}

/** Paths joined: the conjuncts of (∧a) ∨ (∧b), simplified. */
export function joinConjuncts(a: Cond[], b: Cond[]): Cond[] {
  if (a === b || (a.length === b.length && a.every((x, i) => key(x) === key(b[i])))) return a;
  return conjuncts(simplify(or(and(...a), and(...b))));
}

/** Both can never hold together (as far as simplification sees). */
export function contradicts(a: Cond, b: Cond): boolean {
  return isFalse(simplify(and(a, b)));
}

// ---- evaluation ---------------------------------------------------------

/** What a configuration says about one atom: true, false, or undefined (not decided). */
export type AtomQuery = (a: Atom) => boolean | undefined;

/** Three-valued (Kleene) evaluation: true or false when the query decides enough atoms, else undefined. */
export function fold(c: Cond, query: AtomQuery): boolean | undefined {
  switch (c.k) {
    case 'const':
      return c.v;
    case 'not': {
      const v = fold(c.x, query);
      return v === undefined ? undefined : !v;
    }
    case 'and': {
      let all = true;
      for (const x of c.xs) {
        const v = fold(x, query);
        if (v === false) return false;
        if (v === undefined) all = false;
      }
      return all ? true : undefined;
    }
    case 'or': {
      let none = true;
      for (const x of c.xs) {
        const v = fold(x, query);
        if (v === true) return true;
        if (v === undefined) none = false;
      }
      return none ? false : undefined;
    }
    default:
      return query(c);
  }
}

/** Partial evaluation: atoms the query decides become constants; the rest is simplified. */
export function reduce(c: Cond, query: AtomQuery): Cond {
  const go = (x: Cond): Cond => {
    switch (x.k) {
      case 'const':
        return x;
      case 'not':
        return not(go(x.x));
      case 'and':
        return and(...x.xs.map(go));
      case 'or':
        return or(...x.xs.map(go));
      default: {
        const v = query(x);
        return v === undefined ? x : { k: 'const', v };
      }
    }
  };
  return simplify(go(c));
}

/**
 * The weakest condition over the atoms `keep` accepts that `c` implies: the
 * other atoms are taken as "could go either way" (negations pushed to the
 * atoms first). `IS_ENABLED(CONFIG_THP) && is_pmd_order(order)` keeps
 * CONFIG_THP; `CONFIG_X || data` keeps nothing.
 */
export function relax(c: Cond, keep: (a: Atom) => boolean): Cond {
  const go = (x: Cond, neg: boolean): Cond => {
    switch (x.k) {
      case 'const':
        return { k: 'const', v: neg ? !x.v : x.v };
      case 'not':
        return go(x.x, !neg);
      case 'and':
        return (neg ? or : and)(...x.xs.map((y) => go(y, neg)));
      case 'or':
        return (neg ? and : or)(...x.xs.map((y) => go(y, neg)));
      default:
        return keep(x) ? (neg ? not(x) : x) : TRUE;
    }
  };
  return simplify(go(c, false));
}

/** Configuration options and runtime switches: the atoms worth naming on a finding. */
export const isSwitch = (a: Atom) => a.k === 'cfg' || a.k === 'cmp' || a.k === 'switch';

// ---- parsing ------------------------------------------------------------

interface Tok {
  t: string;
  s: number;
  e: number;
}

const TOKEN = /\s+|\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*|[A-Za-z_]\w*|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|&&|\|\||==|!=|<=|>=|->|<<|>>|[^\s]/gy;

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text))) {
    const t = m[0];
    if (/^\s/.test(t) || t.startsWith('/*') || t.startsWith('//')) continue;
    out.push({ t, s: m.index, e: m.index + t.length });
  }
  return out;
}

/** Where the text comes from: a preprocessor line (bare names are macros) or C (bare names are data). */
export type CondSyntax = 'pp' | 'c';

const cache = new Map<string, Cond>();
const CACHE_MAX = 50_000;

/**
 * Parses a preprocessor or C condition. Never throws: what it cannot read
 * becomes an opaque atom holding the text (comments removed, spaces normalised).
 */
export function parseCond(text: string, syntax: CondSyntax = 'pp'): Cond {
  const ck = `${syntax}\0${text}`;
  const hit = cache.get(ck);
  if (hit) return hit;
  const toks = tokenize(text);
  let c: Cond;
  try {
    c = toks.length ? new Parser(text, toks, syntax).expr(0, toks.length) : TRUE;
  } catch {
    c = opaque(text, toks, 0, toks.length);
  }
  c = simplify(c);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(ck, c);
  return c;
}

function opaque(text: string, toks: Tok[], i: number, j: number): Cond {
  const parts: string[] = [];
  for (let k = i; k < j; k++) {
    const t = toks[k];
    const prev = toks[k - 1];
    // One space where the source had any, none where it had none.
    if (k > i && prev && prev.e < t.s) parts.push(' ');
    parts.push(t.t);
  }
  return { k: 'opaque', text: parts.join('') || text.trim() };
}

const CMP = new Set(['==', '!=', '<', '>', '<=', '>=']);
const FLIP: Record<CmpOp, CmpOp> = { '==': '==', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

class Parser {
  constructor(
    private readonly text: string,
    private readonly toks: Tok[],
    private readonly syntax: CondSyntax,
  ) {}

  /** Splits [i, j) at top-level `op` tokens. */
  private split(i: number, j: number, op: string): [number, number][] {
    const out: [number, number][] = [];
    let depth = 0;
    let start = i;
    for (let k = i; k < j; k++) {
      const t = this.toks[k].t;
      if (t === '(' || t === '[' || t === '{') depth++;
      else if (t === ')' || t === ']' || t === '}') depth--;
      else if (depth === 0 && t === op) {
        out.push([start, k]);
        start = k + 1;
      } else if (depth === 0 && t === '?') return [[i, j]]; // a ternary: one opaque run
    }
    out.push([start, j]);
    return out;
  }

  /** The index of the token closing the bracket at `i`, or -1. */
  private close(i: number, j: number): number {
    let depth = 0;
    for (let k = i; k < j; k++) {
      const t = this.toks[k].t;
      if (t === '(') depth++;
      else if (t === ')' && --depth === 0) return k;
    }
    return -1;
  }

  expr(i: number, j: number): Cond {
    if (i >= j) throw new Error('empty');
    const ors = this.split(i, j, '||');
    if (ors.length > 1) return or(...ors.map(([a, b]) => this.expr(a, b)));
    const ands = this.split(i, j, '&&');
    if (ands.length > 1) return and(...ands.map(([a, b]) => this.expr(a, b)));
    return this.unary(i, j);
  }

  private unary(i: number, j: number): Cond {
    const toks = this.toks;
    if (toks[i].t === '!' && i + 1 < j && this.isPrimary(i + 1, j)) return not(this.unary(i + 1, j));
    if (toks[i].t === '(' && this.close(i, j) === j - 1) return this.expr(i + 1, j - 1);
    // CONFIG_X op N (either side).
    if (j - i === 3 && CMP.has(toks[i + 1].t)) {
      const [a, op, b] = [toks[i].t, toks[i + 1].t as CmpOp, toks[i + 2].t];
      const num = (s: string) => (/^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.test(s) ? Number(s.replace(/[uUlL]+$/, '')) : undefined);
      if (/^CONFIG_\w+$/.test(a) && num(b) !== undefined) return { k: 'cmp', sym: a.slice(7), op, value: num(b)! };
      if (/^CONFIG_\w+$/.test(b) && num(a) !== undefined) return { k: 'cmp', sym: b.slice(7), op: FLIP[op], value: num(a)! };
    }
    return this.primary(i, j);
  }

  /** [i, j) is one primary: a name, a number, a call, `defined X`, or a parenthesised expression. */
  private isPrimary(i: number, j: number): boolean {
    const t = this.toks[i].t;
    if (j - i === 1) return true;
    if (t === '!') return this.isPrimary(i + 1, j);
    if (t === '(') return this.close(i, j) === j - 1;
    if (t === 'defined') return j - i === 2 || this.close(i + 1, j) === j - 1;
    return /^[A-Za-z_]/.test(t) && this.toks[i + 1].t === '(' && this.close(i + 1, j) === j - 1;
  }

  private primary(i: number, j: number): Cond {
    const toks = this.toks;
    const t = toks[i].t;
    const n = j - i;
    if (n === 1) {
      if (/^\d/.test(t)) return { k: 'const', v: Number(t.replace(/[uUlL]+$/, '')) !== 0 };
      if (t === 'true') return TRUE;
      if (t === 'false') return FALSE;
      if (/^CONFIG_\w+$/.test(t) || (this.syntax === 'pp' && /^[A-Za-z_]\w*$/.test(t))) return nameAtom(t);
    }
    // defined X, defined(X)
    if (t === 'defined' && ((n === 2 && /^\w+$/.test(toks[i + 1].t)) || (n === 4 && toks[i + 1].t === '(' && toks[i + 3].t === ')')))
      return nameAtom(toks[n === 2 ? i + 1 : i + 2].t);
    // IS_ENABLED(CONFIG_X) and friends; runtime switches.
    if (/^[A-Za-z_]\w*$/.test(t) && n >= 3 && toks[i + 1].t === '(' && this.close(i + 1, j) === j - 1) {
      if (t in CONFIG_TESTS && n === 4 && /^CONFIG_\w+$/.test(toks[i + 2].t)) {
        const form = CONFIG_TESTS[t];
        return form ? { k: 'cfg', sym: toks[i + 2].t.slice(7), form } : { k: 'cfg', sym: toks[i + 2].t.slice(7) };
      }
      if (SWITCH_CALL.test(t)) return { k: 'switch', text: opaqueText(this.text, toks, i, j) };
    }
    return opaque(this.text, toks, i, j);
  }
}

function opaqueText(text: string, toks: Tok[], i: number, j: number): string {
  return (opaque(text, toks, i, j) as { text: string }).text;
}

function nameAtom(name: string): Cond {
  return name.startsWith('CONFIG_') ? { k: 'cfg', sym: name.slice(7) } : { k: 'macro', name };
}

/** A Kconfig/Kbuild option as an atom (the name without CONFIG_). */
export function option(sym: string): Cond {
  return { k: 'cfg', sym };
}
