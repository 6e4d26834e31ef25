// The lazymmu VS Code extension: starts the language server (dist/server.js)
// for C files, shows indexing progress and the finding count in the status
// bar, and opens the simulation panel for a finding or a .lzmmu scenario.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  ErrorHandler,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageclient/node';
import { editorMiddleware, registerEditorFeatures } from './editorFeatures';
import { isLitmusDocument, openReplay, openScenario, PanelHost } from './panel/open';
import { heapLimitMb, OutOfMemoryWatch, outOfMemoryMessage, serverEnv, serverNodeArgs } from '../server/memoryPolicy';

const SOURCE = 'lazymmu';
/** The server's lazymmu.showOnlyNewSince state (server/newSinceBase.ts). */
const NEW_SINCE_NOTIFICATION = 'lazymmu/newSinceBase';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let status: vscode.StatusBarItem;
let indexing: string | null = 'starting';
/**
 * Checks pending or running (server/checkProgress.ts): no count is shown until
 * the server says they finished and this client has applied every
 * publishDiagnostics sent before that (they are converted asynchronously).
 */
let checking = false;
let serverChecking = false;
let published = 0;
let applied = 0;
let settleTimer: NodeJS.Timeout | undefined;
function settle(): void {
  checking = serverChecking || applied < published;
  if (settleTimer) clearTimeout(settleTimer);
  // A publish the language client dropped must not leave "checking…" for ever.
  settleTimer = checking && !serverChecking ? setTimeout(() => ((applied = published), settle()), 3000) : undefined;
  updateStatus();
}
/** The last progress message of a check (sections analysed / total). */
let checkingWhat = '';
const CHECK_STATE_NOTIFICATION = 'lazymmu/checkState';
/** What the server said about lazymmu.showOnlyNewSince. */
let base: { state: 'off' } | { state: 'computing'; ref: string } | { state: 'ready'; ref: string; commit: string } | { state: 'error'; message: string } = { state: 'off' };

function log(m: string): void {
  output?.appendLine(`[client] ${m}`);
}

function findingCount(): number {
  let n = 0;
  for (const [, ds] of vscode.languages.getDiagnostics()) for (const d of ds) if (d.source === SOURCE) n++;
  return n;
}

/** Findings shown from a first pass that the running check can still change (their data says so). */
function provisionalCount(): number {
  let n = 0;
  for (const [, ds] of vscode.languages.getDiagnostics()) for (const d of ds) if (d.source === SOURCE && (d as { data?: { provisional?: boolean } }).data?.provisional) n++;
  return n;
}

/** The server ended out of memory (not restarted): the status item says so. */
let outOfMemory = false;

function updateStatus(): void {
  if (outOfMemory) {
    status.text = '$(error) lazymmu: out of memory';
    status.tooltip = 'the lazymmu language server ran out of memory and was not restarted (click for the output)';
  } else if (indexing !== null) {
    status.text = `$(sync~spin) lazymmu: ${indexing}`;
    status.tooltip = 'lazymmu is indexing the workspace';
  } else if (checking) {
    // "N findings" only for a finished check.
    // The open file's first diagnostics come before the whole tree is checked (server/checkProgress.ts markProvisional).
    const early = provisionalCount();
    status.text = `$(sync~spin) lazymmu: checking…${checkingWhat ? ` ${checkingWhat}` : ''}${early ? ` (${early} provisional)` : ''}`;
    status.tooltip = early ? 'lazymmu is checking the rest of the tree; the findings shown so far are provisional (those it can still change start with "(provisional)")' : 'lazymmu is checking the open files';
  } else {
    const n = findingCount();
    if (base.state === 'ready') {
      // Only new findings are published: the count is what the branch brings.
      status.text = `$(${n ? 'warning' : 'check'}) lazymmu: ${n} new since ${base.commit.slice(0, 7)}`;
      status.tooltip = `lazymmu findings in open files that the branch brings (since its merge base with ${base.ref}; click for the output)`;
    } else {
      const note = base.state === 'computing' ? ` (checking ${base.ref})` : base.state === 'error' ? ' (no base)' : '';
      status.text = `$(${n ? 'warning' : 'check'}) lazymmu: ${n} finding${n === 1 ? '' : 's'}${note}`;
      status.tooltip = base.state === 'error' ? `lazymmu.showOnlyNewSince: ${base.message}; every finding is shown` : 'lazymmu findings in open files (click for the output)';
    }
  }
  status.show();
}

