// The simulator behind the editor: custom requests that replay a diagnostic's
// path on every kernel model and run a scenario, code lenses and a code action
// ("Simulate on arm64") that ask the client to show a replay. The findings
// behind the last diagnostics of each document are kept here for that.
import { CodeAction, CodeActionKind, CodeLensRefreshRequest, Connection, Diagnostic, Range } from 'vscode-languageserver/node';
import type { Finding, ModelReplay } from '../engine/findings';
import { replayFinding } from '../engine/replay';
import { renderMessage } from '../engine/message';
import { DEFAULT_MODEL, listModels, parseScenario, simulate, SimResult } from '../engine/simulator';
import { codeLensesFor } from './codeLens';
import { kindWanted } from './codeActions';
import { SOURCE } from './convert';

/** The client command that opens the simulation panel for a diagnostic: args [uri, {line, character}]. */
export const SIMULATE_COMMAND = 'lazymmu.simulateDiagnostic';
export const REPLAY_REQUEST = 'lazymmu/replayDiagnostic';
export const SCENARIO_REQUEST = 'lazymmu/simulateScenario';

export interface ReplayParams {
  uri: string;
  /** The diagnostic's range (its start is enough), or... */
  range?: Range;
  /** ...its index among the document's findings. */
  index?: number;
}

export interface ReplayResult {
  /** The finding, its message rendered as the diagnostic shows it. */
  finding?: Pick<Finding, 'rule' | 'function' | 'file' | 'line' | 'column' | 'path'> & { message: string };
  replay?: Record<string, ModelReplay>;
  /** The model to show first (lazymmu.model). */
  model?: string;
  /** Why there is nothing to replay (no such diagnostic, rule not replayable). */
  error?: string;
}

export interface ScenarioParams {
  text: string;
  /** A model name, or 'all'; default the simulator's default model. */
  model?: string;
  fileName?: string;
}

export interface ScenarioResult {
  /** Parse errors (1-based lines and columns), returned as data. */
  errors: { line: number; col: number; message: string }[];
  results: Record<string, SimResult>;
}

/** Rules whose findings carry a replayable path. */
const REPLAYABLE = new Set(['lazy-mmu/read-after-write']);

export class FindingStore {
  private byUri = new Map<string, Finding[]>();
  /** The document version each uri's findings were computed for. */
  private versions = new Map<string, number>();
  private waiters = new Map<string, (() => void)[]>();
  /** lazymmu.model: the model shown first and simulated when a request names none. */
  defaultModel = DEFAULT_MODEL;
  /** Set from the client's capabilities: it can be asked to refresh code lenses. */
  lensRefresh = false;
  remember(uri: string, findings: Finding[], version?: number): void {
    this.byUri.set(uri, findings);
    if (version === undefined) this.versions.delete(uri);
    else this.versions.set(uri, version);
    this.wake(uri);
  }
  forget(uri: string): void {
    this.byUri.delete(uri);
    this.versions.delete(uri);
    this.wake(uri);
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

export function replayFor(store: FindingStore, p: ReplayParams): ReplayResult {
  if (!p || typeof p.uri !== 'string') return { error: 'no document given' };
  const f = store.find(p.uri, p);
  if (!f) return { error: 'no lazymmu finding at that place (the file may have changed since it was checked)' };
  if (!REPLAYABLE.has(f.rule) || !f.path) return { error: `${f.rule} findings have no path to replay` };
  const replay = replayFinding(f);
  if (!replay) return { error: 'this finding path could not be turned into a scenario' };
  const { rule, function: fn, file, line, column, path } = f;
  return { finding: { rule, message: renderMessage(f.message, { near: f.file }), function: fn, file, line, column, path }, replay, model: store.defaultModel };
}

export function simulateText(p: ScenarioParams, defaultModel: string = DEFAULT_MODEL): ScenarioResult {
  const text = typeof p?.text === 'string' ? p.text : '';
  const parsed = parseScenario(text, p?.fileName ?? 'scenario.lzmmu');
  const errors = parsed.errors.map((e) => ({ line: e.line, col: e.col, message: e.message }));
  if (!parsed.scenario || errors.length) return { errors, results: {} };
  const names = listModels().map((m) => m.name);
  const wanted = !p.model ? [defaultModel] : p.model === 'all' ? names : [p.model];
  const results: Record<string, SimResult> = {};
  for (const m of wanted) results[m] = simulate(parsed.scenario, m);
  return { errors, results };
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
export function registerSimulator(connection: Connection, log: (m: string) => void, versionOf: (uri: string) => number | undefined): FindingStore {
  const store = new FindingStore();
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
