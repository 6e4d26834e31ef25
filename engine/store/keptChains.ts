// The contextual chains of a check's section calls (nesting, allocation,
// sleep: analysis/contextReach.ts) kept on disk, with what their searches
// read (issue 15 point 2): a warm rerun or a window reload takes them instead
// of surveying again.
//
// The unit kept is one search *phase*: the chains of one kind for one check's
// scope (its paths), in the order the checkers asked for them. Not single
// chains: ContextReach memoises searches across the calls of a phase, and a
// memo hit saves surveys against its work bound, so a chain computed alone
// can differ from the same chain computed after others (7.2: a call whose
// search runs past the bound alone but not after the calls before it; a
// memo per call gave a new, bounded finding there and cost seconds). A phase
// taken whole, or computed again whole, gives exactly what a cold run gives.
//
// Its key is what its searches read, checked against the index as it is now:
// - each surveyed function (the survey's memo entry: the function, the names
//   it looked up, the files whose global initializers it read) by its file's
//   content hash, and when that changed, by its region digest
//   (contentKeys.ts: an edit in another function of the file leaves it);
// - each name resolved by the files defining it (function or macro) and their
//   content hashes, and the index's whole-graph bits for it;
// - each call-graph answer read (distance from a name called in a file) and
//   which macros the surveys ran in place (SectionSearches.expands), asked
//   again of the searches as they are now;
// - a phase that read what is not keyed finer (the call graph's own chain
//   after a bound, a survey cut short, a definition not parsed) holds only
//   while no file of the tree changed.
// Checking reads no file except those whose content changed.
// A check asks its phases of ChainPhases, which reads the Workspace through
// ChainPhasesHost (this module never imports it).
import type { ContextReach, ReachChain, ReachReads } from '../analysis/contextReach';
import type { Interpreter } from '../analysis/interpreter';
import type { MemoEntry } from '../analysis/summaries/store';
import type { ChainsAcrossEdits } from './chainsAcrossEdits';
import type { SectionCall } from '../analysis/records';
import type { FunctionRef } from '../analysis/sourceCache';
import { Binding, bindingKey } from '../analysis/values';
import type { WorkspaceIndex } from '../index/workspaceIndex';
import type { Reachability } from '../index/reachability';
import type { AnalysisStore, StoreCounts } from './analysisStore';
import { ContentKeys, fileOfFnKey } from './contentKeys';

/** A phase's chains in the order asked, by the call's identity (what ContextReach.chain reads of it). */
export interface ChainProduct {
  calls: string[];
  results: (ReachChain | null)[];
  /**
   * Per call, whether it was answered before any search
   * (ContextReach.answeredAtOnce): kept in memory only (chainsAcrossEdits.ts),
   * so that a call typed or removed that leads nowhere does not make the
   * phase be searched again.
   */
  atOnce?: boolean[];
}

/** What a phase's searches read, in serial form, with the content hashes of the files it read. */
export interface ChainKey {
  /** File -> its content hash when the phase was computed ('': not indexed). */
  files: Record<string, string>;
  /** Surveyed function key -> its region digest (looked at only when its file's hash changed). */
  fns: Record<string, string>;
  /**
   * Name -> the files defining it (NUL-joined), what the index says of it
   * (ContentKeys.nameDigest: looked at only when a defining file changed),
   * and its whole-graph bits (uses the lazy API, may touch the mode).
   */
  names: Record<string, [string, string, boolean, boolean]>;
  /** File whose global initializers were read -> its text outside definitions (ContentKeys.globalsDigest; looked at only when the file changed). */
  globals: Record<string, string>;
  /** [name, file, distance] of each call-graph answer read (-1: none). */
  entries: [string, string, number][];
  /** Names the surveys looked up that they ran in place / did not. */
  expands: string[];
  expandsNot: string[];
  /** Read the whole tree (see the header): `files` then holds every file. */
  whole?: boolean;
  /**
   * The call graph's digest when the phase was computed. The call-graph
   * searches are a function of the graph and the world (the store keeps them
   * by that digest), so while it is the same, `entries` and `expands` answer
   * as they did and are not asked again: a rerun whose edit kept the graph
   * neither reads nor decodes the searches for them.
   */
  graph?: string;
}

export interface ChainEntry {
  key: ChainKey;
  product: ChainProduct;
}

