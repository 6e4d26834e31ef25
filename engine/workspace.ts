// A checked tree that lives on: the index and parsed files are kept between
// checks, and files can be given new text (an editor's unsaved buffer).
// The CLI makes one and checks once; the language server keeps one.
// The place where the pieces meet, and nothing else: the state they share
// (what an edit invalidates, what a check reuses, the interpreter, the
// overlays, the store) lives here, and each piece's logic in its own module,
// reached through a small host interface so that none imports this file:
// the openers' analysis (openerAnalysis.ts), the section searches
// (checkers/sectionSearches.ts), the local verdicts
// (checkers/localVerdicts.ts), the store's opening (store/analysisStore.ts),
// the kept chains (store/keptChains.ts) and hovers (store/keptSections.ts),
// the per-file bounds (inputBounds.ts). Long (~830 lines) because a check's
// order (sections, searches, chains, local rules, reporting) and the
// reuse across checks that each step depends on are read in one place.
import * as fs from 'fs';
import * as path from 'path';
import { Finding, InputProblem } from './findings';
import { TreeArchitectures } from './architectures';
import { Catalogue, loadCatalogue } from './catalogue/catalogue';
import { WorkspaceIndex } from './index/workspaceIndex';
import { isUnder, readSource, sizeOnDisk } from './sourceFiles';
export { isUnder, readSource };
import { ensureParser } from './parse/cParser';
import { FunctionRef, Reparse, SourceCache } from './analysis/sourceCache';
import { IndirectCall, Interpreter, ModeEvent, ReadHit, SectionCall } from './analysis/interpreter';
import { IndexDelta } from './index/workspaceIndex';
import type { FileScan } from './index/fileScan';
import { nestedSectionFindings } from './checkers/nestedSection';
import { allocInSectionFindings } from './checkers/allocInSection';
import { sleepInSectionFindings } from './checkers/sleepInSection';
import { onePerPlace } from './checkers/sectionFinding';
import { LocalVerdicts } from './checkers/localVerdicts';
import { PlacedInFile, readAfterWriteFindings } from './checkers/readAfterWrite';
import { isSuppressed } from './suppression';
import { SectionInfo, sectionInfoFor } from './sectionInfo';
import { KernelConfig } from './config/kernelConfig';
import { ConfigOracle, ConfigurationInfo, PinnedConfig } from './config/oracle';
import { judgeFindings } from './config/judge';
import { MAX_PARSED_TEXT, MAX_SECTIONS_PER_FILE, SectionsLeftOut, boundedFindings } from './inputBounds';
import { AnalysisStore, SectionProduct, StoreCounts, noCounts, openAnalysisStore } from './store/analysisStore';
import type { Deps } from './store/contentKeys';
import { analyseOpener, append, indirectPlace } from './openerAnalysis';
import * as keptSections from './store/keptSections';
import { ChainPhases } from './store/keptChains';
import { ChainsAcrossEdits } from './store/chainsAcrossEdits';
import { ReadsAbove, beforeEdit, readsAbove } from './store/readsAbove';
import { REACH_KINDS, ReachKind } from './checkers/reachKinds';
import { SectionSearches } from './checkers/sectionSearches';

export interface WorkspaceOptions {
  root: string;
  arch?: string;
  extraApisFile?: string;
  catalogue?: Catalogue;
  /** A kernel .config: decides #ifdef CONFIG_* and IS_ENABLED(); findings needing a disabled option are dropped. */
  kernelConfig?: KernelConfig;
  /** A pinned configuration with its name and kind (a user's .config, or a distribution's); wins over kernelConfig. */
  pinnedConfig?: PinnedConfig;
  /** Base directory of the on-disk index cache (see engine/index/indexCache.ts); no cache when absent. */
  cacheDir?: string;
  /** Another root whose index cache may supply files with the same relative path and content (engine/index/workspaceIndex.ts). */
  cacheSeed?: string;
  /** Functions the contextual search of one section call surveys at most (contextReach.ts; past it, the call graph's chain, marked). */
  contextSearchBound?: number;
  /** Where the analysis store says what it ignored (a corrupt file); stderr when absent. */
  log?: (msg: string) => void;
  /** false: no analysis store even with a cacheDir (a partial index's products must not replace the whole tree's). */
  analysisStore?: boolean;
  /**
   * The caller saves the analysis store (saveStore()) once its results are
   * out, instead of each check before returning them (the language server).
   */
  storeSavedByCaller?: boolean;
}

export interface CheckResult {
  root: string;
  findings: Finding[];
  problems: InputProblem[];
  /** Which configuration decided (absent when none could: no Kconfig in the tree and no .config pinned). */
  configuration?: ConfigurationInfo;
  /**
   * Calls through pointers inside sections (in the PATHs) whose target no
   * fact named: not followed by any rule. Absent in results from older caches.
   */
  unfollowedIndirectCalls?: number;
  /** From checkOpenersFirst(): not every section of the tree was analysed (engine/provisional.ts). Absent from check(). */
  partial?: true;
  /** On a partial index (engine/partialIndex.ts): every finding may change with the whole index (engine/provisional.ts). */
  partialIndex?: true;
}

