// Name -> the definitions that call it, compact (issue 15 point 5): a whole
// tree has ~500,000 called names and ~2.9 million calls (7.2). One JS array
// per name cost ~88 MB there (an array grown by push keeps room for 17);
// here the calls are two Int32Arrays by caller id (CSR: each name's callers
// are ids[starts[slot] .. starts[slot + 1]]), ~20 MB, and get() makes the
// array it hands out. Re-indexing a file (an edit) copies the names it
// touches into `edited`, in the order pushes and removals would have left
// them, so answers stay what the old map gave. The call-graph searches
// (stepSearch.ts) read ids, not definitions: idsOf(), node(), idOf().
//
// Built on demand in a one-check process (issue 15 point 2): the CSR costs
// ~0.8 s of a whole tree (a Map of every called name), and a CLI rerun whose
// searches and touchers set come from the analysis store asks for the
// callers of a handful of names (callTargets.ts: an opener bound by its
// callers). Given `passes`, the first that many names asked through peek()
// are answered by one pass over the callers' calls as they were given (a few
// % of the build each); the next one builds the CSR. get() (the touchers set,
// which asks thousands) and the searches build it at once. Both give the
// same callers in the same order. The language server keeps passes at 0
// (built when made, as before): its edits would otherwise pay for the
// passes, or for the build, on an edit's check.

/** Anything with a name, a file and the names it calls (a function definition or a macro). */
export interface Caller {
  name: string;
  file: string;
  calls: string[];
}

/** Where idsOf() puts a name's caller ids: list[from .. to). */
export interface IdSpan {
  list: ArrayLike<number>;
  from: number;
  to: number;
}

interface Csr {
  /** Each called name's slot. */
  slot: Map<string, number>;
  /** Where each slot's caller ids start in `ids` (one more entry than slots). */
  starts: Int32Array;
  ids: Int32Array;
}

/**
 * Callers not all made yet (an index whose files are kept encoded,
 * encodedDefinitions.ts): a pass answered from the encodings, and every
 * caller, in order, when the CSR is built. Both as the index was when the
 * map was made (the index builds the map before it changes such a file).
 */
export interface LazyCallers<T> {
  pass(name: string): T[] | undefined;
  all(): Iterable<T>;
}

export class CallersMap<T extends Caller> {
  /** The callers by id, in the order they were given (made when the CSR is built when `lazy` gives them). */
  private nodes: T[];
  /**
   * Each caller's calls as given: an edit replaces a definition's calls
   * (Object.assign in WorkspaceIndex.merge) before it adds the new ones
   * here, so a pass must read the calls the map was made from.
   */
  private callsOf: string[][] | null;
  private csr: Csr | null = null;
  /** Names answered by a pass so far. */
  private passed = 0;
  /** Names whose callers changed since the build (their whole list, the build's left behind). */
  private readonly edited = new Map<string, T[]>();
  /** The edited lists as ids (numbered()); a name's dropped when it is edited again. */
  private readonly editedIds = new Map<string, Int32Array>();
  /** Where each file's callers' ids run (runsByFile), made when an id is first asked for. */
  private runs: Map<string, number[]> | null = null;
  /** By caller id: its own name's slot in the CSR (-1: none; -2: not looked up yet); idsOfCallersOf(). */
  private ownSlots: Int32Array | null = null;
  /** File -> its callers' ids by caller, for the files idOf() was asked about. */
  private readonly idsInFile = new Map<string, Map<T, number>>();

  constructor(
    callers: Iterable<T>,
    /** Names answered by a pass over every caller before the CSR is built (see the header). */
    private readonly passes = 0,
    /** With passes: the callers given by this instead (`callers` is then not read). */
    private lazy: LazyCallers<T> | null = null,
  ) {
    this.nodes = this.lazy ? [] : [...callers];
    this.callsOf = this.lazy ? null : this.nodes.map((c) => c.calls);
    // Without passes, built now, as before (the snapshot is let go once built).
    if (!passes) this.csr = this.compile();
  }

