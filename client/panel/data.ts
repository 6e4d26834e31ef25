// What the simulation panel shows, built from a finding's replay or from a
// scenario's simulation. Pure data and functions: no vscode imports, so that
// the panel's HTML can be made and tested in plain node. What the engine says
// (verdicts, where the outcome is reachable, the model to open on) is kept as
// it came; words and colours are chosen in html.ts.

export interface PanelCpu {
  cpu: number;
  next?: string;
  regs?: Record<string, string>;
  storeBuffer?: string[];
  tlb?: Record<string, string>;
  pendingTlbi?: string[];
  kernel?: Record<string, number>;
  deferred?: string[];
}

export interface PanelStep {
  /** The simulator's step kind (kernel, machine, ... or one it adds later), or 'call' for a call-chain hop. */
  kind?: string;
  /** The source place the step stands for (shown). */
  file?: string;
  line?: number;
  /** Where a click on the step goes, when not the source place (a scenario's own line). */
  reveal?: { file: string; line: number };
  operation: string;
  entries: Record<string, string>;
  cpus: PanelCpu[];
  faults: string[];
}

export interface PanelOutcome {
  hazard: boolean;
  text: string;
}

export interface PanelModel {
  name: string;
  /** The architecture the model is of (its name's first part: arm64, x86, s390, ...). */
  arch: string;
  /** herd's word for the verdict (Allowed / Forbidden / Required): shown as a detail. */
  verdict: string;
  /** The hazard (or the scenario's condition) is reachable. */
  exists: boolean;
  bounded: string | null;
  outcomes: PanelOutcome[];
  steps: PanelStep[];
}

/** The engine's ReachSummary (engine/replay.ts): where the outcome is reachable, by architecture. */
export interface PanelReach {
  outcome: string;
  possible: { arch: string; models: string[]; whole: boolean }[];
  impossible: { arch: string; models: string[]; whole: boolean }[];
  unknown: { arch: string; models: string[]; whole: boolean }[];
}

export interface PanelData {
  title: string;
  subtitle?: string;
  models: PanelModel[];
  /** The model shown first (falls back to the first model). */
  selected?: string;
  errors?: string[];
  summary?: PanelReach;
  /** A scenario's condition as written (`exists P0:r0 = ...`). */
  condition?: string;
  /** The finding's fix can be applied from the panel and the path simulated again. */
  fix?: { title: string };
  /** The replay is of the path with the fix applied. */
  fixed?: boolean;
}

/** The shapes the server sends (engine/findings.ts ModelReplay, engine/simulator SimResult); kept loose on purpose. */
interface ReplayLike {
  exists: boolean;
  verdict: string;
  bounded: string | null;
  outcomes: { faults: string[]; registers: Record<string, string>; entries: Record<string, string>; hazard: boolean }[];
  steps: { kind?: string; file?: string; line?: number; operation: string; state: Record<string, unknown> }[];
}

interface SimResultLike {
  exists: boolean;
  verdict: string;
  bounded: string | null;
  outcomes: { faults: string[]; registers: Record<string, string>; entries: Record<string, string>; satisfies: boolean; witness: StepLike[] }[];
  witness: StepLike[] | null;
  errors?: { line: number; col: number; message: string }[];
}

interface StepLike {
  kind?: string;
  text: string;
  loc?: { file: string; line: number };
  scenarioLine?: number;
  state: { entries?: Record<string, string>; cpus?: PanelCpu[]; faults?: string[] };
}

/** lazymmu/replayDiagnostic's and lazymmu/applyFixAndReplay's answer. */
export interface ReplayAnswer {
  finding: { rule: string; function: string; line: number; message: string };
  replay: Record<string, ReplayLike>;
  summary?: PanelReach;
  model?: string;
  fix?: { title: string };
  applied?: boolean;
}

/** lazymmu/simulateScenario's answer. */
export interface ScenarioAnswer {
  errors: { line: number; col: number; message: string }[];
  results: Record<string, SimResultLike>;
  name?: string;
  condition?: string;
  summary?: PanelReach;
  model?: string;
}

export function archOf(model: string): string {
  return model.split('-')[0];
}

