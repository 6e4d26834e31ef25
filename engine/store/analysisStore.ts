// Analysis kept on disk between processes (issue 15 point 2), under the
// cache folder beside the index cache:
//   <cache>/analysis/<hash of root, arch, pinned config>/sections.json
//   <cache>/analysis/<...>/searches.bin (V8's serial form: typed arrays)
// Two products, each entry with an explicit key checked on load, never
// trusted blindly (clangd's and rust-analyzer's way: store what was computed
// with what it was computed from):
// - per section opener, what its analysis gives the checkers (the reads
//   after writes, lazy-mode events, calls made in the section, calls through
//   pointers, the unbalanced/pause findings): its *local verdicts*, keyed by
//   the content of everything the run read (ContentKeys: the regions of the
//   functions summarised below it, the index's answers for every name looked
//   up, files whose global initializers were read). Not the summaries
//   themselves: they hold syntax nodes, and the checkers need only this.
// - per call-graph search (Reachability: enter, allocation, sleep), its
//   answer keyed by the targets, barriers and depth and by the call graph's
//   digest: an edit inside a body that keeps the names it calls keeps them.
// - per open file, the hover's section information (engine/sectionInfo.ts)
//   for each enter and leave call of its sections (keptSections.ts): keyed by
//   every file's content (the callees' effects and chains read the whole
//   call graph), so a hover asked right after a window reload is read, not
//   computed behind the first check.
// - per file, the local rules' verdicts (locals.json, keptLocals.ts; most
//   entries packed, packedLocals.ts): keyed
//   by the file's content hash and those of the files its derived APIs read,
//   so a rerun after an edit walks only the edited file's functions; and per
//   function of it (localFns.json), keyed by the function's own text and
//   place, so that of the edited file only the functions an edit touched are
//   walked.
// - per file, what the read-after-write findings read of its syntax (the
//   read's use, the fix's inserts: placements.json, keptPlacements.ts), by
//   its content hash: a rerun parses no unedited file to place a fix.
// - each file's part of the call graph hashed, by its content hash, with the
//   graph's digest made of them (graphParts.bin): a reload or a rerun
//   compares the files' content hashes with the parts' and hashes again only
//   the parts of files that changed; when those came out the same, the
//   digest is the stored one (the graph is not hashed whole again).
// - the region digests the openers' keys asked for, by file and its content
//   hash (regions.json, contentKeys.ts KeptDigests): a rerun checks the
//   stored openers without reading and hashing every file they read.
// - the index's "may touch the mode" set with the graph digest it was made
//   for (touchers.json): a function of the call graph alone, so a rerun whose
//   edit kept every call does not build the callers map to make it again.
// - per check scope and kind, the contextual chains of the section calls
//   (chains.bin, keptChains.ts), keyed by what their searches read: a
//   rerun or reload surveys only where an edit touched what they read.
// The files also carry the *world*: the build of lazymmu, the catalogue,
// the architecture, the configuration and the build files it is read from;
// another world's file is not used (openAnalysisStore makes the world of a
// Workspace). A corrupt file is ignored with a log line; a stale entry is
// computed again (and replaces the old one on save).
// Long (~610 lines) because every product's entries, what holds in this
// process, and their writing live together: changed(), forgetChecked() and
// save() must see all of them. What keys each product is its own module's
// (contentKeys, keptLocals, keptChains, keptSections).
// Long (~600 lines) because each product above is opened, checked against its
// key and saved here, beside the others, with one world and one settle.
import * as crypto from 'crypto';
import * as path from 'path';
import type { Finding } from '../findings';
import type { IndirectCall, ModeEvent, ReadHit, SectionCall } from '../analysis/records';
import type { StoredReach } from '../index/reachability';
import type { SectionInfo } from '../sectionInfo';
import { noteOwner } from '../cacheSweep';
import { ContentKeys, Deps, GraphParts, KeptDigests, TreeDigest, fileOfFnKey } from './contentKeys';
import { readStore, writeStore } from './storeFile';
import { DeltaEntries, readWithDelta, writeWithDelta } from './storeDelta';
import type { ReadsAbove } from './readsAbove';
import { PlacementsEntry, placedIn } from './keptPlacements';
import { LocalsTable } from './packedLocals';
import { FunctionLocalsEntry, LocalDeps, LocalsEntry, NameReads, functionLocalsEntry, functionLocalsHold, localsEntry, localsHold } from './keptLocals';
import type { WorkspaceIndex } from '../index/workspaceIndex';
import type { Catalogue } from '../catalogue/catalogue';
import type { ConfigOracle } from '../config/oracle';
import type { KernelConfig } from '../config/kernelConfig';
import type { TreeArchitectures } from '../architectures';
import { codeSig } from '../index/resultCache';
import { ChainEntry, ChainKey, ChainProduct, chainKeyHolds, withDigests } from './keptChains';

