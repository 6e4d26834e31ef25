// The simulation panel (a webview): shows a replay or a scenario's results,
// keeps the selected step, reveals a step's source line.
import * as vscode from 'vscode';
import type { PanelData } from './data';
import { makeNonce, panelHtml, parseMessage } from './html';

export class SimulationPanel {
  static current: SimulationPanel | undefined;
  static readonly viewType = 'lazymmu.simulation';

  private model = 0;
  private step = 0;
  private disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private data: PanelData,
    private readonly log: (m: string) => void,
  ) {
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((m) => this.onMessage(m), null, this.disposables);
  }

  static show(extensionUri: vscode.Uri, data: PanelData, log: (m: string) => void): SimulationPanel {
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

  /** Shows the selected step's source line in an editor beside the panel. */
  private async reveal(): Promise<void> {
    const s = this.data.models[this.model]?.steps[this.step];
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