/**
 * A chain's copy for a finding: new hops and undecided notes (their places
 * are moved in place in a product kept across edits: chainsAcrossEdits.ts),
 * the rest shared (conditions and texts are never written once made).
 */
function copyChain(r: ReachChain | null): ReachChain | null {
  return r && { ...r, hops: r.hops.map((h) => (h.undecided ? { ...h, undecided: h.undecided.map((u) => ({ ...u })) } : { ...h })) };
}

/** What ContextReach.chain reads of a call (not its place: the same call elsewhere has the same chain). */
export function callIdentity(c: SectionCall): string {
  return JSON.stringify([c.callee, c.fromFile, c.via ?? null, c.args, bindingKey(c.binding)]);
}

/** Collects what a phase's searches read (ContextReach.reads). */
export class ChainRecorder implements ReachReads {
  readonly names = new Set<string>();
  readonly fns = new Set<string>();
  readonly globals = new Set<string>();
  readonly surveyNames = new Set<string>();
  readonly entries = new Map<string, [string, string, number]>();
  /** The survey memo entries read (a phase kept in process across edits holds while they do: analysis/chainsAcrossEdits.ts). */
  readonly surveyed = new Set<MemoEntry>();
  /** Per survey entry, the bindings it was asked with (by bindingKey): an edited function's survey is made again with them. */
  readonly asked = new Map<MemoEntry, Map<string, Binding | undefined>>();
  /** Something not keyed finer was read. */
  wide = false;

  constructor(private readonly interp: Interpreter) {}

  name(name: string): void {
    this.names.add(name);
  }

  entry(name: string, file: string, dist: number): void {
    const k = `${name}\0${file}`;
    if (!this.entries.has(k)) this.entries.set(k, [name, file, dist]);
  }

  survey(fn: FunctionRef, binding: Binding | undefined): void {
    const e = this.interp.surveyEntry(fn, binding);
    if (!e || !e.clean) {
      this.wide = true;
      return;
    }
    this.surveyed.add(e);
    let bs = this.asked.get(e);
    if (!bs) this.asked.set(e, (bs = new Map()));
    bs.set(bindingKey(binding), binding);
    for (const f of e.fns) this.fns.add(f);
    for (const n of e.names) {
      this.names.add(n);
      this.surveyNames.add(n);
    }
    for (const g of e.globals) this.globals.add(g);
  }

  whole(): void {
    this.wide = true;
  }
}

function definingFiles(index: WorkspaceIndex, name: string): string[] {
  return [...new Set([...index.definitionsNamed(name).map((d) => d.file), ...index.macrosNamed(name).map((m) => m.file)])].sort();
}

/**
 * The key of a phase from what its searches read, made when it is computed
 * (no file read: the index's content hashes and answers); its digests
 * (regions, names) are made when the store is written (withDigests).
 */
export function chainKey(index: WorkspaceIndex, r: ChainRecorder, expands: (name: string) => boolean): ChainKey {
  const files = new Set<string>();
  if (r.wide) for (const f of index.files()) files.add(f);
  for (const f of r.fns) files.add(fileOfFnKey(f));
  for (const g of r.globals) files.add(g);
  const names: Record<string, [string, string, boolean, boolean]> = {};
  for (const n of [...r.names].sort()) {
    const defining = definingFiles(index, n);
    for (const f of defining) files.add(f);
    names[n] = [defining.join('\0'), '', index.usesLazyApi(n), index.mayTouchMode(n)];
  }
  const hashes: Record<string, string> = {};
  for (const f of [...files].sort()) hashes[f] = index.contentHashOf(f) ?? '';
  const fns: Record<string, string> = {};
  for (const f of [...r.fns].sort()) fns[f] = '';
  const sn = [...r.surveyNames].sort();
  return {
    files: hashes,
    fns,
    names,
    globals: Object.fromEntries([...r.globals].sort().map((g) => [g, ''])),
    entries: [...r.entries.values()],
    expands: sn.filter((n) => expands(n)),
    expandsNot: sn.filter((n) => !expands(n)),
    ...(r.wide ? { whole: true } : {}),
  };
}

/**
 * The key's digests made from the texts as they are now, when the store is
 * written: false when a file it read changed since the phase was computed
 * (its digests would not say what it was computed from: not written).
 */
