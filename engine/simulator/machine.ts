/**
 * Transitions of the arm64 VMSA machine (see machineTypes.ts for the state).
 * `successors` lists every step the machine may take from a state, in a
 * fixed order, so exploration is deterministic. Long because every move of
 * the machine is here, next to the others it must stay consistent with
 * (store buffer, TLB, pipeline, TLBI, hardware updates, faults); what may run
 * out of program order is reorder.ts.
 */
import { CompiledModel, CompiledScenario, initialKernelVars, Instr, lowerStep } from './kernel';
import {
  cloneState,
  CpuState,
  DescStr,
  decDesc,
  encDesc,
  isValidDesc,
  rmwApply,
  withFlags,
  MachineState,
  MOp,
  SbEntry,
  showDesc,
  showVal,
  Val,
} from './machineTypes';
import { OpStep, StateSnapshot, Step } from './types';
import { showArg } from './builder';
import { evalGuard, showGuard } from './guard';
import { canHoist, HOIST_WINDOW, nextAccessIsFreeStore, overtakesLoad, PLAIN_LOADS, skipEarly, speculationFailed } from './reorder';

/** What a step says about itself (a trace Step without its index and the state after it). */
export type StepInfo = Omit<Step, 'index' | 'state'>;

export interface Succ {
  state: MachineState;
  info: StepInfo;
}

export function initialState(cs: CompiledScenario, cm: CompiledModel): MachineState {
  const entries: Record<string, DescStr> = {};
  for (const e of cs.scenario.entries) entries[e.name] = encDesc(e.init.valid, e.init.page, e.init.user ?? false, e.init);
  const pages: Record<string, number> = {};
  for (const p of cs.scenario.pages) pages[p.name] = p.value;
  return {
    entries,
    pages,
    cpus: cs.programs.map(() => ({
      pc: 0,
      early: [],
      queue: [],
      tag: '',
      regs: {},
      sb: [],
      tlb: {},
      pipe: {},
      ptlbi: [],
      kv: initialKernelVars(cm),
      irq: 0,
      deferred: [],
      dtlbi: [],
      pipeHw: [],
      qIdx: -1,
      halt: -1,
    })),
    faults: [],
    errors: [],
  };
}

export function isFinal(cs: CompiledScenario, s: MachineState): boolean {
  return !eagerUpdateLost(s) && s.cpus.every((c, i) => c.pc >= progEnd(cs, c, i) && c.queue.length === 0);
}

/** Where CPU i's program ends: its length, or where a fatal fault of an early instruction stopped it. */
function progEnd(cs: CompiledScenario, c: CpuState, i: number): number {
  return c.halt >= 0 ? c.halt : cs.programs[i].length;
}

/**
 * An early translation that made a store's hardware update was dropped
 * (ISB, exception, TLBI) before the store used it: the update belonged to
 * no access, so this path is not an execution (it ends here).
 */
function eagerUpdateLost(s: MachineState): boolean {
  return s.cpus.some((c) => c.pipeHw.some((va) => c.pipe[va] === undefined));
}

function hwApply(d: DescStr, hw: 'af' | 'afdb'): DescStr {
  return isValidDesc(d) ? withFlags(d, { af: true, ...(hw === 'afdb' ? { db: true } : {}) }) : d;
}

function commitTo(s: MachineState, loc: string, val: Val, hw?: 'af' | 'afdb') {
  const name = loc.slice(2);
  if (hw) s.entries[name] = hwApply(s.entries[name], hw);
  else if (loc.startsWith('e:')) s.entries[name] = val as DescStr;
  else s.pages[name] = val as number;
}

/**
 * Make buffered stores visible: all of them (`all`: DSB ISH/SY, the end);
 * the explicit ones (`explicit`: DSB ST, which orders the CPU's explicit
 * stores but not its hardware updates), a hardware update going with them
 * only when an explicit store of the same entry is queued behind it; or,
 * for a DMB (`dmb`), the explicit ones not queued behind a hardware update
 * of the same location.
 */
