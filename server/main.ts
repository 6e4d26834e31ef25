// The lazymmu language server: keeps one engine Workspace for the editor's
// workspace folder, checks open C files as they change and offers a quick fix.
// Runs over stdio (--stdio) or Node IPC (--node-ipc); see createConnection.
// The wiring of every feature (~690 lines): the check queue and publishing
// live here with the documents they serve; features are in their own modules.
// Next to split out: the check queue and its publishing (server/checkQueue.ts).
import * as path from 'path';
import { fileURLToPath } from 'url';
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  InitializeParams,
  InitializeResult,
  CodeActionKind,
  MessageType,
  ShowMessageNotification,
  Hover,
  HoverParams,
  MarkupKind,
  PublishDiagnosticsParams,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CheckResult, Workspace } from '../engine/workspace';
import { defaultCacheBase } from '../engine/index/indexCache';
import { sweepCache } from '../engine/cacheSweep';
import { storeSaying } from '../engine/store/analysisStore';
import { DEFAULT_ARCH, isExcluded, lazymmuSection, parseSettings, Settings, shownBy } from './settings';
import { selectFindings } from '../engine/findings';
import type { Finding } from '../engine/findings';
import { HoverCache, sectionHover } from './hover';
import { toDiagnostic } from './convert';
import { codeActionsFor, kindWanted } from './codeActions';
import { registerSimulator, simulateActions } from './simulatorRequests';
import { GO_TO_COMMAND, goToWriteActions, registerNavigation, suppressActions } from './navigation';
import { registerSectionExtents } from './sectionExtents';
import { registerCheckFolder } from './checkFolder';
import { isScenario, scenarioCompletion, scenarioDiagnostics, scenarioHover } from './scenarioLanguage';
import { BoundsTold, DocumentGuard, MAX_TEXT, unreadableMessage } from './documentGuard';
import { registerMemoryRequest } from './memoryRequest';
import { LastChecks } from './lastCheckRequest';
import { NewSinceBase, NEW_SINCE_NOTIFICATION } from './newSinceBase';
import { CHECK_STATE_NOTIFICATION, CheckState, countingProgress, FirstCheckProgress, markProvisional, took } from './checkProgress';
import { isProvisional } from '../engine/provisional';
import { firstDiagnosticsBeforeIndex, publishedEarly } from './firstDiagnostics';
import { IdleWrite, inSlices } from './idleWrite';
import { KeptFindings } from './keptFindings';

// No debounce: a check after an edit reuses the summaries and searches the
// edit did not touch (engine/workspace.ts), so it is cheap; a check already
// superseded by a newer edit when it starts or ends is dropped (see stale()).
const EDIT_DELAY_MS = 0;
/** The analysis store is written after an edit's check once no check was asked for this long (server/idleWrite.ts). */
const STORE_IDLE_MS = 1500;
/** Too large or binary documents are not analysed; the user is told once per document. */
const guard = new DocumentGuard();
/** Whether checks are pending or running (the client's "checking…"); none left ends an unfinished sections count. */
const checks = new CheckState((state) => {
  if (!state.checking) firstSections.end();
  void connection.sendNotification(CHECK_STATE_NOTIFICATION, state);
});
/** The first check's sections count per Workspace state, handed from a superseded run to the next (server/checkProgress.ts). */
const firstSections = new FirstCheckProgress<Workspace>(() => connection.window.createWorkDoneProgress().catch(() => null));
/** Every publishDiagnostics goes through here: checkState tells the client how many were sent (server/checkProgress.ts). */
const publish = (p: PublishDiagnosticsParams) => (checks.published++, connection.sendDiagnostics(p));
/** Workspaces not checked yet since their index: their first check reports sections. */
const firstCheck = new WeakSet<Workspace>();
/** What a check left out of a file (engine/inputBounds.ts): said once per file and message. */
const boundsTold = new BoundsTold();

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const simulator = registerSimulator(
  connection,
  log,
  (uri) => documents.get(uri)?.version,
  (uri) => documents.get(uri)?.getText(),
);
registerMemoryRequest(connection);
/** Each document's last published check, for `lazymmu/lastCheck` (the edit bench's program-changing edits). */
const lastChecks = new LastChecks();
lastChecks.register(connection);
registerNavigation(connection, log);

