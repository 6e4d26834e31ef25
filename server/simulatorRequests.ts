// The simulator behind the editor: custom requests that replay a diagnostic's
// path on every kernel model (with where its outcome is reachable and the
// model where it bites), apply its fix and replay the fixed path, and run a
// scenario; code lenses and a code action ("Simulate on arm64") that ask the
// client to show a replay. The findings behind the last diagnostics of each
// document are kept here for that.
import { CodeAction, CodeActionKind, CodeLensRefreshRequest, Connection, Diagnostic, Range, WorkspaceEdit } from 'vscode-languageserver/node';
import type { Finding, ModelReplay } from '../engine/findings';
import { bitingModel, fixedPath, reachSummary, ReachSummary, replayFinding, replayFixed, replaySummary } from '../engine/replay';
import { renderMessage } from '../engine/message';
import { condToText, DEFAULT_MODEL, listModels, parseScenario, simulate, SimResult } from '../engine/simulator';
import { isLitmusFile, readLitmus } from '../engine/simulator/litmus';
import type { Diagnostic as SimDiagnostic, Scenario } from '../engine/simulator/types';
import { codeLensesFor } from './codeLens';
import { engineFix, kindWanted } from './codeActions';
import { SOURCE } from './convert';

/** The client command that opens the simulation panel for a diagnostic: args [uri, {line, character}]. */
export const SIMULATE_COMMAND = 'lazymmu.simulateDiagnostic';
export const REPLAY_REQUEST = 'lazymmu/replayDiagnostic';
export const SCENARIO_REQUEST = 'lazymmu/simulateScenario';
export const APPLY_FIX_REQUEST = 'lazymmu/applyFixAndReplay';

export interface ReplayParams {
  uri: string;
  /** The diagnostic's range (its start is enough), or... */
  range?: Range;
  /** ...its index among the document's findings. */
  index?: number;
  /** The model the user looks at (the panel's): shown first unless the outcome is reachable elsewhere only. */
  model?: string;
}

export interface ReplayResult {
  /** The finding, its message rendered as the diagnostic shows it. */
  finding?: Pick<Finding, 'rule' | 'function' | 'file' | 'line' | 'column' | 'path'> & { message: string };
  replay?: Record<string, ModelReplay>;
  /** Where the hazard's outcome is reachable and where not. */
  summary?: ReachSummary;
  /** The model to show first: where the outcome is reachable (lazymmu.model when it is there too). */
  model?: string;
  /** The model the choice started from: the request's (the panel's), else lazymmu.model. */
  preferred?: string;
  /** The finding's fix, when it can be applied and its path simulated again (lazymmu/applyFixAndReplay). */
  fix?: { title: string };
  /** lazymmu/applyFixAndReplay: the fix was applied to the document; `replay` is the fixed path's. */
  applied?: boolean;
  /** Why there is nothing to replay (no such diagnostic, rule not replayable). */
  error?: string;
}

export interface ScenarioParams {
  text: string;
  /** A model name, or 'all'; default the simulator's default model. */
  model?: string;
  /** `*.litmus`: the text is a herd7 AArch64 litmus test (hardware updates, TTHM, ...); else `.lzmmu`. */
  fileName?: string;
}

export interface ScenarioResult {
  /** Parse errors (1-based lines and columns), returned as data. */
  errors: { line: number; col: number; message: string }[];
  results: Record<string, SimResult>;
  /** The scenario's `name` and its condition as written (`exists ...`), when it parsed. */
  name?: string;
  condition?: string;
  /** Where the condition is reachable and where not; the model to show first. */
  summary?: ReachSummary;
  model?: string;
}

/** Rules whose findings carry a replayable path. */
const REPLAYABLE = new Set(['lazy-mmu/read-after-write']);