function drain(s: MachineState, c: CpuState, mode: 'all' | 'explicit' | 'dmb' = 'all') {
  if (mode === 'all') {
    for (const e of c.sb) commitTo(s, e.loc, e.val, e.hw);
    c.sb = [];
    return;
  }
  const held = new Set<string>();
  const keep = c.sb.filter((e, idx) => {
    const commit =
      mode === 'explicit'
        ? !e.hw || c.sb.slice(idx + 1).some((l) => l.loc === e.loc && !l.hw)
        : !e.hw && !held.has(e.loc);
    if (!commit) {
      held.add(e.loc);
      return true;
    }
    commitTo(s, e.loc, e.val, e.hw);
    return false;
  });
  c.sb = keep;
}

function performTlbi(s: MachineState, cpu: number, t: { va: string | null; bc: boolean; scope?: string[] }) {
  s.cpus.forEach((o, i) => {
    if (i !== cpu && !t.bc) return;
    if (t.va === null) o.tlb = {};
    else delete o.tlb[t.va];
    // A completed broadcast TLBI guarantees no other CPU still uses a
    // translation it had fetched early; the local pipeline needs an ISB.
    if (i !== cpu) {
      if (t.va !== null) delete o.pipe[t.va];
      else if (t.scope) for (const va of t.scope) delete o.pipe[va];
      else o.pipe = {};
    }
  });
}

/**
 * The entries a broadcast TLBI ALL at instruction `at` of CPU i orders
 * early translations against: those the CPU accessed before it (herd7: a
 * TLBI is "after" a translation only when the entry it read was overwritten
 * by a write ordered before the TLBI). Another CPU's early translation of an
 * entry written by a third CPU, unobserved by this one, survives it.
 */
function tlbiAllScope(cs: CompiledScenario, i: number, at: number): string[] {
  const names = new Set<string>();
  cs.programs[i].slice(0, Math.max(at, 0)).forEach((ins) => {
    const a = ins.k === 'op' ? ins.step.args[0] : undefined;
    if (a?.kind === 'name' && cs.entryInit[a.name] && ins.k === 'op' && ins.step.op.endsWith('_pte')) names.add(a.name);
  });
  return [...names].sort();
}

/**
 * A TLBI completes only once every access made with the translation it
 * removes is observed: a store translated through the VA (or any VA, for
 * TLBI ALL) still in a targeted CPU's store buffer holds it back.
 */
function tlbiBlocked(s: MachineState, cpu: number, t: { va: string | null; bc: boolean }): boolean {
  return s.cpus.some((o, i) => (i === cpu || t.bc) && o.sb.some((e) => e.va !== undefined && (t.va === null || e.va === t.va)));
}

/**
 * A hardware update is atomic with the walk that read the entry: while it
 * is buffered on another CPU, no other write to the entry may come between
 * (that CPU's stores and atomics to it wait).
 */
function hwLocked(s: MachineState, cpu: number, loc: string): boolean {
  return loc.startsWith('e:') && s.cpus.some((o, j) => j !== cpu && o.sb.some((e) => e.hw && e.loc === loc));
}

function readLoc(s: MachineState, c: CpuState, loc: string): Val {
  const name = loc.slice(2);
  let v: Val = loc.startsWith('e:') ? s.entries[name] : s.pages[name];
  // the CPU's explicit stores are forwarded to its loads; its hardware
  // updates are not (only a DSB ISH orders them before a later load)
  for (const e of c.sb) if (e.loc === loc && !e.hw) v = e.val;
  return v;
}

function addSorted(list: string[], item: string): string[] {
  if (list.includes(item)) return list;
  return [...list, item].sort();
}

/** VAs this CPU may still translate: remaining program plus queued ops. */
function remainingVas(cs: CompiledScenario, c: CpuState, cpu: number): string[] {
  const base = cs.remaining[cpu][Math.min(c.pc, cs.programs[cpu].length)];
  let extra: string[] | null = null;
  for (const m of c.queue) {
    if ((m.k === 'ld' || m.k === 'st') && !base.includes(m.va)) (extra ??= []).push(m.va);
  }
  return extra ? [...new Set([...base, ...extra])].sort() : base;
}

/** Drop TLB / pipeline contents that can no longer matter (fewer states). */
function prune(cs: CompiledScenario, s: MachineState) {
  s.cpus.forEach((c, i) => {
    const rem = remainingVas(cs, c, i);
    for (const va of Object.keys(c.pipe)) if (!rem.includes(va)) delete c.pipe[va];
    for (const va of Object.keys(c.tlb)) if (!rem.includes(va)) delete c.tlb[va];
  });
}

