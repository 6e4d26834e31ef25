// A minimal LSP client for the protocol tests: spawns the bundled server over
// stdio and records what it sends. No mocks: real process, real JSON-RPC.
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { serverEnv, serverNodeArgs } from '../../server/memoryPolicy';

export const REPO = path.join(__dirname, '..', '..', '..');
export const SERVER = path.join(REPO, 'dist', 'server.js');
export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'raw');

export interface Published {
  uri: string;
  version?: number;
  diagnostics: any[];
}

/** A publish from the open file's first pass, before the whole tree is checked (its diagnostics carry data.provisional). */
export function isProvisional(p: Published): boolean {
  return p.diagnostics.some((d) => d.data?.provisional);
}

export class LspClient {
  readonly proc: ChildProcess;
  readonly conn: MessageConnection;
  readonly published: Published[] = [];
  readonly progress: any[] = [];
  readonly progressCreates: any[] = [];
  readonly messages: { type: number; message: string }[] = [];
  readonly logs: string[] = [];
  /** Publishes, progress, lazymmu/checkState and log messages (method 'log') in the order the server sent them. */
  readonly timeline: { method: string; params: any; at?: number }[] = [];
  /** When each of `logs` arrived (Date.now()), for the bench's phase times. */
  readonly logsAt: number[] = [];
  stderr = '';
  /** How the server process ended, once it has (a waitFor then fails at once, saying so). */
  ended: string | null = null;
  /** The server runs as another user (`wrap`): see initialize's processId. */
  private readonly wrapped: boolean;
  private waiters: (() => void)[] = [];
  /** shutdown() was asked for: the server's end is expected. */
  private shuttingDown = false;

