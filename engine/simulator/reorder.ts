/**
 * What a CPU may do out of program order (herd7's aarch64.cat: what is not
 * ordered may be performed early): which later op may be performed before
 * the ones at the program counter (loads, ISB, TLBI), stepping over ops
 * already performed, a speculated path that turned out false, and whether a
 * store's translation may be walked early (machine.ts makes the moves).
 */
import type { CompiledScenario, Instr } from './kernel';
import type { CpuState, MachineState } from './machineTypes';
import type { OpStep } from './types';
import { evalGuard, guardRegs } from './guard';

/** How far ahead of the program counter an op may be performed early. */
export const HOIST_WINDOW = 4;
export const PLAIN_LOADS = new Set(['ldr', 'ldr_pte']);
/** Ops that need no memory access and may overtake earlier entry loads (see canHoist). */
const NON_MEMORY = new Set(['isb', 'tlbi_va', 'tlbi_va_local', 'tlbi_all', 'tlbi_all_local']);

/** The location a plain load reads: its entry, or the page its entry maps at first. */
function loadLoc(cs: CompiledScenario, st: OpStep): string {
  const name = st.args[0]?.kind === 'name' ? st.args[0].name : '';
  return st.op === 'ldr_pte' ? 'e:' + name : 'p:' + (cs.entryInit[name]?.page ?? name);
}

function isStoreBarrier(st: OpStep, kind: 'dsb' | 'dmb'): boolean {
  return st.op === kind && st.args[0]?.kind === 'name' && (st.args[0].name === 'st' || st.args[0].name === 'ishst');
}

/**
 * Whether the op at j may be performed before the instructions between pc
 * and j (herd7's aarch64.cat: nothing among them is ordered before it).
 *  - a plain load overtakes other plain loads of other locations and other
 *    registers (no address dependency on them) and register arithmetic
 *    that does not feed it;
 *  - an ISB or a TLBI overtakes loads with no address dependency,
 *    register arithmetic and any DMB: a load is ordered before them only
 *    by a DSB ISH/LD or a control dependency (a DMB orders explicit
 *    accesses among themselves, not against an ISB or a TLBI);
 *  - both overtake DMB ST, and DSB ST once this CPU has no explicit store
 *    buffered (DSB ST orders earlier explicit stores, not earlier loads,
 *    before everything after it).
 */
export function canHoist(cs: CompiledScenario, prog: Instr[], c: CpuState, j: number): boolean {
  const ins = prog[j];
  if (ins.k !== 'op' || ins.skipTo !== undefined) return false;
  const me = ins.step;
  const load = PLAIN_LOADS.has(me.op);
  if (!load && (!NON_MEMORY.has(me.op) || me.guard)) return false;
  for (let k = c.pc; k < j; k++) {
    if (c.early.includes(k)) continue;
    const o = prog[k];
    if (o.k !== 'op' || o.skipTo !== undefined) return false;
    const st = o.step;
    if (!load && st.guard) return false;
    // the overtaken op's guard is read when it is reached: keep its registers
    if (me.dest && st.guard && guardRegs(st.guard).has(me.dest)) return false;
    if (PLAIN_LOADS.has(st.op)) {
      if (!load) {
        if (st.deps?.length) return false;
        continue;
      }
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
    if (isStoreBarrier(st, 'dmb') || (!load && st.op === 'dmb')) continue;
    if (isStoreBarrier(st, 'dsb') && !c.sb.some((e) => !e.hw)) continue;
    return false;
  }
  return true;
}

/** Whether an op performed early at j overtakes a load still to run. */
export function overtakesLoad(prog: Instr[], c: CpuState, j: number): boolean {
  for (let k = c.pc; k < j; k++) {
    const o = prog[k];
    if (!c.early.includes(k) && o.k === 'op' && PLAIN_LOADS.has(o.step.op)) return true;
  }
  return false;
}

/**
 * Step over loads already satisfied early, but stop at a guarded one: its
 * guard is read once the ops before it are done (see `speculationFailed`).
 */
export function skipEarly(c: CpuState, prog: Instr[]) {
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
export function speculationFailed(cs: CompiledScenario, s: MachineState): boolean {
  return s.cpus.some((c, i) => {
    if (c.queue.length || !c.early.includes(c.pc)) return false;
    const ins = cs.programs[i][c.pc];
    return ins.k === 'op' && !!ins.step.guard && !evalGuard(ins.step.guard, c.regs);
  });
}

/** Data accesses through a VA, by op (arch level; the kernel models' ops are not looked into). */
const STORE_OPS = new Set(['str', 'stlr', 'swp', 'cas', 'ldadd', 'ldclr', 'ldset']);
const LOAD_OPS = new Set(['ldr', 'ldar']);
/** Ops that neither access a VA nor order a later store's translation. */
const PASSIVE_OPS = new Set(['ldr_pte', 'str_pte', 'swp_pte', 'cas_pte', 'ldclr_pte', 'ldset_pte', 'alu', 'dsb', 'dmb', 'tlbi_va', 'tlbi_va_local', 'tlbi_all', 'tlbi_all_local']);

/**
 * Whether this CPU's next access through `va` is a store that nothing
 * before it orders its translation after: no branch (control dependency)
 * and no address dependency on the way, no ISB (context synchronisation).
 */
export function nextAccessIsFreeStore(cs: CompiledScenario, c: CpuState, i: number, va: string): boolean {
  for (const m of c.queue) {
    if ((m.k === 'st' || (m.k === 'rmw' && !m.onEntry)) && m.va === va) return true;
    if (m.k === 'ld' || m.k === 'st' || m.k === 'rmw' || m.k === 'isb' || m.k === 'ctxsync' || m.k === 'error') return false;
  }
  const prog = cs.programs[i];
  for (let k = c.pc; k < prog.length; k++) {
    if (c.early.includes(k)) continue;
    const ins = prog[k];
    if (ins.k !== 'op' || ins.step.guard || ins.step.deps?.length) return false;
    const st = ins.step;
    const on = st.args[0]?.kind === 'name' ? st.args[0].name : undefined;
    if (STORE_OPS.has(st.op)) {
      if (on === va) return true;
      continue;
    }
    if (LOAD_OPS.has(st.op)) {
      if (on === va) return false;
      continue;
    }
    if (!PASSIVE_OPS.has(st.op)) return false;
  }
  return false;
}

