// Which Kconfig options an architecture can ever enable, and which it always
// has. An over-approximation of "possible": an option is possible when one of
// its prompts can be visible, or one of its defaults can be other than n,
// with its dependencies able to hold, or a possible option selects it (or
// implies it and its dependencies can hold). "Always" is an
// under-approximation: an option no prompt can turn off whose first
// applicable default is always y, or that an always-on option always selects
// (`ARM64` on arm64, `MMU` on arm64). Both are least fixpoints; Kconfig
// forbids recursive dependencies, so every option a real configuration can
// enable is reached. `!X` is impossible only when X is always on.
//
// An option defined nowhere in this architecture's Kconfig tree but in
// another architecture's (`HIGHMEM` on arm64) is impossible; one defined
// nowhere at all is unknown (a CONFIG_ name the C code tests but no Kconfig
// declares), and stays undecided.
import { Atom, Cond, fold, reduce, atoms, show } from './cond';
import { KconfigModel, KconfigSymbol } from './kconfig';

export class Possibility {
  private readonly possibleSet = new Set<string>();
  private readonly alwaysSet = new Set<string>();
  /** Reverse `select`/`imply` edges: target -> (selector, condition). */
  private readonly selectedBy = new Map<string, { by: string; cond: Cond; imply: boolean }[]>();

  constructor(
    readonly model: KconfigModel,
    /** Options defined for other architectures only: name -> Kconfig files that define them. */
    private readonly elsewhere: Map<string, string[]>,
  ) {
    for (const s of model.symbols.values())
      for (const d of s.defs) {
        for (const x of d.selects) push(this.selectedBy, x.target, { by: s.name, cond: x.cond, imply: false });
        for (const x of d.implies) push(this.selectedBy, x.target, { by: s.name, cond: x.cond, imply: true });
      }
    // Alternate: possible with what is known always-on, then always-on with what is known possible; both only tighten.
    for (let round = 0; round < 4; round++) {
      const before = this.possibleSet.size * 100003 + this.alwaysSet.size;
      this.computePossible();
      this.computeAlways();
      if (this.possibleSet.size * 100003 + this.alwaysSet.size === before && round > 0) break;
    }
  }

  get arch(): string {
    return this.model.arch;
  }

  /** Defined in this architecture's Kconfig tree. */
  defined(sym: string): boolean {
    return this.model.symbols.has(sym);
  }

  /** Whether the option can be enabled (y or m); undefined when no Kconfig anywhere declares it. */
  possible(sym: string): boolean | undefined {
    if (this.model.symbols.has(sym)) return this.possibleSet.has(sym);
    if (this.elsewhere.has(sym) && this.model.unresolved.length === 0) return false;
    return undefined;
  }

  always(sym: string): boolean {
    return this.alwaysSet.has(sym);
  }

  /** A debug option: defined in a Kconfig.debug file or under "Kernel hacking". */
  isDebug(sym: string): boolean {
    return !!this.model.symbols.get(sym)?.defs.some((d) => d.debug);
  }

  /** What Kconfig alone says about an atom of a C or Kbuild condition. */
  readonly query = (a: Atom): boolean | undefined => {
    if (a.k !== 'cfg') {
      if (a.k === 'cmp' && this.possible(a.sym) === false) return false;
      return undefined;
    }
    const p = this.possible(a.sym);
    if (p === false) return false;
    if (a.form === 'module') return this.model.symbols.get(a.sym)?.type === 'bool' ? false : undefined;
    return this.always(a.sym) ? true : undefined;
  };