/** Every Workspace made and not yet collected (weakly held): the language server's memory report counts them, so a test can see that one let go of is gone. */
const made = new Set<WeakRef<Workspace>>();

/** How many Workspaces are still reachable or not yet collected (after a full GC: still reachable). */
export function liveWorkspaces(): number {
  for (const r of made) if (!r.deref()) made.delete(r);
  return made.size;
}

export class Workspace {
  readonly root: string;
  readonly catalogue: Catalogue;
  readonly index: WorkspaceIndex;
  /** What the tree's architectures do in lazy mode, which code runs where (impact, arch-bound rules, test code). */
  readonly architectures: TreeArchitectures;
  private overlays = new Map<string, string>();
  private readProblems = new Map<string, string>();
  private sources: SourceCache;
  readonly kernelConfig?: KernelConfig;
  /** The configuration of the tree for the selected architecture (pinned .config, Kconfig, Kbuild). */
  readonly config: ConfigOracle;
  /** Other architectures' configurations, for rules bound to an architecture (engine/config/judge.ts). */
  private otherConfigs = new Map<string, ConfigOracle>();
  /** Base directory of the disk caches (WorkspaceOptions.cacheDir). */
  readonly cacheDir?: string;
  /** Lives as long as the Workspace: its summaries are reused by the next check (see setText). */
  private interp: Interpreter | null = null;
  /** Checks under way: one gives the event loop back at its progress steps, when sectionAt may be asked. */
  private checksUnderWay = 0;
  /**
   * sectionAt's interpreter while a check is under way: its own summaries, so a
   * hover never changes what the check computes (the shared one is inside the
   * check's beginCheck/endCheck); dropped when the checks end.
   */
  private asideInterp: Interpreter | null = null;
  /** The intraprocedural rules' verdicts per function, reused while what they read holds (checkers/localVerdicts.ts). */
  private readonly localVerdicts: LocalVerdicts;
  /** The section checkers' call-graph searches, kept until an edit near a chain (checkers/sectionSearches.ts). */
  private readonly searches: SectionSearches;

  private readonly contextSearchBound?: number;

  /** Analysis kept on disk (engine/store/): per opener and per call-graph search, keyed by content. */
  private store: AnalysisStore | null | undefined;
  /** The index changed since the store's content keys were made. */
  private keysStale = true;
  /** Openers the current interpreter analysed (their summaries are its memo's: the store is not asked for them). */
  private analysedHere = new Set<string>();
  private readonly storeWanted: boolean;
  private readonly log: (msg: string) => void;
  private readonly storeSavedByCaller: boolean;
  /** What the last check took from the store and computed (tests, the server's log). */
  storeCounts: StoreCounts = noCounts();
  /**
   * A file's text changed since the index was built (an editor's edit): the
   * section calls' chains are then neither taken from the store nor put in it
   * (checking a stored phase's key per keystroke would cost an edit's latency;
   * store/keptChains.ts), but served from this process's (editedChains).
   */
  private textEdited = false;
  /** The chain phases computed in this process, kept for the checks after an edit (store/chainsAcrossEdits.ts). */
  private editedChains = new ChainsAcrossEdits();
  /** While prepareEdits() runs: the files whose products are made in memory, not taken from the store. */
  private preparing: ((file: string) => boolean) | null = null;
  /** A call-graph search changed since the last check began (afterIndexChange); the check takes it into lastCheckChanges. */
  private searchesChangedSinceCheck = false;
  private searchesChangedForCheck = false;
  /** Checks begun so far: lastCheckChanges speaks of the last one (the server asks for the check it published). */
  checkSerial = 0;

  constructor(opts: WorkspaceOptions) {
    this.log = opts.log ?? ((m) => process.stderr.write(`lazymmu: ${m}\n`));
    this.kernelConfig = opts.kernelConfig ?? opts.pinnedConfig?.values;
    this.contextSearchBound = opts.contextSearchBound;
    this.root = path.resolve(opts.root);
    this.cacheDir = opts.cacheDir;
    this.storeWanted = opts.analysisStore !== false;
    this.storeSavedByCaller = opts.storeSavedByCaller === true;
    const arch = opts.arch ?? 'arm64';
    const pinned = opts.pinnedConfig ?? (opts.kernelConfig ? { kind: 'file' as const, file: '', label: 'the given .config', values: opts.kernelConfig } : undefined);
    this.config = new ConfigOracle(this.root, arch, pinned, opts.cacheDir);
    this.catalogue = opts.catalogue ?? loadCatalogue(opts.extraApisFile);
    this.index = new WorkspaceIndex({ root: this.root, arch, catalogue: this.catalogue, cacheDir: opts.cacheDir, cacheSeed: opts.cacheSeed, config: this.config.active ? this.config : undefined });
    this.sources = new SourceCache(this.catalogue, (file) => this.textOf(file));
    this.architectures = new TreeArchitectures(this.root, this.catalogue);
    this.localVerdicts = new LocalVerdicts({
      catalogue: this.catalogue,
      index: this.index,
      sources: this.sources,
      architectures: this.architectures,
      viewed: (file) => this.overlays.has(file),
      sizeOf: (file) => this.sizeOf(file),
      // Per function, keyed by its text and place (store/keptLocals.ts): a file edited since walks only what changed.
      storedVerdict: (def) => {
        const store = this.preparing?.(def.file) ? null : this.analysisStore();
        if (!store) return null;
        const e = store.functionLocalsOf(this.index, def.file, def.name, def.line);
        if (e) this.storeCounts.localFunctionsFromStore++;
        else this.storeCounts.localFunctionsComputed++;
        return e;
      },
    });
    this.searches = new SectionSearches({
      index: this.index,
      catalogue: this.catalogue,
      sources: this.sources,
      architectures: this.architectures,
      store: () => this.analysisStore(),
      counts: () => this.storeCounts,
      interpreter: () => this.interpreter(),
      contextSearchBound: this.contextSearchBound,
    });
    made.add(new WeakRef(this));
  }