let root = process.cwd();
let initOptions: unknown;
let hasConfigurationPull = false;
/** The client runs lazymmu.insertSnippet (initializationOptions.client.insertSnippet). */
let snippetCommand = false;
let resolveFirst: ((w: Workspace | null) => void) | null = null;
/** The open files' last final findings, kept on disk for the next window reload (server/keptFindings.ts); made once the root is known. */
let keptFindings: KeptFindings | null = null;
/** What each Workspace's findings are computed with besides the tree (KeptFindings.keyOf). */
const keptKeys = new WeakMap<Workspace, string>();
/** Before the first index: the key of the settings read, once they are (the kept findings are published from then on). */
let keptKeyBeforeIndex: string | null = null;
/** The current Workspace, once indexed (null if indexing failed); checks wait for it. */
let workspace: Promise<Workspace | null> = new Promise((r) => (resolveFirst = r));

/** Per document: the newest generation asked for, and its pending timer. */
const generations = new Map<string, number>();
const timers = new Map<string, NodeJS.Timeout>();
/** Checks run one after another (the Workspace is shared). */
let queue: Promise<void> = Promise.resolve();
/** The settings in force (the model and exclude apply without re-indexing). */
let settings: Settings = { arch: DEFAULT_ARCH, model: simulator.defaultModel, exclude: [], minImpact: 'contract', showAllowedNesting: false, showOnlyNewSince: 'off' };
/** lazymmu.showOnlyNewSince: the base's findings, and the state the client shows. */
const newSince = new NewSinceBase((s) => void connection.sendNotification(NEW_SINCE_NOTIFICATION, s), log);

/** Computes the base for lazymmu.showOnlyNewSince when it (or what the findings depend on) changed; then checks the open documents again. */
function refreshBase(): void {
  const s = settings;
  const key = JSON.stringify({ e: engineKey(s), shown: shownBy(s) });
  void newSince
    .configure(s.showOnlyNewSince, { root, arch: s.arch, extraApisFile: s.extraApis, pinnedConfig: s.pinnedConfig, cacheDir: defaultCacheBase(), select: (fs) => selectFindings(fs, shownBy(s)) }, key)
    .then((changed) => {
      if (changed) for (const d of documents.all()) schedule(d.uri, 0);
    });
}
/** Per Workspace: the document version whose text it was last given, so unchanged documents are not re-parsed. */
const givenText = new WeakMap<Workspace, Map<string, number>>();

/** Gives the Workspace the document's current text unless it already has it. */
function giveText(ws: Workspace, uri: string, file: string, version: number, text: string): void {
  let m = givenText.get(ws);
  if (!m) givenText.set(ws, (m = new Map()));
  if (m.get(uri) === version) return;
  ws.setText(file, text);
  m.set(uri, version);
}

/** The settings that need a new index when they change. */
const engineKey = (s: Settings) => JSON.stringify({ arch: s.arch, extraApis: s.extraApis, kernelConfig: s.kernelConfig });

/** window/showMessage (a notification: the client need not answer, unlike showWarningMessage's request). */
function show(type: MessageType, message: string): void {
  connection.sendNotification(ShowMessageNotification.type, { type, message: `lazymmu: ${message}` });
  log(message);
}

/** What a check took from the analysis kept on disk (engine/store/), when it used it. */
function logStore(what: string, ws: Workspace): void {
  const said = storeSaying(ws.storeCounts);
  if (said) log(`${what}: ${said}`);
}

function log(msg: string): void {
  connection.console.log(`[lazymmu] ${msg}`);
}

function fileOf(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? null;
  const f = folder ? fileOf(folder) : null;
  if (f) root = f;
  else if (params.rootPath) root = params.rootPath;
  initOptions = params.initializationOptions;
  keptFindings = new KeptFindings(defaultCacheBase(), root);
  // Our VS Code client inserts snippets (the suppression's reason as a placeholder).
  snippetCommand = !!(initOptions as { client?: { insertSnippet?: boolean } } | undefined)?.client?.insertSnippet;
  hasConfigurationPull = !!params.capabilities.workspace?.configuration;
  simulator.lensRefresh = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  return {
    capabilities: {
      textDocumentSync: {
        openClose: true,
        change: TextDocumentSyncKind.Incremental,
        save: { includeText: false },
      },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      codeLensProvider: { resolveProvider: false },
      hoverProvider: true,
      executeCommandProvider: { commands: [GO_TO_COMMAND] },
      completionProvider: {},
    },
    serverInfo: { name: 'lazymmu', version: '0.1.0' },
  };
});

