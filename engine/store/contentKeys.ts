// The content keys of analysis kept on disk: digests of exactly what a stored
// product was computed from, recomputed from the tree as it is now when the
// product is loaded (a product whose digests differ is computed again).
//
// - a function read (the interpreter's function key `file\0name#i`): its
//   *region*, with its place: from the end of the previous definition's body
//   (the scan's definitions, the body's end by matching braces) to the next
//   definition's name line: a superset of its text (the declarator lines
//   above the name included), found without parsing, that an edit inside
//   another function's body leaves alone. A name defined more than once in
//   one file (an #if and its #else) keys the whole file instead.
// - a function walked by the local rules (functionDigest, keptLocals.ts):
//   its own text, from the end of the previous definition's body to the end
//   of its own, with its place; none when that cannot be told without
//   parsing (its body does not close before the next definition).
// - a name looked up: every definition and macro of that name in the index
//   (place, linkage, #if condition, entry-pointer parameter, macro body), and
//   the index's whole-graph answers for it (uses the lazy API, may touch the
//   mode); not the names it calls (its text is keyed when it is read).
// - a file whose global initializers were read: its text outside the
//   definitions' bodies (globalsDigest: the file-scope declarations are
//   there), so an edit inside a body leaves it.
// - the call graph (the searches' input): per file, each definition's name,
//   linkage, condition and the names it calls, in file order, without lines;
//   each file's part hashed and kept by its content hash (GraphParts).
// Digests are memoised for one ContentKeys; make a new one after texts change.
// (A kernel tree's graph is ~25 MB of this text: hashed once per check.)
// What outlives one ContentKeys is the store's KeptDigests: a file's region
// and globals digests by its content hash, and the graph's digest while the
// files edited since kept their parts.
// Long (~750 lines) because each digest and what memoises it across content
// keys and processes (KeptDigests, TreeDigest, GraphParts) live together.
import * as crypto from 'crypto';
import { WorkspaceIndex } from '../index/workspaceIndex';
import { StoredNames, packedList } from '../index/storedNames';

// One-shot hashing (crypto.hash, node >= 20.12) makes no Hash object: half the cost of a short string's
// digest, which the tree digest makes ~47,000 times per process. The same bytes either way.
const oneShot = typeof crypto.hash === 'function';
const sha1 = (s: string): string => (oneShot ? crypto.hash('sha1', s, 'hex') : crypto.createHash('sha1').update(s).digest('hex'));
const sha1Bytes = (s: string): Buffer => (oneShot ? crypto.hash('sha1', s, 'buffer') : crypto.createHash('sha1').update(s).digest());

/** What one stored product was computed from (the interpreter's Frame, in serial form). */
export interface Deps {
  /** Function keys read (`file\0name#i`). */
  fns: string[];
  /** Names looked up in the index. */
  names: string[];
  /** Files whose global initializers were read. */
  globals: string[];
  /** The whole call graph (callers by name: a root's pointer parameter bound by its callers). */
  graph?: boolean;
  /** Every file's content (what cannot be keyed finer). */
  tree?: boolean;
  /** Files the product holds places in (not keyed: the regions' places are; used to drop an in-memory validation after an edit there). */
  files?: string[];
}

/** The file of an interpreter function key (`file\0name#i`, or a macro's `macro\0file\0name#line`). */
export function fileOfFnKey(fnKey: string): string {
  const from = fnKey.startsWith('macro\0') ? 6 : 0;
  return fnKey.slice(from, fnKey.indexOf('\0', from));
}

/**
 * Stored products' keys made so far in this process (tests: an edit's check
 * makes none it does not look up with), files whose regions were hashed,
 * call graphs hashed whole, names whose definitions were hashed, and stored
 * graph parts made into a Map by file (GraphParts: a rerun's recall makes none).
 */
export const keyCounts = { deps: 0, regions: 0, graphs: 0, names: 0, partMaps: 0 };

export class ContentKeys {
  private regions = new Map<string, Map<number, string> | null>();
  private functions = new Map<string, Map<number, string> | null>();
  private digests = new Map<string, string>();
  private graph: string | null = null;
  /** Digests kept across content keys by the store (set by AnalysisStore.begin). */
  kept: KeptDigests | null = null;