  /** Whether the CSR was built (tests: a warm rerun that asks few names never builds it). */
  get compiled(): boolean {
    return this.csr !== null;
  }

  /** The callers of `name` in build order then edit order (undefined when none); a fresh array the caller may keep. */
  get(name: string): T[] | undefined {
    const e = this.edited.get(name);
    if (e) return e.length ? [...e] : undefined;
    return this.built(name);
  }

  /** get() for a caller that asks few names: answered by a pass while passes are left and the CSR is not built. */
  peek(name: string): T[] | undefined {
    const e = this.edited.get(name);
    if (e) return e.length ? [...e] : undefined;
    return this.base(name);
  }

  /** The build's callers of `name`: by a pass while passes are left and the CSR is not built, else from the CSR. */
  private base(name: string): T[] | undefined {
    if (this.csr || this.passed >= this.passes) return this.built(name);
    this.passed++;
    return this.pass(name);
  }

  /** Before the index changes a file: callers given lazily are made now, as they are (the passes read encodings and definitions in place). */
  beforeEdit(): void {
    if (this.lazy) this.csr ??= this.compile();
  }

  /**
   * Every caller given an id, for a search over ids (reachability.ts): the
   * CSR built, and callers an edit added to a list given the next ids. How
   * many ids there are; idsOf() then hands out only ids below it.
   */
  numbered(): number {
    this.csr ??= this.compile();
    for (const [name, list] of this.edited) if (!this.editedIds.has(name)) this.editedIds.set(name, Int32Array.from(list, (c) => this.number(c)));
    return this.nodes.length;
  }

  /**
   * The ids of `name`'s callers, in get()'s order, written into `span` (no
   * array made: a search asks ~5 * 10^5 names on a kernel tree). After
   * numbered(), before the next edit.
   */
  idsOf(name: string, span: IdSpan): void {
    const e = this.edited.size ? this.editedIds.get(name) : undefined;
    if (e) {
      span.list = e;
      span.from = 0;
      span.to = e.length;
      return;
    }
    if (this.edited.has(name)) throw new Error(`callers of ${name}: edited since numbered()`);
    const { slot, starts, ids } = (this.csr ??= this.compile());
    const s = slot.get(name);
    span.list = ids;
    span.from = s === undefined ? 0 : starts[s];
    span.to = s === undefined ? 0 : starts[s + 1];
  }

  /**
   * idsOf(node(id).name, span), the name's slot looked up once per caller
   * for all searches (each of the two large ones asks ~2-3 * 10^5 of the
   * tree's names, most the same).
   */
  idsOfCallersOf(id: number, span: IdSpan): void {
    const csr = this.csr;
    if (this.edited.size || !csr) return this.idsOf(this.nodes[id].name, span);
    let own = this.ownSlots;
    if (!own || own.length !== this.nodes.length) (own = this.ownSlots = new Int32Array(this.nodes.length)).fill(-2);
    let s = own[id];
    if (s === -2) own[id] = s = csr.slot.get(this.nodes[id].name) ?? -1;
    span.list = csr.ids;
    span.from = s < 0 ? 0 : csr.starts[s];
    span.to = s < 0 ? 0 : csr.starts[s + 1];
  }

  /** The caller with id `id` (from idsOf() or idOf()). */
  node(id: number): T {
    return this.nodes[id];
  }

  /** The id of `c` (-1: a caller not numbered: added by an edit since the last numbered()). */
  idOf(c: T): number {
    let ids = this.idsInFile.get(c.file);
    if (!ids) {
      // Made for a file when first asked (a check asks about a few hundred files' definitions, many times each).
      this.idsInFile.set(c.file, (ids = new Map()));
      const r = (this.runs ??= this.runsByFile()).get(c.file);
      if (r) for (let k = 0; k < r.length; k += 2) for (let i = r[k]; i < r[k + 1]; i++) ids.set(this.nodes[i], i);
    }
    return ids.get(c) ?? -1;
  }