/** What one opener's analysis gives the checkers (Workspace.analyseSections), in the order it made them. */
export interface SectionProduct {
  hits: ReadHit[];
  events: ModeEvent[];
  calls: SectionCall[];
  /** Calls through pointers, in the order they were recorded (a later one at the same place wins). */
  indirect: IndirectCall[];
  /** Places of calls through the opener's own pointer parameter that its callers' bindings cover. */
  covered: string[];
  findings: Finding[];
}

interface SectionEntry {
  deps: Deps;
  digest: string;
  product: SectionProduct;
}

/** One file's kept hover answers: the section information per 1-based line of an enter or leave call. */
export interface HoverEntry {
  deps: Deps;
  digest: string;
  byLine: Record<string, SectionInfo>;
}

interface SearchEntry {
  key: string;
  answer: StoredReach;
}

/** One function's local verdict, to be stored with its file's (AnalysisStore.putLocals). */
export interface FunctionVerdict {
  name: string;
  line: number;
  findings: Finding[];
  deps: LocalDeps;
}

/** What a check took from the store and what it computed (tests and the server's log read these; never timings). */
export interface StoreCounts {
  sectionsFromStore: number;
  sectionsComputed: number;
  searchesFromStore: number;
  searchesComputed: number;
  /** Files whose local rules' verdicts came from the store / were computed (keptLocals.ts). */
  localsFromStore: number;
  localsComputed: number;
  /** Of the files computed, functions whose verdicts came from the store / were walked (keptLocals.ts, FunctionLocalsEntry). */
  localFunctionsFromStore: number;
  localFunctionsComputed: number;
  /** Read-after-write findings' uses and fixes placed from the store / from the read's file parsed (keptPlacements.ts). */
  placementsFromStore: number;
  placementsComputed: number;
  /** Section calls whose contextual chains came from the store / were computed (keptChains.ts). */
  chainsFromStore: number;
  chainsComputed: number;
}

export const noCounts = (): StoreCounts => ({
  sectionsFromStore: 0,
  sectionsComputed: 0,
  searchesFromStore: 0,
  searchesComputed: 0,
  localsFromStore: 0,
  localsComputed: 0,
  localFunctionsFromStore: 0,
  localFunctionsComputed: 0,
  placementsFromStore: 0,
  placementsComputed: 0,
  chainsFromStore: 0,
  chainsComputed: 0,
});

/** What a check took from the store, said in a log line ("" when it used none: no cache folder, or nothing analysed). */
export function storeSaying(c: StoreCounts): string {
  const sections = c.sectionsFromStore + c.sectionsComputed;
  const searches = c.searchesFromStore + c.searchesComputed;
  if (!sections && !searches) return '';
  const locals = c.localsFromStore + c.localsComputed;
  const fns = c.localFunctionsFromStore + c.localFunctionsComputed;
  const fnsSaid = fns ? ` (of their functions', ${c.localFunctionsFromStore} of ${fns})` : '';
  const localsSaid = locals ? `, ${c.localsFromStore} of ${locals} files' local verdicts${fnsSaid}` : '';
  const chains = c.chainsFromStore + c.chainsComputed;
  const chainsSaid = chains ? `, ${c.chainsFromStore} of ${chains} section calls' chains` : '';
  return `from the analysis store: ${c.sectionsFromStore} of ${sections} sections, ${c.searchesFromStore} of ${searches} call-graph searches${chainsSaid}${localsSaid}`;
}