function describeMOp(m: MOp): string {
  switch (m.k) {
    case 'st_desc':
      return `STR ${showDesc(m.val)} -> entry ${m.entry}`;
    case 'ld_desc':
      return `LDR ${m.dest} <- entry ${m.entry}`;
    case 'set_reg':
      return `${m.dest} <- ${showVal(m.val)} (${m.why ?? "from the task's deferred write"})`;
    case 'ld':
      return `LDR ${m.dest} <- [${m.va}]`;
    case 'st':
      return `STR ${m.val} -> [${m.va}]`;
    case 'dsb':
      return m.dom === 'full' ? 'DSB ISH' : m.dom === 'st' ? 'DSB ISHST' : 'DSB LD';
    case 'rmw': {
      const args = [m.a, ...(m.b !== undefined ? [m.b] : [])].map(showVal).join(', ');
      return `${m.dest ? m.dest + ' <- ' : ''}atomic ${m.rel ? 'release ' : ''}${m.op.toUpperCase()}(${args}) on ${m.onEntry ? 'entry ' + m.va : '[' + m.va + ']'}`;
    }
    case 'dmb':
      return m.dom === 'full' ? 'DMB ISH' : m.dom === 'st' ? 'DMB ISHST' : 'DMB LD';
    case 'isb':
      return 'ISB';
    case 'ctxsync':
      return `context synchronisation (${m.why})`;
    case 'tlbi':
      return `TLBI ${m.va === null ? 'ALL' : 'VA ' + m.va}${m.bc ? ' (broadcast)' : ' (local)'}`;
    case 'error':
      return `error: ${m.msg}`;
  }
}


/** Render a scenario op step back to text for traces. */
function renderOp(step: OpStep): string {
  return `${step.dest ? step.dest + ' = ' : ''}${step.op}(${step.args.map(showArg).join(', ')})`;
}

