// The workspace index: every function definition and function-like macro in
// the tree (from the cheap scan), the call graph by name, and the queries the
// analysis needs (resolve a call, find the sections' openers).
// Long (~1,000 lines) because the index's one state (files, definitions by
// name, callers, touchers) is read and changed here by the build (from the
// cache, kept encoded until asked for, or scanned on threads), by an edit's
// in-place merge (IndexDelta) and by the queries; the pieces that stand alone
// are their own modules (fileScan, indexCache, namedDefinitions,
// encodedDefinitions, callersMap, reachability).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Catalogue } from '../catalogue/catalogue';
import { FileScan, RescanNames, ScannedFunction, ScannedMacro, scanFile, looksBinary } from './fileScan';
import { CacheEntry, CachedFile, EarlyEncoding, IndexCache, KeptRows, ListedStats, StoredRows } from './indexCache';
import { scanFiles, workerCount } from './scanWorkers';
import { contentHash } from './scanWorker';
import { InputProblem } from '../findings';
import { CallersMap, LazyCallers } from './callersMap';
import { NamedDefinitions } from './namedDefinitions';
import { EncodedDefinitions, EncodedFiles } from './encodedDefinitions';
import type { ConfigOracle } from '../config/oracle';
import { isTrue, or, parseCond, simplify } from '../config/cond';

export interface Definition extends ScannedFunction {
  file: string;
}

export interface MacroDefinition extends ScannedMacro {
  file: string;
}

/** Top-level folders of a kernel tree that hold no kernel C we analyse. */
/** Files the configuration is read from (engine/config/kbuild.ts, kconfig.ts). */
const BUILD_FILE = /^(?:Makefile|Kbuild|Kconfig.*)$/;

const SKIPPED_TOP = new Set(['Documentation', 'tools', 'scripts', 'samples', 'usr', 'LICENSES', '.git', 'node_modules']);

export function isKernelTree(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'Kbuild')) && fs.existsSync(path.join(dir, 'include', 'linux'));
}

/** How many calls away from a lazy-mode call a function may be and still count as touching the mode. */
const TOUCH_DEPTH = 4;

export interface IndexOptions {
  root: string;
  arch: string;
  catalogue: Catalogue;
  /**
   * Where the on-disk scan cache lives (its base: the cache goes under
   * <cacheDir>/index/<hash of the root>/); no cache when absent.
   */
  cacheDir?: string;
  /**
   * Another root whose scan cache may give this tree's files theirs: the same
   * relative path with the same content (a base revision's worktree seeded
   * from the working tree's cache, engine/changeReview.ts). Content decides,
   * never (size, mtime), which belong to the other file.
   */
  cacheSeed?: string;
  /**
   * The configuration of the tree for this architecture: a definition under
   * an #if it rules out, or in a file it never builds, is no callee (nor an
   * opener). Absent: every definition counts.
   */
  config?: ConfigOracle;
}

/** What the last build() did, for the curious (tests, the bench). */
export interface BuildStats {
  files: number;
  /** Files whose scan came from the disk cache. */
  fromCache: number;
  /** Files read and scanned. */
  scanned: string[];
  /** Scan threads used (0: this thread only). */
  workers: number;
  /** The configuration's Kconfig facts and Kbuild conditions were read while the scan threads scanned. */
  configDuringScan: boolean;
  /** Files whose disk-cache rows were encoded as their scans arrived (indexCache.ts EarlyEncoding), not after the scan. */
  encodedDuringScan: number;
  cacheFile: string | null;
  /** The cache file is being written on another thread (indexCache.ts, cacheWriter.ts): in place once cacheWritesDone() resolves. */
  cacheWrittenOffThread: boolean;
}

export class WorkspaceIndex {
  readonly root: string;
  readonly arch: string;
  private readonly cat: Catalogue;
  private readonly kernel: boolean;
  /** Every indexed file's definitions, in the index's order; a file read from the cache stays encoded until asked for (scanOf): its listing position. */
  private scans = new Map<string, FileScan | number>();
  private byName = new NamedDefinitions<Definition>();
  private macrosByName = new NamedDefinitions<MacroDefinition>();
  private touchers: Set<string> | null = null;
  private lazyUsers: Set<Definition> | null = null;
  private readonly entryParam: RegExp;
  /** addScan's names, kept from one edit's scan of a file to the next (fileScan.ts). */
  private readonly rescanNames = new RescanNames();
  readonly problems: InputProblem[] = [];
  private readonly cacheDir: string | undefined;
  private readonly cacheSeed: string | undefined;
  lastBuild: BuildStats | null = null;
  readonly config?: ConfigOracle;

  constructor(opts: IndexOptions) {
    this.config = opts.config;
    this.root = path.resolve(opts.root);
    this.arch = opts.arch;
    this.cat = opts.catalogue;
    this.kernel = isKernelTree(this.root);
    this.cacheDir = opts.cacheDir;
    this.cacheSeed = opts.cacheSeed ? path.resolve(opts.cacheSeed) : undefined;
    const types = [...this.cat.entryPointerTypes, ...this.cat.entryHolderTypes].map((t) => t.replace(/\s+/g, '\\s+'));
    this.entryParam = new RegExp(`\\b(?:${types.join('|')})\\s*\\*`);
  }

  /** Whether a tree-relative path belongs to the index for this arch. */
  covers(rel: string): boolean {
    if (!/\.[ch]$/.test(rel)) return false;
    if (!this.kernel) return true;
    const parts = rel.split(path.sep);
    if (SKIPPED_TOP.has(parts[0])) return false;
    if (parts[0] === 'arch' && parts.length > 2 && parts[1] !== this.arch) return false;
    return true;
  }

