// Replays a finding's path on the simulator's kernel models: "is this a real
// bug on arm64, or only on Xen?" answered per model.
import { Finding, ModelReplay } from './findings';
import { listModels, scenarioForReadAfterWrite, simulate } from './simulator';

/** Models a replay runs on: every arm64 model and the comparison architectures. */
export function replayModels(): string[] {
  return listModels().map((m) => m.name);
}

export function replayFinding(f: Finding, models = replayModels()): Record<string, ModelReplay> | null {
  if (!f.path || f.rule !== 'lazy-mmu/read-after-write') return null;
  const built = scenarioForReadAfterWrite(
    f.path.map((s) => ({ op: s.op, loc: { file: s.file, line: s.line, col: s.column } })),
    { name: `${f.function}: ${f.rule}` },
  );
  if (!built.scenario) return null;
  const out: Record<string, ModelReplay> = {};
  for (const model of models) {
    const r = simulate(built.scenario, model);
    const witness = r.witness ?? r.outcomes[0]?.witness ?? [];
    out[model] = {
      exists: r.exists,
      verdict: r.verdict,
      bounded: r.bounded,
      outcomes: r.outcomes.map((o) => ({ faults: o.faults, registers: o.registers, entries: o.entries, hazard: o.satisfies })),
      steps: witness.map((st) => ({
        file: st.loc?.file,
        line: st.loc?.line,
        operation: st.text,
        state: { entries: st.state.entries, cpus: st.state.cpus, faults: st.state.faults },
      })),
    };
  }
  return out;
}