function settings(): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration('lazymmu');
  return { lazymmu: { arch: c.get('arch'), extraApis: c.get('extraApis') || undefined } };
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath('dist/server.js');
  // The server's node started with its memory policy (server/memoryPolicy.ts: the CLI's, from one place).
  const execArgv = serverNodeArgs(process.env);
  const limit = heapLimitMb(process.env);
  if (typeof limit === 'object') log(limit.error);
  const env = serverEnv(process.env);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv, env } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...execArgv, '--nolazy', '--inspect=6019'], env } },
  };
  // The server's stderr reaches the output channel: V8's out-of-memory report there means a restart would end the same way.
  const oom = new OutOfMemoryWatch();
  const channel = watchedChannel(output, oom);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'file', language: 'lzmmu' },
    ],
    synchronize: { configurationSection: 'lazymmu' },
    // client: what this client does for the server (editorFeatures.ts inserts snippets).
    initializationOptions: { ...settings(), client: { insertSnippet: true } },
    outputChannel: channel,
    errorHandler: outOfMemoryHandler(oom, () => client),
    middleware: {
      ...editorMiddleware,
      // Rule links rewritten (editorFeatures.ts), then counted for the status item:
      // "N findings" waits for the publishes the server sent before its check ended.
      handleDiagnostics: (uri, diagnostics, next) => {
        editorMiddleware.handleDiagnostics!(uri, diagnostics, next);
        applied++;
        settle();
      },
    },
  };
  client = new LanguageClient('lazymmu', 'lazymmu', serverOptions, clientOptions);
  applied = published = 0;
  outOfMemory = false;
  indexing = 'starting';
  updateStatus();
  await client.start();
  client.onNotification(NEW_SINCE_NOTIFICATION, (s: typeof base) => {
    base = s;
    updateStatus();
  });
  client.onNotification(CHECK_STATE_NOTIFICATION, (s: { checking: boolean; published: number }) => {
    serverChecking = s.checking;
    published = s.published;
    if (!s.checking) checkingWhat = '';
    settle();
  });
  // Indexing progress also feeds the status bar item: the server's progress
  // tokens are accepted here and shown both in the window and in the item.
  client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
    let finish: () => void = () => undefined;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'lazymmu' }, (progress) => {
      const c = client!;
      const sub = c.onProgress(WorkDoneProgress.type, token, (v) => {
        // The server's counts (files k/N while indexing, sections k/N during the first check) go in the item.
        if (v.kind === 'begin') {
          if (/indexing/.test(v.title)) indexing = 'indexing';
          progress.report({ message: v.title });
        } else if (v.kind === 'report') {
          if (indexing !== null && indexing !== 'starting') indexing = `indexing${v.message ? ` ${v.message}` : v.percentage !== undefined ? ` ${v.percentage}%` : ''}`;
          else checkingWhat = v.message ?? '';
          if (v.message) progress.report({ message: v.message });
        } else {
          if (indexing !== null) indexing = null;
          else checkingWhat = '';
          sub.dispose();
          finish();
        }
        updateStatus();
      });
      return new Promise<void>((r) => (finish = r));
    });
  });
  // A server that sends no progress (or already finished) leaves "starting" behind.
  setTimeout(() => {
    if (indexing === 'starting') {
      indexing = null;
      updateStatus();
    }
  }, 15000);
}

/** The lazymmu diagnostic at (or nearest above on the line of) the cursor. */
function diagnosticAt(editor: vscode.TextEditor): vscode.Diagnostic | undefined {
  const pos = editor.selection.active;
  const ds = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === SOURCE);
  return (
    ds.find((d) => d.range.contains(pos)) ??
    ds.find((d) => d.range.start.line === pos.line) ??
    ds.slice().sort((a, b) => Math.abs(a.range.start.line - pos.line) - Math.abs(b.range.start.line - pos.line))[0]
  );
}

function preferredModel(): string {
  return vscode.workspace.getConfiguration('lazymmu').get<string>('model') || 'arm64-eager';
}