/** The world a store file holds for (see the header): any JSON-able parts, Maps, Sets and RegExps included. */
function worldKey(parts: unknown[]): string {
  const plain = (_k: string, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v instanceof RegExp ? `/${v.source}/${v.flags}` : v);
  return crypto.createHash('sha1').update(JSON.stringify(parts, plain)).digest('hex');
}

/** What a Workspace's store is opened from: which store, and the parts of its world (see the header). */
export interface StoreOpening {
  /** The cache folder (no store without one). */
  cacheDir?: string;
  /** false: no store even with a cache folder (WorkspaceOptions.analysisStore). */
  wanted: boolean;
  root: string;
  catalogue: Catalogue;
  config: ConfigOracle;
  kernelConfig?: KernelConfig;
  index: WorkspaceIndex;
  architectures: TreeArchitectures;
  contextSearchBound?: number;
  log: (msg: string) => void;
}

/** The store of a root, architecture and pinned configuration, for the world as it is (null: no cache folder, or not wanted). */
export function openAnalysisStore(o: StoreOpening): AnalysisStore | null {
  if (!o.cacheDir || !o.wanted) return null;
  const world = worldKey([
    codeSig(),
    o.catalogue,
    o.config.arch,
    o.kernelConfig ?? null,
    o.config.active ? [o.config.info(), o.config.archOptions()?.facts ?? null] : null,
    o.index.buildFilesSignature(),
    o.architectures.implementations(),
    o.contextSearchBound ?? null,
  ]);
  return new AnalysisStore(o.cacheDir, [o.root, o.config.arch, o.config.info().text], world, o.log);
}

export class AnalysisStore {
  private readonly dir: string;
  private sections: Map<string, SectionEntry> | null = null;
  private searches: Map<string, SearchEntry> | null = null;
  private hovers: Map<string, HoverEntry> | null = null;
  /** locals.json with its delta, most entries packed (packedLocals.ts): a rerun after an edit writes the few files changed. */
  private locals: LocalsTable | null = null;
  /** Per file, what the read-after-write findings placed in it (keptPlacements.ts). */
  private placements: Map<string, PlacementsEntry> | null = null;
  /** Per file, its functions' local verdicts by their functionDigest (localFns.json with its delta, storeDelta.ts). */
  private localFns: DeltaEntries<Record<string, FunctionLocalsEntry>> | null = null;
  private chains: Map<string, ChainEntry> | null = null;
  /** Chain phases put since the last write: their digests are made when it is written (withDigests), with the index they were computed on. */
  private unkeyedChains = new Map<string, WorkspaceIndex>();
  private dirty = { sections: false, searches: false, hovers: false, locals: false, localFns: false, placements: false, chains: false };
  private keys: ContentKeys | null = null;
  /** The tree's digest kept across content keys (ContentKeys' third argument). */
  readonly tree = new TreeDigest();
  /** Files' digests and the graph's kept across content keys (an edit makes new keys; contentKeys.ts). */
  private readonly keptDigests = new KeptDigests(() => readStore(this.file('regions'), this.world, this.log));
  private parts: GraphParts | null = null;
  /** The call graph's parts kept across content keys and processes (ContentKeys' fourth argument). */
  readonly graphParts = (): GraphParts => (this.parts ??= GraphParts.fromStored(readStore(this.file('graphParts', 'bin'), this.world, this.log, 'v8')));
  /** The touchers set to write on save when made here (not read): the keys it was made under, and the index. */
  private touchersToKeep: { keys: ContentKeys; index: WorkspaceIndex } | null = null;
  /**
   * Searches computed in this process, put in serial form only when saved, or
   * before the search itself changes (settle(kind)): on a whole tree the
   * serial form and the graph's digest cost seconds, which a caller can
   * spend after its diagnostics are out. What an edit changes of what they
   * read is kept as it was before the index changes (beforeIndexChange), so
   * an edit that keeps the searches makes no serial form.
   */
  private pendingSearches = new Map<string, { entry: () => SearchEntry; before: (file: string) => void }>();
  /**
   * Openers whose entry was checked against the tree (or made) in this
   * process and nothing they read was edited since (changed()): taken again
   * without computing their keys (an editor's check per keystroke).
   */
  private valid = new Set<string>();
  /**
   * Openers computed in this process and not yet keyed: their digests are
   * made when the store is written (save()), not on the edit path. Always in
   * `valid`; changed() drops one whose inputs an edit touched (its key would
   * no longer be what it was computed from), so what save() keys is read
   * from the content the product was computed on.
   */
  private unkeyed = new Map<string, { deps: Deps; product: SectionProduct }>();
  /** The same for the kept hover answers (files). */
  private validHovers = new Set<string>();
  /** The same for the local verdicts: file -> the files their key read (changed() drops them on an edit there). */
  private validLocals = new Map<string, ReadonlySet<string>>();
  /** What the index says of the names the local verdicts' keys read, made once until the index changes (changed(), forgetChecked()). */
  private readonly nameReads = new NameReads();
  /** The checked root (id[0]): recorded beside the store so that cacheSweep can tell when it is gone. */
  private readonly root: string;