  /**
   * Where listFiles() looks, relative to the root: the top-level folders and
   * files it walks (for a kernel tree, arch/<arch> instead of arch/). The
   * by-name definition search's scope (definitionSearch.ts).
   */
  searchRoots(): string[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.root, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      if (e.isDirectory()) {
        if (this.kernel && SKIPPED_TOP.has(e.name)) continue;
        if (this.kernel && e.name === 'arch') {
          if (fs.existsSync(path.join(this.root, 'arch', this.arch))) out.push(path.join('arch', this.arch));
        } else out.push(e.name);
      } else if (e.isFile() && this.covers(e.name)) out.push(e.name);
    }
    return out.sort();
  }

  /**
   * Lists the files under the root that the index covers (symlinks are not followed).
   * Paths are made by concatenation, each directory's relative path carried down the walk:
   * path.join and path.relative on every entry were half the listing of a kernel tree (~47,000
   * files, listed by every warm run). The root is resolved (no `.` or `..` parts), and names from
   * readdir hold no separator, so the strings are the ones join and relative gave.
   * `upTo`: the walk stops once that many files are listed (a count against a threshold:
   * the first `upTo` in order; the build files' list is left as it was).
   */
  listFiles(upTo = Infinity): string[] {
    const out: string[] = [];
    const build: string[] = [];
    const sep = path.sep;
    // `rel`: the directory relative to the root ('' for the root); `depth`: its number of parts.
    const walk = (dir: string, rel: string, depth: number) => {
      if (out.length >= upTo) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        this.problems.push({ file: dir, message: `cannot read directory: ${(e as Error).message}` });
        return;
      }
      const prefix = dir.endsWith(sep) ? dir : dir + sep;
      const relPrefix = rel ? rel + sep : '';
      // C files and folders (each with a separator after its name), each sorted, then merged: a folder's
      // files come where its paths sort, so the listing comes out sorted (readdir's order is a hash's:
      // sorting ~47,000 paths at the end was a third of the listing).
      const cFiles: string[] = [];
      const folders: string[] = [];
      for (const e of entries) {
        const name = e.name;
        if (e.isDirectory()) {
          if (this.kernel && depth === 0 && SKIPPED_TOP.has(name)) continue;
          if (this.kernel && depth === 1 && rel === 'arch' && name !== this.arch) continue;
          if (name === 'node_modules' || name.startsWith('.')) continue;
          folders.push(name + sep);
        } else if (e.isFile()) {
          // covers() for a C file under this walk: the folders it leaves out are the ones the walk does not enter
          // (no skipped top-level name ends in .c or .h), so no relative path is made per file (~47,000 of them).
          if (name.endsWith('.c') || name.endsWith('.h')) cFiles.push(name);
          else if (BUILD_FILE.test(name)) build.push(prefix + name);
        }
      }
      cFiles.sort();
      folders.sort();
      let f = 0;
      for (const folder of folders) {
        while (f < cFiles.length && cFiles[f] < folder) out.push(prefix + cFiles[f++]);
        const name = folder.slice(0, -sep.length);
        walk(prefix + name, relPrefix + name, depth + 1);
      }
      while (f < cFiles.length) out.push(prefix + cFiles[f++]);
    };
    walk(this.root, '', 0);
    if (out.length >= upTo) return out.slice(0, upTo);
    this.buildFiles = build.sort();
    // Sorted already (above): this only costs a pass over it, and keeps the order whatever the walk does.
    return out.sort();
  }

  /** Makefiles, Kbuild and Kconfig files seen by the last listFiles(): what the configuration reads besides C. */
  private buildFiles: string[] = [];

  /**
   * A signature of the build files (path, size, mtime) the last listing saw:
   * the configuration (which files are built, which options exist) is read
   * from them, so analysis kept on disk (engine/store/) is keyed by it.
   */
  buildFilesSignature(): string {
    const h = crypto.createHash('sha1');
    for (const f of this.buildFiles) {
      try {
        const st = fs.statSync(f);
        h.update(`${f}:${st.size}:${st.mtimeMs}\n`);
      } catch {
        h.update(`${f}:-\n`);
      }
    }
    return h.digest('hex');
  }

  /**
   * Scans every covered file: from the disk cache when one is configured and
   * the file's (size, mtime) or content hash match, otherwise across
   * worker_threads; then writes the cache back if anything changed.
   */
  build(): void {
    for (const _ of this.buildSteps(Infinity));
  }

  /**
   * build() in steps that give the event loop back (the language server):
   * `progress` hears the files done so far (from the cache or scanned) and
   * their total after every step of about `chunk` files.
   */
  async buildAsync(progress: (done: number, total: number) => void, chunk = 4000): Promise<void> {
    for (const p of this.buildSteps(chunk)) {
      progress(p.done, p.total);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** The build, yielding after every `chunk` files looked up in the cache and every `chunk` files scanned. */
  private *buildSteps(chunk: number): Generator<{ done: number; total: number }> {
    // After unchangedDigest() (the CLI's result cache missed): its listing, read cache and stats.
    const listed = this.listed;
    this.listed = null;
    const files = listed?.stats.files ?? this.listFiles();
    yield { done: 0, total: files.length };
    const cache = this.cacheDir ? (listed?.cache ?? this.cache()) : null;
    const rows = cache?.rows() ?? null;
    // By listing position, the file's row when its stat is the row's (cachedRows.ts): kept as it was read, nothing made for it.
    const stats = rows ? (listed?.stats.rows === rows ? listed.stats : new ListedStats(files, rows)) : null;
    const kept: KeptRows | null = stats ? { files, row: stats.row } : null;
    // Files this tree's cache does not hold, looked up at the same relative path in the seed's (loaded when needed).
    let seeded: Map<string, CachedFile> | null = null;
    const seedOf = (f: string): CachedFile | undefined => {
      if (!this.cacheSeed || !this.cacheDir) return undefined;
      seeded ??= new IndexCache(this.cacheDir, this.cacheSeed, this.cacheKey()).load();
      return seeded.get(path.join(this.cacheSeed, path.relative(this.root, f)));
    };
    // The other files read from a cache (touched but unchanged; seeded from another root) and those scanned.
    const entries = new Map<string, CacheEntry>();
    const toScan: string[] = [];
    let fromCache = 0;
    for (let pos = 0; pos < files.length; pos++) {
      const f = files[pos];
      if (pos > 0 && pos % chunk === 0) yield { done: fromCache, total: files.length };
      if (stats && stats.row[pos] >= 0) {
        fromCache++;
        continue;
      }
      const own = rows && rows.of(f) >= 0 ? rows.of(f) : -1;
      const c = own < 0 ? seedOf(f) : undefined;
      if (own >= 0 || c) {
        let size = stats ? stats.size[pos] : NaN;
        let mtimeMs = stats ? stats.mtimeMs[pos] : NaN;
        if (own < 0) {
          try {
            const st = fs.statSync(f);
            [size, mtimeMs] = [st.size, st.mtimeMs];
          } catch {
            // Not there now: scanned (and said).
          }
        }
        if (Number.isNaN(size)) {
          toScan.push(f);
          continue;
        }
        // Touched (or seeded): the content decides.
        let buf: Buffer;
        try {
          buf = fs.readFileSync(f);
        } catch {
          toScan.push(f);
          continue;
        }
        const hash = contentHash(buf);
        if (own >= 0 && hash === rows!.hashOf(own)) {
          entries.set(f, { size, mtimeMs, hash, encoded: rows!.encoded(own) });
          fromCache++;
          continue;
        }
        if (c && hash === c.hash) {
          entries.set(f, { size, mtimeMs, hash, scan: c.scan(f), encoded: c.encoded });
          fromCache++;
          continue;
        }
      }
      toScan.push(f);
    }
    const scanned: string[] = [];
    const workers = toScan.length ? workerCount() : 0;
    let done = fromCache;
    let configDuringScan = false;
    // This thread would wait for the scan threads: what the analysis reads first and needs no scan, read
    // meanwhile (the Kconfig facts first; each defining file's Kbuild condition as its scan comes).
    const config = this.config;
    const meanwhile = config
      ? () => {
          configDuringScan = true;
          config.prepareForLookups();
        }
      : undefined;
    // Most of the tree scanned: the cache's save will encode every row anew, so it begins as batches arrive.
    const early = cache && toScan.length * 2 > files.length ? new EarlyEncoding() : null;
    for (let at = 0; at < toScan.length; at += chunk) {
      const part = chunk >= toScan.length ? toScan : toScan.slice(at, at + chunk);
      scanFiles(part, this.entryParam, (r) => {
        done++;
        if (r.error || !r.scan) {
          this.problems.push({ file: r.file, message: r.error ?? 'cannot read' });
          return;
        }
        scanned.push(r.file);
        const entry: CacheEntry = { size: r.size, mtimeMs: r.mtimeMs, hash: r.hash, scan: r.scan, encoded: early ? undefined : r.encoded };
        entries.set(r.file, entry);
        if (early && r.encoded) early.encodeAsScanned(r.file, entry, r.encoded);
        if (configDuringScan && (r.scan.functions.length || r.scan.macros.length)) config!.prepareFile(r.file);
      }, configDuringScan ? undefined : meanwhile, undefined, early?.takeName);
      yield { done, total: files.length };
    }
    // Into the index in the files' order, not the order the cache or the scan threads gave them: the
    // order of same-name definitions reaches resolve() and the bounded searches, so a cold run with
    // scan threads must answer what a warm one does.
    this.putBuilt(files, entries, rows, kept);
    scanned.sort();
    this.rehashed.clear();
    this.built = new Map();
    this.builtSizes = new Map();
    for (let pos = 0; pos < files.length; pos++) {
      const r = kept ? kept.row[pos] : -1;
      const e = r >= 0 ? undefined : entries.get(files[pos]);
      const hash = r >= 0 ? rows!.hashOf(r) : e?.hash;
      if (hash === undefined) continue;
      this.built.set(files[pos], hash);
      this.builtSizes.set(files[pos], r >= 0 ? rows!.sizeOf(r) : e!.size);
    }
    this.lastBuild = { files: files.length, fromCache, scanned, workers, configDuringScan, encodedDuringScan: early?.rows.size ?? 0, cacheFile: cache ? cache.file : null, cacheWrittenOffThread: false };
    const held = rows?.size ?? 0;
    if (cache && (toScan.length > 0 || this.built.size !== held || fromCache !== held)) {
      try {
        this.lastBuild.cacheWrittenOffThread = cache.save(entries, early ?? undefined, kept ?? undefined);
      } catch {
        // A cache that cannot be written (read-only home, full disk) only costs the next run time.
      }
    }
    yield { done: files.length, total: files.length };
  }

  /**
   * A partial index instead of build(): exactly these files with these scans
   * (what an open file needs, found by name: engine/partialIndex.ts), put in
   * sorted order as a build does; the disk cache is neither read nor written.
   */
  buildFrom(scans: ReadonlyMap<string, FileScan>): void {
    const files = [...scans.keys()].sort();
    for (const f of files) this.putNew(f, scans.get(f)!);
    this.lastBuild = { files: files.length, fromCache: 0, scanned: [], workers: 0, configDuringScan: false, encodedDuringScan: 0, cacheFile: null, cacheWrittenOffThread: false };
  }

  /**
   * With a cache: when no covered file changed since the cache was written, a
   * digest of the tree's content (paths and content hashes), else null.
   * Cheap: stats the files, scans nothing.
   */
  unchangedDigest(): string | null {
    if (!this.cacheDir) return null;
    const cache = this.cache();
    const { digest, stats } = cache.unchangedDigest(this.listFiles());
    this.listed = { stats, cache };
    return digest;
  }

  /** Lets go of what unchangedDigest() read when no build follows (the CLI's result cache answered): its cache files are closed. */
  releaseListing(): void {
    this.listed?.cache.close();
    this.listed = null;
  }

  /** unchangedDigest()'s listing and cache (what it read and stat'd), taken by the next build. */
  private listed: { stats: ListedStats; cache: IndexCache } | null = null;

  /** After build(): the same digest, from what was read (null when a file could not be read). */
  contentDigest(): string | null {
    if (!this.built || this.problems.length) return null;
    const h = crypto.createHash('sha1');
    for (const f of [...this.built.keys()].sort()) h.update(f).update('\0').update(this.built.get(f)!).update('\n');
    return h.digest('hex');
  }

  private built: Map<string, string> | null = null;
  /** Each built file's size in bytes as the build read it (its stat, or the cache row that stat matched). */
  private builtSizes = new Map<string, number>();

  /** Whether a scan cache for this tree is on disk (a build would read most files' scans from it). */
  hasDiskCache(): boolean {
    return !!this.cacheDir && this.cache().exists();
  }

  private cache(): IndexCache {
    return new IndexCache(this.cacheDir!, this.root, this.cacheKey());
  }

  /** What a scan depends on besides the text (the cache key's parts). */
  private cacheKey(): string[] {
    return [this.entryParam.source, this.arch];
  }

  /**
   * Scans files not in the index yet and puts them in, in sorted order
   * (scan threads when there are many): the partial index's rounds
   * (engine/partialIndex.ts). Unreadable files are problems.
   */
  addFiles(files: string[]): void {
    const fresh = [...new Set(files)].filter((f) => !this.scans.has(f)).sort();
    const got = new Map<string, FileScan>();
    scanFiles(fresh, this.entryParam, (r) => {
      if (r.error || !r.scan) this.problems.push({ file: r.file, message: r.error ?? 'cannot read' });
      else got.set(r.file, r.scan);
    });
    for (const f of fresh) if (got.has(f)) this.putNew(f, got.get(f)!, true);
  }

  /** Every indexed file's scan (definitions carry their file): what a partial index is made of (IndexOptions.only). */
  scansByFile(): ReadonlyMap<string, FileScan> {
    this.decodeAll();
    return this.scans as Map<string, FileScan>;
  }

  /**
   * (Re)indexes one file from its content, e.g. an editor's unsaved text.
   * Returns what changed (see IndexDelta), for the incremental analysis.
   */
  addScan(file: string, buf: Uint8Array): IndexDelta {
    this.rehashed.set(file, contentHash(buf));
    return this.put(file, looksBinary(buf) ? { functions: [], macros: [] } : scanFile(buf, this.entryParam, this.rescanNames));
  }

  /**
   * Puts a file's scan in. A file indexed before is merged: definitions that
   * keep their name (and rank among same-name definitions in the file) keep
   * their object, with the new line and fields, so that whatever holds them
   * (reachability, the callers map) stays valid when only lines moved.
   */
  /** A build's put: nobody asks what changed, so nothing is recorded (a whole tree has ~10^5 definitions). */
  /**
   * `owned`: the scan's objects are fresh and nobody else holds them (a build's own scans), so those already
   * carrying this file (decoded with it) become the definitions instead of copies.
   */
  private putNew(file: string, scan: FileScan, owned = false): void {
    if (this.scans.has(file)) {
      this.put(file, scan);
      return;
    }
    const { functions, macros } = definitionsOf(file, scan, owned);
    for (const d of functions) this.byName.add(d.name, d);
    for (const d of macros) this.macrosByName.add(d.name, d);
    this.scans.set(file, { functions, macros });
    this.callers = null;
    this.lazyUsers = null;
    this.touchers = null;
  }

  /**
   * The build's put, in the listing's order. A file kept encoded (read from
   * this tree's cache) is neither decoded nor put by name: its definitions are
   * made when its file is asked for (scanOf) or a name it defines is first
   * used (NamedDefinitions.settleFrom), in the order a put of every file
   * gives, so a warm run decodes the few files it reads (docs/perf/lazyidx.md).
   */
  private putBuilt(files: readonly string[], entries: Map<string, CacheEntry>, rows: StoredRows | null, kept: KeptRows | null): void {
    // Each file's row when it stays encoded: kept as read, or touched but the same (an entry with the row's encoding and no scan).
    // Only into an empty index (a Workspace's build): a build over files already in merges them (put).
    const rowAt = new Int32Array(files.length).fill(-1);
    let encodedCount = 0;
    if (rows && !this.scans.size)
      for (let pos = 0; pos < files.length; pos++) {
        const k = kept ? kept.row[pos] : -1;
        const e = k >= 0 ? undefined : entries.get(files[pos]);
        rowAt[pos] = k >= 0 ? k : e && !e.scan && e.encoded ? rows.of(files[pos]) : -1;
        if (rowAt[pos] >= 0) encodedCount++;
      }
    if (!encodedCount) {
      for (let pos = 0; pos < files.length; pos++) {
        const f = files[pos];
        const k = kept ? kept.row[pos] : -1;
        const e = k >= 0 ? undefined : entries.get(f);
        if (k >= 0 || e) this.putNew(f, k >= 0 ? rows!.decode(k, f) : (e!.scan ?? rows!.decode(rows!.of(f), f)), true);
      }
      return;
    }
    // The files decoded now (scanned, seeded): their definitions by name with their position, merged with the encoded files' when settled.
    const decodedFns = new Map<string, { pos: number; d: Definition }[]>();
    const decodedMacros = new Map<string, { pos: number; d: MacroDefinition }[]>();
    const note = <T extends { name: string }>(m: Map<string, { pos: number; d: T }[]>, pos: number, d: T) => {
      const l = m.get(d.name);
      if (l) l.push({ pos, d });
      else m.set(d.name, [{ pos, d }]);
    };
    for (let pos = 0; pos < files.length; pos++) {
      const f = files[pos];
      if (rowAt[pos] >= 0) {
        this.scans.set(f, pos);
        continue;
      }
      const e = entries.get(f);
      if (!e) continue;
      const defs = definitionsOf(f, e.scan!, true);
      for (const d of defs.functions) note(decodedFns, pos, d);
      for (const d of defs.macros) note(decodedMacros, pos, d);
      this.scans.set(f, defs);
    }
    this.encodedRows = { rows: rows!, rowAt };
    const table = (this.encodedDefs = new EncodedDefinitions(encodedGroups(rows!, rowAt, encodedCount)));
    const posFile = files;
    const settle = <T extends Definition | MacroDefinition>(name: string, macro: boolean, decoded: Map<string, { pos: number; d: T }[]>): T[] => {
      const out: T[] = [];
      const early = decoded.get(name) ?? [];
      let k = 0;
      for (const p of table.placesOf(name, macro)) {
        while (k < early.length && early[k].pos < p.pos) out.push(early[k++].d);
        const scan = this.scanOf(posFile[p.pos])!;
        out.push((macro ? scan.macros : scan.functions)[p.rank] as T);
      }
      while (k < early.length) out.push(early[k++].d);
      return out;
    };
    this.byName.settleFrom((name) => settle(name, false, decodedFns));
    this.macrosByName.settleFrom((name) => settle(name, true, decodedMacros));
    this.callers = null;
    this.lazyUsers = null;
    this.touchers = null;
  }

  /** The rows the build kept encoded, by listing position (-1: not encoded), to decode a file when asked for (scanOf). */
  private encodedRows: { rows: StoredRows; rowAt: Int32Array } | null = null;

  /** Where the definitions of the files the build kept encoded are (null when it kept none). */
  private encodedDefs: EncodedDefinitions | null = null;

  /** A file's definitions, decoded now if the build kept it encoded (the same objects from then on). */
  private scanOf(file: string): FileScan | undefined {
    const s = this.scans.get(file);
    if (typeof s !== 'number') return s;
    // Decoded with its file as a field (decodeScan): the objects are the definitions.
    const { rows, rowAt } = this.encodedRows!;
    const scan = rows.decode(rowAt[s], file);
    const defs = { functions: scan.functions as Definition[], macros: scan.macros as MacroDefinition[] };
    this.scans.set(file, defs);
    return defs;
  }

  /** How many files are still kept encoded (tests: a warm rerun decodes the few it reads). */
  encodedFiles(): number {
    let n = 0;
    for (const s of this.scans.values()) if (typeof s === 'number') n++;
    return n;
  }

  /** Every file decoded (what walks every definition: the callers map, a partial index's copy). */
  private decodeAll(): void {
    if (this.encodedDefs) for (const f of this.scans.keys()) this.scanOf(f);
  }

  /** Puts every name a file's definitions have in the by-name maps (before the file changes: see put). */
  private settleNamesOf(scan: FileScan): void {
    if (!this.encodedDefs) return;
    for (const d of scan.functions) this.byName.get(d.name);
    for (const m of scan.macros) this.macrosByName.get(m.name);
  }

  private put(file: string, scan: FileScan): IndexDelta {
    const delta = emptyDelta();
    const old = this.scanOf(file);
    // Its old definitions' names settled first: a name not yet settled is found by the ranks the file had (encodedDefinitions.ts);
    // and the callers map built whole if its passes read the encodings (callersMap.ts LazyCallers).
    if (old) this.settleNamesOf(old);
    this.callers?.beforeEdit();
    if (!old) {
      // A file new to the index (every file of a build): nothing to merge with.
      const functions = scan.functions.map((f) => ({ ...f, file }));
      const macros = scan.macros.map((m) => ({ ...m, file }));
      for (const d of functions) this.link(d, delta);
      for (const d of macros) this.link(d, delta);
      delta.added = [...functions, ...macros];
      for (const d of delta.added) delta.lookupNames.add(d.name);
      this.scans.set(file, { functions, macros });
      this.noteTouchers(delta);
      return delta;
    }
    const oldFns = new Map<string, Definition>();
    const oldMacros = new Map<string, MacroDefinition>();
    rankKeys(old.functions).forEach((k, i) => oldFns.set(k, old.functions[i] as Definition));
    rankKeys(old.macros).forEach((k, i) => oldMacros.set(k, old.macros[i] as MacroDefinition));
    const functions = rankKeys(scan.functions).map((k, i) => this.merge(oldFns, k, { ...scan.functions[i], file }, delta));
    const macros = rankKeys(scan.macros).map((k, i) => this.merge(oldMacros, k, { ...scan.macros[i], file }, delta));
    for (const d of [...oldFns.values(), ...oldMacros.values()]) {
      this.unlink(d, delta); // gone from the file
      delta.removed.push(d);
    }
    for (const d of [...delta.added, ...delta.removed, ...delta.changed.map((c) => c.def)])
      if (!this.callsOnly.has(d)) delta.lookupNames.add(d.name);
    this.callsOnly.clear();
    this.scans.set(file, { functions, macros });
    this.noteTouchers(delta);
    return delta;
  }

  /** One definition of the new scan: the old object updated in place when its key was there before. */
  private merge<T extends Definition | MacroDefinition>(olds: Map<string, T>, key: string, fresh: T, delta: IndexDelta): T {
    const prev = olds.get(key);
    if (!prev) {
      this.link(fresh, delta);
      delta.added.push(fresh);
      return fresh;
    }
    olds.delete(key);
    if (sameShape(prev, fresh)) {
      prev.line = fresh.line;
      return prev;
    }
    const lookupSame = !isMacroDef(prev) && sameShape({ ...prev, calls: [] }, { ...fresh, calls: [] }) && this.callsLazyApi(prev) === this.callsLazyApi(fresh);
    this.unlink(prev, delta);
    delta.changed.push({ def: prev, before: { ...prev } });
    Object.assign(prev, fresh);
    this.link(prev, delta);
    if (lookupSame) this.callsOnly.add(prev);
    return prev;
  }

  private callsLazyApi(d: Definition | MacroDefinition): boolean {
    return d.calls.some((c) => this.cat.lazyMode.has(c));
  }

  /** Definitions of the put in progress whose calls alone changed (not a lookup change; see IndexDelta.lookupNames). */
  private callsOnly = new Set<Definition | MacroDefinition>();

  private link(d: Definition | MacroDefinition, delta: IndexDelta): void {
    if (isMacroDef(d)) this.macrosByName.add(d.name, d);
    else this.byName.add(d.name, d);
    if (this.callers) for (const n of new Set(d.calls)) this.callers.add(n, d);
    if (this.lazyUsers && !isMacroDef(d) && this.callsLazyApi(d)) this.lazyUsers.add(d);
    noteChange(d, delta);
  }

  private unlink(d: Definition | MacroDefinition, delta: IndexDelta): void {
    if (isMacroDef(d)) this.macrosByName.remove(d.name, d);
    else this.byName.remove(d.name, d);
    if (this.callers) for (const n of new Set(d.calls)) this.callers.remove(n, d);
    if (this.lazyUsers && !isMacroDef(d)) this.lazyUsers.delete(d);
    noteChange(d, delta);
  }

  /** Which names may touch the mode is a property of the whole graph: names whose answer changed count as changed. */
  private noteTouchers(delta: IndexDelta): void {
    if (!delta.changedNames.size || !this.touchers) return;
    const before = this.touchers;
    this.touchers = null;
    for (const n of symmetricDifference(before, this.touchersSet())) {
      delta.changedNames.add(n);
      delta.lookupNames.add(n);
    }
  }

  removeFile(file: string): IndexDelta {
    this.rehashed.set(file, null);
    const delta = emptyDelta();
    const scan = this.scanOf(file);
    if (!scan) return delta;
    this.settleNamesOf(scan);
    this.callers?.beforeEdit();
    this.scans.delete(file);
    for (const d of [...scan.functions, ...scan.macros] as (Definition | MacroDefinition)[]) {
      this.unlink(d, delta);
      delta.removed.push(d);
      delta.lookupNames.add(d.name);
    }
    this.noteTouchers(delta);
    return delta;
  }

  has(file: string): boolean {
    return this.scans.has(file);
  }

  files(): string[] {
    return [...this.scans.keys()];
  }

  functionsIn(file: string): ScannedFunction[] {
    return this.scanOf(file)?.functions ?? [];
  }

  /** Every function definition of `name`, whatever the configuration (resolve() filters). */
  definitionsNamed(name: string): readonly Definition[] {
    return this.byName.get(name) ?? [];
  }

  /** Every function-like macro of `name`, whatever the configuration (macros() filters). */
  macrosNamed(name: string): readonly MacroDefinition[] {
    return this.macrosByName.get(name) ?? [];
  }

  /** The function-like macros the scan found in `file`. */
  macrosIn(file: string): ScannedMacro[] {
    return this.scanOf(file)?.macros ?? [];
  }

  /** Files indexed again since build() (an edit, an overlay): their content hash now, null when removed. */
  private rehashed = new Map<string, string | null>();

  /** The content hash of a file's text as indexed now (undefined when it is not in the index). */
  contentHashOf(file: string): string | undefined {
    const r = this.rehashed.get(file);
    if (r !== undefined) return r ?? undefined;
    return this.built?.get(file);
  }

  /**
   * A file's size in bytes as build() read it, undefined once it was indexed
   * again (an edit, an overlay) or when it is not in the index: what the
   * analysis asks of every file it walks, without a stat each (~0.6 s of a
   * cold run of the whole tree).
   */
  sizeAsBuilt(file: string): number | undefined {
    return this.rehashed.has(file) ? undefined : this.builtSizes.get(file);
  }

  /** The definitions of `name` in `file` (by name first: a generated file can hold 10^5 definitions). */
  definitionsIn(file: string, name: string): Definition[] {
    return (this.byName.get(name) ?? []).filter((d) => d.file === file);
  }

  /**
   * The definitions a call to `name` from `fromFile` may reach: one in the
   * same file wins; otherwise global definitions and header inlines. Weak
   * definitions give way to strong ones. Same-file definitions that are all
   * conditional and do not cover every case between them (huge_mm.h's
   * `!CONFIG_TRANSPARENT_HUGEPAGE` stub of split_huge_page_to_list(), whose
   * real one is in mm/huge_memory.c) leave the others possible too.
   */
  resolve(name: string, fromFile: string): Definition[] {
    const all = this.viable(this.byName.get(name));
    if (!all) return [];
    const local = all.filter((d) => d.file === fromFile);
    if (local.length === all.length || (local.length && this.alwaysOne(local))) return local;
    const visible = all.filter((d) => d.file !== fromFile && (!d.isStatic || d.file.endsWith('.h')));
    const strong = visible.filter((d) => !d.isWeak);
    return [...local, ...(strong.length ? strong : visible)];
  }

  /** Conditions of one file's definitions of a name, joined -> whether one of them is always compiled. */
  private covering = new Map<string, boolean>();

  /** Whether one of a file's definitions of a name is compiled whatever the configuration (an unconditional one, an #if and its #else). */
  private alwaysOne(local: Definition[]): boolean {
    if (local.some((d) => !d.condition)) return true;
    if (local.length === 1) return false;
    const key = local.map((d) => d.condition).join('\0');
    let c = this.covering.get(key);
    if (c === undefined) this.covering.set(key, (c = isTrue(simplify(or(...local.map((d) => parseCond(d.condition)))))));
    return c;
  }

  /**
   * The condition under which a definition is compiled: its own #if; or, for
   * a header function with none whose name other headers define under
   * conditions, the negation of those. Both cannot be in one build (a
   * redefinition), so the header holding the unconditional one is included
   * only when the others are not compiled: spinlock_rt.h's spin_unlock() is
   * the CONFIG_PREEMPT_RT one, as spinlock.h defines its own under
   * !CONFIG_PREEMPT_RT.
   */
  buildCondition(def: Definition | MacroDefinition): string {
    if (def.condition || isMacroDef(def) || !def.file.endsWith('.h')) return def.condition;
    const others = (this.byName.get(def.name) ?? []).filter((d) => d !== def && d.file !== def.file && d.file.endsWith('.h') && d.condition);
    if (!others.length || others.length > 3) return '';
    const negate = (c: string) => (/^!\w+$/.test(c) ? c.slice(1) : /^\w+$/.test(c) ? `!${c}` : `!(${c})`);
    return [...new Set(others.map((d) => negate(d.condition.trim())))].join(' && ');
  }

  macros(name: string): MacroDefinition[] {
    return this.viable(this.macrosByName.get(name)) ?? [];
  }

  /** The definitions the configuration allows (all of them without one). */
  private viable<T extends Definition | MacroDefinition>(defs: T[] | undefined): T[] | undefined {
    const c = this.config;
    if (!defs || !c) return defs;
    return defs.every((d) => c.viable(d.file, d.condition)) ? defs : defs.filter((d) => c.viable(d.file, d.condition));
  }

  private callers: CallersMap<Definition | MacroDefinition> | null = null;
  /** Names the callers map answers by a pass before building itself (callersMap.ts; a one-check CLI process sets it). */
  callerPasses = 0;

  /** Name -> the functions and macros that call it, in index order (built once, kept up to date by re-indexing; engine/index/callersMap.ts). */
  callersByName(): CallersMap<Definition | MacroDefinition> {
    const lazy = this.encodedDefs && this.callerPasses > 0;
    return (this.callers ??= new CallersMap(lazy ? [] : this.allCallers(), this.callerPasses, lazy ? this.lazyCallers() : null));
  }

  /**
   * The callers map's passes answered without decoding every file: a file
   * still encoded is read from its encoding's calls (and decoded only when one
   * of its definitions calls the name); the others from their definitions'
   * calls as they are when the map is made (put and removeFile build the map
   * whole before they change a file).
   */
  private lazyCallers(): LazyCallers<Definition | MacroDefinition> {
    const table = this.encodedDefs!;
    // Each file as it is now: still encoded (its position), or its callers with their calls.
    const start: ({ file: string; pos: number } | { defs: (Definition | MacroDefinition)[]; calls: string[][] })[] = [];
    for (const [file, s] of this.scans) {
      if (typeof s === 'number') start.push({ file, pos: s });
      else {
        const defs = [...s.functions, ...s.macros] as (Definition | MacroDefinition)[];
        start.push({ defs, calls: defs.map((d) => d.calls) });
      }
    }
    return {
      pass: (name) => {
        const ranks = table.callersOf(name);
        const out: (Definition | MacroDefinition)[] = [];
        for (const f of start) {
          if ('pos' in f) {
            const r = ranks.get(f.pos);
            if (!r) continue;
            const scan = this.scanOf(f.file)!;
            for (const k of r.fns) out.push(scan.functions[k] as Definition);
            for (const k of r.macros) out.push(scan.macros[k] as MacroDefinition);
          } else for (let k = 0; k < f.defs.length; k++) for (const c of f.calls[k]) if (c === name) out.push(f.defs[k]);
        }
        return out.length ? out : undefined;
      },
      all: () => this.allCallers(),
    };
  }

  /** Whether the callers map was built whole (tests: a warm rerun asks it for a few names only). */
  callersBuilt(): boolean {
    return this.callers?.compiled ?? false;
  }

  /** Every function definition and function-like macro, with its file. */
  *allCallers(): Iterable<Definition | MacroDefinition> {
    this.decodeAll();
    for (const scan of this.scans.values() as Iterable<FileScan>) {
      for (const f of scan.functions) yield f as Definition;
      for (const m of scan.macros) yield m as MacroDefinition;
    }
  }

  /** Functions that call a lazy-mode API themselves (any op, any shape), in (file, line) order. */
  lazyApiUsers(): Definition[] {
    // A canonical order, whatever order files were indexed or edited in: the analysis visits openers in it.
    return [...this.lazyUserSet()].filter((d) => !this.config || this.config.viable(d.file, d.condition)).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  }

  /** The lazy-API users, built once and then kept by link/unlink as files are re-indexed. */
  private lazyUserSet(): Set<Definition> {
    if (!this.lazyUsers) {
      this.lazyUsers = new Set();
      // Files still encoded are decoded only when one of their functions calls the API (their stored calls say so).
      const calling = this.encodedDefs?.filesCalling(this.cat.lazyMode.keys());
      for (const [file, s] of this.scans) {
        const scan = typeof s === 'number' ? (calling!.has(s) ? this.scanOf(file)! : null) : s;
        if (scan) for (const f of scan.functions) if (this.callsLazyApi(f as Definition)) this.lazyUsers.add(f as Definition);
      }
    }
    return this.lazyUsers;
  }

  /** Whether a function of that name calls a lazy-mode API itself (asked for every call the interpreter meets). */
  usesLazyApi(name: string): boolean {
    const users = this.lazyUserSet();
    return (this.byName.get(name) ?? []).some((d) => users.has(d));
  }

  /**
   * Whether calling `name` may change or flush the lazy mode: by name, through
   * the call graph and through macros. Over-approximate on purpose: it only
   * decides which callees are worth a precise look.
   */
  mayTouchMode(name: string): boolean {
    return this.touchersSet().has(name);
  }

  private touchersSet(): Set<string> {
    return (this.touchers ??= this.computeTouchers());
  }

  /** The "may touch the mode" set as made (or given) so far; null before. */
  touchersIfKnown(): ReadonlySet<string> | null {
    return this.touchers;
  }

  /** That set as an earlier process made it for the same call graph (engine/store/: keyed by the graph's digest), unless made here. */
  knownTouchers(names: Set<string>): void {
    this.touchers ??= names;
  }

  private computeTouchers(): Set<string> {
    const callers = this.callersByName();
    // Breadth-first, a few calls deep: by name the call graph joins almost
    // everything to everything far out, and real flushing helpers sit close.
    const seen = new Set<string>(this.cat.lazyMode.keys());
    let frontier = [...seen];
    for (let depth = 0; depth < TOUCH_DEPTH && frontier.length; depth++) {
      const next: string[] = [];
      for (const n of frontier)
        for (const def of callers.get(n) ?? []) {
          const c = def.name;
          if (!seen.has(c)) (seen.add(c), next.push(c));
        }
      frontier = next;
    }
    return seen;
  }
}

/** The encoded files by the stored part holding them (the base's, the delta's): positions and where their words start, in the listing's order. */
function encodedGroups(rows: StoredRows, rowAt: Int32Array, count: number): EncodedFiles[] {
  const groups: EncodedFiles[] = [];
  for (const part of [rows.base, rows.delta]) {
    if (!part) continue;
    const base = part === rows.base;
    const pos = new Int32Array(count);
    const at = new Int32Array(count);
    let n = 0;
    for (let p = 0; p < rowAt.length; p++) {
      const r = rowAt[p];
      if (r >= 0 && r < rows.baseRows === base) {
        pos[n] = p;
        at[n++] = rows.atOf(r);
      }
    }
    if (n) groups.push({ names: part.names, data: part.data, pos: pos.subarray(0, n), at: at.subarray(0, n) });
  }
  return groups;
}

/** A scan's definitions with their file (`owned`: the scan's objects are fresh, and those decoded with the file are taken as they are). */
function definitionsOf(file: string, scan: FileScan, owned: boolean): { functions: Definition[]; macros: MacroDefinition[] } {
  const mine = (d: object): boolean => owned && (d as { file?: string }).file === file;
  const functions = scan.functions.map((f) => (mine(f) ? (f as Definition) : { ...f, file }));
  const macros = scan.macros.map((m) => (mine(m) ? (m as MacroDefinition) : { ...m, file }));
  return { functions, macros };
}

/** What re-indexing a file changed, beyond lines moving. */
export interface IndexDelta {
  /** Names whose definitions (or macros) were added, removed or changed, or whose "may touch the mode" answer changed. */
  changedNames: Set<string>;
  /**
   * The subset that changes how a call by that name is looked up or judged
   * without reading the callee's text: definitions added or removed, linkage,
   * #if condition, entry-pointer parameters, calling the lazy-mode API,
   * macros, "may touch the mode". A definition whose other calls alone
   * changed is not here (its text changed: whoever read it knows).
   */
  lookupNames: Set<string>;
  added: (Definition | MacroDefinition)[];
  removed: (Definition | MacroDefinition)[];
  /** Definitions kept (same object) whose fields other than the line changed; `before` is a copy of the old fields. */
  changed: { def: Definition | MacroDefinition; before: Definition | MacroDefinition }[];
}

const emptyDelta = (): IndexDelta => ({ changedNames: new Set(), lookupNames: new Set(), added: [], removed: [], changed: [] });

function noteChange(d: Definition | MacroDefinition, delta: IndexDelta): void {
  delta.changedNames.add(d.name);
}

const isMacroDef = (d: Definition | MacroDefinition): d is MacroDefinition => 'params' in d;

/** name#rank per definition (its rank among same-name definitions of the file), so keys survive lines moving. */
function rankKeys(defs: { name: string }[]): string[] {
  const seen = new Map<string, number>();
  return defs.map((d) => {
    const r = seen.get(d.name) ?? 0;
    seen.set(d.name, r + 1);
    return `${d.name}#${r}`;
  });
}

/** Every field but `line` the same (arrays element by element): a definition whose text only moved. One pass, no key lists (every definition of an edited file, every edit). */
function sameShape(a: Definition | MacroDefinition, b: Definition | MacroDefinition): boolean {
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  let fields = 0;
  for (const k in ra) {
    if (k === 'line') continue;
    fields++;
    const x = ra[k];
    const y = rb[k];
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  for (const k in rb) if (k !== 'line') fields--;
  return fields === 0;
}

function symmetricDifference<T>(a: Set<T>, b: Set<T>): T[] {
  return [...[...a].filter((x) => !b.has(x)), ...[...b].filter((x) => !a.has(x))];
}

export { looksBinary };
