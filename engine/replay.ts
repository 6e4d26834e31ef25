// Replays a finding's path on the simulator's kernel models: "is this a real
// bug on arm64, or only on Xen?" answered per model.
import { Finding, ModelReplay } from './findings';
import { listModels, scenarioForNestedSection, scenarioForReadAfterWrite, simulate } from './simulator';

/** Models a replay runs on: every arm64 model and the comparison architectures. */
export function replayModels(): string[] {
  return listModels().map((m) => m.name);
}

/** The simulator's scenario for a finding's path, per rule (null for rules without one). */
export function scenarioFor(f: Finding) {
  if (!f.path) return null;
  const steps = f.path.map((s) => ({ op: s.op, loc: { file: s.file, line: s.line, col: s.column } }));
  const name = `${f.function}: ${f.rule}`;
  switch (f.rule) {
    case 'lazy-mmu/read-after-write':
      return scenarioForReadAfterWrite(steps, { name }).scenario ?? null;
    case 'lazy-mmu/nested-section':
    case 'lazy-mmu/kernel-access-before-flush':
      // A page mapped (through an inner section, or by a kernel PTE write) and then touched: can the access fault?
      return scenarioForNestedSection(steps, { name }).scenario ?? null;
    default:
      return null;
  }
}

export function replayFinding(f: Finding, models = replayModels()): Record<string, ModelReplay> | null {
  const scenario = scenarioFor(f);
  if (!scenario) return null;
  const out: Record<string, ModelReplay> = {};
  for (const model of models) {
    const r = simulate(scenario, model);
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