  constructor(
    cacheDir: string,
    /** Which store: the root, architecture and pinned configuration. */
    id: string[],
    private readonly world: string,
    private readonly log: (msg: string) => void,
  ) {
    this.dir = path.join(cacheDir, 'analysis', crypto.createHash('sha1').update(id.join('\0')).digest('hex').slice(0, 16));
    this.root = id[0];
  }

  /** Content keys made afresh (texts may have changed since the last ones). */
  begin(keys: ContentKeys): void {
    // (The pending searches keep the keys they were put under: beforeIndexChange.)
    this.keys = keys;
    keys.kept = this.keptDigests;
  }

  /**
   * Content keys made afresh for `index` as it is now (`textOf`: the texts
   * they read), with the "may touch the mode" set of an earlier process for
   * the same call graph (the names' keys need it).
   */
  keyFor(index: WorkspaceIndex, textOf: (file: string) => string | null): void {
    this.begin(new ContentKeys(index, textOf, this.tree, this.graphParts));
    this.touchersFor(index);
  }

  /**
   * Gives the index the "may touch the mode" set an earlier process made for
   * this call graph (touchers.json) when the graph's digest is the same;
   * otherwise the set the index makes in this process is written on save.
   */
  touchersFor(index: WorkspaceIndex): void {
    const keys = this.keys;
    if (!keys || index.touchersIfKnown()) return;
    const e = readStore<{ graph: string; names: string[] }>(this.file('touchers'), this.world, this.log).get('touchers');
    if (e && typeof e.graph === 'string' && Array.isArray(e.names) && e.graph === keys.graphDigest()) index.knownTouchers(new Set(e.names));
    else this.touchersToKeep = { keys, index };
  }

  private file(name: string, ext = 'json'): string {
    return path.join(this.dir, `${name}.${ext}`);
  }

  private sectionEntries(): Map<string, SectionEntry> {
    return (this.sections ??= readStore<SectionEntry>(this.file('sections'), this.world, this.log));
  }

  private searchEntries(): Map<string, SearchEntry> {
    return (this.searches ??= readStore<SearchEntry>(this.file('searches', 'bin'), this.world, this.log, 'v8'));
  }

  private hoverEntries(): Map<string, HoverEntry> {
    return (this.hovers ??= readStore<HoverEntry>(this.file('hovers'), this.world, this.log));
  }

  /**
   * The kept hover answers of `file` when everything they were computed from
   * is as it was (null otherwise: computed as before). Checking costs the
   * tree's digest, made from the index's content hashes (no file is read).
   */
  hoversOf(file: string): Record<string, SectionInfo> | null {
    const e = this.hoverEntries().get(file);
    return e && this.holds(e, file, this.validHovers) ? e.byLine : null;
  }

  putHovers(file: string, deps: Deps, byLine: Record<string, SectionInfo>): void {
    if (!this.keys) return;
    this.hoverEntries().set(file, { deps, digest: this.keys.depsDigest(deps), byLine });
    this.validHovers.add(file);
    this.dirty.hovers = true;
  }

  private localEntries(): LocalsTable {
    return (this.locals ??= new LocalsTable(this.file('locals'), this.world, this.log));
  }