  private interpreter(): Interpreter {
    if (!this.interp) this.interp = this.newInterpreter();
    return this.interp;
  }

  private newInterpreter(): Interpreter {
    const interp = new Interpreter(this.index, this.catalogue, this.sources, this.config.active ? this.config : undefined);
    interp.surveyExpands = (name) => this.searches.expands(name);
    interp.viewWanted = (file) => this.overlays.has(file);
    interp.rootsViewed = () => this.overlays.size > 0;
    return interp;
  }

  /** Whether a check is under way (paused at a progress step: its caller's event loop runs meanwhile). */
  get checking(): boolean {
    return this.checksUnderWay > 0;
  }

  /** The configuration of another architecture of the same tree (no pinned .config: that is the selected architecture's). */
  private configFor(arch: string): ConfigOracle {
    if (arch === this.config.arch) return this.config;
    let c = this.otherConfigs.get(arch);
    if (!c) this.otherConfigs.set(arch, (c = new ConfigOracle(this.root, arch, undefined, this.cacheDir)));
    return c;
  }

  /**
   * The analysis store (null without a cache folder), its content keys made
   * afresh when the index changed since (texts the keys read may have too).
   */
  private analysisStore(): AnalysisStore | null {
    if (this.store === undefined)
      this.store = openAnalysisStore({
        cacheDir: this.cacheDir,
        wanted: this.storeWanted,
        root: this.root,
        catalogue: this.catalogue,
        config: this.config,
        kernelConfig: this.kernelConfig,
        index: this.index,
        architectures: this.architectures,
        contextSearchBound: this.contextSearchBound,
        log: this.log,
      });
    if (this.store && this.keysStale) {
      this.store.keyFor(this.index, (f) => this.textOf(f));
      this.keysStale = false;
    }
    return this.store;
  }

  /** A check's chain phases (store/keptChains.ts): none kept in the store once a text was edited (see textEdited), those of this process served instead. */
  private chainPhases(scope: string): ChainPhases<ReachKind> {
    return new ChainPhases<ReachKind>(
      {
        index: this.index,
        store: () => (this.textEdited || this.preparing ? null : this.analysisStore()),
        reach: (kind) => this.searches.reach(kind),
        contextReach: (kind) => this.searches.contextReach(kind),
        expands: (name) => this.searches.expands(name),
        interpreter: () => this.interpreter(),
        acrossEdits: this.editedChains,
      },
      scope,
    );
  }

  /** After the index changed: drops the searches and summaries the change can affect, moves the places of the rest. */
  private afterIndexChange(file: string, delta: IndexDelta, reparse: Reparse | null, above?: ReadsAbove, bufferBefore: string | null = null): void {
    // sectionAt's own interpreter (while a check is under way) holds summaries of the old text.
    this.asideInterp?.dispose();
    this.asideInterp = null;
    this.keysStale = true;
    this.store?.changed(file, delta.changedNames, above);
    // Which macros a survey runs in place came from the searches: a survey holds while their answers do.
    const searchesChanged = this.searches.afterIndexChange(delta, (kind) => this.store?.settle(kind));
    if (searchesChanged) this.searchesChangedSinceCheck = true;
    if (searchesChanged) this.interp?.recheckSurveys();
    this.editedChains.edited(file, delta, reparse, searchesChanged, this.interp);
    const fns = reparse?.changedFunctions ?? new Set<string>();
    this.localVerdicts.afterIndexChange(file, delta, fns);
    if (!this.interp) return;
    this.interp.textBefore(file, reparse ? bufferBefore : null);
    this.interp.invalidate(delta.lookupNames, fns);
    // Global initializers are read from top-level declarations: an edit inside function bodies leaves them.
    if (!reparse || reparse.globalsChanged) this.interp.forgetGlobalsOf(file);
    if (reparse) this.interp.movePlaces(file, reparse.move, reparse.replaced, reparse.firstLine);
    else this.interp.forgetFile(file);
  }

