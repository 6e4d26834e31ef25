/**
 * Transitions of the arm64 VMSA machine (see machineTypes.ts for the state).
 * `successors` lists every step the machine may take from a state, in a
 * fixed order, so exploration is deterministic.
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
  showDesc,
  showVal,
  Val,
} from './machineTypes';
import { OpStep, StateSnapshot, Step } from './types';
import { showArg } from './builder';
import { evalGuard, guardRegs, showGuard } from './guard';

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
    })),
    faults: [],
    errors: [],
  };
}

export function isFinal(cs: CompiledScenario, s: MachineState): boolean {
  return s.cpus.every((c, i) => c.pc >= cs.programs[i].length && c.queue.length === 0);
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
 * Make buffered stores visible: all of them (DSB, the end), or, for a DMB
 * (`explicitOnly`), the explicit ones not queued behind a hardware update
 * of the same location.
 */
function drain(s: MachineState, c: CpuState, explicitOnly = false) {
  if (!explicitOnly) {
    for (const e of c.sb) commitTo(s, e.loc, e.val, e.hw);
    c.sb = [];
    return;
  }
  const held = new Set<string>();
  const keep = c.sb.filter((e) => {
    if (e.hw || held.has(e.loc)) {
      held.add(e.loc);
      return true;
    }
    commitTo(s, e.loc, e.val);
    return false;
  });
  c.sb = keep;
}