  constructor(
    private readonly index: WorkspaceIndex,
    /** The text the analysis reads (an editor's overlay, else the file on disk); null when unreadable. */
    private readonly textOf: (file: string) => string | null,
    /** Kept by the store across content keys: an edit re-hashes only its file's part of the tree digest. */
    private readonly tree = new TreeDigest(),
    /** Kept by the store across processes: an edit re-hashes only its file's part of the call graph. */
    private readonly graphParts: () => GraphParts = () => new GraphParts(),
  ) {}

  /** One digest of every dependency listed (null: one of them cannot be read now). */
  depsDigest(d: Deps): string {
    keyCounts.deps++;
    const h = crypto.createHash('sha1');
    for (const f of d.fns) h.update('f').update(this.fnDigest(f));
    for (const n of d.names) h.update('n').update(this.nameDigest(n));
    for (const g of d.globals) h.update('g').update(this.globalsDigest(g));
    if (d.graph) h.update('G').update(this.graphDigest());
    if (d.tree) h.update('T').update(this.treeDigest());
    return h.digest('hex');
  }

  private memo(key: string, compute: () => string): string {
    let v = this.digests.get(key);
    if (v === undefined) this.digests.set(key, (v = compute()));
    return v;
  }

  /** A file's whole text: the index's content hash when it has one (what it scanned), else the text read now. */
  fileDigest(file: string): string {
    return this.memo(`F\0${file}`, () => {
      const indexed = this.index.contentHashOf(file);
      if (indexed !== undefined) return indexed;
      const t = this.textOf(file);
      return t === null ? 'unreadable' : sha1(`${file}\0${t}`);
    });
  }

  /** The region of a function read by the interpreter (see the header). */
  fnDigest(fnKey: string): string {
    return this.memo(`R\0${fnKey}`, () => {
      // A macro read as a function (eval/macros.ts: `macro\0file\0name#line`): its body and place are the name's.
      if (fnKey.startsWith('macro\0')) return this.nameDigest(fnKey.slice(fnKey.indexOf('\0', 6) + 1, fnKey.lastIndexOf('#')));
      const nul = fnKey.indexOf('\0');
      const hash = fnKey.lastIndexOf('#');
      const file = fnKey.slice(0, nul);
      const name = fnKey.slice(nul + 1, hash);
      const defs = this.index.definitionsIn(file, name);
      if (defs.length !== 1 || fnKey.slice(hash + 1) !== '0') return this.fileDigest(file);
      // Kept on disk by the file's content hash (KeptDigests.regionOnDisk): a rerun reads and hashes only the files that changed.
      const contentHash = this.index.contentHashOf(file);
      const line = defs[0].line;
      const kept = this.kept?.regionOnDisk(file, contentHash, line);
      if (kept !== undefined) return kept;
      const digest = this.regionsOf(file)?.get(line);
      if (digest === undefined) return 'unreadable';
      this.kept?.regionAsked(file, contentHash, line, digest);
      return digest;
    });
  }

  /**
   * The region digest of every definition of `file`, by its name line, made
   * in one pass when the file is first asked about (its text is not kept).
   */
  private regionsOf(file: string): Map<number, string> | null {
    let r = this.regions.get(file);
    if (r !== undefined) return r;
    const known = this.kept?.ofFile(this.index.contentHashOf(file), file);
    if (known?.regions) {
      this.regions.set(file, known.regions);
      return known.regions;
    }
    const text = this.textOf(file);
    if (text === null) {
      this.regions.set(file, null);
      return null;
    }
    keyCounts.regions++;
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    const offset = (line: number) => (line <= starts.length ? starts[line - 1] : text.length);
    const all = [...new Set([...this.index.functionsIn(file).map((f) => f.line), ...this.index.macrosIn(file).map((m) => m.line)])].sort((a, b) => a - b);
    r = new Map();
    for (let k = 0; k < all.length; k++) {
      // Its segment (its name line up to the next definition's), and the previous segment's tail after that definition's body.
      const at = all[k];
      const segEnd = k + 1 < all.length ? offset(all[k + 1]) : text.length;
      const from = k > 0 ? bodyEnd(text, offset(all[k - 1]), offset(at)) : 0;
      r.set(at, sha1(`${file}\0${at}\0${text.slice(from, segEnd)}`));
    }
    this.regions.set(file, r);
    if (known) known.regions = r;
    return r;
  }

