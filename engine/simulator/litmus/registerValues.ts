/**
 * What a litmus test's registers hold while it is lowered (lower.ts): known
 * numbers, addresses, PTEs and descriptors are evaluated here; a value a load
 * leaves is named by its register, for the machine to compute. Each helper
 * either gives the value or says, with CannotExpress, why the machine cannot
 * run the test faithfully.
 */
import { DESC_BITS, aluApply, AluOp } from '../alu';
import { TRUE, Guard } from '../guard';
import { CondValue, DescLit } from '../types';
import { LitInstr, LitValue } from './syntax';

export class CannotExpress extends Error {}

/**
 * What a register holds at lowering time (`dep`: loaded registers its value
 * was computed from; `under`: the forward branches whose not-taken path set
 * it, so it is known only inside their blocks).
 */
export type RV = RVBase & { dep?: string[]; under?: number[] };
type RVBase =
  | { k: 'num'; v: number }
  | { k: 'va'; n: string }
  | { k: 'pte'; n: string }
  | { k: 'pa'; n: string }
  | { k: 'desc'; d: DescLit }
  | { k: 'pageno'; n: string }
  /** the value a load left in machine register `reg` (generation `gen`) */
  | { k: 'loaded'; reg: string; gen: number; desc: boolean }
  /** CSET after CMP of a loaded register with a constant */
  | { k: 'cmp'; reg: string; gen: number; value: CondValue; eq: boolean };

export function cannot(msg: string): never {
  throw new CannotExpress(msg);
}

/** The descriptor fields the machine models: output address, valid. */
export function descOf(fields: Record<string, string>, defaultOa: string | null, where: string): DescLit {
  for (const k of Object.keys(fields))
    if (!['oa', 'valid', 'af', 'db', 'dbm'].includes(k)) cannot(`descriptor field ${k}:${fields[k]} in ${where}`);
  const bit = (k: string, dflt: boolean) => (fields[k] === undefined ? dflt : fields[k] !== '0');
  // herd's defaults: valid:1, af:1, db:1, dbm:0; a descriptor is compared whole
  return {
    valid: bit('valid', true),
    page: fields.oa !== undefined ? `phy_${fields.oa}` : defaultOa,
    af: bit('af', true),
    db: bit('db', true),
    dbm: bit('dbm', false),
  };
}

export function normReg(r: string): string {
  const t = r.trim().toUpperCase();
  if (t === 'XZR' || t === 'WZR') return 'zr';
  const m = /^[XW](\d+)$/.exec(t);
  if (!m) cannot(`register ${r}`);
  return `r${m[1]}`;
}

export function describe(v: RV): string {
  switch (v.k) {
    case 'num':
      return `the number ${v.v}`;
    case 'va':
      return `the address ${v.n}`;
    case 'pte':
      return `PTE(${v.n})`;
    case 'pa':
      return `PA(${v.n})`;
    case 'desc':
      return 'a descriptor';
    case 'pageno':
      return `the page number of ${v.n}`;
    case 'loaded':
      return `a loaded value (${v.reg})`;
    case 'cmp':
      return 'a comparison result';
  }
}

export const ALU = new Set(['LSR', 'LSL', 'ADD', 'SUB', 'EOR', 'AND', 'ORR', 'BIC']);

export function depOf(a: RV, b: RV): string[] {
  return [...new Set([...(a.dep ?? []), ...(b.dep ?? []), ...(a.k === 'loaded' ? [a.reg] : []), ...(b.k === 'loaded' ? [b.reg] : [])])];
}

/** The value known now, or null when it depends on a loaded value the machine computes at run time. */
export function alu(mn: string, a: RV, b: RV, sameReg: boolean, ins: LitInstr): RV | null {
  const dep = depOf(a, b);
  const r = aluValue(mn, a, b, sameReg, ins);
  if (!r) return null;
  return dep.length ? { ...r, dep } : r;
}

/**
 * Whether a run-time ALU result is a descriptor, and a check that the
 * machine can compute it: a loaded descriptor only with a constant mask on
 * the bits it models (AND gives a number; ORR/EOR/BIC a descriptor).
 */
