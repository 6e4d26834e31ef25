/**
 * Exhaustive, bounded, deterministic exploration of a scenario under a
 * kernel model: breadth-first over machine states (deduplicated), one
 * witness (the first, hence a shortest, path found) per outcome.
 */
import { CompiledModel, CompiledScenario, compileModel, compileScenario } from './kernel';
import { finalMemory, finalSuccessors, initialState, isFinal, snapshot, successors } from './machine';
import { MachineState, showDesc, showVal, stateKey } from './machineTypes';
import { descMatches } from './guard';
import { KernelModel } from './modelTypes';
import { Bounds, Cond, Outcome, Scenario, SimResult, Step } from './types';

export const DEFAULT_BOUNDS: Required<Bounds> = { maxStates: 200000, maxSteps: 400 };

export function evalCond(c: Cond, fin: MachineState, sc: Scenario): boolean {
  switch (c.kind) {
    case 'true':
      return true;
    case 'and':
      return evalCond(c.left, fin, sc) && evalCond(c.right, fin, sc);
    case 'or':
      return evalCond(c.left, fin, sc) || evalCond(c.right, fin, sc);
    case 'not':
      return !evalCond(c.inner, fin, sc);
    case 'error':
      return fin.errors.length > 0;
    case 'fault': {
      const isEntry = sc.entries.some((e) => e.name === c.target);
      return fin.faults.some((f) => {
        const [cpu, tag, va, kind] = f.split(':');
        if (c.cpu !== undefined && cpu !== `P${c.cpu}`) return false;
        if (c.faultKind !== undefined && (kind ?? 'Translation') !== c.faultKind) return false;
        return isEntry ? va === c.target : tag === c.target;
      });
    }
    case 'eq': {
      let v: unknown;
      if (c.lhs.kind === 'reg') v = fin.cpus[c.lhs.cpu]?.regs[c.lhs.reg] ?? 0;
      else if (c.lhs.kind === 'page') v = fin.pages[c.lhs.name];
      else v = fin.entries[c.lhs.name];
      const eq = c.value.kind === 'num' ? v === c.value.value : descMatches(v, c.value.desc);
      return c.negate ? !eq : eq;
    }
  }
}

/** Registers named in the condition (shown in outcomes even if never written). */
function condRegs(c: Cond | null, acc: Set<string>) {
  if (!c) return;
  if (c.kind === 'and' || c.kind === 'or') {
    condRegs(c.left, acc);
    condRegs(c.right, acc);
  } else if (c.kind === 'not') condRegs(c.inner, acc);
  else if (c.kind === 'eq' && c.lhs.kind === 'reg') acc.add(`P${c.lhs.cpu}:${c.lhs.reg}`);
}

interface OutcomeRec {
  key: string;
  node: number;
  fin: MachineState;
}