export function withDigests(index: WorkspaceIndex, keys: ContentKeys, k: ChainKey): boolean {
  for (const f in k.files) if ((index.contentHashOf(f) ?? '') !== k.files[f]) return false;
  for (const f in k.fns) if (!k.fns[f]) k.fns[f] = keys.fnDigest(f);
  for (const n in k.names) if (!k.names[n][1]) k.names[n][1] = keys.nameDigest(n);
  for (const g in k.globals) if (!k.globals[g]) k.globals[g] = keys.globalsDigest(g);
  return true;
}

/**
 * Whether a kept phase's key holds for the tree as it is now: `entryDist`
 * asks the kind's call-graph search as it is now, `expands` which macros
 * surveys run in place. Digests are made only where a file's content changed
 * (a key not yet given its digests holds only where nothing it read changed).
 */
export function chainKeyHolds(
  index: WorkspaceIndex,
  keys: ContentKeys,
  k: ChainKey,
  entryDist: (name: string, file: string) => number,
  expands: (name: string) => boolean,
): boolean {
  const changed = new Set<string>();
  for (const f in k.files) if ((index.contentHashOf(f) ?? '') !== k.files[f]) changed.add(f);
  // The whole tree: every file as it was, and no file added.
  if (k.whole && (changed.size || index.files().length !== Object.keys(k.files).length)) return false;
  for (const g in k.globals) if (changed.has(g) && (!k.globals[g] || keys.globalsDigest(g) !== k.globals[g])) return false;
  if (changed.size) for (const f in k.fns) if (changed.has(fileOfFnKey(f)) && (!k.fns[f] || keys.fnDigest(f) !== k.fns[f])) return false;
  for (const n in k.names) {
    const [files, digest, lazy, touch] = k.names[n];
    if (index.usesLazyApi(n) !== lazy || index.mayTouchMode(n) !== touch) return false;
    const now = definingFiles(index, n);
    if (now.join('\0') !== files) return false;
    // A defining file changed: its definitions of the name may have (place, linkage, condition).
    if (changed.size && now.some((f) => changed.has(f)) && (!digest || keys.nameDigest(n) !== digest)) return false;
  }
  if (k.graph !== undefined && k.graph === keys.graphDigest()) return true;
  for (const [name, file, dist] of k.entries) if (entryDist(name, file) !== dist) return false;
  for (const n of k.expands) if (!expands(n)) return false;
  for (const n of k.expandsNot) if (expands(n)) return false;
  return true;
}

/**
 * One phase of a check: its chains served from the kept product while the
 * calls asked are the ones it was made for, in the same order; at the first
 * other call a live search is started, given the calls asked before it
 * first (so its memo is what a cold run's is), and answers from there on.
 * A call answered before any search (ContextReach.answeredAtOnce: it leaves
 * the search's memo and bound as they were) is passed over, asked now or
 * kept, when the product says which were (in memory: `atOnce`): typing
 * `cpu_relax();` into a section's callee adds such a call.
 */
export class ChainPhase {
  private readonly asked: SectionCall[] = [];
  private readonly ids: string[] = [];
  private readonly results: (ReachChain | null)[] = [];
  private live: { chain(c: SectionCall): ReachChain | null } | null = null;
  /** The next kept call to serve. */
  private at = 0;
  /** Chains taken from the kept product / computed here (replays of calls served before included). */
  served = 0;
  computed = 0;

  constructor(
    private readonly kept: ChainProduct | null,
    private readonly startLive: () => { chain(c: SectionCall): ReachChain | null },
    /** ContextReach.answeredAtOnce of the phase's kind. */
    private readonly answeredAtOnce: (c: SectionCall) => boolean = () => false,
  ) {}

  chain(c: SectionCall): ReachChain | null {
    const id = callIdentity(c);
    const n = this.asked.length;
    this.asked.push(c);
    this.ids.push(id);
    let r: ReachChain | null;
    const kept = this.kept;
    if (!this.live && kept && kept.atOnce)
      while (this.at < kept.calls.length && kept.calls[this.at] !== id && kept.atOnce[this.at]) this.at++;
    if (!this.live && kept && this.at < kept.calls.length && kept.calls[this.at] === id) {
      // A copy: the checkers' findings hold the hops, the kept product stays as made.
      r = copyChain(kept.results[this.at++]);
      this.served++;
    } else if (!this.live && kept?.atOnce && this.answeredAtOnce(c)) {
      r = null;
      this.served++;
    } else {
      if (!this.live) {
        this.live = this.startLive();
        for (let i = 0; i < n; i++) this.live.chain(this.asked[i]);
        this.served -= n;
        this.computed += n;
      }
      r = this.live.chain(c);
      this.computed++;
    }
    this.results.push(r);
    return r;
  }

