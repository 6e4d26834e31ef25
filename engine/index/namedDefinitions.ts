// Definitions by name, compact (issue 15 point 5): of a whole tree's ~620,000
// function names (7.2) fewer than 30,000 have more than one definition, so a
// name holds its one definition itself and an array only when it has more
// (an array of one cost ~56 bytes a name, ~35 MB in all). get() hands out
// the array of several as it is, and a fresh one for a single definition.
//
// Names may be put in when first used (settleFrom): a warm run's index keeps
// the files read from its cache undecoded (encodedDefinitions.ts) and asks
// for a name's definitions, in the index's order, the first time the name is
// looked up, added to or removed from; after that the name is held here like
// any other.

export class NamedDefinitions<T extends object> {
  private readonly m = new Map<string, T | T[]>();
  /** Where names not settled yet get their definitions from (null: every name is here). */
  private unsettled: ((name: string) => T[]) | null = null;
  private readonly settled = new Set<string>();

  /**
   * From now on a name not put in before is given its definitions by `source`
   * when first used (get, add or remove); those come before any added later.
   */
  settleFrom(source: (name: string) => T[]): void {
    this.unsettled = source;
  }

  /** How many names were settled from the source (tests: a warm rerun settles few). */
  get settledCount(): number {
    return this.settled.size;
  }

  private settle(name: string): void {
    if (this.unsettled === null || this.settled.has(name)) return;
    this.settled.add(name);
    for (const d of this.unsettled(name)) this.put(name, d);
  }

  /** The definitions of `name` in the order they were added (undefined when none). */
  get(name: string): T[] | undefined {
    this.settle(name);
    const v = this.m.get(name);
    return v === undefined ? undefined : Array.isArray(v) ? v : [v];
  }

  add(name: string, d: T): void {
    this.settle(name);
    this.put(name, d);
  }

  private put(name: string, d: T): void {
    const v = this.m.get(name);
    if (v === undefined) this.m.set(name, d);
    else if (Array.isArray(v)) v.push(d);
    else this.m.set(name, [v, d]);
  }

  /** Removes `d` (the same object) from `name`'s definitions. */
  remove(name: string, d: T): void {
    this.settle(name);
    const v = this.m.get(name);
    if (v === d) this.m.delete(name);
    else if (Array.isArray(v)) {
      const i = v.indexOf(d);
      if (i < 0) return;
      v.splice(i, 1);
      if (v.length === 1) this.m.set(name, v[0]);
    }
  }
}