export function runtimeAluDesc(mn: string, a: RV, b: RV, ins: LitInstr): boolean {
  const isDesc = (v: RV) => v.k === 'loaded' && v.desc;
  if (!isDesc(a) && !isDesc(b)) return false;
  if (isDesc(b) && !isDesc(a) && (mn === 'AND' || mn === 'ORR' || mn === 'EOR')) [a, b] = [b, a];
  if (!isDesc(a) || b.k !== 'num' || !['AND', 'ORR', 'EOR', 'BIC'].includes(mn)) cannot(`${mn} on a loaded descriptor with ${describe(b)} (${ins.text})`);
  if ((BigInt(b.v) & ~DESC_BITS) !== 0n) cannot(`${mn} mask ${b.v} on a descriptor touches bits the machine does not model (${ins.text})`);
  return mn !== 'AND';
}

function aluValue(mn: string, a: RV, b: RV, sameReg: boolean, ins: LitInstr): RV | null {
  if (mn === 'EOR' && sameReg) return { k: 'num', v: 0 }; // address/data dependency idiom: always 0
  // identities keep symbolic values (addresses); a loaded value is not aliased (its register may be reloaded)
  if ((mn === 'ADD' || mn === 'ORR' || mn === 'EOR' || mn === 'SUB') && b.k === 'num' && b.v === 0 && a.k !== 'loaded') return a;
  if (mn === 'ADD' && a.k === 'num' && a.v === 0 && b.k !== 'loaded') return b;
  if (mn === 'AND' && b.k === 'num' && b.v === 0) return { k: 'num', v: 0 };
  if (mn === 'LSR' && a.k === 'va' && b.k === 'num' && b.v === 12) return { k: 'pageno', n: a.n };
  if (a.k === 'num' && b.k === 'num') return { k: 'num', v: aluApply(mn.toLowerCase() as AluOp, a.v, b.v) as number };
  if (a.k === 'loaded' || b.k === 'loaded') return null;
  return cannot(`${mn} on ${describe(a)} (register arithmetic: ${ins.text})`);
}

/** When a branch is taken: CBZ/CBNZ (operands [reg, 0]) or B.EQ/B.NE after CMP; B always. */
export function branchCond(mn: string, flags: [RV, RV] | null, ins: LitInstr): Guard {
  if (mn === 'B') return TRUE;
  const eq = mn === 'CBZ' || mn === 'B.EQ';
  if (!eq && mn !== 'CBNZ' && mn !== 'B.NE') cannot(`branch ${mn}`);
  if (!flags) cannot(`${mn} without CMP (${ins.text})`);
  let [a, b] = flags;
  if (b.k === 'loaded' && a.k !== 'loaded') [a, b] = [b, a];
  if (a.k === 'num' && b.k === 'num') return { k: 'const', v: (a.v === b.v) === eq };
  if (a.k === 'loaded' && b.k === 'loaded') return { k: 'same', reg: a.reg, other: b.reg, eq };
  if (a.k !== 'loaded' || (b.k !== 'num' && b.k !== 'desc')) cannot(`branch on ${describe(a)} against ${describe(b)} (${ins.text})`);
  const value: CondValue = b.k === 'num' ? { kind: 'num', value: b.v } : { kind: 'desc', desc: b.d };
  return { k: 'atom', reg: a.reg, value, eq };
}

export function cset(flags: [RV, RV], cc: string, ins: LitInstr): RV {
  if (cc !== 'EQ' && cc !== 'NE') cannot(`CSET ${cc}`);
  let [a, b] = flags;
  if (b.k === 'loaded' && a.k !== 'loaded') [a, b] = [b, a];
  if (a.k !== 'loaded' || b.k === 'loaded' || b.k === 'cmp') cannot(`CMP of ${describe(a)} with ${describe(b)} (${ins.text})`);
  let value: CondValue;
  if (b.k === 'num') value = { kind: 'num', value: b.v };
  else if (b.k === 'desc') value = { kind: 'desc', desc: b.d };
  else cannot(`CMP with ${describe(b)}`);
  return { k: 'cmp', reg: a.reg, gen: a.gen, value, eq: cc === 'EQ' };
}

export function staticEq(rv: RV, want: LitValue): boolean {
  if (want.k === 'num') return rv.k === 'num' && rv.v === want.v;
  if (want.k === 'var') return rv.k === 'va' && rv.n === want.name;
  if (want.k === 'pte') return rv.k === 'pte' && rv.n === want.name;
  return cannot(`register compared with ${want.k} it never loads`);
}