  /** The stored local verdicts of `file` when what they were computed from is as it was (keptLocals.ts), else null. */
  localsOf(index: WorkspaceIndex, file: string): LocalsEntry | null {
    const e = this.localEntries().get(file);
    if (!e) return null;
    if (!this.validLocals.has(file)) {
      const reads = localsHold(index, file, e, this.nameReads);
      if (!reads) return null;
      this.validLocals.set(file, reads);
    }
    return e;
  }

  /** Whether any local verdicts of `file` are stored, holding or not. */
  hasLocals(file: string): boolean {
    return this.localEntries().has(file);
  }

  /** A read-after-write finding's answer read from `file`'s syntax, kept by its content (keptPlacements.ts; readAfterWrite.ts's PlacedInFile). */
  placedIn<T>(index: WorkspaceIndex, file: string, key: string, compute: () => T): T {
    this.placements ??= readStore<PlacementsEntry>(this.file('placements'), this.world, this.log);
    return placedIn(this.placements, index, file, key, compute, () => (this.dirty.placements = true));
  }

  private localFnEntries(): Map<string, Record<string, FunctionLocalsEntry>> {
    return (this.localFns ??= readWithDelta<Record<string, FunctionLocalsEntry>>(this.file('localFns'), this.world, this.log)).entries;
  }

  /**
   * The stored local verdict of one function (the definition `name` at
   * `line` of `file`) when its text, place and what it read are as they
   * were, else null. A file with none stored costs no key.
   */
  functionLocalsOf(index: WorkspaceIndex, file: string, name: string, line: number): FunctionLocalsEntry | null {
    const kept = this.localFnEntries().get(file);
    const keys = this.keys;
    const key = kept && keys?.functionDigest(file, name, line);
    const e = key ? kept[key] : undefined;
    return e && functionLocalsHold(index, (f) => keys!.fnDigest(f), e, this.nameReads) ? e : null;
  }

  /**
   * Puts a file's local verdicts, and those of its functions walked or taken
   * from the store (they replace the file's functions stored before).
   */
  putLocals(index: WorkspaceIndex, file: string, deps: LocalDeps, findings: Finding[], leftOut: number, functions: readonly FunctionVerdict[] = []): void {
    const keys = this.keys;
    if (keys) {
      const byKey: Record<string, FunctionLocalsEntry> = {};
      for (const f of functions) {
        const key = keys.functionDigest(file, f.name, f.line);
        if (key) byKey[key] = functionLocalsEntry(index, (k) => keys.fnDigest(k), f.deps, f.findings, this.nameReads);
      }
      const entries = this.localFnEntries();
      if (Object.keys(byKey).length) entries.set(file, byKey);
      else entries.delete(file);
      this.localFns!.changed.add(file);
      this.dirty.localFns = true;
    }
    const made = localsEntry(index, file, deps, findings, leftOut, this.nameReads);
    if (!made) return;
    this.localEntries().set(file, made.entry);
    this.validLocals.set(file, made.reads);
    this.dirty.locals = true;
  }

  private chainEntries(): Map<string, ChainEntry> {
    return (this.chains ??= readStore<ChainEntry>(this.file('chains', 'bin'), this.world, this.log, 'v8'));
  }

  /**
   * The kept chains of one check scope and kind (keptChains.ts) when what
   * their searches read is as it was: `entryDist` and `expands` ask the
   * searches as they are now. Null otherwise (computed again).
   */
  chainsOf(scope: string, index: WorkspaceIndex, entryDist: (name: string, file: string) => number, expands: (name: string) => boolean): ChainProduct | null {
    const e = this.chainEntries().get(scope);
    if (!e || !this.keys) return null;
    try {
      return chainKeyHolds(index, this.keys, e.key, entryDist, expands) ? e.product : null;
    } catch {
      return null; // a malformed entry: computed again
    }
  }

  /** The call graph's digest under the current content keys (undefined: none yet); made once per keys. */
  graphDigest(): string | undefined {
    return this.keys?.graphDigest();
  }

  /** A phase's chains computed now, with the key made when they were (its digests are made on save). */
  putChains(scope: string, index: WorkspaceIndex, key: ChainKey, product: ChainProduct): void {
    if (!this.keys) return;
    this.chainEntries().set(scope, { key, product });
    this.unkeyedChains.set(scope, index);
  }