export function successors(cs: CompiledScenario, cm: CompiledModel, s: MachineState): Succ[] {
  const out: Succ[] = [];
  if (speculationFailed(cs, s) || eagerUpdateLost(s)) return out;
  const n = s.cpus.length;
  for (let i = 0; i < n; i++) {
    const c = s.cpus[i];
    const prog = cs.programs[i];
    // 1. the program: next machine op, or lower the next kernel step
    if (c.queue.length > 0) {
      execMOp(cs, s, i, out);
    } else if (c.pc < progEnd(cs, c, i)) {
      const ins = prog[c.pc];
      if (c.early.includes(c.pc)) {
        // a guarded load satisfied early, reached on the path its guard allows
        const ns = cloneState(s);
        const nc = ns.cpus[i];
        nc.early = c.early.filter((x) => x !== c.pc);
        nc.pc = c.pc + 1;
        skipEarly(nc, prog);
        prune(cs, ns);
        const text = `${renderOp((ins as Extract<Instr, { k: 'op' }>).step)}: reached on the branch path it was satisfied early for`;
        out.push({ state: ns, info: { cpu: i, kind: 'kernel', text, label: ins.step.label, loc: ins.step.loc, scenarioLine: ins.step.pos.line } });
      } else if (ins.k === 'op' && ins.step.guard && !evalGuard(ins.step.guard, c.regs)) {
        // a forward branch skipped it
        const ns = cloneState(s);
        ns.cpus[i].pc = c.pc + 1;
        skipEarly(ns.cpus[i], prog);
        prune(cs, ns);
        out.push({
          state: ns,
          info: { cpu: i, kind: 'skip', text: `${renderOp(ins.step)} skipped by a branch (${showGuard(ins.step.guard)} is false)`, label: ins.step.label, loc: ins.step.loc, scenarioLine: ins.step.pos.line },
        });
      } else {
        if (ins.skipTo !== undefined) {
          const ns = cloneState(s);
          ns.cpus[i].pc = ins.skipTo;
          skipEarly(ns.cpus[i], prog);
          prune(cs, ns);
          const what = ins.k === 'op' ? renderOp(ins.step) : 'interrupt';
          out.push({
            state: ns,
            info: { cpu: i, kind: 'skip', text: `optional ${what} does not happen`, label: ins.step.label, loc: ins.step.loc, scenarioLine: ins.step.pos.line },
          });
        }
        const ns = cloneState(s);
        const nc = ns.cpus[i];
        nc.pc = c.pc + 1;
        skipEarly(nc, prog);
        let text: string;
        if (ins.k === 'op') {
          nc.tag = ins.step.label ?? `#${ins.step.pos.line}`;
          nc.queue = lowerStep(cm, cs, ns, nc, ins.step);
          if (nc.queue.length) nc.qIdx = c.pc;
          text = renderOp(ins.step);
        } else if (ins.k === 'irq_enter') {
          nc.tag = ins.step.label ?? `#${ins.step.pos.line}`;
          nc.irq++;
          nc.queue = [{ k: 'ctxsync', why: 'exception entry' }];
          text = 'interrupt entry';
        } else {
          nc.irq--;
          nc.queue = [{ k: 'ctxsync', why: 'exception return' }];
          text = 'interrupt return';
        }
        if (nc.queue.length) text += ' => ' + nc.queue.map(describeMOp).join('; ');
        else text += ' => (nothing)';
        prune(cs, ns);
        out.push({
          state: ns,
          info: { cpu: i, kind: 'kernel', text, label: ins.step.label, loc: ins.step.loc, scenarioLine: ins.step.pos.line },
        });
      }
    }
    // 1b. a later load (or ISB, TLBI) performed out of program order
    if (c.queue.length === 0) {
      for (let j = c.pc + 1; j < progEnd(cs, c, i) && j <= c.pc + HOIST_WINDOW; j++) {
        if (c.early.includes(j) || !canHoist(cs, prog, c, j)) continue;
        const ins = prog[j] as Extract<Instr, { k: 'op' }>;
        const ns = cloneState(s);
        const nc = ns.cpus[i];
        nc.early = [...c.early, j].sort((a, b) => a - b);
        nc.qIdx = j;
        nc.tag = ins.step.label ?? `#${ins.step.pos.line}`;
        nc.queue = lowerStep(cm, cs, ns, nc, ins.step);
        const how = PLAIN_LOADS.has(ins.step.op) ? 'satisfied' : 'performed';
        if (ins.step.guard) nc.queue = nc.queue.map((q) => (q.k === 'ld' || q.k === 'ld_desc' ? { ...q, spec: true } : q));
        if (overtakesLoad(prog, c, j)) nc.queue = nc.queue.map((q) => (q.k === 'ld' ? { ...q, overtook: true } : q));
        prune(cs, ns);
        out.push({
          state: ns,
          info: { cpu: i, kind: 'kernel', text: `${renderOp(ins.step)} (${how} early, out of program order) => ${nc.queue.map(describeMOp).join('; ')}`, label: ins.step.label, loc: ins.step.loc, scenarioLine: ins.step.pos.line },
        });
      }
    }
    // 2. store buffer: commit the oldest store of each location
    const seen = new Set<string>();
    c.sb.forEach((e, idx) => {
      if (seen.has(e.loc)) return;
      seen.add(e.loc);
      if (!e.hw && hwLocked(s, i, e.loc)) return;
      const ns = cloneState(s);
      const nc = ns.cpus[i];
      commitTo(ns, e.loc, e.val, e.hw);
      nc.sb = c.sb.filter((_, j) => j !== idx);
      const text = e.hw
        ? `hardware update of entry ${e.loc.slice(2)} becomes visible: ${showVal(ns.entries[e.loc.slice(2)])}`
        : `store ${showVal(e.val)} to ${e.loc.startsWith('e:') ? 'entry' : 'page'} ${e.loc.slice(2)} becomes visible`;
      out.push({ state: ns, info: { cpu: i, kind: e.hw ? 'hw-update' : 'commit', text } });
    });
    // 3. pending TLBI completes (in order)
    if (c.ptlbi.length && !tlbiBlocked(s, i, c.ptlbi[0])) {
      const ns = cloneState(s);
      const t = c.ptlbi[0];
      ns.cpus[i].ptlbi = c.ptlbi.slice(1);
      performTlbi(ns, i, t);
      prune(cs, ns);
      out.push({ state: ns, info: { cpu: i, kind: 'tlbi-complete', text: `TLBI ${t.va ?? 'ALL'} completes` } });
    }
    // 4. TLB fill / evict, 5. early walk into the pipeline
    const rem = remainingVas(cs, c, i);
    for (const va of rem) {
      const d = s.entries[va];
      if (isValidDesc(d) && decDesc(d).af && c.tlb[va] !== d) {
        const ns = cloneState(s);
        ns.cpus[i].tlb[va] = d;
        out.push({ state: ns, info: { cpu: i, kind: 'tlb-fill', text: `TLB caches ${va} -> ${showDesc(d)}` } });
      }
    }
    speculativeAf(cs, s, i, out);
    for (const va of Object.keys(c.tlb).sort()) {
      const ns = cloneState(s);
      delete ns.cpus[i].tlb[va];
      out.push({ state: ns, info: { cpu: i, kind: 'tlb-evict', text: `TLB evicts ${va}` } });
    }
    for (const va of rem) {
      if (c.pipeHw.includes(va)) continue;
      eagerDirtyWalk(cs, s, i, va, out);
      const cands: [DescStr, string][] = [[s.entries[va], 'walk']];
      if (c.tlb[va] !== undefined && c.tlb[va] !== s.entries[va]) cands.push([c.tlb[va], 'TLB']);
      for (const [d, from] of cands) {
        if (c.pipe[va] === d) continue;
        const ns = cloneState(s);
        ns.cpus[i].pipe[va] = d;
        out.push({
          state: ns,
          info: { cpu: i, kind: 'walk-early', text: `pipeline translates ${va} early (${from}): ${showDesc(d)}` },
        });
      }
    }
  }
  return out;
}