  /**
   * What the edits before the last check changed in the program as the
   * analysis sees it, from the analysis's own facts: a call-graph search
   * came out different (a function started or stopped reaching a target);
   * an edited function's summary differs in what its callers take from it
   * (its callers' summaries were computed again: the early cut-off failed);
   * an edited function's survey lists other calls (a contextual search
   * through it was made again). SummaryStore.changedForCallers compares
   * them. An edit with none of these is an ordinary one; the edit benches
   * report the two kinds apart. Empty after a check that had to start its
   * analysis afresh (nothing of before the edit was left to compare).
   */
  lastCheckChanges(): { searches: boolean; summaries: string[]; surveys: string[] } {
    return { searches: this.searchesChangedForCheck, ...(this.interp?.changedForCallers() ?? { summaries: [], surveys: [] }) };
  }

  /** Indexes the tree (the cheap scan of every covered file). */
  build(): void {
    this.store?.settle();
    this.index.build();
    this.afterBuild();
  }

  /** build() giving the event loop back between steps; `progress` hears files done / total (the language server's progress). */
  async buildAsync(progress: (done: number, total: number) => void): Promise<void> {
    this.store?.settle();
    await this.index.buildAsync(progress);
    this.afterBuild();
  }

  /** A partial index instead (engine/partialIndex.ts: the files an open file needs, found by name). */
  buildFrom(scans: ReadonlyMap<string, FileScan>): void {
    this.store?.settle();
    this.index.buildFrom(scans);
    this.afterBuild();
  }

  private afterBuild(): void {
    this.keysStale = true;
    this.textEdited = false;
    this.store?.forgetChecked();
    this.analysedHere.clear();
    this.searches.clear();
    this.localVerdicts.clear();
    this.editedChains.clear();
    this.interp?.dispose();
    this.interp = null;
  }

  /** The length of a file's text (an overlay's, or in bytes as indexed, or on disk), without reading it. */
  private sizeOf(file: string): number {
    return this.overlays.get(file)?.length ?? this.index.sizeAsBuilt(file) ?? sizeOnDisk(file);
  }

  private textOf(file: string): string | null {
    const o = this.overlays.get(file);
    if (o !== undefined) return o;
    const r = readSource(file);
    if ('problem' in r) {
      this.readProblems.set(file, r.problem);
      return null;
    }
    this.readProblems.delete(file);
    return r.text;
  }

  /** Gives a file new text (null: back to what is on disk) and re-indexes it. */
  setText(file: string, text: string | null): void {
    file = path.resolve(file);
    // The store's pending searches keep what they read of the file as it is (their serial forms are made when written).
    this.store?.beforeIndexChange(file);
    // After a reload the stored openers reading only what lies above the edit stay checked.
    const before = this.store ? beforeEdit(this.index, file, this.textOf(file)) : null;
    // An editor's buffer's text before the edit: summaries the edit drops are kept for it (an undo takes them back).
    const bufferBefore = this.overlays.get(file) ?? null;
    if (text === null) this.overlays.delete(file);
    else this.overlays.set(file, text);
    const reparse = this.sources.update(file);
    const t = this.textOf(file);
    const hashBefore = this.index.contentHashOf(file);
    // A search taken from the store is decoded a file at a time: this file's part, before it changes.
    this.searches.decodeFile(file);
    const delta = t === null ? this.index.removeFile(file) : this.index.addScan(file, Buffer.from(t));
    if (hashBefore === undefined || this.index.contentHashOf(file) !== hashBefore) this.textEdited = true;
    const above = before && t !== null ? readsAbove(this.index, file, before, t, delta) : undefined;
    this.afterIndexChange(file, delta, reparse, above, text === null ? null : bufferBefore);
  }

  /** Makes sure files named for checking are in the index even when outside the root. */
  private include(paths: string[]): void {
    for (const p of paths) {
      if (this.index.has(p) || this.overlays.has(p)) continue;
      if (fs.existsSync(p) && fs.statSync(p).isFile()) {
        this.store?.settle();
        const t = this.textOf(p);
        this.searches.decodeFile(p);
        if (t !== null) this.afterIndexChange(p, this.index.addScan(p, Buffer.from(t)), null);
      }
    }
  }

  /**
   * Analyses every function that uses the lazy-mode API (where sections start
   * and end), following calls as the interpreter needs, then runs every
   * checker; reports what falls in `paths`.
   */
  async check(pathsIn: string[], sections?: SectionProgress): Promise<CheckResult> {
    return this.checkRoots(pathsIn, sections, false);
  }

  /**
   * After a check answered `paths` from the analysis store (a window
   * reload's), the analysis an edit's check starts from made in memory, as a
   * check of `paths` without the store leaves it (this is that check; its
   * answer is the same and is dropped): every section analysed here (not
   * only those of `paths`: an edit's check that mixes stored openers with
   * openers analysed here and meets one cut by a bound analyses everything
   * afresh), the section calls' chain phases of `paths`, their local verdicts
   * and walks. Without it the first keystroke after a reload made all of
   * that (~4.5 s on mm/memory.c); the language server runs it when the checks
   * are idle. Whether anything was made: false when the last check took
   * nothing from the store. A check: `lazymmu/lastCheck` on an earlier one
   * answers null after it.
   */
  async prepareEdits(pathsIn: string[], sections?: SectionProgress): Promise<boolean> {
    const c = this.storeCounts;
    if (!c.sectionsFromStore && !c.chainsFromStore && !c.localsFromStore) return false;
    const paths = pathsIn.map((p) => path.resolve(p));
    this.preparing = (file) => isUnder(file, paths);
    try {
      await this.checkRoots(paths, sections, false);
    } finally {
      this.preparing = null;
    }
    return true;
  }