export class FindingStore {
  private byUri = new Map<string, Finding[]>();
  /** The document version each uri's findings were computed for. */
  private versions = new Map<string, number>();
  private waiters = new Map<string, (() => void)[]>();
  /** An open document's text (the fix's edit is made against it). */
  textOf: (uri: string) => string | undefined = () => undefined;
  /** The text each document's findings were computed from: a fix is applied only to that text. */
  private checked = new Map<string, string | undefined>();
  /** lazymmu.model: the model shown first and simulated when a request names none. */
  defaultModel = DEFAULT_MODEL;
  /** Set from the client's capabilities: it can be asked to refresh code lenses. */
  lensRefresh = false;
  remember(uri: string, findings: Finding[], version?: number): void {
    this.byUri.set(uri, findings);
    if (version === undefined) this.versions.delete(uri);
    else this.versions.set(uri, version);
    this.checked.set(uri, this.textOf(uri));
    this.wake(uri);
  }
  forget(uri: string): void {
    this.byUri.delete(uri);
    this.versions.delete(uri);
    this.checked.delete(uri);
    this.wake(uri);
  }
  /** The document's text now, when it is still the text its findings were computed from. */
  checkedText(uri: string): string | undefined {
    const now = this.textOf(uri);
    return now !== undefined && now === this.checked.get(uri) ? now : undefined;
  }
  all(uri: string): Finding[] {
    return this.byUri.get(uri) ?? [];
  }
  /**
   * The findings computed for exactly `version` of the document: waits (at
   * most `ms`) for the check of that version; undefined when it does not come
   * (a newer edit superseded it, the document closed), so nothing stale is shown.
   */
  async current(uri: string, version: number, ms = 60000): Promise<Finding[] | undefined> {
    const deadline = Date.now() + ms;
    while (this.versions.get(uri) !== version) {
      const newer = (this.versions.get(uri) ?? -Infinity) > version;
      const left = deadline - Date.now();
      if (newer || left <= 0) return undefined;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        const list = this.waiters.get(uri) ?? [];
        list.push(() => {
          clearTimeout(t);
          r();
        });
        this.waiters.set(uri, list);
      });
      if (!this.byUri.has(uri) && !this.versions.has(uri)) return undefined; // forgotten: closed
    }
    return this.all(uri);
  }
  private wake(uri: string): void {
    const list = this.waiters.get(uri);
    this.waiters.delete(uri);
    for (const w of list ?? []) w();
  }
  /** The finding at a 0-based position (the diagnostic's start), else the first on that line. */
  find(uri: string, p: ReplayParams): Finding | undefined {
    const fs = this.all(uri);
    if (typeof p.index === 'number') return fs[p.index];
    if (!p.range) return undefined;
    const line = p.range.start.line + 1;
    const col = p.range.start.character + 1;
    return fs.find((f) => f.line === line && f.column === col) ?? fs.find((f) => f.line === line);
  }
}

/** The replayable finding a request names, or why there is none. */
function replayable(store: FindingStore, p: ReplayParams): Finding | string {
  if (!p || typeof p.uri !== 'string') return 'no document given';
  const f = store.find(p.uri, p);
  if (!f) return 'no lazymmu finding at that place (the file may have changed since it was checked)';
  if (!REPLAYABLE.has(f.rule) || !f.path) return `${f.rule} findings have no path to replay`;
  return f;
}

/** The edit of the finding's fix (the quick fix's), or null; none once the text changed since the check (the places would be stale). */
function fixEdit(store: FindingStore, uri: string, f: Finding): WorkspaceEdit | null {
  const text = store.checkedText(uri);
  if (!f.fix || text === undefined) return null;
  const start = { line: f.line - 1, character: f.column - 1 };
  const diag: Diagnostic = { range: { start, end: start }, message: '', source: SOURCE, data: { fix: f.fix, fixLine: f.line } };
  return engineFix(uri, text, diag)?.edit ?? null;
}

function answer(store: FindingStore, f: Finding, replay: Record<string, ModelReplay>, preferred: string | undefined): ReplayResult {
  const { rule, function: fn, file, line, column, path } = f;
  const from = typeof preferred === 'string' && replay[preferred] ? preferred : store.defaultModel;
  const model = bitingModel(replay, from);
  return { finding: { rule, message: renderMessage(f.message, { near: f.file }), function: fn, file, line, column, path }, replay, summary: replaySummary(f, replay), model, preferred: from };
}

export function replayFor(store: FindingStore, p: ReplayParams): ReplayResult {
  const f = replayable(store, p);
  if (typeof f === 'string') return { error: f };
  const replay = replayFinding(f);
  if (!replay) return { error: 'this finding path could not be turned into a scenario' };
  const out = answer(store, f, replay, p.model);
  if (f.fix && fixedPath(f) && fixEdit(store, p.uri, f)) out.fix = { title: f.fix.title };
  return out;
}

/**
 * Applies the finding's fix to the document (workspace/applyEdit, the same
 * edit as its quick fix) and replays the path as it runs with the fix.
 */
export async function applyFixAndReplay(connection: Pick<Connection, 'workspace'>, store: FindingStore, p: ReplayParams): Promise<ReplayResult> {
  const f = replayable(store, p);
  if (typeof f === 'string') return { error: f };
  const edit = fixEdit(store, p.uri, f);
  if (!edit || !f.fix) return { error: 'this finding has no fix to apply here (or the file changed since it was checked: try again once it is re-checked)' };
  const replay = replayFixed(f);
  if (!replay) return { error: 'the fix inserts nothing the simulator can run' };
  const r = await connection.workspace.applyEdit({ label: f.fix.title, edit });
  if (!r.applied) return { error: `the editor did not apply the fix${r.failureReason ? `: ${r.failureReason}` : ''}` };
  return { ...answer(store, f, replay, p.model), fix: { title: f.fix.title }, applied: true };
}

