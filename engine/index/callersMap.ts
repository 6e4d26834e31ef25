// Name -> the definitions that call it, compact (issue 15 point 5): a whole
// tree has ~500,000 called names and ~2.9 million calls (7.2). One JS array
// per name cost ~88 MB there (an array grown by push keeps room for 17);
// here the calls are two Int32Arrays by caller id (CSR: each name's callers
// are ids[starts[slot] .. starts[slot + 1]]), ~20 MB, and get() makes the
// array it hands out. Re-indexing a file (an edit) copies the names it
// touches into `edited`, in the order pushes and removals would have left
// them, so answers stay what the old map gave.

/** Anything with a name and the names it calls (a function definition or a macro). */
export interface Caller {
  name: string;
  calls: string[];
}

export class CallersMap<T extends Caller> {
  /** Each called name's slot. */
  private readonly slot = new Map<string, number>();
  /** Where each slot's caller ids start in `ids` (one more entry than slots). */
  private readonly starts: Int32Array;
  private readonly ids: Int32Array;
  /** The callers by id, in the order they were given. */
  private readonly nodes: T[];
  /** Names whose callers changed since the build (their whole list, the build's left behind). */
  private readonly edited = new Map<string, T[]>();

  constructor(callers: Iterable<T>) {
    this.nodes = [...callers];
    let refs = 0;
    for (const c of this.nodes)
      for (const n of c.calls) {
        if (!this.slot.has(n)) this.slot.set(n, this.slot.size);
        refs++;
      }
    const starts = new Int32Array(this.slot.size + 1);
    for (const c of this.nodes) for (const n of c.calls) starts[this.slot.get(n)! + 1]++;
    for (let i = 1; i < starts.length; i++) starts[i] += starts[i - 1];
    const ids = new Int32Array(refs);
    const at = starts.slice(0, this.slot.size);
    this.nodes.forEach((c, id) => {
      for (const n of c.calls) ids[at[this.slot.get(n)!]++] = id;
    });
    this.starts = starts;
    this.ids = ids;
  }

  /** The callers of `name` in build order then edit order (undefined when none); a fresh array the caller may keep. */
  get(name: string): T[] | undefined {
    const e = this.edited.get(name);
    if (e) return e.length ? [...e] : undefined;
    return this.built(name);
  }

  private built(name: string): T[] | undefined {
    const s = this.slot.get(name);
    if (s === undefined) return undefined;
    const out: T[] = new Array(this.starts[s + 1] - this.starts[s]);
    for (let i = this.starts[s], k = 0; i < this.starts[s + 1]; i++, k++) out[k] = this.nodes[this.ids[i]];
    return out;
  }

  private editable(name: string): T[] {
    let e = this.edited.get(name);
    if (!e) this.edited.set(name, (e = this.built(name) ?? []));
    return e;
  }

  /** `c` now calls `name` (last in its list, as a push left it). */
  add(name: string, c: T): void {
    this.editable(name).push(c);
  }

  /** `c` no longer calls `name`. */
  remove(name: string, c: T): void {
    const e = this.editable(name);
    const i = e.indexOf(c);
    if (i >= 0) e.splice(i, 1);
  }
}