  /**
   * check() with only the sections whose openers are in `paths` analysed
   * (their callees summarised as they need, the same summaries the next
   * check() reuses): the editor's first diagnostics for the open file, in a
   * fraction of the whole tree's time. The result is `partial`: sections
   * elsewhere can still reach into `paths`, so the section rules' findings
   * may change (engine/provisional.ts says which can); check() gives the final answer.
   */
  async checkOpenersFirst(pathsIn: string[], sections?: SectionProgress, sectionsDone?: SectionsDone): Promise<CheckResult> {
    return { ...(await this.checkRoots(pathsIn, sections, true, sectionsDone)), partial: true };
  }

  private async checkRoots(pathsIn: string[], sections: SectionProgress | undefined, openersInPathsOnly: boolean, sectionsDone?: SectionsDone): Promise<CheckResult> {
    this.checksUnderWay++;
    try {
      return await this.checkRootsUnderWay(pathsIn, sections, openersInPathsOnly, sectionsDone);
    } finally {
      if (--this.checksUnderWay === 0) {
        this.asideInterp?.dispose();
        this.asideInterp = null;
      }
    }
  }

  private async checkRootsUnderWay(pathsIn: string[], sections: SectionProgress | undefined, openersInPathsOnly: boolean, sectionsDone?: SectionsDone): Promise<CheckResult> {
    const paths = pathsIn.map((p) => path.resolve(p));
    this.checkSerial++;
    this.searchesChangedForCheck = this.searchesChangedSinceCheck;
    this.searchesChangedSinceCheck = false;
    // Between the phases after the sections (each can take seconds on a whole tree) the progress hears
    // the final count again, so the caller's event loop runs (the language server answers a hover
    // then); the CLI passes no progress. `total`: the sections analysed, once known.
    let total = 0;
    const pause = async () => {
      if (sections) await sections(total, total);
    };
    this.include(paths);
    await ensureParser();
    const findings: Finding[] = [];
    let unfollowed = 0;
    let skipped: SectionsLeftOut = new Map();
    const localLeftOut = new Map<string, number>();
    try {
      const only = openersInPathsOnly ? (file: string) => isUnder(file, paths) : undefined;
      this.storeCounts = noCounts();
      let run = await this.analyseSections(sections, only);
      // Summaries carried from the last check were charged what a fresh analysis
      // spends on them; when that exceeds a root's work budget the fresh
      // analysis would have cut it short, so analyse afresh to give the same answer.
      // The same when openers came from the store (analysisStore.ts) and an opener
      // analysed here was cut by a bound or the budget: in one fresh run it could
      // have used what the stored ones computed first, so that run is made.
      if ((run.budgetHit && (run.carried || run.loaded > 0)) || (run.unclean && run.loaded > 0)) {
        this.interp?.endCheck();
        this.interp?.dispose();
        this.interp = null;
        this.analysedHere.clear();
        this.storeCounts = noCounts();
        run = await this.analyseSections(sections, only, false);
      }
      const { hits, events, calls } = run;
      total = run.total;
      skipped = run.skipped;
      unfollowed = run.indirect.filter((c) => isUnder(c.at.file, paths)).length;
      findings.push(...run.findings);
      const cat = this.catalogue;
      const arch = this.architectures;
      // Where their fixes go, kept by the read's file's content (store/keptPlacements.ts): a rerun parses no file only for that.
      const kept = this.analysisStore();
      const placed: PlacedInFile | undefined = kept
        ? (file, key, compute) => {
            let computed = false;
            const answer = kept.placedIn(this.index, file, key, () => ((computed = true), compute()));
            this.storeCounts[computed ? 'placementsComputed' : 'placementsFromStore']++;
            return answer;
          }
        : undefined;
      findings.push(...readAfterWriteFindings(hits.filter((h) => isUnder(h.read.file, paths)), this.sources, cat, arch, this.index, placed));
      // What the section runs alone give (reads after writes, unbalanced and pause findings), finished as below on
      // copies (judging sets fields): the rules after this only add findings of other rules, pushed after these.
      if (sectionsDone) await sectionsDone({ ...this.finished(structuredClone(findings), paths, skipped, new Map(), unfollowed), partial: true });
      await pause();
      const here = calls.filter((c) => isUnder(c.at.file, paths));
      if (here.length || events.some((e) => isUnder(e.at.file, paths))) {
        // The contextual searches survey functions with the interpreter: inside its check; kept on disk per phase (store/keptChains.ts).
        const phases = this.chainPhases(JSON.stringify([openersInPathsOnly, paths]));
        const chainOf = (kind: ReachKind) => {
          const phase = phases.phase(kind);
          return (c: SectionCall) => phase.chain(c);
        };
        const enter = { legacy: chainOf('enter-legacy'), generic: chainOf('enter-generic') };
        findings.push(...nestedSectionFindings(events, here, enter, cat, arch));
        await pause();
        findings.push(...allocInSectionFindings(here, chainOf('alloc'), cat, arch));
        await pause();
        findings.push(...sleepInSectionFindings(here, chainOf('sleep'), cat, arch));
        phases.keep(this.storeCounts);
        await pause();
      }
      this.interp?.endCheck();
      // The intraprocedural rules, on the functions of the PATHs whose calls can match.
      // PATHs that are indexed files are taken as they are; only directories need the walk over the index.
      const targets = paths.every((p) => this.index.has(p)) ? [...new Set(paths)] : this.index.files().filter((f) => isUnder(f, paths));
      const store = this.analysisStore();
      for (const file of targets) {
        // Only with a progress to hear it (the language server): in the CLI an await per file (~47,000) costs ~0.1 s for nothing.
        if (sections && targets.length > 1) await pause();
        // Kept on disk per file, keyed by content (engine/store/keptLocals.ts): a rerun walks only what changed.
        // A file walked in this process keeps its verdicts in memory instead (an edit undone finds the stored key again).
        const kept = this.localVerdicts.walked(file) || this.preparing?.(file) ? null : store?.localsOf(this.index, file);
        if (kept) {
          this.storeCounts.localsFromStore++;
          for (const f of kept.findings) findings.push({ ...f });
          if (kept.leftOut) localLeftOut.set(file, kept.leftOut);
          continue;
        }
        if (store) this.storeCounts.localsComputed++;
        const own = this.localVerdicts.ofFile(file);
        for (const f of own.findings) findings.push({ ...f });
        if (own.leftOut) localLeftOut.set(file, own.leftOut);
        // An editor's buffer is stored only when the file has no entry yet (a window reload's first check), not per keystroke.
        if (store && (!this.overlays.has(file) || !store.hasLocals(file))) store.putLocals(this.index, file, own.deps, own.findings, own.leftOut, own.functions);
      }
    } catch (e) {
      // A failed analysis leaves no half-made summaries for the next check.
      this.interp?.endCheck();
      this.interp?.dispose();
      this.interp = null;
      this.analysedHere.clear();
      throw e;
    }
    if (!this.storeSavedByCaller) this.store?.save();
    return this.finished(findings, paths, skipped, localLeftOut, unfollowed);
  }