/**
 * With HA the walker may set an access flag at any time (a speculative
 * walk), also once the CPU's program is done (explore.ts asks then too).
 */
export function speculativeAf(cs: CompiledScenario, s: MachineState, i: number, out: Succ[]) {
  if (!cs.scenario.hwUpdates?.[i]?.ha) return;
  for (const va of Object.keys(s.entries).sort()) {
    const d = s.entries[va];
    if (!isValidDesc(d) || decDesc(d).af) continue;
    const ns = cloneState(s);
    ns.entries[va] = withFlags(d, { af: true });
    out.push({ state: ns, info: { cpu: i, kind: 'hw-update', text: `hardware sets the access flag of entry ${va} (speculative walk): ${showDesc(ns.entries[va])}` } });
  }
}

/** From a final state only the walker moves: speculative access-flag updates. */
export function finalSuccessors(cs: CompiledScenario, s: MachineState): Succ[] {
  const out: Succ[] = [];
  s.cpus.forEach((_, i) => speculativeAf(cs, s, i, out));
  return out;
}

/**
 * A store's translation may be walked early, and with HD its dirty update
 * made then, atomically with that walk (herd7: the update is an rmw with
 * the translation read; DSB ISH does not order a later translation, only an
 * ISB does): the update is buffered like other hardware updates, and the
 * store must then go through that translation (`pipeHw`).
 */
function eagerDirtyWalk(cs: CompiledScenario, s: MachineState, i: number, va: string, out: Succ[]) {
  const hw = cs.scenario.hwUpdates?.[i];
  const c = s.cpus[i];
  if (!hw?.hd) return;
  const loc = 'e:' + va;
  let mem = s.entries[va];
  for (const e of c.sb) if (e.loc === loc && e.hw) mem = hwApply(mem, e.hw);
  if (!isValidDesc(mem)) return;
  const x = decDesc(mem);
  if (x.db || !x.dbm || hwLocked(s, i, loc) || !nextAccessIsFreeStore(cs, c, i, va)) return;
  const upd = hwApply(mem, 'afdb');
  const ns = cloneState(s);
  const nc = ns.cpus[i];
  const at = nc.sb.findIndex((e) => e.loc === loc && !e.hw);
  const entry: SbEntry = { loc, val: upd, hw: 'afdb' };
  nc.sb = at < 0 ? [...nc.sb, entry] : [...nc.sb.slice(0, at), entry, ...nc.sb.slice(at)];
  nc.pipe[va] = upd;
  nc.pipeHw = [...c.pipeHw, va].sort();
  out.push({
    state: ns,
    info: { cpu: i, kind: 'hw-update', text: `pipeline translates ${va} early for the store to come, and the hardware sets AF and DB of entry ${va}: ${showDesc(upd)}` },
  });
}