async function currentSettingsRaw(fallback: unknown = initOptions): Promise<unknown> {
  if (hasConfigurationPull) {
    try {
      const c = await connection.workspace.getConfiguration('lazymmu');
      if (c && typeof c === 'object' && Object.keys(c).length) return { lazymmu: c };
    } catch (e) {
      log(`workspace/configuration failed (${(e as Error).message}); using the settings sent by the client`);
    }
  }
  return fallback;
}

/** Makes a Workspace for the settings and indexes it, reporting work-done progress. */
async function buildWorkspace(raw: unknown): Promise<Workspace | null> {
  const parsed = parseSettings(raw, root);
  applySettings(parsed.settings);
  builtFor = engineKey(settings);
  for (const w of parsed.warnings) show(MessageType.Warning, w);
  const keptKey = KeptFindings.keyOf({ root, arch: settings.arch, extraApis: settings.extraApis, kernelConfig: settings.kernelConfig });
  // The first index of a session (a window reload): the open files' findings the last session kept, at once.
  if (resolveFirst) {
    keptKeyBeforeIndex = keptKey;
    for (const d of documents.all()) publishKept(d);
  }
  const progress = await connection.window.createWorkDoneProgress().catch(() => null);
  progress?.begin('lazymmu: indexing', 0, root, false);
  try {
    const ws = makeWorkspace(settings);
    keptKeys.set(ws, keptKey);
    // On a large tree, the open documents first, on a partial index of what they need (server/firstDiagnostics.ts).
    await firstDiagnosticsBeforeIndex(ws, { documents: earlyDocuments, current: (uri, v) => documents.get(uri)?.version === v, publish: (d, r, evenEmpty) => publishResult(d.uri, d.file, d.text, d.version, r, !evenEmpty), log });
    const started = Date.now();
    // Files done (from the cache or scanned) / total, as the build goes (server/checkProgress.ts).
    const files = countingProgress(progress, 'files');
    await ws.buildAsync(files.report);
    const b = ws.index.lastBuild;
    log(`phase: index ${took(started)}${b ? ` (${b.files} files: ${b.fromCache} from the cache, ${b.scanned.length} scanned, ${b.workers} scan threads)` : ''}`);
    firstCheck.add(ws);
    const unreadable = unreadableMessage(root, ws.index.problems);
    if (unreadable) show(MessageType.Warning, unreadable);
    log(`indexed ${root} (arch ${settings.arch}${settings.extraApis ? `, extra APIs ${settings.extraApis}` : ''})`);
    if (settings.kernelConfig) log(`kernel config ${settings.kernelConfig}: ${settings.pinnedConfig?.values.size ?? 0} options`);
    // Which configuration decides (a pinned .config, Debian's, or the tree's Kconfig and Kbuild for the architecture).
    if (ws.config.active) log(`configuration: ${ws.config.info().text}`);
    return ws;
  } catch (e) {
    log(`indexing failed: ${(e as Error).stack ?? e}`);
    show(MessageType.Error, `indexing ${root} failed: ${(e as Error).message}`);
    return null;
  } finally {
    progress?.done();
  }
}

/** The open C documents the settings let be checked, for the pass before the index. */
function earlyDocuments() {
  return documents
    .all()
    .map(earlyDocument)
    .filter((d): d is NonNullable<typeof d> => d !== null);
}

/** An open C document the settings let be checked, with its text (null: not one). */
function earlyDocument(d: TextDocument) {
  const file = fileOf(d.uri);
  if (!file || isScenario(d.languageId, d.uri) || isExcluded(file, root, settings.exclude)) return null;
  return { uri: d.uri, file, version: d.version, text: d.getText() };
}

/**
 * Before the session's first index: the findings the last session's final check made for this document's
 * text, published at once, every one provisional (server/keptFindings.ts); the first check confirms or
 * replaces them. Not with lazymmu.showOnlyNewSince (its base is made after the index).
 */