  /**
   * `wrap`: a command the server runs under (e.g. setpriv to drop privileges);
   * `server`: another copy of the bundled server; `env`: its environment;
   * `nodeArgs`: node options (e.g. --expose-gc), after the memory policy's
   * (server/memoryPolicy.ts: the flags and environment the editor's client starts it with).
   */
  constructor(opts: { wrap?: string[]; server?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}) {
    const env = opts.env ?? process.env;
    const argv = [...(opts.wrap ?? []), process.execPath, ...serverNodeArgs(env), ...(opts.nodeArgs ?? []), opts.server ?? SERVER, '--stdio'];
    this.proc = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: serverEnv(env) });
    this.proc.stderr!.on('data', (d) => (this.stderr += d.toString()));
    this.wrapped = (opts.wrap ?? []).length > 0;
    this.conn = createMessageConnection(
      new StreamMessageReader(this.proc.stdout!),
      new StreamMessageWriter(this.proc.stdin!),
    );
    const poke = () => this.waiters.splice(0).forEach((w) => w());
    this.proc.once('exit', (code, signal) => {
      this.ended = signal ? `signal ${signal}` : `exit code ${code}`;
      poke();
    });
    this.conn.onNotification('textDocument/publishDiagnostics', (p: Published) => {
      this.published.push(p);
      this.timeline.push({ method: 'publishDiagnostics', params: p, at: Date.now() });
      poke();
    });
    this.conn.onNotification('$/progress', (p) => {
      this.progress.push(p);
      this.timeline.push({ method: '$/progress', params: p });
      poke();
    });
    this.conn.onNotification('window/showMessage', (p) => {
      this.messages.push(p);
      poke();
    });
    this.conn.onNotification('lazymmu/checkState', (p) => {
      this.timeline.push({ method: 'lazymmu/checkState', params: p });
      poke();
    });
    this.conn.onNotification('window/logMessage', (p) => {
      this.logs.push(p.message);
      this.logsAt.push(Date.now());
      this.timeline.push({ method: 'log', params: p.message });
      poke();
    });
    this.conn.onRequest('window/workDoneProgress/create', (p) => {
      this.progressCreates.push(p);
      poke();
      return null;
    });
    this.conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
    this.conn.onRequest('client/registerCapability', () => null);
    // vscode-jsonrpc rejects the requests still waiting for an answer only when the connection is
    // disposed, not when the server's output ends: a server that died mid-request held its test (and
    // the CI run) forever. Once the output has ended they fail, and an end nobody asked for is told.
    this.conn.onClose(() => {
      if (!this.shuttingDown && !this.proc.killed)
        process.stderr.write(`lspClient: the server's output ended without a shutdown (${this.ended ?? 'process not yet ended'}); the end of its stderr:\n${this.stderr.slice(-3000)}\n`);
      this.conn.dispose();
    });
    this.conn.listen();
  }

  /** Waits until the server says its checks are finished (lazymmu/checkState). */
  checksFinished(ms = 60000): Promise<boolean> {
    return this.waitFor('checks finished', () => this.timeline.some((e) => e.method === 'lazymmu/checkState' && !e.params.checking), ms);
  }

  /** Waits until `pred` holds (checked after every message), or fails after `ms`. */
  async waitFor<T>(what: string, pred: () => T | undefined | null | false, ms = 60000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = deadline - Date.now();
      if (this.ended !== null)
        throw new Error(`the server ended (${this.ended}) while waiting for ${what}; server log:\n${this.logs.join('\n')}\nstderr:\n${this.stderr}`);
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; server log:\n${this.logs.join('\n')}\nstderr:\n${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async initialize(root: string, initializationOptions?: unknown): Promise<any> {
    const uri = pathToFileURL(root).href;
    const result = await this.conn.sendRequest('initialize', {
      // A server run as another user (setpriv to nobody) cannot signal this process: vscode-languageserver's
      // parent watchdog takes kill(pid, 0)'s EPERM for a client gone and exits 1 three seconds on, so a
      // test whose checks outlast that (a loaded machine) lost its server. Null: no watchdog.
      processId: this.wrapped ? null : process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: path.basename(root) }],
      initializationOptions,
      capabilities: {
        window: { workDoneProgress: true, showMessage: {} },
        workspace: { configuration: true },
        textDocument: {
          synchronization: { didSave: true, dynamicRegistration: false },
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
          codeAction: {
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } },
            isPreferredSupport: true,
          },
        },
      },
    });
    await this.conn.sendNotification('initialized', {});
    return result;
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'c', version, text },
    });
  }

  /** Opens `uri` at version 1 and waits for its final (not provisional) publish, then for the checks' end: that publish. */
  async openToFinal(uri: string, text: string, ms = 100_000): Promise<Published> {
    await this.open(uri, text, 1);
    const final = await this.waitFor('final diagnostics', () => this.diagnosticsFor(uri, 1), ms);
    await this.checksFinished(30_000);
    return final;
  }

  /** The publishes of `uri` so far, in the order the server sent them, each with its place in the timeline. */
  publishesOf(uri: string): { e: { method: string; params: any; at?: number }; i: number }[] {
    return this.timeline.map((e, i) => ({ e, i })).filter(({ e }) => e.method === 'publishDiagnostics' && e.params.uri === uri);
  }

  /** Diagnostics published for `uri` with exactly `version` (the newest such publish). */
  diagnosticsFor(uri: string, version: number): Published | undefined {
    for (let i = this.published.length - 1; i >= 0; i--) {
      const p = this.published[i];
      // A first pass's publish (server/checkProgress.ts markProvisional) is not the check's answer.
      if (p.uri === uri && p.version === version && !isProvisional(p)) return p;
    }
    return undefined;
  }

  lastFor(uri: string): Published | undefined {
    for (let i = this.published.length - 1; i >= 0; i--) if (this.published[i].uri === uri && !isProvisional(this.published[i])) return this.published[i];
    return undefined;
  }

  async shutdown(): Promise<number | null> {
    this.shuttingDown = true;
    const exited = new Promise<number | null>((r) => this.proc.once('exit', (code) => r(code)));
    await this.conn.sendRequest('shutdown');
    await this.conn.sendNotification('exit');
    const timer = setTimeout(() => this.proc.kill(), 15000);
    const code = await exited;
    clearTimeout(timer);
    this.conn.dispose();
    return code;
  }
}

/** A temp workspace holding copies of the named fixtures. */
export function tempWorkspace(fixtures: string[]): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-lsp-')));
  for (const f of fixtures) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  return dir;
}

/** 1-based lines carrying an `expect: read-after-write` marker. */
export function expectedLines(text: string): number[] {
  return text
    .split('\n')
    .map((l, i) => (/\/\*\s*expect:\s*[^*]*read-after-write/.test(l) ? i + 1 : 0))
    .filter((n) => n > 0);
}