function execMOp(cs: CompiledScenario, s: MachineState, i: number, out: Succ[]) {
  const c = s.cpus[i];
  const m = c.queue[0];
  const base = () => {
    const ns = cloneState(s);
    ns.cpus[i].queue = c.queue.slice(1);
    if (!ns.cpus[i].queue.length) ns.cpus[i].qIdx = -1;
    return ns;
  };
  const push = (ns: MachineState, text: string) => {
    prune(cs, ns);
    out.push({ state: ns, info: { cpu: i, kind: 'machine', text, label: c.tag.startsWith('#') ? undefined : c.tag } });
  };
  switch (m.k) {
    case 'st_desc': {
      const ns = base();
      ns.cpus[i].sb = [...c.sb, { loc: 'e:' + m.entry, val: m.val }];
      push(ns, describeMOp(m));
      return;
    }
    case 'ld_desc': {
      const ns = base();
      const v = readLoc(s, c, 'e:' + m.entry);
      ns.cpus[i].regs[m.dest] = v;
      push(ns, `${describeMOp(m)} = ${showVal(v)}`);
      return;
    }
    case 'set_reg': {
      const ns = base();
      ns.cpus[i].regs[m.dest] = m.val;
      push(ns, describeMOp(m));
      return;
    }
    case 'rmw':
      // a release atomic waits, like a DMB, for the earlier stores it orders
      if (m.rel && c.sb.some((e) => !e.hw && hwLocked(s, i, e.loc))) return;
      if (m.onEntry) {
        if (hwLocked(s, i, 'e:' + m.va)) return;
        const ns = base();
        if (m.rel) drain(ns, ns.cpus[i], 'dmb');
        const text = atomicUpdate(ns, ns.cpus[i], 'e:' + m.va, m);
        push(ns, `${describeMOp(m)}: ${text}`);
        return;
      }
    // falls through: an atomic on data is translated as a store
    case 'ld':
    case 'st': {
      const opts: [DescStr, string][] = [];
      const add = (d: DescStr | undefined, from: string) => {
        if (d !== undefined && !opts.some((o) => o[0] === d)) opts.push([d, from]);
      };
      add(c.pipe[m.va], 'pipeline');
      const eager = c.pipeHw.includes(m.va);
      if (!eager) {
        add(c.tlb[m.va], 'TLB');
        add(s.entries[m.va], 'walk');
      }
      const hw = cs.scenario.hwUpdates?.[i];
      const writes = m.k !== 'ld';
      for (const [d0, from0] of opts) {
        const ns = base();
        const nc = ns.cpus[i];
        if (eager) nc.pipeHw = c.pipeHw.filter((v) => v !== m.va);
        const fault = (kind: string, why: string) => {
          // a speculated load does not fault: it waits until its branch is resolved
          if (m.k === 'ld' && m.spec) return;
          if (kind === 'Translation') {
            // a translation fault is ordered after every earlier explicit access of
            // the CPU (herd7: a translation fault is the same location as any access
            // at the same page offset): not before an earlier load still to run,
            // and the CPU's buffered data stores become visible first
            if (m.k === 'ld' && m.overtook) return;
            for (const e of nc.sb) if (!e.hw && e.loc.startsWith('p:')) commitTo(ns, e.loc, e.val);
            nc.sb = nc.sb.filter((e) => e.hw || !e.loc.startsWith('p:'));
          }
          const f = `P${i}:${c.tag}:${m.va}${kind === 'Translation' ? '' : ':' + kind}`;
          ns.faults = addSorted(s.faults, f);
          nc.pipe = {}; // exception entry and return are context synchronising
          if (cs.scenario.onFault === 'stop') {
            nc.queue = [];
            nc.qIdx = -1;
            if (c.qIdx > c.pc) {
              // performed early: the instructions before it still run, none after it
              nc.halt = c.qIdx;
              nc.early = c.early.filter((k) => k < c.qIdx);
            } else {
              nc.pc = cs.programs[i].length;
              nc.early = [];
            }
          }
          const precise = cs.scenario.onFault === 'stop' && c.qIdx > c.pc ? '; the instructions before it still run, none after it' : '';
          push(ns, `${describeMOp(m)}: ${why}${precise}`);
        };
        let d = d0;
        let from = from0;
        let note = '';
        if (!isValidDesc(d)) {
          fault('Translation', `translation fault (${from} gives ${showDesc(d)})`);
          continue;
        }
        let x = decDesc(d);
        if (!x.af || (writes && !x.db)) {
          // access flag clear / not writable: a fault unless the hardware
          // manages the field; its update is an atomic read-modify-write of
          // the entry in memory, so it sees (and keeps) the latest value
          if (!x.af && !hw?.ha) {
            fault('AccessFlag', `access-flag fault (${from} gives ${showDesc(d)})`);
            continue;
          }
          if (writes && !x.db && !(hw?.hd && x.dbm)) {
            fault('Permission', `permission fault: not writable (${from} gives ${showDesc(d)})`);
            continue;
          }
          // the walker sees memory and this CPU's buffered hardware updates, not its
          // explicit stores: the update comes before them in the entry's coherence order
          const loc = 'e:' + m.va;
          let mem = s.entries[m.va];
          for (const e of c.sb) if (e.loc === loc && e.hw) mem = hwApply(mem, e.hw);
          if (!isValidDesc(mem)) {
            fault('Translation', `translation fault (the walk for the hardware update finds ${showDesc(mem)})`);
            continue;
          }
          const mx = decDesc(mem);
          if (writes && !mx.db && !(hw?.hd && mx.dbm)) {
            fault('Permission', `permission fault: not writable (the walk for the hardware update finds ${showDesc(mem)})`);
            continue;
          }
          const hwKind = writes && !mx.db ? 'afdb' : 'af';
          const upd = hwApply(mem, hwKind);
          if (upd !== mem) {
            const at = nc.sb.findIndex((e) => e.loc === loc && !e.hw);
            const entry: SbEntry = { loc, val: upd, hw: hwKind };
            nc.sb = at < 0 ? [...nc.sb, entry] : [...nc.sb.slice(0, at), entry, ...nc.sb.slice(at)];
          }
          if (nc.tlb[m.va] !== undefined) nc.tlb[m.va] = upd;
          note = upd === mem ? '' : ` (hardware sets ${hwKind === 'afdb' ? 'AF and DB' : 'AF'} of entry ${m.va}: ${showDesc(upd)})`;
          d = upd;
          from = 'walk';
          x = decDesc(d);
        }
        const page = x.page!;
        if (m.k === 'rmw') {
          if (m.rel) drain(ns, nc, 'dmb');
          const text = atomicUpdate(ns, nc, 'p:' + page, m);
          push(ns, `${describeMOp(m)} via ${from} -> page ${page}: ${text}${note}`);
        } else if (m.k === 'ld') {
          const v = readLoc(s, c, 'p:' + page);
          nc.regs[m.dest] = v;
          push(ns, `${describeMOp(m)} via ${from} -> page ${page} = ${showVal(v)}${note}`);
        } else {
          nc.sb = [...nc.sb, { loc: 'p:' + page, val: m.val, va: m.va }];
          push(ns, `${describeMOp(m)} via ${from} -> page ${page}${note}`);
        }
      }
      return;
    }
    case 'dsb': {
      const ns = base();
      const nc = ns.cpus[i];
      if (m.dom !== 'ld' && c.sb.some((e) => !e.hw && hwLocked(s, i, e.loc))) return;
      if (m.dom !== 'ld') drain(ns, nc, m.dom === 'st' ? 'explicit' : 'all');
      // DSB ISH waits for its TLBIs, which wait for stores made with the old translation
      if (m.dom === 'full' && nc.ptlbi.some((t) => tlbiBlocked(ns, i, t))) return;
      if (m.dom === 'full') {
        for (const t of nc.ptlbi) performTlbi(ns, i, t);
        nc.ptlbi = [];
      }
      push(ns, describeMOp(m));
      return;
    }
    case 'dmb': {
      // loads run in program order, so only a store-ordering DMB has work:
      // earlier stores become visible before any later access
      const ns = base();
      if (m.dom !== 'ld' && c.sb.some((e) => !e.hw && hwLocked(s, i, e.loc))) return;
      if (m.dom !== 'ld') drain(ns, ns.cpus[i], 'dmb');
      push(ns, describeMOp(m));
      return;
    }
    case 'isb':
    case 'ctxsync': {
      const ns = base();
      ns.cpus[i].pipe = {};
      push(ns, describeMOp(m));
      return;
    }
    case 'tlbi': {
      const ns = base();
      const scope = m.va === null && m.bc ? tlbiAllScope(cs, i, c.qIdx) : undefined;
      ns.cpus[i].ptlbi = [...c.ptlbi, scope ? { va: m.va, bc: m.bc, scope } : { va: m.va, bc: m.bc }];
      push(ns, describeMOp(m));
      return;
    }
    case 'error': {
      const ns = base();
      ns.errors = addSorted(s.errors, `P${i}:${c.tag}: ${m.msg}`);
      push(ns, describeMOp(m));
      return;
    }
  }
}