  /**
   * Why the option cannot be enabled on this architecture, in a few words,
   * following impossible dependencies a few levels down.
   */
  why(sym: string, depth = 0): string {
    const arch = this.arch;
    const s = this.model.symbols.get(sym);
    if (!s) {
      const where = this.elsewhere.get(sym);
      return where ? `CONFIG_${sym} is defined only for other architectures (${where.slice(0, 3).join(', ')}${where.length > 3 ? ', ...' : ''})` : `CONFIG_${sym} is defined nowhere`;
    }
    if (this.possibleSet.has(sym)) return `CONFIG_${sym} can be enabled on ${arch}`;
    // The dependency that cannot hold, from the first definition.
    for (const d of s.defs) {
      const deps = reduce(d.deps, this.query);
      if (deps.k === 'const' && !deps.v) {
        const blocker = atoms(d.deps).find((a) => this.query(a) !== undefined && a.k === 'cfg');
        if (blocker && blocker.k === 'cfg') {
          const neg = this.always(blocker.sym);
          const head = neg
            ? `CONFIG_${sym} depends on !CONFIG_${blocker.sym}, which ${arch} always has`
            : `CONFIG_${sym} depends on CONFIG_${blocker.sym}`;
          if (neg || depth >= 2) return head;
          return `${head}; ${this.why(blocker.sym, depth + 1)}`;
        }
        return `CONFIG_${sym} depends on ${show(d.deps)}, which cannot hold on ${arch}`;
      }
    }
    const sel = (this.selectedBy.get(sym) ?? []).filter((x) => !x.imply).map((x) => x.by);
    return sel.length
      ? `CONFIG_${sym} has no prompt or default that can hold on ${arch}, and none of what selects it (${sel.slice(0, 4).join(', ')}${sel.length > 4 ? ', ...' : ''}) can be enabled there`
      : `CONFIG_${sym} has no prompt or default that can hold on ${arch}, and nothing on ${arch} selects it`;
  }

  private computePossible(): void {
    const P = this.possibleSet;
    const q = (a: Atom): boolean | undefined => {
      if (a.k !== 'cfg') return a.k === 'cmp' && !this.model.symbols.has(a.sym) && this.elsewhere.has(a.sym) ? false : undefined;
      if (this.alwaysSet.has(a.sym)) return true;
      if (P.has(a.sym)) return undefined;
      // Not (yet) possible: false, unless no Kconfig declares it (unknown).
      return this.model.symbols.has(a.sym) || this.elsewhere.has(a.sym) ? false : undefined;
    };
    P.clear();
    for (const a of this.alwaysSet) P.add(a);
    for (let changed = true, guard = 0; changed && guard < 200; guard++) {
      changed = false;
      for (const s of this.model.symbols.values()) {
        if (P.has(s.name)) continue;
        if (this.canEnable(s, q)) {
          P.add(s.name);
          changed = true;
        }
      }
    }
  }

  private canEnable(s: KconfigSymbol, q: (a: Atom) => boolean | undefined): boolean {
    const valued = s.type === 'int' || s.type === 'hex' || s.type === 'string';
    for (const d of s.defs) {
      const deps = fold(d.deps, q);
      if (deps === false) continue;
      if (valued) return true;
      for (const p of d.prompts) if (fold(p, q) !== false) return true;
      for (const x of d.defaults) if (fold(x.cond, q) !== false && fold(x.value, q) !== false) return true;
    }
    for (const x of this.selectedBy.get(s.name) ?? []) {
      if (!this.possibleSet.has(x.by) || fold(x.cond, q) === false) continue;
      if (!x.imply || s.defs.some((d) => fold(d.deps, q) !== false)) return true;
    }
    return false;
  }

  private computeAlways(): void {
    const A = this.alwaysSet;
    const q = (a: Atom): boolean | undefined => {
      if (a.k !== 'cfg') return undefined;
      if (A.has(a.sym)) return true;
      return this.possible(a.sym) === false ? false : undefined;
    };
    for (let changed = true, guard = 0; changed && guard < 200; guard++) {
      changed = false;
      for (const s of this.model.symbols.values()) {
        if (A.has(s.name) || !this.possibleSet.has(s.name)) continue;
        if (this.alwaysOn(s, q)) {
          A.add(s.name);
          changed = true;
        }
      }
    }
  }

  private alwaysOn(s: KconfigSymbol, q: (a: Atom) => boolean | undefined): boolean {
    if (s.type !== 'bool' && s.type !== 'tristate') return false;
    for (const x of this.selectedBy.get(s.name) ?? []) if (!x.imply && this.alwaysSet.has(x.by) && fold(x.cond, q) === true) return true;
    // A prompt that can be shown lets the user say n.
    for (const d of s.defs) if (fold(d.deps, q) !== false && d.prompts.some((p) => fold(p, q) !== false)) return false;
    if (s.defs.some((d) => d.choice)) return false;
    for (const d of s.defs)
      for (const x of d.defaults) {
        const c = fold(x.cond, q);
        const deps = fold(d.deps, q);
        if (c === false || deps === false) continue;
        return c === true && deps === true && fold(x.value, q) === true;
      }
    return false;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