/** A `.lzmmu` scenario, or a litmus test (one the machine cannot run faithfully is an error saying why). */
function readScenario(text: string, fileName: string): { scenario?: Scenario; errors: SimDiagnostic[] } {
  if (!isLitmusFile(fileName)) return parseScenario(text, fileName);
  const r = readLitmus(text, fileName);
  if (r.cannotExpress) return { errors: [{ file: fileName, line: 1, col: 1, message: `the simulator cannot express this test: ${r.cannotExpress}` }] };
  return r;
}

export function simulateText(p: ScenarioParams, defaultModel: string = DEFAULT_MODEL): ScenarioResult {
  const text = typeof p?.text === 'string' ? p.text : '';
  const parsed = readScenario(text, typeof p?.fileName === 'string' ? p.fileName : 'scenario.lzmmu');
  const errors = parsed.errors.map((e) => ({ line: e.line, col: e.col, message: e.message }));
  if (!parsed.scenario || errors.length) return { errors, results: {} };
  const sc = parsed.scenario;
  const names = listModels().map((m) => m.name);
  const wanted = !p.model ? [defaultModel] : p.model === 'all' ? names : [p.model];
  const results: Record<string, SimResult> = {};
  for (const m of wanted) results[m] = simulate(sc, m);
  const condition = sc.condition ? `${sc.quantifier} ${condToText(sc.condition)}` : undefined;
  // The summary names what the condition asks for: "P0:r0 = invalid(a, user) possible on x86-xen-pv; not on ...".
  const outcome = sc.condition ? condToText(sc.condition) : 'the condition';
  return { errors, results, name: sc.name, condition, summary: reachSummary(results, outcome), model: bitingModel(results, defaultModel) };
}

/** The Simulate action's kind: a quick fix, so VS Code's Ctrl+. menu (which asks with `only: ["quickfix"]`) lists it. */
export const SIMULATE_KIND = `${CodeActionKind.QuickFix}.lazymmu.simulate`;

/**
 * "Simulate on arm64" for each replayable lazymmu diagnostic the editor asks
 * about, when its finding is still the document's.
 */
export function simulateActions(store: FindingStore, uri: string, diagnostics: Diagnostic[], only?: string[]): CodeAction[] {
  if (!kindWanted(SIMULATE_KIND, only)) return [];
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== SOURCE || !REPLAYABLE.has(String(d.code))) continue;
    const f = store.find(uri, { uri, range: d.range });
    if (!f || f.line !== d.range.start.line + 1 || !f.path) continue;
    out.push({
      title: 'Simulate on arm64 (lazymmu)',
      kind: SIMULATE_KIND,
      diagnostics: [d],
      command: { title: 'Simulate on arm64', command: SIMULATE_COMMAND, arguments: [uri, d.range.start] },
    });
  }
  return out;
}

/**
 * Registers the requests and the code lens handler; main.ts feeds `store`
 * with each check's findings and adds `simulateActions` to its code actions.
 */
export function registerSimulator(
  connection: Connection,
  log: (m: string) => void,
  versionOf: (uri: string) => number | undefined,
  textOf?: (uri: string) => string | undefined,
): FindingStore {
  const store = new FindingStore();
  if (textOf) store.textOf = textOf;
  const guard =
    <P, R>(name: string, fn: (p: P) => R, fallback: R) =>
    (p: P): R => {
      try {
        return fn(p);
      } catch (e) {
        log(`${name} failed: ${(e as Error).stack ?? e}`);
        return fallback;
      }
    };
  connection.onRequest(REPLAY_REQUEST, guard(REPLAY_REQUEST, (p: ReplayParams) => replayFor(store, p), { error: 'replay failed (see the lazymmu output)' }));
  connection.onRequest(APPLY_FIX_REQUEST, (p: ReplayParams) =>
    applyFixAndReplay(connection, store, p).catch((e) => {
      log(`${APPLY_FIX_REQUEST} failed: ${(e as Error).stack ?? e}`);
      return { error: 'applying the fix failed (see the lazymmu output)' };
    }),
  );
  connection.onRequest(SCENARIO_REQUEST, guard(SCENARIO_REQUEST, (p: ScenarioParams) => simulateText(p, store.defaultModel), { errors: [{ line: 0, col: 0, message: 'simulation failed (see the lazymmu output)' }], results: {} }));
  // Lenses for the version the editor shows, from that version's findings: an
  // answer from an older check would put a lens on a fixed line or miss a new one.
  connection.onCodeLens(async (p) => {
    try {
      const uri = p.textDocument.uri;
      const version = versionOf(uri);
      if (version === undefined) return [];
      const findings = await store.current(uri, version);
      return findings ? codeLensesFor(uri, findings) : [];
    } catch (e) {
      log(`codeLens failed: ${(e as Error).stack ?? e}`);
      return [];
    }
  });
  const remember = store.remember.bind(store);
  store.remember = (uri, findings, version) => {
    remember(uri, findings, version);
    // Lenses asked for before this check got none (or waited): the editor asks again.
    if (store.lensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  };
  return store;
}