function publishKept(doc: TextDocument): void {
  const d = earlyDocument(doc);
  if (!d || !resolveFirst || !keptKeyBeforeIndex || settings.showOnlyNewSince !== 'off') return;
  const findings = keptFindings?.take(d.file, d.text, keptKeyBeforeIndex);
  if (!findings?.length) return;
  log(`phase: findings of ${path.basename(d.file)} kept by the last session published (${findings.length}, provisional)`);
  void publishResult(d.uri, d.file, d.text, d.version, { root, findings, problems: [], partial: true }, true, () => true);
}

function makeWorkspace(settings: Settings): Workspace {
  try {
    // The scan of the tree is cached on disk keyed by content, like the CLI's, so a restart is fast.
    return new Workspace({ root, arch: settings.arch, extraApisFile: settings.extraApis, pinnedConfig: settings.pinnedConfig, cacheDir: defaultCacheBase(), log, storeSavedByCaller: true });
  } catch (e) {
    if (!settings.extraApis) throw e;
    show(MessageType.Warning, `lazymmu.extraApis: ${(e as Error).message}; using the builtin API catalogue only`);
    return new Workspace({ root, arch: settings.arch, pinnedConfig: settings.pinnedConfig, cacheDir: defaultCacheBase(), log, storeSavedByCaller: true });
  }
}

connection.onInitialized(async () => {
  const raw = await currentSettingsRaw();
  const ws = await buildWorkspace(raw);
  resolveFirst?.(ws);
  resolveFirst = null;
  refreshBase();
});

/** The engine settings the current Workspace was built with (JSON), so unchanged settings cost nothing. */
let builtFor = '';

function applySettings(s: Settings): void {
  settings = s;
  simulator.defaultModel = s.model;
}

connection.onDidChangeConfiguration(async (change) => {
  hovers.clear();
  // The first build read the settings when it started: a change sent while it runs is applied after it,
  // not dropped (a setting toggled during a long first index used to be lost until the next change).
  if (resolveFirst) await workspace;
  const sent = change.settings && Object.keys(lazymmuSection(change.settings)).length ? change.settings : initOptions;
  const raw = await currentSettingsRaw(sent);
  const parsed = parseSettings(raw, root);
  if (engineKey(parsed.settings) === builtFor) {
    // Only the model or exclude changed: no new index, the open documents are checked again.
    const before = JSON.stringify(settings);
    applySettings(parsed.settings);
    if (JSON.stringify(settings) === before) return;
    for (const w of parsed.warnings) show(MessageType.Warning, w);
    for (const d of documents.all()) schedule(d.uri, 0);
    refreshBase();
    return;
  }
  const replaced = workspace;
  const next = buildWorkspace(raw);
  workspace = next;
  // The replaced Workspace's unwritten products are written now, in the queue, not at the next idle write:
  // its index and analysis are let go of once they are on disk (test/protocol/released.test.ts).
  void replaced.then((old) => {
    if (old && storeWrite.drop(old)) queue = queue.then(() => writeStore(old));
  });
  const ws = await next;
  // The new index sees the editor's unsaved buffers too, not just what is on disk.
  for (const d of documents.all()) {
    const f = fileOf(d.uri);
    if (ws && f && !d.getText().includes('\0')) giveText(ws, d.uri, f, d.version, d.getText());
  }
  for (const d of documents.all()) schedule(d.uri, 0);
  refreshBase();
});

/**
 * Checks `uri` after `delay` ms; with `cascade`, the other open documents are
 * checked again afterwards (a section in one may call a function the edit changed).
 */
function schedule(uri: string, delay: number, cascade = false): void {
  storeWrite.cancel();
  const gen = (generations.get(uri) ?? 0) + 1;
  generations.set(uri, gen);
  const t = timers.get(uri);
  if (t) clearTimeout(t);
  else checks.start();
  timers.set(
    uri,
    setTimeout(() => {
      timers.delete(uri);
      queue = queue.then(() => run(uri, gen, cascade)).finally(() => checks.end());
    }, delay),
  );
}

const stale = (uri: string, gen: number) => generations.get(uri) !== gen;

/** The other open documents, checked again after `uri` changed (their diagnostics republished). */
function recheckOthers(uri: string): void {
  for (const d of documents.all()) {
    if (d.uri === uri || timers.has(d.uri)) continue; // one already pending will see the change
    const gen = (generations.get(d.uri) ?? 0) + 1;
    generations.set(d.uri, gen);
    checks.start();
    queue = queue.then(() => run(d.uri, gen, false)).finally(() => checks.end());
  }
}

