// Opens the simulation panel from the language server's answers: a finding's
// replay (with "Apply the fix and simulate again" wired to
// lazymmu/applyFixAndReplay) or a .lzmmu scenario run on every model.
import * as vscode from 'vscode';
import { fromReplayAnswer, fromScenario, ReplayAnswer, ScenarioAnswer } from './data';
import { ApplyFix, SimulationPanel } from './panel';

export const REPLAY_REQUEST = 'lazymmu/replayDiagnostic';
export const APPLY_FIX_REQUEST = 'lazymmu/applyFixAndReplay';
export const SCENARIO_REQUEST = 'lazymmu/simulateScenario';

/** What the opener needs of the extension: the server, the media folder's root, the output log, lazymmu.model. */
export interface PanelHost {
  request<R>(method: string, params: unknown): Promise<R>;
  extensionUri: vscode.Uri;
  log: (m: string) => void;
  preferredModel: () => string;
}

type Answer = Partial<ReplayAnswer> & { error?: string };

/** The panel for the finding whose diagnostic starts at `start`. */
export async function openReplay(host: PanelHost, uri: string, start: { line: number; character: number }): Promise<void> {
  const params = { uri, range: { start, end: start } };
  const r = await host.request<Answer>(REPLAY_REQUEST, params);
  if (!r || r.error || !r.replay || !r.finding) {
    void vscode.window.showWarningMessage(`lazymmu: ${r?.error ?? 'no replay'}`);
    return;
  }
  const applyFix: ApplyFix = async (model) => {
    const a = await host.request<Answer>(APPLY_FIX_REQUEST, { ...params, model });
    if (!a || a.error || !a.replay || !a.finding) return a?.error ?? 'no replay of the fixed path';
    return fromReplayAnswer(a as ReplayAnswer, model);
  };
  SimulationPanel.show(host.extensionUri, fromReplayAnswer(r as ReplayAnswer, host.preferredModel()), host.log, r.fix ? applyFix : undefined);
}

/** A herd7 litmus test (`lazymmu simulate` reads them too): hardware updates, TTHM, barriers as herd7 runs them. */
export const isLitmusDocument = (doc: vscode.TextDocument): boolean => doc.fileName.endsWith('.litmus');

/**
 * The panel for a .lzmmu document or a .litmus test, simulated on every
 * model; a scenario's steps link to the document's lines (a litmus test's
 * steps are numbered by the reader, not by the file's lines: no links).
 */
export async function openScenario(host: PanelHost, doc: vscode.TextDocument): Promise<void> {
  const r = await host.request<ScenarioAnswer>(SCENARIO_REQUEST, { text: doc.getText(), model: 'all', fileName: doc.fileName });
  const name = doc.uri.path.split('/').pop() ?? 'scenario';
  const links = doc.uri.scheme === 'file' && !isLitmusDocument(doc) ? doc.uri.fsPath : undefined;
  SimulationPanel.show(host.extensionUri, fromScenario(name, r, host.preferredModel(), links), host.log);
}