/**
 * An atomic read-modify-write: the CPU's own earlier stores to the location
 * become visible first, then the read and the write happen at once in
 * memory (no other store can come between them).
 */
function atomicUpdate(ns: MachineState, nc: CpuState, loc: string, m: Extract<MOp, { k: 'rmw' }>): string {
  const mine = nc.sb.filter((e) => e.loc === loc);
  for (const e of mine) commitTo(ns, e.loc, e.val, e.hw);
  if (mine.length) nc.sb = nc.sb.filter((e) => e.loc !== loc);
  const name = loc.slice(2);
  const old: Val = loc.startsWith('e:') ? ns.entries[name] : ns.pages[name];
  const nv = rmwApply(m.op, old, m.a, m.b);
  if (nv !== null) commitTo(ns, loc, nv);
  if (m.dest) nc.regs[m.dest] = old;
  return nv === null ? `reads ${showVal(old)}, compare fails, no write` : `reads ${showVal(old)}, writes ${showVal(nv)}`;
}

/** Final memory: every buffered store committed. */
export function finalMemory(s: MachineState): MachineState {
  const ns = cloneState(s);
  for (const c of ns.cpus) drain(ns, c);
  return ns;
}

export function snapshot(cs: CompiledScenario, s: MachineState): StateSnapshot {
  const rec = (r: Record<string, DescStr>) => {
    const o: Record<string, string> = {};
    for (const k of Object.keys(r).sort()) o[k] = showDesc(r[k]);
    return o;
  };
  const entries: Record<string, string> = {};
  for (const k of Object.keys(s.entries)) entries[k] = showDesc(s.entries[k]);
  return {
    entries,
    pages: { ...s.pages },
    cpus: s.cpus.map((c, i) => {
      const regs: Record<string, string> = {};
      for (const k of Object.keys(c.regs).sort()) regs[k] = showVal(c.regs[k]);
      const prog = cs.programs[i];
      let next = 'done';
      if (c.queue.length) next = describeMOp(c.queue[0]);
      else if (c.pc < progEnd(cs, c, i)) {
        const ins = prog[c.pc];
        next = ins.k === 'op' ? renderOp(ins.step) : ins.k === 'irq_enter' ? 'interrupt entry' : 'interrupt return';
      }
      return {
        cpu: i,
        next,
        regs,
        storeBuffer: c.sb.map((e) => `${e.loc.startsWith('e:') ? 'entry' : 'page'} ${e.loc.slice(2)} := ${showVal(e.val)}`),
        tlb: rec(c.tlb),
        pipeline: rec(c.pipe),
        pendingTlbi: c.ptlbi.map((t) => `${t.va ?? 'ALL'}${t.bc ? '' : ' (local)'}`),
        kernel: { ...c.kv, ...(c.irq ? { in_interrupt: c.irq } : {}) },
        deferred: [
          ...c.deferred.map((d) => `entry ${d.entry} := ${showDesc(d.val)}`),
          ...c.dtlbi.map((v) => `invalidate ${v}`),
        ],
      };
    }),
    faults: [...s.faults],
    errors: [...s.errors],
  };
}