/** `output`, with what is written to it (the server's stderr among it) also read by `oom`. */
function watchedChannel(out: vscode.OutputChannel, oom: OutOfMemoryWatch): vscode.OutputChannel {
  return new Proxy(out, {
    get(target, prop) {
      if (prop === 'append' || prop === 'appendLine')
        return (text: string) => {
          oom.feed(prop === 'append' ? text : `${text}\n`);
          target[prop](text);
        };
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * Errors of writing to a server process that is gone: the close that follows
 * decides (restart, or the out-of-memory message). Counted as the client's
 * usual errors, edits typed while the close was judged (up to a second, below)
 * made four of them, and the client shut down for good instead of restarting.
 */
const SERVER_GONE = new Set(['EPIPE', 'ERR_IPC_CHANNEL_CLOSED', 'ECONNRESET']);

/**
 * The language client's own restart policy, except when the server ended out of
 * memory: then one clear message, and no restart into the same end.
 */
function outOfMemoryHandler(oom: OutOfMemoryWatch, current: () => LanguageClient | undefined): ErrorHandler {
  let fallback: ErrorHandler | undefined;
  const usual = () => (fallback ??= current()!.createDefaultErrorHandler());
  return {
    error: (e, m, count) => {
      if (SERVER_GONE.has((e as NodeJS.ErrnoException).code ?? '')) {
        log(`writing to the language server failed (${(e as NodeJS.ErrnoException).code}): it has ended; its close decides the restart`);
        return { action: ErrorAction.Continue, handled: true };
      }
      return usual().error(e, m, count);
    },
    closed: async () => {
      if (!(await oom.seenWithin(1000))) return usual().closed();
      log('the language server ran out of memory; not restarted');
      indexing = null;
      outOfMemory = true;
      updateStatus();
      return { action: CloseAction.DoNotRestart, message: outOfMemoryMessage(process.env) };
    },
  };
}

/** What the simulation panel's opener (client/panel/open.ts) uses of the extension. */
function panelHost(context: vscode.ExtensionContext, c: LanguageClient): PanelHost {
  return { request: (m, p) => c.sendRequest(m, p), extensionUri: context.extensionUri, log, preferredModel };
}

async function simulateDiagnostic(context: vscode.ExtensionContext, uri: string, start: { line: number; character: number }): Promise<void> {
  if (client) await openReplay(panelHost(context, client), uri, start);
}

async function simulateScenario(context: vscode.ExtensionContext, doc: vscode.TextDocument): Promise<void> {
  if (client) await openScenario(panelHost(context, client), doc);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('lazymmu');
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.name = 'lazymmu';
  status.command = 'lazymmu.showOutput';
  context.subscriptions.push(output, status);
  updateStatus();

  context.subscriptions.push(
    vscode.languages.onDidChangeDiagnostics(() => updateStatus()),
    vscode.commands.registerCommand('lazymmu.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('lazymmu.toggleNewSinceBase', async () => {
      const c = vscode.workspace.getConfiguration('lazymmu');
      const now = c.get<string>('showOnlyNewSince') || 'off';
      await c.update('showOnlyNewSince', now === 'off' ? 'mergeBase' : 'off', vscode.ConfigurationTarget.Workspace);
    }),
    vscode.commands.registerCommand('lazymmu.reindex', async () => {
      if (!client) return;
      log('reindexing: restarting the language server');
      indexing = 'starting';
      updateStatus();
      await client.stop();
      await startClient(context);
    }),
    vscode.commands.registerCommand('lazymmu.simulateDiagnostic', (uri: unknown, start: unknown) => {
      const s = start as { line?: unknown; character?: unknown } | undefined;
      if (typeof uri !== 'string' || !s || typeof s.line !== 'number' || typeof s.character !== 'number') return;
      return simulateDiagnostic(context, uri, { line: s.line, character: s.character });
    }),
    vscode.commands.registerCommand('lazymmu.simulateAtCursor', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      if (editor.document.languageId === 'lzmmu' || isLitmusDocument(editor.document)) return simulateScenario(context, editor.document);
      const d = diagnosticAt(editor);
      if (!d) {
        void vscode.window.showInformationMessage('lazymmu: no lazymmu finding in this file to simulate');
        return;
      }
      return simulateDiagnostic(context, editor.document.uri.toString(), d.range.start);
    }),
  );
  registerEditorFeatures(context, () => client);
  try {
    await startClient(context);
  } catch (e) {
    log(`the language server did not start: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`lazymmu: the language server did not start: ${(e as Error).message}`);
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