  /** Gives the phases put since the last write their digests, from the texts they were computed on (else not written). */
  private keyChains(): void {
    if (!this.unkeyedChains.size || !this.keys || !this.chains) return;
    for (const [scope, index] of this.unkeyedChains) {
      const e = this.chains.get(scope);
      if (e && !withDigests(index, this.keys, e.key)) this.chains.delete(scope);
    }
    this.unkeyedChains.clear();
    this.dirty.chains = true;
  }

  /** The opener's stored product when everything it was computed from is as it was, else null. */
  section(opener: string): SectionProduct | null {
    const u = this.unkeyed.get(opener);
    if (u) return u.product;
    const e = this.sectionEntries().get(opener);
    return e && this.holds(e, opener, this.valid) ? e.product : null;
  }

  /** Whether an entry's key is what it was computed from now (`valid`: those checked already in this process). */
  private holds(e: { deps: Deps; digest: string }, name: string, valid: Set<string>): boolean {
    if (!this.keys) return false;
    if (valid.has(name)) return true;
    try {
      if (this.keys.depsDigest(e.deps) !== e.digest) return false;
    } catch {
      return false; // a malformed entry: computed again
    }
    valid.add(name);
    return true;
  }

  /**
   * An opener's product computed now. Keyed when the store is written: an
   * editor's check after a keystroke puts every opener again, and making
   * their keys was most of an ordinary edit's time. One whose entry still
   * holds (checked or put in this process, nothing it read edited since) is
   * what a fresh analysis of the same inputs gives: nothing to put.
   */
  putSection(opener: string, deps: Deps, product: SectionProduct): void {
    if (!this.keys || this.holdsSection(opener)) return;
    this.unkeyed.set(opener, { deps, product });
    this.valid.add(opener);
  }

  /** Whether putSection would keep what it holds for `opener` (checked or put in this process, nothing it read edited since): its deps need not be made. */
  holdsSection(opener: string): boolean {
    return this.valid.has(opener) && (this.unkeyed.has(opener) || !!this.sections?.has(opener));
  }

  /** Keys the openers put since the last write (their inputs are as they were computed on: see `unkeyed`). */
  private keySections(): void {
    if (!this.unkeyed.size || !this.keys) return;
    const entries = this.sectionEntries();
    for (const [opener, { deps, product }] of this.unkeyed) entries.set(opener, { deps, digest: this.keys.depsDigest(deps), product });
    this.unkeyed.clear();
    this.dirty.sections = true;
  }

  /** Entries put but not yet written (the language server writes when idle). */
  get unsaved(): boolean {
    return this.unkeyed.size > 0 || this.unkeyedChains.size > 0 || this.pendingSearches.size > 0 || this.dirty.sections || this.dirty.searches || this.dirty.hovers || !!this.parts?.changed;
  }

  /** The tree was indexed again: every product is checked against it when next asked for. */
  forgetChecked(): void {
    this.keptDigests.clear();
    this.valid.clear();
    // Computed on the old index: the next check puts them again.
    this.unkeyed.clear();
    this.validHovers.clear();
    this.validLocals.clear();
    this.nameReads.clear();
  }

  /**
   * `file` was indexed again with these names changed (IndexDelta.changedNames): products that read any of it are checked again when next asked for,
   * but those whose every read of it lies above the edit (`above`, readsAbove.ts: their key cannot have changed).
   */
  changed(file: string, names: Set<string>, above?: ReadsAbove): void {
    this.keptDigests.fileIndexed(file, names);
    this.nameReads.clear();
    // Kept hovers are keyed by the whole tree.
    this.validHovers.clear();
    for (const [f, reads] of this.validLocals) {
      if (f === file || reads.has(file) || !this.locals?.has(f) || !!this.locals.namesOf(f)?.some((n) => names.has(n))) this.validLocals.delete(f);
    }
    for (const opener of this.valid) {
      const d = (this.unkeyed.get(opener) ?? this.sections?.get(opener))?.deps;
      const touched =
        !d ||
        d.tree ||
        d.graph ||
        d.globals.includes(file) ||
        !!d.files?.includes(file) ||
        d.fns.some((f) => fileOfFnKey(f) === file) ||
        d.names.some((n) => names.has(n));
      if (touched && !(d && above?.holds(d))) {
        this.valid.delete(opener);
        this.unkeyed.delete(opener);
      }
    }
  }