  /** A check's findings in `paths` made its result: one per place, suppressions and the configuration applied, sorted, bounded per file. */
  private finished(all: Finding[], paths: string[], skipped: SectionsLeftOut, localLeftOut: Map<string, number>, unfollowed: number): CheckResult {
    const inPaths = (f: Finding) => isUnder(f.file, paths);
    let findings: Finding[];
    // Each file's text read once for all its findings.
    const texts = new Map<string, string | null>();
    const textOnce = (file: string) => (texts.has(file) ? texts.get(file)! : (texts.set(file, this.textOf(file)), texts.get(file)!));
    findings = onePerPlace(all.filter(inPaths)).filter((f) => !isSuppressed(f, textOnce(f.file)));
    findings = judgeFindings(findings, this.config, (a) => this.configFor(a), (rule) => this.catalogue.ruleArchitectures.get(rule));
    findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
    const problems: InputProblem[] = this.index.problems.filter((p) => isUnder(p.file, paths));
    // At most MAX_FINDINGS_PER_FILE per file (the first in line order); what was left out is said.
    const bounded = boundedFindings(findings, skipped, localLeftOut, (file) => isUnder(file, paths));
    findings = bounded.findings;
    append(problems, bounded.problems);
    for (const p of paths) {
      const probe = fs.existsSync(p) && fs.statSync(p).isFile() ? this.textOf(p) : '';
      if (probe === null) problems.push({ file: p, message: this.readProblems.get(p) ?? 'cannot read' });
    }
    return {
      root: this.root,
      findings,
      problems,
      ...(this.config.active ? { configuration: this.config.info() } : {}),
      unfollowedIndirectCalls: unfollowed,
    };
  }