async function run(uri: string, gen: number, cascade = false): Promise<void> {
  try {
    const ws = await workspace;
    if (!ws || stale(uri, gen)) return;
    const doc = documents.get(uri);
    const file = fileOf(uri);
    if (!doc || !file || isScenario(doc.languageId, uri)) return;
    const text = doc.getText();
    const refused = guard.check(uri, file, text);
    if (refused) {
      if (refused.message) show(MessageType.Warning, refused.message);
      simulator.remember(uri, [], doc.version);
      await publish({ uri, version: doc.version, diagnostics: [] });
      return;
    }
    const version = doc.version;
    giveText(ws, uri, file, version, text);
    if (cascade) recheckOthers(uri);
    if (isExcluded(file, root, settings.exclude)) {
      simulator.remember(uri, [], version);
      await publish({ uri, version, diagnostics: [] });
      return;
    }
    const started = Date.now();
    // The first check after an index analyses every section: its progress says how many are done.
    const first = firstCheck.has(ws);
    // One sections count spans both passes of the first check (the open file's sections, then
    // the whole tree's, whose already-analysed ones go by at once) and every run of it a newer
    // one supersedes, so the count the user sees only moves forward.
    const report = first ? await firstSections.stepFor(ws) : null;
    const step = report
      ? (done: number, total: number) => {
          report(done, total);
          return new Promise<void>((r) => setImmediate(r));
        }
      : undefined;
    let result;
    try {
      // Published already before the index (server/firstDiagnostics.ts): straight to the whole check.
      if (first && !publishedEarly(ws, uri, version)) {
        // Before the whole tree, the open file's own sections (engine/provisional.ts): diagnostics in seconds, marked where the rest can change them.
        const early = await ws.checkOpenersFirst([file], step);
        log(`phase: first diagnostics of ${path.basename(file)} ${took(started)} (${early.findings.length} findings, provisional)`);
        logStore(`first diagnostics of ${path.basename(file)}`, ws);
        // Superseded: the next run goes on with this count (a close leaves none: the count ends with the checks).
        if (stale(uri, gen) || !documents.get(uri)) return;
        // Nothing found yet says nothing: the file's diagnostics wait for the whole check.
        await publishResult(uri, file, text, version, early, true);
      }
      // Not before: a run superseded above leaves the next one its first pass.
      if (first) firstCheck.delete(ws);
      result = await ws.check([file], step);
      if (first) firstSections.end();
    } catch (e) {
      if (first) firstSections.end();
      throw e;
    }
    log(`phase: ${first ? 'first check' : 'check'} of ${path.basename(file)} ${took(started)} (${result.findings.length} findings)`);
    if (first) logStore(`first check of ${path.basename(file)}`, ws);
    if (stale(uri, gen) || !documents.get(uri)) return; // a newer edit or a close superseded this run
    lastChecks.published(uri, ws, version);
    await publishResult(uri, file, text, version, result);
    // For the next window reload (written with the store, and at shutdown).
    const keptKey = keptKeys.get(ws);
    if (keptKey) keptFindings?.keep(file, text, keptKey, ofFile(result.findings, file));
    // The store written once the checks are idle (server/idleWrite.ts), after the first check too: its write (the
    // serial form of the first check's searches) and the reload's kept answers take seconds on a kernel tree, and
    // an edit typed as the first diagnostics appeared waited behind them (the edit bench's 2.4 s first edit).
    if (first) keepAfterFirst.set(ws, () => keepFirstProducts(ws, uri, file, version));
    storeWrite.soon(ws);
  } catch (e) {
    log(`checking ${uri} failed: ${(e as Error).stack ?? e}`);
  }
}

/**
 * When the checks are idle, after the store's write: what an edit of the open files starts from, made in
 * memory if the last check took it from the analysis store (Workspace.prepareEdits). A window reload's
 * first check is the store's, and the first keystroke after it analysed the file afresh (~4.5 s on
 * mm/memory.c); now that work is done here, unless an edit comes first (then its check makes it).
 */