  /**
   * A function's own text with its place (the local rules' per-function key,
   * keptLocals.ts): from the end of the previous definition's body to the end
   * of its own body, its file and name line hashed in. Null when it cannot be
   * told without parsing: its name is defined more than once in the file, or
   * its body does not close before the next definition's name line (a macro
   * defined inside it, braces unbalanced by #if branches).
   */
  functionDigest(file: string, name: string, line: number): string | null {
    if (this.index.definitionsIn(file, name).length !== 1) return null;
    let r = this.functions.get(file);
    if (r === undefined) {
      const text = this.textOf(file);
      r = text === null ? null : functionDigestsOf(file, text, this.index);
      this.functions.set(file, r);
    }
    return r?.get(line) ?? null;
  }

  /**
   * A file's text outside its definitions (from each definition's name line
   * to the end of its body left out): where global initializers are read. An
   * edit inside a function body leaves it (Reparse.globalsChanged's rule).
   */
  globalsDigest(file: string): string {
    return this.memo(`G\0${file}`, () => {
      const known = this.kept?.ofFile(this.index.contentHashOf(file), file);
      if (known?.globals !== undefined) return known.globals;
      const text = this.textOf(file);
      if (text === null) return 'unreadable';
      const starts = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      const offset = (line: number) => (line <= starts.length ? starts[line - 1] : text.length);
      const all = [...new Set([...this.index.functionsIn(file).map((f) => f.line), ...this.index.macrosIn(file).map((m) => m.line)])].sort((a, b) => a - b);
      const h = crypto.createHash('sha1').update(file).update('\0');
      let outside = 0;
      for (let k = 0; k < all.length; k++) {
        const at = Math.max(outside, offset(all[k]));
        const segEnd = k + 1 < all.length ? offset(all[k + 1]) : text.length;
        h.update(text.slice(outside, at)).update('\0');
        // Not closed in its segment: nothing left out (more is keyed, never less).
        outside = Math.max(at, bodyEnd(text, at, segEnd));
      }
      const digest = h.update(text.slice(outside)).digest('hex');
      if (known) known.globals = digest;
      return digest;
    });
  }

  /** What the index says about a name (see the header). */
  nameDigest(name: string): string {
    return this.memo(`N\0${name}`, () => {
      const kept = this.kept?.nameDigest(this.index, name);
      if (kept !== undefined) return kept;
      keyCounts.names++;
      const defs = this.index.definitionsNamed(name).map((d) => [d.file, d.line, d.isStatic, d.isWeak, d.condition, d.takesEntry]);
      const macros = this.index.macrosNamed(name).map((m) => [m.file, m.line, m.params, m.body, m.condition]);
      const digest = sha1(JSON.stringify([name, defs, macros, this.index.usesLazyApi(name), this.index.mayTouchMode(name)]));
      this.kept?.keepName(name, digest);
      return digest;
    });
  }

  /** Every file's text (a root bound by its callers' code, read without a key of its own). */
  treeDigest(): string {
    return this.memo('T', () => this.tree.of(this.index.files(), (f) => this.index.contentHashOf(f) ?? this.fileDigest(f)));
  }

  /**
   * The call graph's digest (see the header); unchanged by an edit that keeps
   * every definition's calls. Kept in this process across edits
   * (KeptDigests), else recalled from the parts an earlier process made it of
   * (GraphParts.recall: every file's content hash compared, the few that
   * differ hashed again), else hashed whole from the parts.
   */
  graphDigest(): string {
    if (this.graph !== null) return this.graph;
    const parts = this.graphParts();
    const same = this.kept?.graphIfSame(this.index, parts) ?? parts.recall(this.index);
    if (same) return this.keptGraph(same.digest);
    const h = crypto.createHash('sha1');
    keyCounts.graphs++;
    const files = this.index.files().sort();
    for (const f of files) h.update(f).update('\0').update(parts.of(f, this.index.contentHashOf(f), () => graphOfFile(this.index, f)));
    return this.keptGraph(parts.done(h.digest('hex')));
  }

