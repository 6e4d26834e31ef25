// Definitions by name, compact (issue 15 point 5): of a whole tree's ~620,000
// function names (7.2) fewer than 30,000 have more than one definition, so a
// name holds its one definition itself and an array only when it has more
// (an array of one cost ~56 bytes a name, ~35 MB in all). get() hands out
// the array of several as it is, and a fresh one for a single definition.

export class NamedDefinitions<T extends object> {
  private readonly m = new Map<string, T | T[]>();

  /** The definitions of `name` in the order they were added (undefined when none). */
  get(name: string): T[] | undefined {
    const v = this.m.get(name);
    return v === undefined ? undefined : Array.isArray(v) ? v : [v];
  }

  add(name: string, d: T): void {
    const v = this.m.get(name);
    if (v === undefined) this.m.set(name, d);
    else if (Array.isArray(v)) v.push(d);
    else this.m.set(name, [v, d]);
  }

  /** Removes `d` (the same object) from `name`'s definitions. */
  remove(name: string, d: T): void {
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
