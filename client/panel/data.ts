// What the simulation panel shows, built from a finding's replay or from a
// scenario's simulation. Pure data and functions: no vscode imports, so that
// the panel's HTML can be made and tested in plain node.

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
  file?: string;
  line?: number;
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
  verdict: string;
  /** The hazard (or the scenario's condition) is reachable. */
  exists: boolean;
  bounded: string | null;
  outcomes: PanelOutcome[];
  steps: PanelStep[];
}

export interface PanelData {
  title: string;
  subtitle?: string;
  models: PanelModel[];
  /** The model shown first (falls back to the first model). */
  selected?: string;
  errors?: string[];
}

/** The shapes the server sends (engine/findings.ts ModelReplay, engine/simulator SimResult); kept loose on purpose. */
interface ReplayLike {
  exists: boolean;
  verdict: string;
  bounded: string | null;
  outcomes: { faults: string[]; registers: Record<string, string>; entries: Record<string, string>; hazard: boolean }[];
  steps: { file?: string; line?: number; operation: string; state: Record<string, unknown> }[];
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
  text: string;
  loc?: { file: string; line: number };
  state: { entries?: Record<string, string>; cpus?: PanelCpu[]; faults?: string[] };
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

function stepOf(s: { file?: string; line?: number; operation: string; state: Record<string, unknown> }): PanelStep {
  return {
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

/** A scenario's simulation (lazymmu/simulateScenario) as panel data. */
export function fromScenario(
  title: string,
  result: { errors: { line: number; col: number; message: string }[]; results: Record<string, SimResultLike> },
  selected?: string,
): PanelData {
  const errors = result.errors.map((e) => `${e.line}:${e.col}: ${e.message}`);
  const models: PanelModel[] = Object.entries(result.results).map(([name, r]) => {
    for (const e of r.errors ?? []) errors.push(`${name}: ${e.message}`);
    const witness = r.witness ?? r.outcomes[0]?.witness ?? [];
    return {
      name,
      arch: archOf(name),
      verdict: String(r.verdict),
      exists: !!r.exists,
      bounded: r.bounded ?? null,
      outcomes: (r.outcomes ?? []).map((o) => ({ hazard: !!o.satisfies, text: outcomeText(o) })),
      steps: witness.map((st) =>
        stepOf({ file: st.loc?.file, line: st.loc?.line, operation: st.text, state: st.state as Record<string, unknown> }),
      ),
    };
  });
  return { title, models, selected, errors };
}
