/**
 * A litmus test's final condition lowered to the scenario's: registers by the
 * value their last load left (a register reloaded, or set on one branch only,
 * cannot be named), PTEs as entries, locations as their pages' values; a
 * fault atom on a label that labels no faulting instruction never holds
 * (herd7's reading).
 */
import { BuilderOp } from '../builder';
import { FAULT_KINDS } from '../parser';
import { Cond, CondValue } from '../types';
import { LitCond, LitmusTest, LitValue } from './syntax';
import { cannot, descOf, normReg, RV, staticEq } from './registerValues';

const NOPOS = { line: 0, col: 0 };

function notTrue(): Cond {
  return { kind: 'not', inner: { kind: 'true' } };
}

/** What the programs' lowering left: the ops per CPU, registers at the end, each register's load count. */
export interface LoweredPrograms {
  cpus: BuilderOp[][];
  finalRegs: Record<string, RV>[];
  gens: Record<string, number>[];
}

export function lowerCondition(t: LitmusTest, { cpus, finalRegs, gens }: LoweredPrograms): Cond {
  const condOf = (c: LitCond): Cond => {
    switch (c.k) {
      case 'true':
        return { kind: 'true' };
      case 'and':
      case 'or':
        return { kind: c.k, left: condOf(c.a), right: condOf(c.b) };
      case 'not':
        return { kind: 'not', inner: condOf(c.a) };
      case 'fault': {
        const kind = c.kind?.replace(/^MMU:/, '');
        if (kind && !FAULT_KINDS.includes(kind)) cannot(`fault kind ${c.kind}`);
        let f: Cond;
        if (c.label) {
          if (!cpus[c.proc]?.some((o) => o.label === c.label)) {
            // herd7: a label on an instruction that cannot fault (or one always branched over) never faults
            if (t.procs[c.proc]?.some((x) => x.label === c.label)) return notTrue();
            cannot(`fault atom on label ${c.label} that labels no instruction`);
          }
          f = { kind: 'fault', cpu: c.proc, target: c.label, pos: NOPOS };
        } else f = { kind: 'fault', cpu: c.proc, target: c.va, pos: NOPOS };
        if (kind) f.faultKind = kind;
        return f;
      }
      case 'eq': {
        if (c.lhs.k === 'reg') {
          const n = normReg(c.lhs.reg);
          const rv = finalRegs[c.lhs.proc]?.[n] ?? { k: 'num', v: 0 };
          const want = c.rhs;
          if (rv.under?.length) cannot(`register ${n} set on one path of a branch only`);
          if (rv.k === 'loaded') {
            if (rv.gen !== gens[c.lhs.proc][n]) cannot(`register ${n} reloaded`);
            return { kind: 'eq', lhs: { kind: 'reg', cpu: c.lhs.proc, reg: n }, value: condValue(want), negate: false, pos: NOPOS };
          }
          if (rv.k === 'cmp') {
            if (rv.gen !== gens[c.lhs.proc][rv.reg]) cannot(`compared register ${rv.reg} reloaded`);
            if (want.k !== 'num') cannot(`flag register compared with a non-number`);
            const holds = want.v === 1 ? rv.eq : want.v === 0 ? !rv.eq : null;
            if (holds === null) return notTrue();
            return { kind: 'eq', lhs: { kind: 'reg', cpu: c.lhs.proc, reg: rv.reg }, value: rv.value, negate: !holds, pos: NOPOS };
          }
          // a register the program never loads: decided now
          return staticEq(rv, want) ? { kind: 'true' } : notTrue();
        }
        if (c.lhs.k === 'pte') {
          if (c.rhs.k !== 'desc') cannot(`PTE(${c.lhs.name}) compared with a non-descriptor`);
          return { kind: 'eq', lhs: { kind: 'entry', name: c.lhs.name }, value: { kind: 'desc', desc: descOf(c.rhs.fields, null, 'the condition') }, negate: false, pos: NOPOS };
        }
        if (c.rhs.k !== 'num') cannot(`location ${c.lhs.name} compared with a non-number`);
        return { kind: 'eq', lhs: { kind: 'page', name: `phy_${c.lhs.name}` }, value: { kind: 'num', value: c.rhs.v }, negate: false, pos: NOPOS };
      }
    }
  };
  const condValue = (v: LitValue): CondValue => {
    if (v.k === 'num') return { kind: 'num', value: v.v };
    if (v.k === 'desc') return { kind: 'desc', desc: descOf(v.fields, null, 'the condition') };
    return cannot(`register compared with an address (${v.k} ${v.name})`);
  };
  return condOf(t.cond);
}