  private keptGraph(digest: string): string {
    this.kept?.graphMade(digest, this.index.files().length);
    return (this.graph = digest);
  }
}

/**
 * Digests kept by the store across content keys (a new ContentKeys is made
 * after every edit): re-checking the openers that read an edited file made
 * every other file they read be read from disk and hashed again, and the
 * graph's ~50,000 parts be hashed together again (10-50 ms of an edit after a
 * window reload, whose openers come from the store).
 * - a file's region digests and globals digest, by its content hash (the
 *   index's, as fileDigest: they are a function of its text and its scan);
 * - the call graph's digest, with the files indexed again since it was made
 *   (AnalysisStore.changed): it holds while the tree has as many files, each
 *   of those is still indexed and its part of the graph is the same;
 * - a name's digest until an edit changes it: the name is in the edit's
 *   changedNames (a definition or macro of it added, removed or changed
 *   beyond its line, its "may touch the mode" or lazy-API answer changed),
 *   or it is defined in the edited file (its line may have moved).
 * And across processes (regions.json, AnalysisStore): the region digests the
 * openers' keys asked for, by file and its content hash, so that a rerun
 * checks the stored openers without reading and hashing every file they read
 * (a region digest is a function of the file's text and its scan).
 */
export class KeptDigests {
  /** The region digests read from the store (loaded when first asked), by file: its content hash then, and digests by name line. */
  private onDisk: Map<string, RegionsOnDisk> | null = null;
  /** The region digests asked for in this process, by file (what the store writes, with the read ones not asked again). */
  private asked = new Map<string, RegionsOnDisk>();
  private askedNew = false;

  constructor(private readonly readOnDisk: () => Map<string, unknown> = () => new Map()) {}

  /** `file`'s region digest at `line` as kept on disk for the content hash it has now, else undefined. */
  regionOnDisk(file: string, hash: string | undefined, line: number): string | undefined {
    if (hash === undefined) return undefined;
    if (!this.onDisk) {
      this.onDisk = new Map();
      for (const [f, e] of this.readOnDisk()) if (isRegionsOnDisk(e)) this.onDisk.set(f, e);
    }
    const e = this.onDisk.get(file);
    const d = e?.hash === hash ? e.lines[line] : undefined;
    if (typeof d === 'string') this.note(file, hash, line, d, false);
    return typeof d === 'string' ? d : undefined;
  }

  /** A region digest made in this process from `file`'s text at content hash `hash`. */
  regionAsked(file: string, hash: string | undefined, line: number, digest: string): void {
    if (hash !== undefined) this.note(file, hash, line, digest, true);
  }

  private note(file: string, hash: string, line: number, digest: string, made: boolean): void {
    let e = this.asked.get(file);
    if (!e || e.hash !== hash) this.asked.set(file, (e = { hash, lines: {} }));
    if (e.lines[line] === digest) return;
    e.lines[line] = digest;
    if (made) this.askedNew = true;
  }

  /** What to write to regions.json when a region digest was made since the last write (the ones asked for, read or made), else null. */
  regionsToWrite(): Map<string, RegionsOnDisk> | null {
    if (!this.askedNew) return null;
    this.askedNew = false;
    return this.asked;
  }

  private files = new Map<string, { hash: string; regions?: Map<number, string>; globals?: string }>();
  private graph: { digest: string; files: number } | null = null;
  private edited = new Set<string>();
  private names = new Map<string, string>();
  /** Files re-indexed whose names' digests are not let go of yet (their definitions read from the index when next asked). */
  private namesEdited = new Set<string>();

  /** The kept digests of `file` at content hash `hash` (made empty when the hash is new); undefined without a hash. */
  ofFile(hash: string | undefined, file: string): { regions?: Map<number, string>; globals?: string } | undefined {
    if (hash === undefined) return undefined;
    let e = this.files.get(file);
    if (!e || e.hash !== hash) this.files.set(file, (e = { hash }));
    return e;
  }