  /**
   * Summarises every function that uses the lazy-mode API (the section
   * roots, each as openerAnalysis.ts says), reusing carried summaries and
   * the store's products. Ends with the interpreter still in its check (the
   * section rules survey with it): check() ends it.
   */
  private async analyseSections(progress?: SectionProgress, openerIn?: (file: string) => boolean, fromStore = true): Promise<{
    hits: ReadHit[];
    events: ModeEvent[];
    calls: SectionCall[];
    /** Calls through pointers inside sections not followed (one per place). */
    indirect: IndirectCall[];
    findings: Finding[];
    budgetHit: boolean;
    carried: boolean;
    /** Sections (section roots) the run went through. */
    total: number;
    /** Openers taken from the store, and whether an opener analysed here came out cut by a bound (see storeMayDiffer). */
    loaded: number;
    unclean: boolean;
    /** Files whose sections were not all analysed (inputBounds.ts). */
    skipped: SectionsLeftOut;
  }> {
    const interp = this.interpreter();
    const carried = interp.hasSummaries();
    interp.beginCheck();
    const hits: ReadHit[] = [];
    const events: ModeEvent[] = [];
    const calls: SectionCall[] = [];
    const indirect = new Map<string, IndirectCall>();
    const covered = new Set<string>();
    const findings: Finding[] = [];
    // Per file: its sections, and whether it is too large to parse (inputBounds.ts).
    const leftOut = new Map<string, { sections: number; tooLarge?: number }>();
    // checkOpenersFirst(): only the openers of the chosen files (whole files, so the per-file bounds count the same).
    const users = openerIn ? this.index.lazyApiUsers().filter((u) => openerIn(u.file)) : this.index.lazyApiUsers();
    let analysed = 0;
    // With a progress to pause at (the language server), the whole-tree call-graph searches the
    // sections need are made first, one per pause, rather than inside whichever section asks first.
    if (progress) {
      for (const kind of REACH_KINDS) {
        await progress(0, users.length);
        this.searches.reach(kind);
      }
    }
    const store = this.analysisStore();
    let loaded = 0;
    let unclean = false;
    const toStore: [string, Deps, SectionProduct][] = [];
    // One opener's product, stored or just made, into the check's records (in the openers' order, as before).
    const takeProduct = (p: SectionProduct) => {
      append(hits, p.hits);
      append(events, p.events);
      append(calls, p.calls);
      for (const c of p.indirect) indirect.set(indirectPlace(c), c);
      for (const k of p.covered) covered.add(k);
      append(findings, p.findings);
    };
    for (const user of users) {
      if (progress) await progress(analysed++, users.length);
      let lo = leftOut.get(user.file);
      if (!lo) {
        const size = this.sizeOf(user.file);
        leftOut.set(user.file, (lo = { sections: 0, ...(size > MAX_PARSED_TEXT ? { tooLarge: size } : {}) }));
      }
      if (++lo.sections > MAX_SECTIONS_PER_FILE || lo.tooLarge !== undefined) continue;
      const opener = `${user.file}\0${user.name}\0${user.line}`;
      const stored = store && fromStore && !this.analysedHere.has(opener) && !this.preparing ? store.section(opener) : null;
      if (stored) {
        loaded++;
        this.storeCounts.sectionsFromStore++;
        takeProduct(stored);
        continue;
      }
      const ref = this.sources.functionAt(user.file, user.name, user.line);
      if (!ref) continue;
      this.analysedHere.add(opener);
      if (store) this.storeCounts.sectionsComputed++;
      const { product, clean, deps } = analyseOpener(interp, ref, user, { index: this.index, sources: this.sources, architectures: this.architectures });
      takeProduct(product);
      if (!clean) unclean = true;
      else if (store && !interp.budgetHit && !store.holdsSection(opener)) toStore.push([opener, deps()!, product]);
    }
    // Stored only when no opener of this check hit the work budget (what a budget cuts depends on what came before).
    if (store && !interp.budgetHit) for (const [opener, deps, product] of toStore) store.putSection(opener, deps, product);
    if (progress) await progress(users.length, users.length);
    for (const k of covered) indirect.delete(k);
    const bounded = [...leftOut].filter(([, lo]) => lo.tooLarge !== undefined || lo.sections > MAX_SECTIONS_PER_FILE);
    const skipped = new Map(bounded.map(([file, lo]) => [file, { ...lo, sectionsLeftOut: lo.sections - MAX_SECTIONS_PER_FILE }]));
    return { hits, events, calls, indirect: [...indirect.values()], findings, budgetHit: interp.budgetHit, carried, total: users.length, loaded, unclean, skipped };
  }

  /**
   * The lazy MMU section whose enter or leave call is on 1-based `line` of
   * `file`: what it writes, reads and calls (with each callee's effect), from
   * the interpreter's summary of the function holding it. Read-only. Between
   * checks the checks' summaries serve it; while a check is under way (paused
   * at a progress step) it summarises what the one section needs with an
   * interpreter of its own, kept for other such questions until the check ends.
   */
  async sectionAt(fileIn: string, line: number): Promise<SectionInfo | null> {
    const file = path.resolve(fileIn);
    // A check under way must not see the index change: a file it does not know has no section to show.
    if (this.checking && !this.index.has(file) && !this.overlays.has(file)) return null;
    // Kept on disk after an earlier session's check (engine/store/keptSections.ts): nothing to analyse.
    const kept = this.keptSectionAt(file, line);
    if (kept) return kept;
    if (!this.checking) this.include([file]);
    // Asked while a check is paused at a step: answered with an interpreter of its own (the check's is left alone).
    const aside = this.checking;
    await ensureParser();
    const def = this.functionsOf(file).find((r) => r.node.startPosition.row + 1 <= line && line <= r.node.endPosition.row + 1);
    return def ? this.computeSectionAt(def, line, aside).info : null;
  }

  /** The parsed functions of an indexed file. */
  private functionsOf(file: string): FunctionRef[] {
    return this.index
      .functionsIn(file)
      .map((d) => this.sources.functionAt(file, d.name, d.line))
      .filter((r): r is FunctionRef => !!r);
  }

