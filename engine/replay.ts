// Replays a finding's path on the simulator's kernel models: "is this a real
// bug on arm64, or only on Xen?" answered per model. Also what a front end
// needs to answer it at a glance: where the outcome is reachable and where
// not (ReachSummary), the model to show first (the one where it bites), the
// call-chain hops between the path's kernel steps (so a witness does not jump
// from the enter straight to a write two calls down), and the same path
// replayed with the finding's fix applied.
import type { Finding, ModelReplay, PathStep, RelatedLocation } from './findings';
import type { TextInsert } from './fixes/statementPlacement';
import { listModels, OPS, scenarioForNestedSection, scenarioForReadAfterWrite, simulate } from './simulator';

/** Models a replay runs on: every arm64 model and the comparison architectures. */
export function replayModels(): string[] {
  return listModels().map((m) => m.name);
}

/** What the hazard's outcome is called, per rule with a replay (the summary's first words). */
const OUTCOME: Record<string, string> = {
  'lazy-mmu/read-after-write': 'stale read',
  'lazy-mmu/nested-section': 'fault on the access',
  'lazy-mmu/kernel-access-before-flush': 'fault on the access',
};

/** The simulator's scenario for a finding's path (its own unless another is given), per rule (null for rules without one). */
export function scenarioFor(f: Finding, path: PathStep[] | undefined = f.path) {
  if (!path) return null;
  const steps = path.map((s) => ({ op: s.op, loc: { file: s.file, line: s.line, col: s.column } }));
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

const samePlace = (a: { file: string; line: number; column?: number }, b: { file?: string; line?: number; column?: number }) =>
  a.file === b.file && a.line === b.line && (a.column === undefined || b.column === undefined || a.column === b.column);

/**
 * The call-chain hops to show before each path step: the finding's related
 * locations are its chains in order (the write's, outermost first, down to
 * the writer's call; then the read's). The hops before the one at the write
 * step lead to the write; the ones after it lead to the read. A related list
 * that does not hold the write step's place says nothing of the order, so no
 * hops are shown then.
 */
export function hopsBetween(path: PathStep[], related: RelatedLocation[]): Map<number, RelatedLocation[]> {
  const out = new Map<number, RelatedLocation[]>();
  const writeAt = path.findIndex((s, i) => i > 0 && related.some((r) => samePlace(r, s)));
  if (writeAt < 0) return out;
  const w = related.findIndex((r) => samePlace(r, path[writeAt]));
  const toWrite = related.slice(0, w).filter((r) => !path.some((s) => samePlace(r, s)));
  const toNext = related.slice(w + 1).filter((r) => !path.some((s) => samePlace(r, s)));
  if (toWrite.length) out.set(writeAt, toWrite);
  if (toNext.length && writeAt + 1 < path.length) out.set(writeAt + 1, toNext);
  return out;
}

type ReplayStep = ModelReplay['steps'][number];

/** Each model's outcome for a path; hops (kind 'call') go before the first witness step at the path step they lead to. */
function replayPath(f: Finding, path: PathStep[], models: string[]): Record<string, ModelReplay> | null {
  const scenario = scenarioFor(f, path);
  if (!scenario) return null;
  const hops = hopsBetween(path, f.related ?? []);
  const out: Record<string, ModelReplay> = {};
  for (const model of models) {
    const r = simulate(scenario, model);
    const witness = r.witness ?? r.outcomes[0]?.witness ?? [];
    const steps: ReplayStep[] = [];
    const pending = new Map(hops);
    for (const st of witness) {
      const state = { entries: st.state.entries, cpus: st.state.cpus, faults: st.state.faults };
      const at = st.loc ? [...pending.keys()].find((i) => samePlace({ file: path[i].file, line: path[i].line }, { file: st.loc!.file, line: st.loc!.line })) : undefined;
      if (at !== undefined) {
        // A call changes nothing in the machine: the hop carries the state before it.
        const before = steps.length ? steps[steps.length - 1].state : state;
        for (const h of pending.get(at)!) steps.push({ kind: 'call', file: h.file, line: h.line, operation: h.message, state: before });
        pending.delete(at);
      }
      steps.push({ kind: st.kind, file: st.loc?.file, line: st.loc?.line, operation: st.text, state });
    }
    out[model] = {
      exists: r.exists,
      verdict: r.verdict,
      bounded: r.bounded,
      outcomes: r.outcomes.map((o) => ({ faults: o.faults, registers: o.registers, entries: o.entries, hazard: o.satisfies })),
      steps,
    };
  }
  return out;
}

export function replayFinding(f: Finding, models = replayModels()): Record<string, ModelReplay> | null {
  if (!f.path) return null;
  return replayPath(f, f.path, models);
}

/** Where `p` is after `inserts` (1-based, in the text before them) went in. */
function shifted(p: { line: number; column: number }, inserts: TextInsert[]): { line: number; column: number } {
  let { line, column } = p;
  for (const i of inserts) {
    if (i.line > p.line || (i.line === p.line && i.column > p.column)) continue;
    const lines = i.text.split('\n');
    if (i.line === p.line) {
      // Text put before p on its line: p moves right, or onto the insert's last line.
      column = lines.length > 1 ? lines[lines.length - 1].length + (column - i.column) + 1 : column + i.text.length;
    }
    line += lines.length - 1;
  }
  return { line, column };
}

/**
 * The finding's path with its fix applied, in the fixed text's places: each
 * call the fix inserts that the simulator knows (the flush) becomes a step
 * right before the flagged step (the finding's own place: a fix runs right
 * before the flagged code), once per call, placed at the insert nearest
 * before the flagged place (a loop's condition gets the flush before the
 * loop and at the end of its body; a path runs one of them). Text order is
 * not used otherwise: a read in a callee may sit above the section's
 * function. Null when the finding has no fix or its fix inserts no call the
 * simulator can run.
 */
export function fixedPath(f: Finding): PathStep[] | null {
  if (!f.path || !f.fix) return null;
  const inserts = f.fix.inserts.slice().sort((a, b) => a.line - b.line || a.column - b.column);
  const moved = (s: PathStep): PathStep => (s.file === f.file ? { ...s, ...shifted(s, inserts) } : s);
  const flagged = f.path.findIndex((s) => samePlace(s, f));
  const at = flagged > 0 ? flagged : f.path.length - 1;
  const before = (i: TextInsert) => i.line < f.line || (i.line === f.line && i.column <= f.column);
  // Nearest before the flagged place first, then the others in text order.
  const order = [...inserts.filter(before).reverse(), ...inserts.filter((i) => !before(i))];
  const added = new Map<string, PathStep>();
  for (const ins of order) {
    const CALL = /([A-Za-z_]\w*)\s*\(/g;
    for (let m = CALL.exec(ins.text); m; m = CALL.exec(ins.text)) {
      if (!OPS[m[1]] || added.has(m[1])) continue;
      const lead = ins.text.slice(0, m.index).split('\n');
      const start = shifted(ins, inserts.filter((o) => o !== ins && (o.line < ins.line || (o.line === ins.line && o.column < ins.column))));
      const line = start.line + lead.length - 1;
      const column = lead.length > 1 ? lead[lead.length - 1].length + 1 : start.column + m.index;
      added.set(m[1], { op: m[1], file: f.file, line, column });
    }
  }
  if (!added.size) return null;
  const path = f.path.map(moved);
  path.splice(at, 0, ...added.values());
  return path;
}

/** The finding's path replayed as it runs once its fix is applied (null: no fix the simulator can run). */
export function replayFixed(f: Finding, models = replayModels()): Record<string, ModelReplay> | null {
  const path = fixedPath(f);
  if (!path) return null;
  // The fixed text's hops: the finding's related places moved the same way as its path.
  const inserts = f.fix!.inserts;
  const related = (f.related ?? []).map((r) => (r.file === f.file ? { ...r, ...shifted(r, inserts) } : r));
  return replayPath({ ...f, related }, path, models);
}

/** Models grouped under their architecture; `whole` when the group is all of that architecture's models. */
export interface ReachGroup {
  arch: string;
  models: string[];
  whole: boolean;
}

/** Where an outcome is reachable, as data; each front end words it ("stale read possible on x86-xen-pv; not on arm64, ..."). */
export interface ReachSummary {
  /** What the outcome is ("stale read", "the exists condition"). */
  outcome: string;
  possible: ReachGroup[];
  /** Exploration was complete and never reached it. */
  impossible: ReachGroup[];
  /** Not reached, but exploration was bounded: not known. */
  unknown: ReachGroup[];
}

/** The architecture a model is of: its name's first part (arm64-eager -> arm64). */
export function archOfModel(model: string): string {
  return model.split('-')[0];
}

export function reachSummary(results: Record<string, { exists: boolean; bounded: string | null }>, outcome: string): ReachSummary {
  const names = Object.keys(results);
  const bucket = (want: (r: { exists: boolean; bounded: string | null }) => boolean): ReachGroup[] => {
    const groups: ReachGroup[] = [];
    for (const arch of [...new Set(names.map(archOfModel))]) {
      const all = names.filter((n) => archOfModel(n) === arch);
      const models = all.filter((n) => want(results[n]));
      if (models.length) groups.push({ arch, models, whole: models.length === all.length });
    }
    return groups;
  };
  return {
    outcome,
    possible: bucket((r) => r.exists),
    impossible: bucket((r) => !r.exists && !r.bounded),
    unknown: bucket((r) => !r.exists && !!r.bounded),
  };
}

/** The summary of a finding's replay, its outcome named after the rule. */
export function replaySummary(f: Pick<Finding, 'rule'>, replay: Record<string, ModelReplay>): ReachSummary {
  return reachSummary(replay, OUTCOME[f.rule] ?? 'the hazard');
}

/**
 * The model to show first: the preferred one when the outcome is reachable
 * there, else the first where it is (of the preferred model's architecture
 * first), else the preferred one.
 */
export function bitingModel(results: Record<string, { exists: boolean }>, preferred: string): string {
  const names = Object.keys(results);
  if (results[preferred]?.exists) return preferred;
  const reach = names.filter((n) => results[n].exists);
  const own = reach.find((n) => archOfModel(n) === archOfModel(preferred));
  return own ?? reach[0] ?? (results[preferred] ? preferred : names[0] ?? preferred);
}
