// The simulation panel (a webview): shows a replay or a scenario's results,
// keeps the selected step, reveals a step's source line (a scenario step's
// own line), and runs "Apply the fix and simulate again" through the
// `applyFix` its opener gives (the panel shows what that answers).
import * as vscode from 'vscode';
import type { PanelData } from './data';

/** Applies the shown finding's fix; answers the new panel data, or why it could not. `model`: the model shown now. */
export type ApplyFix = (model: string) => Promise<PanelData | string>;
import { makeNonce, panelHtml, parseMessage } from './html';

export class SimulationPanel {
  static current: SimulationPanel | undefined;
  static readonly viewType = 'lazymmu.simulation';

  private model = 0;
  private step = 0;
  private disposables: vscode.Disposable[] = [];
  private applyFix: ApplyFix | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private data: PanelData,
    private readonly log: (m: string) => void,
  ) {
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((m) => this.onMessage(m), null, this.disposables);
  }

  static show(extensionUri: vscode.Uri, data: PanelData, log: (m: string) => void, applyFix?: ApplyFix): SimulationPanel {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    if (!SimulationPanel.current) {
      const panel = vscode.window.createWebviewPanel(
        SimulationPanel.viewType,
        'lazymmu: simulation',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
        { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: false },
      );
      SimulationPanel.current = new SimulationPanel(panel, extensionUri, data, log);
    }
    const p = SimulationPanel.current;
    p.applyFix = applyFix;
    p.update(data);
    p.panel.reveal(undefined, false);
    return p;
  }

  update(data: PanelData): void {
    this.data = data;
    this.model = Math.max(
      0,
      data.models.findIndex((m) => m.name === data.selected),
    );
    this.step = 0;
    const webview = this.panel.webview;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    this.panel.title = `lazymmu: ${data.title}`.slice(0, 80);
    webview.html = panelHtml(data, {
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
    });
  }

  private onMessage(raw: unknown): void {
    const m = parseMessage(raw);
    if (!m) {
      this.log(`simulation panel: ignored a malformed message`);
      return;
    }
    const steps = this.data.models[this.model]?.steps ?? [];
    if (m.type === 'applyFix') {
      void this.runFix();
      return;
    }
    if (m.type === 'model') {
      if (m.model >= this.data.models.length) return;
      this.model = m.model;
      this.step = 0;
      return;
    }
    if (m.type === 'step') this.select(this.step + m.dir, steps.length);
    else this.select(m.step, steps.length);
    void this.reveal();
  }

  private select(step: number, count: number): void {
    this.step = Math.max(0, Math.min(count - 1, step));
    void this.panel.webview.postMessage({ type: 'select', model: this.model, step: this.step });
  }

  /** Applies the fix (once), then shows the fixed path's simulation in place of this one. */
  private async runFix(): Promise<void> {
    const apply = this.applyFix;
    if (!apply || !this.data.fix) return;
    this.applyFix = undefined;
    const shown = this.data.models[this.model]?.name ?? '';
    try {
      const r = await apply(shown);
      if (typeof r === 'string') {
        void vscode.window.showWarningMessage(`lazymmu: ${r}`);
        void this.panel.webview.postMessage({ type: 'fixFailed', message: r });
        return;
      }
      this.update(r);
    } catch (e) {
      this.log(`applying the fix failed: ${(e as Error).stack ?? e}`);
      void this.panel.webview.postMessage({ type: 'fixFailed', message: 'applying the fix failed (see the lazymmu output)' });
    }
  }

  /** Shows the selected step's source line (a scenario step's own line) in an editor beside the panel. */
  private async reveal(): Promise<void> {
    const step = this.data.models[this.model]?.steps[this.step];
    const s = step?.reveal ?? step;
    if (!s?.file || !s.line) return;
    try {
      const uri = vscode.Uri.file(s.file);
      const doc = await vscode.workspace.openTextDocument(uri);
      const line = Math.max(0, Math.min(doc.lineCount - 1, s.line - 1));
      const range = doc.lineAt(line).range;
      await vscode.window.showTextDocument(doc, {
        viewColumn: vscode.ViewColumn.One,
        preserveFocus: true,
        selection: new vscode.Selection(range.start, range.end),
      });
    } catch (e) {
      this.log(`cannot reveal ${s.file}:${s.line}: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    SimulationPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