export function explore(sc: Scenario, model: KernelModel, bounds: Bounds = {}): SimResult {
  const maxStates = bounds.maxStates ?? DEFAULT_BOUNDS.maxStates;
  const maxSteps = bounds.maxSteps ?? DEFAULT_BOUNDS.maxSteps;
  const cm = compileModel(model);
  const cs = compileScenario(sc);
  const init = initialState(cs, cm);
  const parent: number[] = [-1];
  const succIdx: number[] = [-1];
  const depth: number[] = [0];
  const seen = new Map<string, number>([[stateKey(init), 0]]);
  let queue: { id: number; s: MachineState }[] = [{ id: 0, s: init }];
  const outcomes = new Map<string, OutcomeRec>();
  const regsShown = new Set<string>();
  condRegs(sc.condition, regsShown);
  let bounded: string | null = null;
  let depthCut = 0;

  while (queue.length && bounded === null) {
    const nextQ: { id: number; s: MachineState }[] = [];
    for (const { id, s } of queue) {
      const final = isFinal(cs, s);
      if (final) {
        const fin = finalMemory(s);
        const key = outcomeKey(fin);
        if (!outcomes.has(key)) outcomes.set(key, { key, node: id, fin });
      }
      if (depth[id] >= maxSteps) {
        if (!final) depthCut++;
        continue;
      }
      const succs = next(cs, cm, s);
      for (let k = 0; k < succs.length; k++) {
        const key = stateKey(succs[k].state);
        if (seen.has(key)) continue;
        if (seen.size >= maxStates) {
          bounded = `exploration stopped at the state bound (maxStates=${maxStates}); outcomes may be incomplete`;
          break;
        }
        const nid = parent.length;
        seen.set(key, nid);
        parent.push(id);
        succIdx.push(k);
        depth.push(depth[id] + 1);
        nextQ.push({ id: nid, s: succs[k].state });
      }
      if (bounded !== null) break;
    }
    queue = nextQ;
  }
  if (bounded === null && depthCut > 0)
    bounded = `exploration cut ${depthCut} path(s) at the step bound (maxSteps=${maxSteps}); outcomes may be incomplete`;

  const recs = [...outcomes.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const cond = sc.condition;
  const witnessOf = (node: number) => buildWitness(cs, cm, init, parent, succIdx, node);
  const result: Outcome[] = recs.map((r, idx) => {
    const registers: Record<string, string> = {};
    const names = new Set(regsShown);
    r.fin.cpus.forEach((c, i) => Object.keys(c.regs).forEach((k) => names.add(`P${i}:${k}`)));
    for (const n of [...names].sort()) {
      const [p, reg] = n.split(':');
      registers[n] = showVal(r.fin.cpus[Number(p.slice(1))]?.regs[reg] ?? 0);
    }
    const entries: Record<string, string> = {};
    for (const k of Object.keys(r.fin.entries)) entries[k] = showDesc(r.fin.entries[k]);
    return {
      id: idx,
      faults: [...r.fin.faults],
      registers,
      entries,
      pages: { ...r.fin.pages },
      errors: [...r.fin.errors],
      satisfies: cond ? evalCond(cond, r.fin, sc) : false,
      witness: witnessOf(r.node),
    };
  });
  const exists = result.some((o) => o.satisfies);
  const always = result.length > 0 && result.every((o) => o.satisfies);
  const firstSat = result.find((o) => o.satisfies);
  return {
    model: model.name,
    exists,
    always,
    verdict: sc.quantifier === 'forall' ? (always ? 'Required' : exists ? 'Allowed' : 'Forbidden') : exists ? 'Allowed' : 'Forbidden',
    outcomes: result,
    witness: firstSat ? firstSat.witness : null,
    bounded,
    states: seen.size,
    errors: [],
  };
}

/** The moves from a state: the machine's, or from a final state the walker's alone. */
function next(cs: CompiledScenario, cm: CompiledModel, s: MachineState) {
  return isFinal(cs, s) ? finalSuccessors(cs, s) : successors(cs, cm, s);
}

function outcomeKey(fin: MachineState): string {
  return JSON.stringify([
    fin.faults,
    fin.errors,
    fin.cpus.map((c) =>
      Object.keys(c.regs)
        .sort()
        .map((k) => [k, c.regs[k]]),
    ),
    fin.entries,
    fin.pages,
  ]);
}

function buildWitness(
  cs: CompiledScenario,
  cm: CompiledModel,
  init: MachineState,
  parent: number[],
  succIdx: number[],
  node: number,
): Step[] {
  const path: number[] = [];
  for (let n = node; n > 0; n = parent[n]) path.push(n);
  path.reverse();
  const steps: Step[] = [];
  let s = init;
  for (const n of path) {
    const succ = next(cs, cm, s)[succIdx[n]];
    s = succ.state;
    const st: Step = {
      index: steps.length,
      cpu: succ.info.cpu,
      kind: succ.info.kind,
      text: succ.info.text,
      state: snapshot(cs, s),
    };
    if (succ.info.label) st.label = succ.info.label;
    if (succ.info.loc) st.loc = succ.info.loc;
    if (succ.info.scenarioLine !== undefined) st.scenarioLine = succ.info.scenarioLine;
    steps.push(st);
  }
  return steps;
}