async function prepareEdits(ws: Workspace): Promise<void> {
  if (checks.checking || ws !== (await workspace)) return;
  const open = documents.all().filter((d) => !isScenario(d.languageId, d.uri));
  const files = open.map((d) => fileOf(d.uri)).filter((f): f is string => !!f && !isExcluded(f, root, settings.exclude));
  if (!files.length) return;
  const started = Date.now();
  try {
    // Yielding at each section, so that hovers and requests are answered meanwhile.
    if (await ws.prepareEdits(files, () => new Promise<void>((r) => setImmediate(r))))
      log(`phase: analysis for edits of ${files.map((f) => path.basename(f)).join(', ')} made ${took(started)}`);
  } catch (e) {
    log(`preparing the edits of ${files.join(', ')} failed: ${(e as Error).stack ?? e}`);
  }
}

/** What the first check of a Workspace keeps for the next window reload, done with its first idle store write. */
const keepAfterFirst = new Map<Workspace, () => Promise<void>>();

/** The first check's products for a reload: the store, the open files' hover answers, the first pass's chains. */
async function keepFirstProducts(ws: Workspace, uri: string, file: string, version: number): Promise<void> {
  const saving = Date.now();
  ws.saveStore();
  log(`phase: analysis store written ${took(saving)}`);
  // The hover answers of the open files kept on disk, for the next window reload (engine/store/keptSections.ts).
  const kept = Date.now();
  const n = await ws.keepSectionInfos(documents.all().map((d) => fileOf(d.uri)).filter((f): f is string => !!f && !isExcluded(f, root, settings.exclude)));
  if (n) log(`phase: hover answers of ${n} open files kept ${took(kept)}`);
  // A reload's first pass finds its section calls' chains kept (engine/store/keptChains.ts; not after an edit).
  if (publishedEarly(ws, uri, version)) await ws.keepFirstPass([file]);
  sweepOldCache();
}

/** Once a day, after a first check: the cache entries of roots that are gone removed (engine/cacheSweep.ts). */
function sweepOldCache(): void {
  const swept = sweepCache(defaultCacheBase());
  if (swept?.removed.length) log(`cache: removed ${swept.removed.length} entries of roots that are gone or old (${swept.kept} kept)`);
}

/** A check's findings in `file`. */
const ofFile = (findings: Finding[], file: string) => findings.filter((f) => path.resolve(f.file) === path.resolve(file));

/** A check's findings for the open document, as the settings show them (provisional ones marked: `mayChange`, engine/provisional.ts by default). */
async function publishResult(uri: string, file: string, text: string, version: number, result: CheckResult, unlessEmpty = false, mayChange = (f: Finding) => isProvisional(result, f)): Promise<boolean> {
  for (const p of result.problems) log(`${p.file}: ${p.message}`);
  boundsTold.tell(file, result.problems, (m) => show(MessageType.Warning, m));
  // What the settings show: at least lazymmu.minImpact; allowed nesting only with lazymmu.showAllowedNesting.
  // With lazymmu.showOnlyNewSince, only those the base does not have (held against the buffers' text).
  const mine = newSince.filter(
    selectFindings(ofFile(result.findings, file), shownBy(settings)),
    (f) => (f === file ? text : openText(f)),
  );
  if (unlessEmpty && !mine.length) return false;
  simulator.remember(uri, mine, version);
  const diagnostics = mine.map((f) => (result.partial ? markProvisional(toDiagnostic(f), mayChange(f)) : toDiagnostic(f)));
  await publish({ uri, version, diagnostics });
  return true;
}

/** An open document's text by file path (an editor's unsaved text wins over the disk's). */
function openText(file: string): string | undefined {
  for (const d of documents.all()) if (fileOf(d.uri) === file) return d.getText();
  return undefined;
}

/** onDidChangeContent also fires right after onDidOpen; the open handler already scheduled that check. */
const justOpened = new Set<string>();
/** A .lzmmu scenario's parse errors and unknown names, published at once (no index, no queue). */
function publishScenario(doc: TextDocument): boolean {
  if (!isScenario(doc.languageId, doc.uri)) return false;
  const text = doc.getText();
  const diagnostics = text.length > MAX_TEXT || text.includes('\0') ? [] : scenarioDiagnostics(text, fileOf(doc.uri) ?? doc.uri);
  void publish({ uri: doc.uri, version: doc.version, diagnostics });
  return true;
}