function outcomeText(o: { faults: string[]; registers: Record<string, string>; entries: Record<string, string> }): string {
  const parts = [
    ...Object.entries(o.registers ?? {}).map(([k, v]) => `${k} = ${v}`),
    ...Object.entries(o.entries ?? {}).map(([k, v]) => `${k} = ${v}`),
    ...(o.faults ?? []).map((f) => `fault ${f}`),
  ];
  return parts.join('; ') || '(no observable state)';
}

const obj = <T>(v: unknown, d: T): T => (v && typeof v === 'object' ? (v as T) : d);

function stepOf(s: { kind?: string; file?: string; line?: number; operation: string; state: Record<string, unknown> }): PanelStep {
  return {
    kind: typeof s.kind === 'string' ? s.kind : undefined,
    file: typeof s.file === 'string' ? s.file : undefined,
    line: typeof s.line === 'number' ? s.line : undefined,
    operation: String(s.operation ?? ''),
    entries: obj(s.state?.entries, {}),
    cpus: Array.isArray(s.state?.cpus) ? (s.state.cpus as PanelCpu[]) : [],
    faults: Array.isArray(s.state?.faults) ? (s.state.faults as string[]) : [],
  };
}

/** A finding's replay (lazymmu/replayDiagnostic) as panel data. */
export function fromReplay(title: string, subtitle: string | undefined, replay: Record<string, ReplayLike>, selected?: string): PanelData {
  const models: PanelModel[] = Object.entries(replay).map(([name, r]) => ({
    name,
    arch: archOf(name),
    verdict: String(r.verdict),
    exists: !!r.exists,
    bounded: r.bounded ?? null,
    outcomes: (r.outcomes ?? []).map((o) => ({ hazard: !!o.hazard, text: outcomeText(o) })),
    steps: (r.steps ?? []).map(stepOf),
  }));
  return { title, subtitle, models, selected };
}

/** The server's whole answer for a finding: replay, summary, the model where it bites, the fix the panel offers. */
export function fromReplayAnswer(r: ReplayAnswer, fallbackModel: string): PanelData {
  const f = r.finding;
  const title = `${f.function}: ${f.rule} (line ${f.line})`;
  const fixTitle = r.fix ? String(r.fix.title) : '';
  const data = r.applied
    ? fromReplay(`${title}, fixed`, `Simulated again with the fix applied: ${fixTitle}. The finding was: ${f.message}`, r.replay, r.model || fallbackModel)
    : fromReplay(title, f.message, r.replay, r.model || fallbackModel);
  data.summary = r.summary;
  if (r.applied) data.fixed = true;
  else if (r.fix) data.fix = { title: fixTitle };
  return data;
}

/**
 * A scenario's simulation (lazymmu/simulateScenario) as panel data. Each step
 * links to its scenario line in `scenarioFile` (a machine step to the line of
 * the kernel step it belongs to).
 */
export function fromScenario(
  title: string,
  result: ScenarioAnswer,
  selected?: string,
  scenarioFile?: string,
): PanelData {
  const errors = result.errors.map((e) => `${e.line}:${e.col}: ${e.message}`);
  const models: PanelModel[] = Object.entries(result.results).map(([name, r]) => {
    for (const e of r.errors ?? []) errors.push(`${name}: ${e.message}`);
    const witness = r.witness ?? r.outcomes[0]?.witness ?? [];
    let line: number | undefined;
    return {
      name,
      arch: archOf(name),
      verdict: String(r.verdict),
      exists: !!r.exists,
      bounded: r.bounded ?? null,
      outcomes: (r.outcomes ?? []).map((o) => ({ hazard: !!o.satisfies, text: outcomeText(o) })),
      steps: witness.map((st) => {
        const step = stepOf({ kind: st.kind, file: st.loc?.file, line: st.loc?.line, operation: st.text, state: st.state as Record<string, unknown> });
        if (typeof st.scenarioLine === 'number') line = st.scenarioLine;
        if (scenarioFile && line !== undefined) step.reveal = { file: scenarioFile, line };
        return step;
      }),
    };
  });
  return {
    title: result.name || title,
    subtitle: result.name ? title : undefined,
    models,
    selected: result.model || selected,
    errors,
    summary: result.summary,
    condition: result.condition,
  };
}