  /** The product to keep when some of the phase was computed here (null: all of it was served). */
  product(): ChainProduct | null {
    return this.live ? structuredClone({ calls: this.ids, results: this.results }) : null;
  }

  /** Which of the calls asked were answered before any search (for the product kept in memory). */
  atOnce(): boolean[] {
    return this.asked.map((c) => this.answeredAtOnce(c));
  }
}

/** What a check's chain phases read of the Workspace (K: the search kinds, checkers/reachKinds.ts). */
export interface ChainPhasesHost<K extends string> {
  index: WorkspaceIndex;
  /** The analysis store, or null when nothing is kept: none, or a text edited since the index (Workspace.textEdited). */
  store(): AnalysisStore | null;
  /** The kind's call-graph search as it is now. */
  reach(kind: K): Reachability;
  /** A contextual search of the kind, for this check. */
  contextReach(kind: K): ContextReach;
  /** Which macros surveys run in place (checkers/sectionSearches.ts expands). */
  expands(name: string): boolean;
  interpreter(): Interpreter;
  /** The phases computed in this process, served when there is no store to ask (chainsAcrossEdits.ts). */
  acrossEdits: ChainsAcrossEdits;
}

/**
 * The chain phases of one check's scope: each kind's chains from the store
 * while what their searches read holds (without a store to ask, as after an
 * edit: the phase this process computed last, while what it read holds:
 * chainsAcrossEdits.ts), else from a contextual search whose reads are
 * recorded; keep() keeps those computed here in memory and puts them in the
 * store.
 */
export class ChainPhases<K extends string> {
  /** Each phase with its recorders and the call graph's digest its live search started on (ChainKey.graph). */
  private readonly phases: [K, ChainPhase, ChainRecorder[], { graph?: string }][] = [];

  constructor(
    private readonly host: ChainPhasesHost<K>,
    /** The check's scope (its paths): phases are kept per scope and kind. */
    private readonly scope: string,
  ) {}

  /** The phase of one kind (asked once per kind and check). */
  phase(kind: K): ChainPhase {
    const host = this.host;
    const store = host.store();
    const id = `${kind}\0${this.scope}`;
    // The search is asked (read from the store, or computed) only when a kept key's graph differs.
    const dist = (n: string, f: string) => host.reach(kind).entry(n, f)?.step.dist ?? -1;
    let unrecorded: ContextReach | null = null;
    const search = () => (unrecorded ??= host.contextReach(kind));
    const kept = store ? store.chainsOf(id, host.index, dist, (n) => host.expands(n)) : host.acrossEdits.productOf(id, host.interpreter(), dist, search);
    const recorders: ChainRecorder[] = [];
    const made: { graph?: string } = {};
    const phase = new ChainPhase(
      kept,
      () => {
        made.graph = host.store()?.graphDigest();
        const cr = host.contextReach(kind);
        recorders.push((cr.reads = new ChainRecorder(host.interpreter())));
        return cr;
      },
      (c) => search().answeredAtOnce(c),
    );
    this.phases.push([kind, phase, recorders, made]);
    return phase;
  }

  /** Counts the phases' chains into `counts`; keeps those computed here in memory and puts them in the store (keyed by what they read). */
  keep(counts: StoreCounts): void {
    const host = this.host;
    const store = host.store();
    for (const [kind, phase, [recorder], made] of this.phases) {
      const id = `${kind}\0${this.scope}`;
      const product = phase.product();
      if (product && recorder) host.acrossEdits.keep(id, { ...product, atOnce: phase.atOnce() }, recorder);
      if (!store) continue;
      counts.chainsFromStore += phase.served;
      counts.chainsComputed += phase.computed;
      // Its own copy: the one kept in memory has its places moved by later edits.
      if (product && recorder) {
        const key = chainKey(host.index, recorder, (n) => host.expands(n));
        if (made.graph !== undefined) key.graph = made.graph;
        store.putChains(id, host.index, key, phase.product()!);
      }
    }
  }
}