  /** `file` was indexed again (its content, or whether it is in the tree, may have changed) with `changedNames` (IndexDelta's). */
  fileIndexed(file: string, changedNames: Iterable<string>): void {
    this.edited.add(file);
    this.namesEdited.add(file);
    for (const n of changedNames) this.names.delete(n);
  }

  /** A name's digest kept since no edit changed it (see the class), else undefined. */
  nameDigest(index: WorkspaceIndex, name: string): string | undefined {
    for (const f of this.namesEdited) {
      for (const d of index.functionsIn(f)) this.names.delete(d.name);
      for (const m of index.macrosIn(f)) this.names.delete(m.name);
    }
    this.namesEdited.clear();
    return this.names.get(name);
  }

  keepName(name: string, digest: string): void {
    this.names.set(name, digest);
  }

  graphMade(digest: string, files: number): void {
    this.graph = { digest, files };
    this.edited.clear();
  }

  /** The graph's digest when it still holds (see the class); null otherwise. */
  graphIfSame(index: WorkspaceIndex, parts: GraphParts): { digest: string } | null {
    const g = this.graph;
    if (!g || index.files().length !== g.files) return null;
    for (const f of this.edited) if (!index.has(f) || !parts.sameAs(f, index.contentHashOf(f), () => graphOfFile(index, f))) return null;
    this.edited.clear();
    return { digest: g.digest };
  }

  /** The tree was indexed again. */
  clear(): void {
    this.files.clear();
    this.graph = null;
    this.edited.clear();
    this.names.clear();
    this.namesEdited.clear();
  }
}

/**
 * Each file's part of the call graph (graphOfFile) hashed, by the file's
 * content hash (the part is a function of the file's scan, so of its text, in
 * the store's world): the graph's digest after a one-file edit hashes that
 * file's part and looks the others up, instead of hashing ~25 MB of graph
 * text (a second of a warm rerun). Kept by the store (graphParts.bin).
 *
 * Read from the store, the parts stay in their packed form (PackedParts) for
 * recall(), which compares them with the index's files by position: a rerun
 * after a one-file edit makes no string and no Map entry per file (the
 * ~141,000 strings of the parts and a Map of ~47,000 were ~0.9 s of a loaded
 * warm rerun). Anything else asked of them (of, sameAs, done: a cold run, an
 * editor's edits) makes the Map first.
 */
export class GraphParts {
  private used = new Map<string, [string, string]>();
  /** Parts were hashed (or files left) since it was read: worth writing. */
  changed = false;

  constructor(
    private keptMap = new Map<string, [string, string]>(),
    /** The graph's digest made of exactly the kept parts (done()), stored with them; null when not known. */
    private digest: string | null = null,
    /** The parts as read from the store, not yet made a Map (keptMap is empty while these are held). */
    private packed: PackedParts | null = null,
  ) {}

  /** The kept parts by file (made from the packed form when first asked). */
  private get kept(): Map<string, [string, string]> {
    const p = this.packed;
    if (p) {
      this.packed = null;
      keyCounts.partMaps++;
      p.forEach((file, hash, digest) => this.keptMap.set(file, [hash, digest]));
    }
    return this.keptMap;
  }

  /**
   * The digest made of the kept parts, when they are still the graph of the
   * index's files: the same files, each at the content hash its part was
   * made from, or with a part that hashes the same now (the kept part then
   * takes the new content hash). No tree digest and no sorting: after a
   * one-file edit, that file's part is hashed and ~47,000 content hashes are
   * compared (hashing every part whole was ~0.3 s of a kernel tree's rerun).
   */
  recall(index: WorkspaceIndex): { digest: string } | null {
    const files = index.files();
    if (this.digest === null) return null;
    const packed = this.packed;
    // The packed parts hold the files in the order the index lists them (a build's, sorted): compared in place.
    const changedAt = packed?.differing(files, (f) => index.contentHashOf(f));
    if (packed && changedAt) {
      for (const pos of changedAt) {
        const h = index.contentHashOf(files[pos]);
        if (h === undefined || packed.digestAt(pos) !== sha1(graphOfFile(index, files[pos]))) return null;
        packed.rehash(pos, h);
      }
      // A few parts under an old content hash are left so on disk (each read hashes them again, as here): not worth writing the whole file.
      if (changedAt.length > STALE_PARTS_UNWRITTEN) this.changed = true;
      return { digest: this.digest };
    }
    if (files.length !== this.kept.size) return null;
    const differ: string[] = [];
    for (const f of files) {
      const k = this.kept.get(f);
      const h = index.contentHashOf(f);
      if (!k || h === undefined) return null;
      if (k[0] !== h) differ.push(f);
    }
    for (const f of differ) if (!this.sameAs(f, index.contentHashOf(f), () => graphOfFile(index, f))) return null;
    return { digest: this.digest };
  }

