// What the interpreter knows about a value beyond the integers of
// PathState.vals: NULL or not, which function a pointer designates, which
// global a pointer points at (a `static const` ops struct whose designated
// initializer names its members), and local structs built member by member.
//
// Facts are keyed by access path with `.` for both `.` and `->`
// ("walk.ops.install_pte"): a pointer to a struct and the struct are looked
// up the same way. A caller hands a callee the facts about its arguments as a
// Binding, keyed by parameter ("P2", "P2.ops"), which is part of the callee's
// summary key: the same callee is summarised once per distinct binding.

export type Fact =
  /** One of these integers (NULL is 0). */
  | { kind: 'int'; values: number[] }
  /** Some non-NULL pointer (dereferenced on the path, the address of an object, ...). */
  | { kind: 'nonnull' }
  /** A function designator: a pointer to one of these functions, each named in (and resolved from) its file. */
  | { kind: 'fn'; names: string[]; files: string[] }
  /** The address of a global whose initializer the analysis reads (members it does not name are 0). */
  | { kind: 'global'; file: string; name: string }
  /** A local struct made with an initializer list: members without a fact of their own are 0. */
  | { kind: 'record' }
  /** Nothing known (a member of a record assigned something unknown: not its zero fill). */
  | { kind: 'any' }
  /**
   * An or of named constants the analysis cannot evaluate (object-like
   * macros: `GFP_ATOMIC | __GFP_NOWARN`): their names, for rules that read
   * flags by name (the catalogue's sleepingGfp).
   */
  | { kind: 'names'; names: string[] };

/** Facts about a callee's arguments: [path rooted at `P<i>`, fact], sorted by path. */
export type Binding = [string, Fact][];

/** How many facts a binding carries at most, and how deep below a parameter (members of members...); results of tests on objects are counted apart. */
const MAX_BINDING_FACTS = 24;
const MAX_BINDING_TESTS = 32;
const MAX_BINDING_DEPTH = 3;

/**
 * The result of a one-argument test on an object (`folio_test_hugetlb(folio)`)
 * is kept as a pseudo-member of the object ("folio.@folio_test_hugetlb"), so
 * that a caller's test decides the same test in a callee handed the object.
 */
export function testPath(object: string, test: string): string {
  return `${object}.@${test}`;
}

export function isTestPath(path: string): boolean {
  return path.charCodeAt(path.lastIndexOf('.') + 1) === 64; // '@' after the last '.'
}

/** "walk->ops->install_pte" and "walk.ops.install_pte" are the same path. */
export function normPath(p: string): string {
  return p.includes('->') ? p.replace(/->/g, '.') : p;
}

export function factKey(f: Fact): string {
  switch (f.kind) {
    case 'int':
      return `i${f.values.join('|')}`;
    case 'nonnull':
      return 'nn';
    case 'fn':
      return `f${f.names.map((n, i) => `${n}@${f.files[i]}`).join('|')}`;
    case 'global':
      return `g${f.file}#${f.name}`;
    case 'record':
      return 'r';
    case 'any':
      return '?';
    case 'names':
      return `n${f.names.join('|')}`;
  }
}

export function bindingKey(b: Binding | undefined): string {
  return b && b.length ? b.map(([p, f]) => `${p}=${factKey(f)}`).join(',') : '';
}

/** A pointer fact that is known not to be NULL. */
export function isNonNull(f: Fact | undefined): boolean {
  if (!f || f.kind === 'any' || f.kind === 'names') return false;
  return f.kind === 'int' ? f.values.every((v) => v !== 0) : true;
}

/** A designator fact for (name, file where it is named) pairs, each once, in a stable order. */
export function designators(pairs: [string, string][]): Fact {
  const seen = new Map<string, [string, string]>();
  for (const p of pairs) seen.set(`${p[0]}@${p[1]}`, p);
  const sorted = [...seen.keys()].sort().map((k) => seen.get(k)!);
  return { kind: 'fn', names: sorted.map((p) => p[0]), files: sorted.map((p) => p[1]) };
}

/** Whether a condition testing a value with this fact is true (undefined: either). */
export function factTruth(f: Fact | undefined): boolean | undefined {
  if (!f || f.kind === 'any' || f.kind === 'names') return undefined;
  if (f.kind !== 'int') return true;
  return f.values.every((v) => v !== 0) ? true : f.values.every((v) => v === 0) ? false : undefined;
}

/** The fact that holds on either of two paths (null: nothing known). */
export function joinFacts(a: Fact, b: Fact): Fact | null {
  if (factKey(a) === factKey(b)) return a;
  if (a.kind === 'fn' && b.kind === 'fn') return designators([...a.names.map((n, i): [string, string] => [n, a.files[i]]), ...b.names.map((n, i): [string, string] => [n, b.files[i]])]);
  if (a.kind === 'names' && b.kind === 'names') return { kind: 'names', names: [...new Set([...a.names, ...b.names])].sort() };
  if (a.kind === 'int' && b.kind === 'int') return { kind: 'int', values: [...new Set([...a.values, ...b.values])].sort((x, y) => x - y) };
  if (isNonNull(a) && isNonNull(b)) return { kind: 'nonnull' };
  return null;
}