documents.onDidOpen((e) => {
  if (publishScenario(e.document)) return;
  publishKept(e.document);
  justOpened.add(e.document.uri);
  schedule(e.document.uri, 0);
});
documents.onDidChangeContent((e) => {
  if (publishScenario(e.document)) return;
  hovers.clear();
  if (justOpened.delete(e.document.uri)) return;
  schedule(e.document.uri, EDIT_DELAY_MS, true);
});
documents.onDidSave((e) => !isScenario(e.document.languageId, e.document.uri) && schedule(e.document.uri, 0, true));

/** Completion in .lzmmu scenarios: operations, declared names, keywords. */
connection.onCompletion((p) => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc || !isScenario(doc.languageId, doc.uri) || doc.getText().length > MAX_TEXT) return [];
  return scenarioCompletion(doc.getText());
});
documents.onDidClose(async (e) => {
  const uri = e.document.uri;
  generations.set(uri, (generations.get(uri) ?? 0) + 1);
  const t = timers.get(uri);
  if (t) {
    clearTimeout(t);
    checks.end();
  }
  timers.delete(uri);
  justOpened.delete(uri);
  guard.forget(uri);
  const file = fileOf(uri);
  // In the check queue: a check may give the event loop back (progress) and must not see the text change under it.
  await (queue = queue.then(async () => {
    try {
      const ws = await workspace;
      if (ws && file && !documents.get(uri) && !isScenario(e.document.languageId, uri)) {
        ws.setText(file, null);
        givenText.get(ws)?.delete(uri);
      }
    } catch (err) {
      log(`closing ${uri}: ${(err as Error).message}`);
    }
  }));
  simulator.forget(uri);
  lastChecks.forget(uri);
  void publish({ uri, diagnostics: [] });
});

connection.onCodeAction((params) => {
  try {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const { diagnostics: ds, only } = params.context;
    return [
      ...(kindWanted(CodeActionKind.QuickFix, only) ? codeActionsFor(doc.uri, doc.getText(), ds) : []),
      ...simulateActions(simulator, doc.uri, ds, only),
      ...goToWriteActions(simulator, doc.uri, ds, only),
      ...suppressActions(doc.uri, doc.getText(), ds, snippetCommand, only),
    ];
  } catch (e) {
    log(`code actions failed: ${(e as Error).message}`);
    return [];
  }
});

/** The analysis store's writes after edits' checks, in the queue, when no check is pending (server/idleWrite.ts); then prepareEdits. */
const storeWrite = new IdleWrite<Workspace>(STORE_IDLE_MS, (ws) => {
  // Never rejects: a rejected queue would run no check after it. Then, still idle, the analysis for edits.
  queue = queue.then(async () => {
    if (checks.checking) return storeWrite.soon(ws);
    await writeStore(ws, () => checks.checking);
    await prepareEdits(ws);
  });
});
/** `giveWay`: the idle write stops between its first slices when a check was asked for (written when next idle). */
async function writeStore(ws: Workspace, giveWay = () => false): Promise<void> {
  keptFindings?.save();
  try {
    // The searches' serial forms one per turn of the event loop (~2 s of CPU for the four on 6.12): a keystroke waits for one.
    if (!(await inSlices(() => ws.settleStoreSearch(), giveWay))) return storeWrite.soon(ws);
    const first = keepAfterFirst.get(ws);
    keepAfterFirst.delete(ws);
    if (first) await first();
    else ws.saveStore();
  } catch (e) {
    log(`writing the analysis store failed: ${(e as Error).stack ?? e}`);
  }
}
// What the last checks put is written before the server goes (the next session takes it), when no
// check is pending or running: the client waits for this answer, and a check can take a minute.
connection.onShutdown(async () => {
  keptFindings?.save();
  const unwritten = storeWrite.take();
  if (checks.checking) return;
  await (queue = queue.then(async () => {
    for (const ws of unwritten) await writeStore(ws);
  }));
});