  of(file: string, contentHash: string | undefined, graphText: () => string): string {
    if (contentHash === undefined) return sha1(graphText());
    const k = this.kept.get(file);
    if (k && k[0] === contentHash) {
      this.used.set(file, k);
      return k[1];
    }
    const made: [string, string] = [contentHash, sha1(graphText())];
    this.used.set(file, made);
    this.changed = true;
    return made[1];
  }

  /**
   * Whether `file`'s part (at `contentHash` now) is the one the last digest
   * used; the part kept is brought up to the new content hash when it is.
   */
  sameAs(file: string, contentHash: string | undefined, graphText: () => string): boolean {
    const k = this.kept.get(file);
    if (!k || contentHash === undefined) return false;
    if (k[0] === contentHash) return true;
    const digest = sha1(graphText());
    if (digest !== k[1]) return false;
    this.kept.set(file, [contentHash, digest]);
    this.changed = true;
    return true;
  }

  /** One digest made of the parts used since the last: they are what is kept (files gone from the tree drop out), with it. */
  done(digest: string): string {
    if (this.used.size !== this.kept.size || digest !== this.digest) this.changed = true;
    this.keptMap = this.used;
    this.used = new Map();
    this.digest = digest;
    return digest;
  }

  /**
   * The parts as the store writes them: entries of up to PARTS_PER_ENTRY
   * files, each list (files, content hashes, part digests) packed as one
   * string and where each item ends (storedNames.ts's form). A frame per file
   * made reading ~47,000 of them ~0.2 s of a warm rerun; one frame for all
   * would make one large serial form at the cold run's save (its peak).
   * Parts still packed as read are written as they were read.
   */
  stored(): Map<string, PackedEntry | string> {
    const out = new Map<string, PackedEntry | string>();
    if (this.digest !== null) out.set('digest', this.digest);
    if (this.packed) {
      for (const e of this.packed.entries()) out.set(`packed:${out.size}`, e);
      return out;
    }
    let lists: [string[], string[], string[]] | null = null;
    const flush = () => {
      if (lists) out.set(`packed:${out.size}`, packEntry(...lists));
    };
    for (const [f, [h, d]] of this.kept) {
      if (!lists || lists[0].length === PARTS_PER_ENTRY) flush(), (lists = [[], [], []]);
      lists[0].push(f);
      lists[1].push(h);
      lists[2].push(d);
    }
    flush();
    return out;
  }

  /** The parts a store file holds (stored()); when an entry is not of that shape (damaged, or an older build's), none. */
  static fromStored(entries: Map<string, unknown>): GraphParts {
    const digest = entries.get('digest');
    const packed: PackedParts['parts'] = [];
    for (const [k, v] of entries) {
      if (k === 'digest') continue;
      const part = k.startsWith('packed:') ? unpackEntry(v) : null;
      if (!part) return new GraphParts();
      packed.push(part);
    }
    return new GraphParts(new Map(), typeof digest === 'string' ? digest : null, new PackedParts(packed));
  }
}

/** One file's region digests as regions.json keeps them. */
export interface RegionsOnDisk {
  hash: string;
  lines: Record<number, string>;
}

function isRegionsOnDisk(e: unknown): e is RegionsOnDisk {
  const r = e as RegionsOnDisk | null;
  return !!r && typeof r === 'object' && typeof r.hash === 'string' && !!r.lines && typeof r.lines === 'object';
}