/** A path's fact from a record above it that does not name it: 0 (C zero-fills what an initializer leaves out). */
export function zeroFilled(facts: ReadonlyMap<string, Fact>, path: string): Fact | undefined {
  if (isTestPath(path)) return undefined;
  for (let i = path.lastIndexOf('.'); i > 0; i = path.lastIndexOf('.', i - 1)) {
    const f = facts.get(path.slice(0, i));
    if (f) return f.kind === 'record' && i === path.lastIndexOf('.') ? { kind: 'int', values: [0] } : undefined;
  }
  return undefined;
}

/** The facts that hold on either of two paths (a record's member left out on one path is 0 there). */
export function joinFactMaps(a: ReadonlyMap<string, Fact>, b: ReadonlyMap<string, Fact>): Map<string, Fact> {
  const out = new Map<string, Fact>();
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x.length - y.length);
  for (const k of keys) {
    const x = a.get(k) ?? zeroFilled(a, k);
    const y = b.get(k) ?? zeroFilled(b, k);
    const m = x && y ? joinFacts(x, y) : null;
    if (m) out.set(k, m);
    // Under a record both paths keep, "nothing known" must be said (absence would read as 0).
    else if (zeroFilled(out, k)) out.set(k, { kind: 'any' });
  }
  return out;
}

/** The facts of one argument, relative to it ("" for the argument itself, ".ops" for a member). */
export type ArgFacts = [string, Fact][];

/** A callee's binding from its arguments' facts: bounded in size and depth, sorted (it is a memo key). */
export function makeBinding(args: (ArgFacts | null)[]): Binding | undefined {
  const out: Binding = [];
  args.forEach((a, i) => {
    const deep = (a ?? []).filter(([rel]) => dots(rel) > MAX_BINDING_DEPTH).map(([rel]) => rel);
    for (const [rel, f] of a ?? []) {
      if (deep.includes(rel)) continue;
      // A record with members too deep to carry: only known to exist.
      const g: Fact = f.kind === 'record' && deep.some((d) => d.startsWith(rel + '.')) ? { kind: 'nonnull' } : f;
      out.push([`P${i}${rel}`, g]);
    }
  });
  if (!out.length) return undefined;
  out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const tests = out.filter(([p]) => isTestPath(p)).slice(0, MAX_BINDING_TESTS);
  const others = out.filter(([p]) => !isTestPath(p));
  const kept = [...capFacts(others), ...tests];
  return kept.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

/** How many '.' a path holds (its depth below the object), without splitting it: bindings are made at every call. */
function dots(p: string): number {
  let n = 0;
  for (let i = p.indexOf('.'); i >= 0; i = p.indexOf('.', i + 1)) n++;
  return n;
}

/** Only the results of the tests a function makes itself (`uses`: its text): the binding is a memo key, the others only split it. */
export function testsUsed(b: Binding | undefined, uses: string): Binding | undefined {
  if (!b) return b;
  const out = b.filter(([p]) => !isTestPath(p) || uses.includes(`${p.slice(p.lastIndexOf('@') + 1)}(`));
  return out.length ? out : undefined;
}

/** A binding without the results of tests on objects. */
export function withoutTestFacts(b: Binding | undefined): Binding | undefined {
  const out = b?.filter(([p]) => !isTestPath(p));
  return out?.length ? out : undefined;
}

/** At most MAX_BINDING_FACTS facts: the deepest go first. */
function capFacts(out: Binding): Binding {
  // Past the bound, the deepest facts go first (a parameter's own fact decides more guards than a member's).
  if (out.length <= MAX_BINDING_FACTS) return out;
  const kept = [...out].sort((x, y) => x[0].split('.').length - y[0].split('.').length).slice(0, MAX_BINDING_FACTS);
  const keep = new Set(kept.map(([p]) => p));
  const dropped = out.filter(([p]) => !keep.has(p)).map(([p]) => p);
  // A record whose member facts were dropped is no longer zero-filled: only known to exist.
  return out
    .filter(([p]) => keep.has(p))
    .map(([p, f]): [string, Fact] => (f.kind === 'record' && dropped.some((d) => d.startsWith(p + '.')) ? [p, { kind: 'nonnull' }] : [p, f]));
}

/** A member's fact read from an initializer: known, or written but not understood. */
export type MemberFact = Fact | 'unknown';

/** Members of a designated initializer: name -> fact; members not named are 0. */
export type InitializerFacts = Map<string, MemberFact>;