/** Runs `fn` in the check queue (the Workspace is shared). */
function inQueue<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    queue = queue.then(() => fn().then(resolve, reject));
  });
}
registerSectionExtents(connection, { document: (uri) => documents.get(uri), workspace: () => workspace, fileOf, log });
registerCheckFolder(connection, {
  workspace: () => workspace,
  inQueue,
  excluded: (f) => isExcluded(f, root, settings.exclude),
  select: (fs) => newSince.filter(selectFindings(fs, shownBy(settings)), openText),
  isOpen: (uri) => !!documents.get(uri),
  publish: (uri, diagnostics) => void publish({ uri, diagnostics }),
  log,
});

/** Hover on a lazy-mode enter or leave call: what the section writes, reads and calls. */
const hovers = new HoverCache<Hover>();
connection.onHover(
  async (params: HoverParams): Promise<Hover | null> => {
    const doc = documents.get(params.textDocument.uri);
    if (doc && isScenario(doc.languageId, doc.uri)) return doc.getText().length > MAX_TEXT ? null : scenarioHover(doc.getText(), params.position, simulator.defaultModel);
    // Hovering the same call again needs no turn in the check queue.
    const cached = doc ? hovers.get(doc.uri, doc.version, params.position.line) : undefined;
    const ch = params.position.character;
    if (cached?.range && cached.range.start.character <= ch && ch <= cached.range.end.character) return cached;
    const answer = async (give: boolean): Promise<Hover | null> => {
      try {
        const h = await hoverAt(params, give);
        if (h && doc && documents.get(doc.uri)?.version === doc.version) hovers.set(doc.uri, doc.version, params.position.line, h);
        return h;
      } catch (e) {
        log(`hover failed: ${(e as Error).stack ?? e}`);
        return null;
      }
    };
    const ws = doc ? await workspace : null;
    // Kept on disk by an earlier session's check of this text (engine/store/keptSections.ts): no turn in the queue.
    const kept = ws && doc ? await hoverAt(params, false, true).catch(() => null) : null;
    if (kept && doc) {
      log(`hover on line ${params.position.line + 1} of ${path.basename(doc.uri)}: from the analysis store`);
      hovers.set(doc.uri, doc.version, params.position.line, kept);
      return kept;
    }
    // When the Workspace already has this version of the document the hover need not wait for the
    // check queue: a check under way (the first after an index takes long) pauses at every section
    // and the hover is answered then (Workspace.sectionAt uses an interpreter of its own while a
    // check is under way; the check is left alone).
    if (ws && doc && givenText.get(ws)?.get(doc.uri) === doc.version) {
      const h = await answer(false);
      if (givenText.get(ws)?.get(doc.uri) === doc.version) return h;
    }
    // Otherwise in the check queue: the Workspace is shared and the document's newest text goes in first.
    return inQueue(() => answer(true));
  },
);

/**
 * The hover at `params`; `give`: hand the Workspace the document's text first (only in the check queue);
 * `keptOnly`: only an answer kept in the analysis store for exactly this text (none computed).
 */
async function hoverAt(params: HoverParams, give: boolean, keptOnly = false): Promise<Hover | null> {
  const doc = documents.get(params.textDocument.uri);
  const file = doc ? fileOf(doc.uri) : null;
  if (!doc || !file) return null;
  const ws = await workspace;
  if (!ws) return null;
  const { line, character } = params.position;
  const lineText = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  let a = character;
  let b = character;
  while (a > 0 && /\w/.test(lineText[a - 1])) a--;
  while (b < lineText.length && /\w/.test(lineText[b])) b++;
  const word = lineText.slice(a, b);
  const op = ws.catalogue.lazyMode.get(word)?.op;
  if (op !== 'enter' && op !== 'leave') return null;
  if (!/^\s*\(/.test(lineText.slice(b))) return null; // a call, not a declaration's name alone
  const text = doc.getText();
  if (text.length > MAX_TEXT || text.includes('\0')) return null;
  if (give) giveText(ws, doc.uri, file, doc.version, text);
  const info = keptOnly ? ws.keptSectionAt(file, line + 1, text) : await ws.sectionAt(file, line + 1);
  if (!info) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: sectionHover(info) },
    range: { start: { line, character: a }, end: { line, character: b } },
  };
}

process.on('uncaughtException', (e) => log(`uncaught: ${e.stack ?? e}`));
process.on('unhandledRejection', (e) => log(`unhandled rejection: ${(e as Error)?.stack ?? e}`));

documents.listen(connection);
connection.listen();