/** Files per entry of the stored parts (see stored()). */
const PARTS_PER_ENTRY = 4096;

/**
 * Parts whose file changed but whose part hashed the same (recall()) that are
 * left on disk under the old content hash rather than writing the parts
 * again: after a one-file edit that keeps the calls, writing graphParts.bin
 * (~6 MB for a kernel tree) was ~65 ms of the rerun; hashing a stale file's
 * part again costs the next read ~1 ms.
 */
const STALE_PARTS_UNWRITTEN = 16;

/** One stored entry of the parts: files, content hashes and part digests, each list packed (storedNames.ts). */
interface PackedEntry {
  fileText: string;
  fileEnds: Int32Array;
  hashText: string;
  hashEnds: Int32Array;
  digestText: string;
  digestEnds: Int32Array;
}

function packEntry(files: string[], hashes: string[], digests: string[]): PackedEntry {
  const [f, h, d] = [files, hashes, digests].map((l) => StoredNames.pack(l));
  return { fileText: f.text, fileEnds: f.ends, hashText: h.text, hashEnds: h.ends, digestText: d.text, digestEnds: d.ends };
}

/** A stored entry's three lists, or null when it is not a PackedEntry whose lists fit their texts and have one item per file. */
function unpackEntry(v: unknown): PackedPart | null {
  const e = v as Partial<PackedEntry> | null;
  if (!e || typeof e !== 'object') return null;
  const files = packedList(e.fileText, e.fileEnds);
  const hashes = packedList(e.hashText, e.hashEnds);
  const digests = packedList(e.digestText, e.digestEnds);
  if (!files || !hashes || !digests || hashes.length !== files.length || digests.length !== files.length) return null;
  return { entry: e as PackedEntry, files, hashes, digests, rehashed: null };
}

/** One entry as read, and the content hashes recall() brought up to date in it (by position in the entry). */
interface PackedPart {
  entry: PackedEntry;
  files: StoredNames;
  hashes: StoredNames;
  digests: StoredNames;
  rehashed: Map<number, string> | null;
}

/** The parts as read from the store, in their entries' order (the index's order of files when they were made). */
class PackedParts {
  readonly length: number;
  constructor(readonly parts: PackedPart[]) {
    this.length = parts.reduce((n, p) => n + p.files.length, 0);
  }

  /** The part and index within it of position `pos`. */
  private at(pos: number): [PackedPart, number] {
    for (const p of this.parts) {
      if (pos < p.files.length) return [p, pos];
      pos -= p.files.length;
    }
    throw new Error(`graph parts: no position ${pos}`);
  }

  /**
   * When the parts hold exactly `files`, in that order: the positions whose
   * content hash is not the one kept (`hashOf` undefined counts as differing
   * and is told by the caller's check). Null when they hold other files.
   */
  differing(files: readonly string[], hashOf: (file: string) => string | undefined): number[] | null {
    if (files.length !== this.length) return null;
    const out: number[] = [];
    let pos = 0;
    for (const p of this.parts)
      for (let i = 0; i < p.files.length; i++, pos++) {
        const f = files[pos];
        if (!p.files.is(i, f)) return null;
        const h = hashOf(f);
        if (h === undefined || !(p.rehashed?.get(i) === h || (!p.rehashed?.has(i) && p.hashes.is(i, h)))) out.push(pos);
      }
    return out;
  }

  digestAt(pos: number): string {
    const [p, i] = this.at(pos);
    return p.digests.get(i);
  }

  /** The part at `pos` is the same under another content hash. */
  rehash(pos: number, hash: string): void {
    const [p, i] = this.at(pos);
    (p.rehashed ??= new Map()).set(i, hash);
  }

  forEach(visit: (file: string, hash: string, digest: string) => void): void {
    for (const p of this.parts) for (let i = 0; i < p.files.length; i++) visit(p.files.get(i), p.rehashed?.get(i) ?? p.hashes.get(i), p.digests.get(i));
  }