  /**
   * sectionAt's analysis of the section on `line` of `def`; `aside`: asked
   * while a check is paused (an interpreter of its own, the check's left
   * alone). `exact`: no work budget was hit (engine/store/keptSections.ts).
   */
  private computeSectionAt(def: FunctionRef, line: number, aside: boolean): { info: SectionInfo | null; exact: boolean } {
    // The checks' summaries serve the hover too (the section's opener is usually summarised already).
    const ask = () => {
      const interp = aside ? (this.asideInterp ??= this.newInterpreter()) : this.interpreter();
      const carried = interp.hasSummaries();
      interp.beginCheck();
      try {
        const info = sectionInfoFor(def, line, { cat: this.catalogue, interp, reach: (kind) => this.searches.reach(kind) });
        return { info, budgetHit: interp.budgetHit, again: interp.budgetHit && carried };
      } finally {
        interp.endCheck();
      }
    };
    let r = ask();
    if (r.again) {
      // As in check(): reused summaries past a root budget could differ from a fresh analysis.
      if (aside) {
        this.asideInterp?.dispose();
        this.asideInterp = null;
      } else {
        this.interp?.dispose();
        this.interp = null;
        this.analysedHere.clear();
      }
      r = ask();
    }
    return { info: r.info, exact: !r.budgetHit };
  }

  /**
   * The hover answer for 1-based `line` of `file` kept in the analysis store
   * (engine/store/keptSections.ts), or null when none is kept for the tree as
   * it is now. `text`: the editor's text, which must be what the Workspace reads.
   */
  keptSectionAt(file: string, line: number, text?: string): SectionInfo | null {
    return keptSections.keptSectionAt(this.keptSectionsHost(), file, line, text);
  }

  /**
   * Runs the open files' openers-first pass once more, for the store only:
   * a window reload starts with it (checkOpenersFirst), and a session whose
   * first diagnostics came before the index (server/firstDiagnostics.ts)
   * never ran it, so the reload would compute its chains again
   * (store/keptChains.ts keeps them per check scope). Its answer is dropped;
   * the summaries it needs are the first check's.
   */
  async keepFirstPass(files: string[]): Promise<void> {
    if (this.checking || this.textEdited || !this.analysisStore()) return;
    const counts = this.storeCounts;
    await this.checkOpenersFirst(files);
    this.storeCounts = counts;
    this.saveStore();
  }

  /** One slice of the store's next write, made ahead of it: a pending search's serial form (~0.5 s of CPU each on 6.12). Whether there was one. */
  settleStoreSearch(): boolean {
    return !!this.store?.settleOne();
  }

  /** Writes what the analysis store gained (the serial form of new searches, the entries made). */
  saveStore(): void {
    // Entries are keyed when written: by content keys of the texts as they are now.
    if (this.store && this.keysStale) this.analysisStore();
    this.store?.save();
  }

  /**
   * Lets go of what only a later check or hover would reuse (the summaries,
   * the call-graph searches, the local verdicts, the parse trees): a one-shot
   * check (engine/check.ts) calls it once its result is made, so that the
   * store's save and the output run on a smaller heap. A later check works as
   * after an edit of every file: it computes them again.
   */
  releaseAnalysis(): void {
    // The searches computed here wait for the save in the store as closures that hold them (their
    // steps maps, ~10^5 per search on a kernel tree): put in serial form now, so they go with the rest.
    this.store?.settle();
    this.interp?.dispose();
    this.interp = null;
    this.asideInterp?.dispose();
    this.asideInterp = null;
    this.analysedHere.clear();
    this.searches.clear();
    this.localVerdicts.clear();
    this.editedChains.clear();
    this.sources.clear();
  }

  /** Whether the analysis store holds entries not yet written (the language server writes them when idle). */
  get storeUnsaved(): boolean {
    return !!this.store?.unsaved;
  }

  /**
   * Computes and stores the hover answers of every section of `files` (their
   * enter and leave lines) unless kept already: the language server calls it
   * after the first check of its open files, so that after a window reload a
   * hover is read from the store (engine/store/keptSections.ts). Returns the
   * files whose answers were stored now.
   */
  keepSectionInfos(files: string[]): Promise<number> {
    return keptSections.keepSectionInfos(this.keptSectionsHost(), files);
  }

  private keptSectionsHost(): keptSections.KeptSectionsHost {
    const ws = this;
    return {
      index: this.index,
      catalogue: this.catalogue,
      storeWanted: this.storeWanted && !!this.cacheDir,
      store: () => this.analysisStore(),
      get checking() {
        return ws.checking;
      },
      textOf: (file) => this.textOf(file),
      sizeOf: (file) => this.sizeOf(file),
      functionsOf: (file) => this.functionsOf(file),
      computeSection: (ref, line) => this.computeSectionAt(ref, line, false),
    };
  }
}


/**
 * Hears sections analysed / total during a check (the language server's
 * progress); the check waits for it, so it may give the event loop back.
 */
export type SectionProgress = (done: number, total: number) => void | Promise<void>;

/**
 * Hears, during checkOpenersFirst, the findings the section runs alone give
 * (reads after writes, unbalanced and pause findings: a `partial` result),
 * before the contextual searches and the local rules add theirs: the
 * first diagnostics published a stage earlier (engine/partialIndex.ts). The
 * check's own result holds every one of them (theirs are pushed first, so
 * one per place keeps them), unless a file then passes the per-file cap.
 */
export type SectionsDone = (result: CheckResult) => void | Promise<void>;