  /** A call-graph search's stored answer for exactly these inputs (`key` names targets, barriers, depth), else null. */
  search(kind: string, key: string): StoredReach | null {
    this.settle();
    const e = this.searchEntries().get(kind);
    if (!e || !this.keys || e.key !== this.searchKey(key)) return null;
    return e.answer;
  }

  /**
   * A search computed here; `answer` gives its serial form, which reads the
   * live index: before a file is indexed again the caller calls
   * beforeIndexChange (`keepAsComputed` then keeps what the serial form
   * reads of that file), or settles the store.
   */
  putSearch(kind: string, key: string, answer: () => StoredReach, keepAsComputed: (file: string) => void): void {
    const keys = this.keys;
    if (!keys) return;
    this.pendingSearches.set(kind, {
      entry: () => ({ key: this.searchKey(key, keys), answer: answer() }),
      // The graph's digest of the index the search was computed on (made now if not yet: it reads the live index).
      before: (file) => (keys.graphDigest(), keepAsComputed(file)),
    });
  }

  /** Before `file` is indexed again: each pending search keeps what its serial form reads of it (~1 ms a search), instead of being made now. */
  beforeIndexChange(file: string): void {
    for (const p of this.pendingSearches.values()) p.before(file);
  }

  /** One pending search put in serial form (a slice of a write made in steps); whether there was one. */
  settleOne(): boolean {
    const kind = this.pendingSearches.keys().next().value;
    if (kind === undefined) return false;
    this.settle(kind);
    return true;
  }

  /** Puts the pending searches (or the one of `kind`) in serial form: before the search changes, or to be written. */
  settle(kind?: string): void {
    if (!this.pendingSearches.size) return;
    const entries = this.searchEntries();
    for (const [k, p] of this.pendingSearches)
      if (kind === undefined || k === kind) {
        entries.set(k, p.entry());
        this.pendingSearches.delete(k);
        this.dirty.searches = true;
      }
  }

  private searchKey(key: string, keys = this.keys!): string {
    return crypto.createHash('sha1').update(key).update('\0').update(keys.graphDigest()).digest('hex');
  }

  /** Writes what changed. */
  save(): void {
    this.settle();
    this.keySections();
    this.keyChains();
    if (this.dirty.sections && this.sections) writeStore(this.file('sections'), this.world, this.sections);
    if (this.dirty.searches && this.searches) writeStore(this.file('searches', 'bin'), this.world, this.searches, 'v8');
    if (this.dirty.hovers && this.hovers) writeStore(this.file('hovers'), this.world, this.hovers);
    if (this.dirty.locals && this.locals) this.locals.save();
    if (this.dirty.localFns && this.localFns) writeWithDelta(this.file('localFns'), this.world, this.localFns);
    if (this.dirty.placements && this.placements) writeStore(this.file('placements'), this.world, this.placements);
    if (this.dirty.chains && this.chains) writeStore(this.file('chains', 'bin'), this.world, this.chains, 'v8');
    if (this.parts?.changed) {
      writeStore(this.file('graphParts', 'bin'), this.world, this.parts.stored(), 'v8');
      this.parts.changed = false;
    }
    const regions = this.keptDigests.regionsToWrite();
    if (regions) writeStore(this.file('regions'), this.world, regions);
    // Made under the current keys (the index unchanged since): the graph's digest says which graph it is for.
    const t = this.touchersToKeep;
    const made = t && t.keys === this.keys ? t.index.touchersIfKnown() : null;
    if (t && made) {
      writeStore(this.file('touchers'), this.world, new Map([['touchers', { graph: t.keys.graphDigest(), names: [...made] }]]));
      this.touchersToKeep = null;
    }
    this.dirty = { sections: false, searches: false, hovers: false, locals: false, localFns: false, placements: false, chains: false };
    noteOwner(this.dir, this.root);
  }

  /** The store's folder (tests corrupt its files). */
  get folder(): string {
    return this.dir;
  }
}