  /** File -> where its callers' ids run, as [start, end) pairs. */
  fileRuns(): ReadonlyMap<string, readonly number[]> {
    return (this.runs ??= this.runsByFile());
  }

  /** `c`'s id, the next one if it has none. */
  private number(c: T): number {
    let id = this.idOf(c);
    if (id < 0) {
      id = this.nodes.push(c) - 1;
      const r = this.runs!.get(c.file);
      if (r) r.push(id, id + 1);
      else this.runs!.set(c.file, [id, id + 1]);
      this.idsInFile.get(c.file)?.set(c, id);
    }
    return id;
  }

  /**
   * File -> where its callers' ids run ([start, end) pairs): the callers come
   * in runs of one file, so one pass (~35 ms for a kernel tree's ~7 * 10^5),
   * not a Map entry per caller (~240 ms).
   */
  private runsByFile(): Map<string, number[]> {
    this.csr ??= this.compile();
    const runs = new Map<string, number[]>();
    const nodes = this.nodes;
    let last: string | null = null;
    let start = 0;
    const close = (end: number) => {
      if (last === null) return;
      const r = runs.get(last);
      if (r) r.push(start, end);
      else runs.set(last, [start, end]);
    };
    for (let i = 0; i < nodes.length; i++) {
      const f = nodes[i].file;
      if (f !== last) {
        close(i);
        last = f;
        start = i;
      }
    }
    close(nodes.length);
    return runs;
  }

  private built(name: string): T[] | undefined {
    const { slot, starts, ids } = (this.csr ??= this.compile());
    const s = slot.get(name);
    if (s === undefined) return undefined;
    const out: T[] = new Array(starts[s + 1] - starts[s]);
    for (let i = starts[s], k = 0; i < starts[s + 1]; i++, k++) out[k] = this.nodes[ids[i]];
    return out;
  }

  /** The callers of `name` by one pass over every caller's calls: what the CSR's slot holds, in the same order. */
  private pass(name: string): T[] | undefined {
    if (this.lazy) return this.lazy.pass(name);
    const out: T[] = [];
    const callsOf = this.callsOf!;
    for (let id = 0; id < callsOf.length; id++) {
      const calls = callsOf[id];
      for (let j = 0; j < calls.length; j++) if (calls[j] === name) out.push(this.nodes[id]);
    }
    return out.length ? out : undefined;
  }

  private compile(): Csr {
    if (this.lazy) {
      this.nodes = [...this.lazy.all()];
      this.callsOf = this.nodes.map((c) => c.calls);
      this.lazy = null;
    }
    const callsOf = this.callsOf!;
    this.callsOf = null;
    // Each call's slot found once (a Map of every called name: the build's cost), then counted and placed by it.
    const slot = new Map<string, number>();
    let refs = 0;
    for (const calls of callsOf) refs += calls.length;
    const slotOf = new Int32Array(refs);
    let r = 0;
    for (const calls of callsOf)
      for (const n of calls) {
        let s = slot.get(n);
        if (s === undefined) slot.set(n, (s = slot.size));
        slotOf[r++] = s;
      }
    const starts = new Int32Array(slot.size + 1);
    for (let i = 0; i < refs; i++) starts[slotOf[i] + 1]++;
    for (let i = 1; i < starts.length; i++) starts[i] += starts[i - 1];
    const ids = new Int32Array(refs);
    const at = starts.slice(0, slot.size);
    r = 0;
    for (let id = 0; id < callsOf.length; id++) for (let j = callsOf[id].length; j > 0; j--) ids[at[slotOf[r++]]++] = id;
    return { slot, starts, ids };
  }

  private editable(name: string): T[] {
    this.editedIds.delete(name);
    let e = this.edited.get(name);
    if (!e) this.edited.set(name, (e = this.base(name) ?? []));
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
