// The editor features around the findings (issue 13 points 6, 7): section
// extents drawn in C editors (lazymmu.showSectionExtents), "lazymmu: Check
// Folder", rule pages opened in the Markdown preview (the diagnostics' code
// links are rewritten to a command), and the snippet insertion the server's
// suppression quick fix asks for. extension.ts wires it; the server does the work.
import * as vscode from 'vscode';
import type { LanguageClient, Middleware } from 'vscode-languageclient/node';

const SECTION_EXTENTS_REQUEST = 'lazymmu/sectionExtents';
const CHECK_FOLDER_REQUEST = 'lazymmu/checkFolder';
const OPEN_RULE_COMMAND = 'lazymmu.openRule';

interface Range0 {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
interface SectionExtentItem {
  function: string;
  enter: Range0;
  enterApi: string;
  leave?: Range0;
  leaveApi?: string;
  endLine: number;
}

/** A rule page (docs/rules/*.md shipped with the extension) becomes a command link that previews it. */
export function ruleLink(target: vscode.Uri): vscode.Uri {
  if (target.scheme !== 'file' || !/\/docs\/rules\/[^/]+\.md$/.test(target.path)) return target;
  return vscode.Uri.parse(`command:${OPEN_RULE_COMMAND}?${encodeURIComponent(JSON.stringify([target.toString()]))}`);
}

/** The language client's middleware: rule links open rendered. */
export const editorMiddleware: Middleware = {
  handleDiagnostics(uri, diagnostics, next) {
    for (const d of diagnostics) {
      if (d.source === 'lazymmu' && d.code && typeof d.code === 'object' && d.code.target) d.code = { value: d.code.value, target: ruleLink(d.code.target) };
    }
    next(uri, diagnostics);
  },
};

/** Draws each section's extent: a faint background over its lines, a note at its enter and leave. */
class SectionExtents implements vscode.Disposable {
  private readonly band = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('lazymmu.sectionBackground'),
    overviewRulerColor: new vscode.ThemeColor('lazymmu.sectionBackground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly note = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
  });
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;

  constructor(private readonly client: () => LanguageClient | undefined) {}

  private enabled(): boolean {
    return vscode.workspace.getConfiguration('lazymmu').get<boolean>('showSectionExtents', true);
  }

  /** Asks again for the visible C editors, soon (edits come in bursts). */
  schedule(delay = 200): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), delay);
  }

  async update(): Promise<void> {
    const gen = ++this.generation;
    const editors = vscode.window.visibleTextEditors.filter((e) => e.document.languageId === 'c' && e.document.uri.scheme === 'file');
    const c = this.client();
    for (const e of editors) {
      let items: SectionExtentItem[] = [];
      if (this.enabled() && c?.isRunning()) {
        try {
          items = (await c.sendRequest<SectionExtentItem[]>(SECTION_EXTENTS_REQUEST, { uri: e.document.uri.toString() })) ?? [];
        } catch {
          items = [];
        }
      }
      if (gen !== this.generation) return; // a newer update is on its way
      const bands: vscode.Range[] = [];
      const notes: vscode.DecorationOptions[] = [];
      for (const s of items) {
        bands.push(new vscode.Range(s.enter.start.line, 0, s.endLine, 0));
        const end = s.leave ? `until line ${s.leave.start.line + 1}` : `until the end of ${s.function}() (no leave)`;
        notes.push({ range: lineEnd(e.document, s.enter.start.line), renderOptions: { after: { contentText: `lazy MMU section ${end}` } } });
        if (s.leave) notes.push({ range: lineEnd(e.document, s.leave.start.line), renderOptions: { after: { contentText: `end of the lazy MMU section from line ${s.enter.start.line + 1}` } } });
      }
      e.setDecorations(this.band, bands);
      e.setDecorations(this.note, notes);
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.band.dispose();
    this.note.dispose();
  }
}

function lineEnd(doc: vscode.TextDocument, line: number): vscode.Range {
  const l = Math.min(line, doc.lineCount - 1);
  const end = doc.lineAt(l).range.end;
  return new vscode.Range(end, end);
}

async function checkFolder(client: LanguageClient | undefined, target: unknown): Promise<void> {
  if (!client) return;
  let folder = target instanceof vscode.Uri ? target : undefined;
  if (!folder) {
    const active = vscode.window.activeTextEditor?.document.uri;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Check Folder',
      defaultUri: active ? vscode.Uri.joinPath(active, '..') : vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    folder = picked?.[0];
  }
  if (!folder) return;
  const name = vscode.workspace.asRelativePath(folder, false) || folder.fsPath;
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `lazymmu: checking ${name}…` }, () =>
    client.sendRequest<{ files: number; findings: number; filesWithFindings: number; error?: string }>(CHECK_FOLDER_REQUEST, { uri: folder!.toString() }),
  );
  const summary = `lazymmu: ${r.findings} finding${r.findings === 1 ? '' : 's'} in ${r.filesWithFindings} of ${r.files} .c file${r.files === 1 ? '' : 's'} under ${name}`;
  if (r.error) void vscode.window.showWarningMessage(`${summary} (${r.error})`);
  else void vscode.window.showInformationMessage(summary);
  if (r.findings) await vscode.commands.executeCommand('workbench.actions.view.problems');
}

/** Registers the commands and the section extents; `client` gives the running language client. */
export function registerEditorFeatures(context: vscode.ExtensionContext, client: () => LanguageClient | undefined): void {
  const extents = new SectionExtents(client);
  context.subscriptions.push(
    extents,
    vscode.window.onDidChangeVisibleTextEditors(() => extents.schedule(0)),
    vscode.workspace.onDidChangeTextDocument((e) => e.document.languageId === 'c' && extents.schedule()),
    vscode.languages.onDidChangeDiagnostics(() => extents.schedule()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('lazymmu.showSectionExtents') && extents.schedule(0)),
    vscode.commands.registerCommand('lazymmu.checkFolder', (target?: unknown) => checkFolder(client(), target)),
    vscode.commands.registerCommand(OPEN_RULE_COMMAND, async (href: unknown) => {
      if (typeof href !== 'string') return;
      await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.parse(href));
    }),
    vscode.commands.registerCommand('lazymmu.insertSnippet', async (uri: unknown, at: unknown, snippet: unknown) => {
      const p = at as { line?: unknown; character?: unknown } | undefined;
      if (typeof uri !== 'string' || typeof snippet !== 'string' || typeof p?.line !== 'number' || typeof p.character !== 'number') return;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
      const editor = await vscode.window.showTextDocument(doc);
      await editor.insertSnippet(new vscode.SnippetString(snippet), new vscode.Position(p.line, p.character));
    }),
  );
  extents.schedule(1000);
}