function performTlbi(s: MachineState, cpu: number, t: { va: string | null; bc: boolean }) {
  s.cpus.forEach((o, i) => {
    if (i !== cpu && !t.bc) return;
    if (t.va === null) o.tlb = {};
    else delete o.tlb[t.va];
    // A completed broadcast TLBI guarantees no other CPU still uses a
    // translation it had fetched early; the local pipeline needs an ISB.
    if (i !== cpu) {
      if (t.va === null) o.pipe = {};
      else delete o.pipe[t.va];
    }
  });
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
  for (const e of c.sb) if (e.loc === loc) v = e.hw ? hwApply(v as DescStr, e.hw) : e.val;
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
      return `${m.dest ? m.dest + ' <- ' : ''}atomic ${m.op.toUpperCase()}(${args}) on ${m.onEntry ? 'entry ' + m.va : '[' + m.va + ']'}`;
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

/** How far ahead of the program counter a load may be satisfied. */
const HOIST_WINDOW = 4;
const PLAIN_LOADS = new Set(['ldr', 'ldr_pte']);

/** The location a plain load reads: its entry, or the page its entry maps at first. */
function loadLoc(cs: CompiledScenario, st: OpStep): string {
  const name = st.args[0]?.kind === 'name' ? st.args[0].name : '';
  return st.op === 'ldr_pte' ? 'e:' + name : 'p:' + (cs.entryInit[name]?.page ?? name);
}

/**
 * Whether the plain load at j may be satisfied before the instructions
 * between pc and j: only other plain loads of other locations and other
 * registers (no address dependency on them), and store-only barriers.
 */
function canHoist(cs: CompiledScenario, prog: Instr[], c: CpuState, j: number): boolean {
  const ins = prog[j];
  if (ins.k !== 'op' || ins.skipTo !== undefined || !PLAIN_LOADS.has(ins.step.op)) return false;
  const me = ins.step;
  for (let k = c.pc; k < j; k++) {
    if (c.early.includes(k)) continue;
    const o = prog[k];
    if (o.k !== 'op' || o.skipTo !== undefined) return false;
    const st = o.step;
    // the overtaken op's guard is read when it is reached: keep its registers
    if (me.dest && st.guard && guardRegs(st.guard).has(me.dest)) return false;
    if (PLAIN_LOADS.has(st.op)) {
      if (loadLoc(cs, st) === loadLoc(cs, me) || st.dest === me.dest || (st.dest && me.deps?.includes(st.dest))) return false;
      continue;
    }
    if (st.op === 'alu') {
      // register arithmetic: overtaken unless it reads or writes the load's register, or computes its address
      const reads = st.args.flatMap((a) => (a.kind === 'reg' ? [a.reg] : []));
      if (me.dest && (st.dest === me.dest || reads.includes(me.dest))) return false;
      if (st.dest && me.deps?.includes(st.dest)) return false;
      continue;
    }
    if ((st.op === 'dsb' || st.op === 'dmb') && st.args[0]?.kind === 'name' && (st.args[0].name === 'st' || st.args[0].name === 'ishst')) continue;
    return false;
  }
  return true;
}

/**
 * Step over loads already satisfied early, but stop at a guarded one: its
 * guard is read once the ops before it are done (see `speculationFailed`).
 */
function skipEarly(c: CpuState, prog: Instr[]) {
  while (c.early.includes(c.pc)) {
    const ins = prog[c.pc];
    if (ins.k === 'op' && ins.step.guard) return;
    c.early = c.early.filter((x) => x !== c.pc);
    c.pc++;
  }
}

/**
 * A CPU reached a load it satisfied early under a guard that is false: the
 * load was speculated down a path the branch did not take. The path of the
 * exploration ends there (the same run without the speculation is another path).
 */
function speculationFailed(cs: CompiledScenario, s: MachineState): boolean {
  return s.cpus.some((c, i) => {
    if (c.queue.length || !c.early.includes(c.pc)) return false;
    const ins = cs.programs[i][c.pc];
    return ins.k === 'op' && !!ins.step.guard && !evalGuard(ins.step.guard, c.regs);
  });
}

export function successors(cs: CompiledScenario, cm: CompiledModel, s: MachineState): Succ[] {
  const out: Succ[] = [];
  if (speculationFailed(cs, s)) return out;
  const n = s.cpus.length;
  for (let i = 0; i < n; i++) {
    const c = s.cpus[i];
    const prog = cs.programs[i];
    // 1. the program: next machine op, or lower the next kernel step
    if (c.queue.length > 0) {
      execMOp(cs, s, i, out);
    } else if (c.pc < prog.length) {
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
    // 1b. a later load satisfied out of program order
    if (c.queue.length === 0) {
      for (let j = c.pc + 1; j < prog.length && j <= c.pc + HOIST_WINDOW; j++) {
        if (c.early.includes(j) || !canHoist(cs, prog, c, j)) continue;
        const ins = prog[j] as Extract<Instr, { k: 'op' }>;
        const ns = cloneState(s);
        const nc = ns.cpus[i];
        nc.early = [...c.early, j].sort((a, b) => a - b);
        nc.tag = ins.step.label ?? `#${ins.step.pos.line}`;
        nc.queue = lowerStep(cm, cs, ns, nc, ins.step);
        if (ins.step.guard) nc.queue = nc.queue.map((q) => (q.k === 'ld' || q.k === 'ld_desc' ? { ...q, spec: true } : q));
        prune(cs, ns);
        out.push({
          state: ns,
          info: { cpu: i, kind: 'kernel', text: `${renderOp(ins.step)} (satisfied early, out of program order) => ${nc.queue.map(describeMOp).join('; ')}`, label: ins.step.label, loc: ins.step.loc, scenarioLine: ins.step.pos.line },
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
    if (cs.scenario.hwUpdates?.[i]?.ha) {
      // with HA the walker may set an access flag at any time (speculative walk)
      for (const va of Object.keys(s.entries).sort()) {
        const d = s.entries[va];
        if (!isValidDesc(d) || decDesc(d).af) continue;
        const ns = cloneState(s);
        ns.entries[va] = withFlags(d, { af: true });
        out.push({ state: ns, info: { cpu: i, kind: 'hw-update', text: `hardware sets the access flag of entry ${va} (speculative walk): ${showDesc(ns.entries[va])}` } });
      }
    }
    for (const va of Object.keys(c.tlb).sort()) {
      const ns = cloneState(s);
      delete ns.cpus[i].tlb[va];
      out.push({ state: ns, info: { cpu: i, kind: 'tlb-evict', text: `TLB evicts ${va}` } });
    }
    for (const va of rem) {
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

function execMOp(cs: CompiledScenario, s: MachineState, i: number, out: Succ[]) {
  const c = s.cpus[i];
  const m = c.queue[0];
  const base = () => {
    const ns = cloneState(s);
    ns.cpus[i].queue = c.queue.slice(1);
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
      if (m.onEntry) {
        if (hwLocked(s, i, 'e:' + m.va)) return;
        const ns = base();
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
      add(c.tlb[m.va], 'TLB');
      add(s.entries[m.va], 'walk');
      const hw = cs.scenario.hwUpdates?.[i];
      const writes = m.k !== 'ld';
      for (const [d0, from0] of opts) {
        const ns = base();
        const nc = ns.cpus[i];
        const fault = (kind: string, why: string) => {
          // a speculated load does not fault: it waits until its branch is resolved
          if (m.k === 'ld' && m.spec) return;
          const f = `P${i}:${c.tag}:${m.va}${kind === 'Translation' ? '' : ':' + kind}`;
          ns.faults = addSorted(s.faults, f);
          nc.pipe = {}; // exception entry and return are context synchronising
          if (cs.scenario.onFault === 'stop') {
            nc.pc = cs.programs[i].length;
            nc.queue = [];
            nc.early = [];
          }
          push(ns, `${describeMOp(m)}: ${why}`);
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
          const mem = readLoc(s, c, 'e:' + m.va) as DescStr;
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
          if (upd !== mem) nc.sb = [...nc.sb, { loc: 'e:' + m.va, val: upd, hw: hwKind }];
          if (nc.tlb[m.va] !== undefined) nc.tlb[m.va] = upd;
          note = upd === mem ? '' : ` (hardware sets ${hwKind === 'afdb' ? 'AF and DB' : 'AF'} of entry ${m.va}: ${showDesc(upd)})`;
          d = upd;
          from = 'walk';
          x = decDesc(d);
        }
        const page = x.page!;
        if (m.k === 'rmw') {
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
      if (m.dom !== 'ld') drain(ns, nc);
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
      if (m.dom !== 'ld') drain(ns, ns.cpus[i], true);
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
      ns.cpus[i].ptlbi = [...c.ptlbi, { va: m.va, bc: m.bc }];
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
      else if (c.pc < prog.length) {
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