  /** The entries to store: as read, or packed again where a hash was brought up to date. */
  entries(): PackedEntry[] {
    return this.parts.map((p) => {
      if (!p.rehashed) return p.entry;
      const hashes = Array.from({ length: p.files.length }, (_, i) => p.rehashed!.get(i) ?? p.hashes.get(i));
      const h = StoredNames.pack(hashes);
      return { ...p.entry, hashText: h.text, hashEnds: h.ends };
    });
  }
}

/**
 * The digest of every file's content, kept up to date as content keys are
 * made again after each edit: the XOR of each file's sha1(path, content
 * digest), with the count of files, so that an edit costs one hash and a
 * pass over the file list instead of sorting and hashing the whole tree
 * (~40 ms per keystroke on a kernel tree).
 */
export class TreeDigest {
  private parts = new Map<string, { digest: string; part: Buffer }>();
  private acc = Buffer.alloc(20);

  of(files: readonly string[], digestOf: (file: string) => string): string {
    for (const f of files) {
      const digest = digestOf(f);
      const p = this.parts.get(f);
      if (p?.digest === digest) continue;
      if (p) xorInto(this.acc, p.part);
      const part = sha1Bytes(`${f}\0${digest}`);
      xorInto(this.acc, part);
      this.parts.set(f, { digest, part });
    }
    if (this.parts.size !== files.length) {
      // Files left the tree: start again from the files there are.
      this.parts.clear();
      this.acc.fill(0);
      return this.of(files, digestOf);
    }
    return crypto.createHash('sha1').update(this.acc).update(`:${files.length}`).digest('hex');
  }
}

function xorInto(acc: Buffer, part: Buffer): void {
  for (let i = 0; i < acc.length; i++) acc[i] ^= part[i];
}

/** Each definition's functionDigest in `file` (by name line) whose body closes in its segment. */
function functionDigestsOf(file: string, text: string, index: WorkspaceIndex): Map<number, string> {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const offset = (line: number) => (line <= starts.length ? starts[line - 1] : text.length);
  const all = [...new Set([...index.functionsIn(file).map((f) => f.line), ...index.macrosIn(file).map((m) => m.line)])].sort((a, b) => a - b);
  const r = new Map<number, string>();
  let from = 0;
  for (let k = 0; k < all.length; k++) {
    const at = offset(all[k]);
    const segEnd = k + 1 < all.length ? offset(all[k + 1]) : text.length;
    const end = bodyEnd(text, at, segEnd);
    if (end > at) r.set(all[k], sha1(`${file}\0${all[k]}\0${text.slice(from, end)}`));
    // The next one's text starts after this body (or, unclosed, at this name line: more is keyed, never less).
    from = end;
  }
  return r;
}

/**
 * Where the body of the definition whose segment is text[from, to) ends: just
 * after the `}` closing its first `{` (comments, strings and character
 * constants skipped); `from` when it is not closed inside the segment (the
 * whole segment then keys the next definition too: more is computed again,
 * never less).
 */
export function bodyEnd(text: string, from: number, to: number): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const e = text.indexOf('*/', i + 2);
      if (e < 0 || e >= to) return from;
      i = e + 1;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const e = text.indexOf('\n', i);
      if (e < 0 || e >= to) return from;
      i = e;
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      let j = i + 1;
      while (j < to && text.charCodeAt(j) !== c && text.charCodeAt(j) !== 10) j += text.charCodeAt(j) === 92 /* \ */ ? 2 : 1;
      if (j >= to) return from;
      i = j;
    } else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */) {
      if (--depth === 0) return i + 1;
      if (depth < 0) return from;
    }
  }
  return from;
}

/** One file's part of the call graph: its definitions' names, linkage, conditions and calls, in file order. */
function graphOfFile(index: WorkspaceIndex, file: string): string {
  const parts: string[] = [];
  for (const d of index.functionsIn(file)) parts.push(`${d.name}|${d.isStatic ? 's' : ''}${d.isWeak ? 'w' : ''}|${d.condition}|${d.calls.join(',')}`);
  parts.push('#');
  for (const m of index.macrosIn(file)) parts.push(`${m.name}|${m.condition}|${m.calls.join(',')}`);
  return parts.join('\n');
}
