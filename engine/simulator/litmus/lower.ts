/**
 * Lowering of a herd7 AArch64 VMSA litmus test (syntax.ts) to the
 * simulator's scenario: every variable x becomes an entry `x` (its PTE, and
 * the VA it maps) and a data page `phy_x` (PA(x)); registers X0..X30 become
 * r0..r30. Registers that hold addresses, descriptors or constants are
 * evaluated here (the machine only sees loads, stores, barriers and TLBIs);
 * `CMP`+`CSET` on a loaded value becomes a comparison in the condition.
 *
 * A test the machine cannot run faithfully is rejected with the first reason
 * (instruction or feature): the fidelity table's "cannot express" column.
 * The registers' values: registerValues.ts; the final condition:
 * lowerCondition.ts. lowerLitmus's program loop stays one function (~200
 * lines): every instruction reads and writes the same per-CPU state
 * (registers, flags, the open forward branches).
 */
import { buildScenario, BuilderOp } from '../builder';
import { DESC_MASK_BITS } from '../machineTypes';
import { DescLit, Scenario } from '../types';
import { and, Guard, guardRegs, not, TRUE } from '../guard';
import { LitCond, LitInstr, LitLoc, LitmusTest, LitValue } from './syntax';
import { unmodelledFeature } from './unmodelled';
import { ALU, alu, branchCond, cannot, cset, depOf, descOf, describe, normReg, runtimeAluDesc, RV } from './registerValues';
import { lowerCondition } from './lowerCondition';

export { CannotExpress } from './registerValues';

const BARRIERS: Record<string, string> = { ISH: 'ish', SY: 'sy', ISHST: 'ishst', ST: 'st', LD: 'ld', ISHLD: 'ishld' };
const TLBI_BC = new Set(['VAAE1IS', 'VAE1IS', 'VALE1IS', 'VAALE1IS']);
const TLBI_LOCAL = new Set(['VAAE1', 'VAE1', 'VALE1', 'VAALE1']);
/** SWP, CAS, LDADD/LDCLR/LDSET and their ST forms, with A/L/AL and B/H suffixes. */
const ATOMIC = /^(SWP|CAS|LDADD|LDCLR|LDSET|STADD|STCLR|STSET)(AL|A|L|)(B|H|)$/;

/** `TTHM=HA HD`, `TTHM=P1:HA`: which CPUs manage the access flag / dirty state. */
function tthmOf(spec: string | undefined, cpus: number): { ha: boolean; hd: boolean }[] | undefined {
  if (!spec) return undefined;
  const out = Array.from({ length: cpus }, () => ({ ha: false, hd: false }));
  for (const w of spec.trim().split(/\s+/)) {
    const m = /^(?:P(\d+):)?(HA|HD)$/.exec(w);
    if (!m) cannot(`TTHM=${spec}`);
    for (let p = 0; p < cpus; p++) {
      if (m[1] !== undefined && Number(m[1]) !== p) continue;
      // herd7 reads HD as both (dirty-state management needs the access flag's)
      if (m[2] === 'HA') out[p].ha = true;
      else out[p].hd = out[p].ha = true;
    }
  }
  return out;
}

export interface Lowered {
  scenario: Scenario;
}

export function lowerLitmus(t: LitmusTest, fileName: string): Scenario {
  if (t.arch !== 'AArch64') cannot(`architecture ${t.arch} (only AArch64)`);
  const variant = (metaOf(t, 'Variant') ?? '').toLowerCase();
  if (variant && !['precise', 'fatal', 'vmsa'].includes(variant)) cannot(`Variant=${metaOf(t, 'Variant')}`);
  if (t.filter) cannot('filter clause');

  // --- variables: every name used as a VA, PTE or PA
  const vars = new Set<string>();
  const noteVal = (v: LitValue) => {
    if (v.k === 'var' || v.k === 'pte' || v.k === 'pa') vars.add(v.name);
    if (v.k === 'desc' && v.fields.oa) vars.add(v.fields.oa);
  };
  const noteLoc = (l: LitLoc) => {
    if (l.k !== 'reg') vars.add(l.name);
  };
  for (const i of t.init) {
    noteLoc(i.lhs);
    noteVal(i.rhs);
  }
  const walkCond = (c: LitCond) => {
    if (c.k === 'and' || c.k === 'or') {
      walkCond(c.a);
      walkCond(c.b);
    } else if (c.k === 'not') walkCond(c.a);
    else if (c.k === 'eq') {
      noteLoc(c.lhs);
      noteVal(c.rhs);
    } else if (c.k === 'fault') vars.add(c.va);
  };
  walkCond(t.cond);

  const pageVal: Record<string, number> = {};
  const entryInit: Record<string, DescLit> = {};
  const regInit: Record<string, RV>[] = t.procs.map(() => ({}));
  for (const v of vars) {
    pageVal[v] = 0;
    entryInit[v] = { valid: true, page: `phy_${v}` };
  }
  const toRV = (v: LitValue, where: string): RV => {
    switch (v.k) {
      case 'num':
        return { k: 'num', v: v.v };
      case 'var':
        return { k: 'va', n: v.name };
      case 'pte':
        return { k: 'pte', n: v.name };
      case 'pa':
        return { k: 'pa', n: v.name };
      case 'desc':
        return { k: 'desc', d: descOf(v.fields, null, where) };
    }
  };
  for (const i of t.init) {
    if (i.lhs.k === 'reg') {
      if (i.lhs.proc >= t.procs.length) cannot(`register of a processor the program lacks (${i.lhs.proc}:${i.lhs.reg})`);
      regInit[i.lhs.proc][normReg(i.lhs.reg)] = toRV(i.rhs, `${i.lhs.proc}:${i.lhs.reg}`);
    } else if (i.lhs.k === 'pte') {
      if (i.rhs.k !== 'desc') cannot(`page-table entry initialised with a non-descriptor (${i.lhs.name})`);
      entryInit[i.lhs.name] = descOf(i.rhs.fields, `phy_${i.lhs.name}`, `PTE(${i.lhs.name})`);
    } else {
      if (i.rhs.k !== 'num') cannot(`location ${i.lhs.name} initialised with a non-number`);
      pageVal[i.lhs.name] = i.rhs.v;
    }
  }

  // --- programs
  const gens: Record<string, number>[] = t.procs.map(() => ({}));
  const finalRegs: Record<string, RV>[] = [];
  const cpus: BuilderOp[][] = t.procs.map((prog, p) => {
    const regs: Record<string, RV> = { ...regInit[p] };
    const gen = gens[p];
    const out: BuilderOp[] = [];
    let flags: [RV, RV] | null = null;
    // a label alone in its cell names the next instruction of the column
    let pendingLabel: string | undefined;
    // forward branches: an instruction runs when no branch before it, still
    // short of its target, was taken (guard.ts); `taken` holds over registers
    const labelAt = new Map<string, number>();
    prog.forEach((x, k) => x.label !== undefined && labelAt.set(x.label, k));
    let active: { id: number; target: number; taken: Guard; regs: Set<string> }[] = [];
    let nextBranch = 0;
    let guardNow: Guard = TRUE;
    const get = (r: string): RV => {
      const n = normReg(r);
      if (n === 'zr') return { k: 'num', v: 0 };
      const v = regs[n] ?? { k: 'num', v: 0 };
      if (v.under?.some((id) => !active.some((b) => b.id === id))) cannot(`register ${r} set on one path of a branch and read after the paths join`);
      return v;
    };
    const setReg = (n: string, v: RV) => {
      if (n === 'zr') return;
      if (active.some((b) => b.regs.has(n))) cannot(`register ${n} written inside the block of a branch that tests it`);
      const prev = regs[n];
      // a load left undone keeps the register's old machine value: known when it was loaded or 0
      const dynamicOk = v.k === 'loaded' && (!prev || prev.k === 'loaded' || (prev.k === 'num' && prev.v === 0 && !prev.under));
      regs[n] = guardNow.k === 'const' || dynamicOk ? v : { ...v, under: active.map((b) => b.id) };
    };
    const imm = (o: string): RV => {
      const m = /^#?(-?(?:0x[0-9a-fA-F]+|\d+))$/.exec(o.trim());
      return m ? { k: 'num', v: Number(m[1]) } : get(o);
    };
    const setLoaded = (r: string, desc: boolean): string => {
      const n = normReg(r);
      gen[n] = (gen[n] ?? 0) + 1;
      setReg(n, { k: 'loaded', reg: n, gen: gen[n], desc });
      return n;
    };
    const address = (o: string, ins: LitInstr): RV => {
      const m = /^\[\s*([^\],]+)\s*(?:,\s*([^\],]+?)\s*(?:,\s*(?:SXTW|UXTW|LSL\s*#?\d+))?)?\s*\]$/i.exec(o.trim());
      if (!m) cannot(`addressing mode '${o}' (${ins.text})`);
      const base = get(m[1]);
      if (m[2] !== undefined) {
        const off = imm(m[2]);
        if (!(off.k === 'num' && off.v === 0)) cannot(`address offset that is not a known 0 (${ins.text})`);
        const dep = [...(base.dep ?? []), ...(off.dep ?? [])];
        return dep.length ? { ...base, dep } : base;
      }
      return base;
    };
    prog.forEach((ins, idx) => {
      const ops = ins.operands;
      const label = ins.label ?? pendingLabel;
      const mn = ins.mnemonic;
      if (mn === '' || mn === 'NOP') {
        pendingLabel = label;
        return;
      }
      pendingLabel = undefined;
      active = active.filter((b) => b.target > idx);
      guardNow = active.reduce((g, b) => and(g, not(b.taken)), TRUE);
      if (guardNow.k === 'const' && !guardNow.v) return; // always branched over
      const emit = (op: BuilderOp, addr?: RV) => {
        if (addr?.dep?.length) op.deps = [...new Set(addr.dep)];
        if (guardNow.k !== 'const') op.guard = guardNow;
        if (label && out.every((o) => o.label !== label)) op.label = label;
        out.push(op);
      };
      switch (true) {
        case mn === 'MOV': {
          setReg(normReg(ops[0]), imm(ops[1]));
          return;
        }
        case ALU.has(mn): {
          const a = get(ops[1]);
          const b = imm(ops[2] ?? '#0');
          const n = normReg(ops[0]);
          const r = alu(mn, a, b, ops[1] === ops[2], ins);
          if (r) setReg(n, r);
          else {
            // a value known only at run time: the machine computes it (alu.ts); dependencies carry through
            const arg = (v: RV) => (v.k === 'loaded' ? v.reg : v.k === 'num' ? v.v : cannot(`${mn} on ${describe(v)} (${ins.text})`));
            const desc = runtimeAluDesc(mn, a, b, ins);
            const args = [mn.toLowerCase(), arg(a), arg(b)];
            gen[n] = (gen[n] ?? 0) + 1;
            setReg(n, { k: 'loaded', reg: n, gen: gen[n], desc, dep: depOf(a, b) });
            emit({ op: 'alu', args, dest: n });
          }
          return;
        }
        case mn === 'CMP': {
          flags = [get(ops[0]), imm(ops[1])];
          return;
        }
        case mn === 'CSET': {
          if (!flags) cannot(`CSET without CMP (${ins.text})`);
          setReg(normReg(ops[0]), cset(flags, ops[1].toUpperCase(), ins));
          return;
        }
        case mn === 'B' || mn.startsWith('B.') || mn === 'CBZ' || mn === 'CBNZ': {
          const target = labelAt.get(ops[ops.length - 1]);
          if (target === undefined) cannot(`branch to an unknown label (${ins.text})`);
          if (target <= idx) cannot(`backward branch (a loop: ${ins.text})`);
          const cond = branchCond(mn, mn === 'CBZ' || mn === 'CBNZ' ? [get(ops[0]), { k: 'num', v: 0 }] : flags, ins);
          active.push({ id: nextBranch++, target, taken: and(guardNow, cond), regs: guardRegs(cond) });
          return;
        }
        // eslint-disable-next-line no-fallthrough
        case mn === 'LDR': {
          const a = address(ops[1], ins);
          if (a.k === 'va') emit({ op: 'ldr', args: [a.n], dest: setLoaded(ops[0], false) }, a);
          else if (a.k === 'pte') emit({ op: 'ldr_pte', args: [a.n], dest: setLoaded(ops[0], true) }, a);
          else cannot(`load from ${describe(a)} (${ins.text})`);
          return;
        }
        case mn === 'STR': {
          const a = address(ops[1], ins);
          const v = get(ops[0]);
          if (a.k === 'va') {
            const vdeps = v.dep?.length ? { vdeps: v.dep } : {};
            if (v.k === 'num') emit({ op: 'str', args: [a.n, v.v], ...vdeps }, a);
            else if (v.k === 'loaded' && !v.desc) emit({ op: 'str', args: [a.n, v.reg], ...vdeps }, a);
            else cannot(`store of ${describe(v)} to data (${ins.text})`);
          } else if (a.k === 'pte') {
            if (v.k === 'desc') emit({ op: 'str_pte', args: [a.n, v.d] });
            else if (v.k === 'num' && v.v === 0) emit({ op: 'str_pte', args: [a.n, { valid: false, page: null }] });
            else if (v.k === 'loaded' && v.desc) emit({ op: 'str_pte', args: [a.n, v.reg] });
            else cannot(`store of ${describe(v)} to a page-table entry (${ins.text})`);
          } else cannot(`store to ${describe(a)} (${ins.text})`);
          return;
        }
        case mn === 'DSB': {
          const d = BARRIERS[(ops[0] ?? 'SY').toUpperCase()];
          if (!d) cannot(`DSB ${ops[0]}`);
          emit({ op: 'dsb', args: [d] });
          return;
        }
        case mn === 'ISB':
          emit({ op: 'isb' });
          return;
        case mn === 'TLBI': {
          const kind = (ops[0] ?? '').toUpperCase();
          if (kind === 'VMALLE1IS' || kind === 'ALLE1IS') return emit({ op: 'tlbi_all' });
          if (kind === 'VMALLE1' || kind === 'ALLE1') return emit({ op: 'tlbi_all_local' });
          if (!TLBI_BC.has(kind) && !TLBI_LOCAL.has(kind)) cannot(`TLBI ${kind}`);
          const r = get(ops[1] ?? 'xzr');
          if (r.k !== 'pageno') cannot(`TLBI ${kind} on ${describe(r)} (expected a VA >> 12)`);
          emit({ op: TLBI_BC.has(kind) ? 'tlbi_va' : 'tlbi_va_local', args: [r.n] });
          return;
        }
        case mn === 'DMB': {
          const d = BARRIERS[(ops[0] ?? 'SY').toUpperCase()];
          if (!d) cannot(`DMB ${ops[0]}`);
          emit({ op: 'dmb', args: [d] });
          return;
        }
        case mn === 'LDAR' || mn === 'LDAPR': {
          const a = address(ops[1], ins);
          if (a.k !== 'va') cannot(`${mn} from ${describe(a)} (${ins.text})`);
          emit({ op: 'ldar', args: [a.n], dest: setLoaded(ops[0], false) });
          return;
        }
        case mn === 'STLR': {
          const a = address(ops[1], ins);
          const v = get(ops[0]);
          if (a.k !== 'va') cannot(`${mn} to ${describe(a)} (${ins.text})`);
          if (v.k === 'num') emit({ op: 'stlr', args: [a.n, v.v] }, a);
          else if (v.k === 'loaded' && !v.desc) emit({ op: 'stlr', args: [a.n, v.reg] }, a);
          else cannot(`${mn} of ${describe(v)} (${ins.text})`);
          return;
        }
        case /^(LDA?XR|STL?XR)/.test(mn):
          cannot(`${mn}: exclusive access`);
        // eslint-disable-next-line no-fallthrough
        case ATOMIC.test(mn): {
          const am = ATOMIC.exec(mn)!;
          const [, kindRaw, acqRel, size] = am;
          if (size) cannot(`${mn}: byte/halfword atomics`);
          const isStore = kindRaw.startsWith('ST');
          const base = kindRaw.replace(/^(LD|ST)/, '') as 'SWP' | 'CAS' | 'ADD' | 'CLR' | 'SET';
          const kind = kindRaw === 'SWP' || kindRaw === 'CAS' ? kindRaw : base;
          const a = address(ops[isStore ? 1 : 2], ins);
          const src = get(ops[0]);
          const newV = kind === 'CAS' ? get(ops[1]) : src;
          const destReg = isStore ? undefined : kind === 'CAS' ? ops[0] : ops[1];
          const onEntry = a.k === 'pte';
          if (!onEntry && a.k !== 'va') cannot(`${mn} on ${describe(a)} (${ins.text})`);
          const opName = { SWP: 'swp', CAS: 'cas', ADD: 'ldadd', CLR: 'ldclr', SET: 'ldset' }[kind] + (onEntry ? '_pte' : '');
          const val = (v: RV, mask: boolean): string | number | DescLit => {
            if (mask) {
              if (v.k !== 'num') cannot(`${mn} with a mask that is ${describe(v)}`);
              if (onEntry && (v.v & ~DESC_MASK_BITS) !== 0) cannot(`${mn} mask ${v.v} on a descriptor (only valid and AF bits)`);
              return v.v;
            }
            if (onEntry) {
              if (v.k === 'desc') return v.d;
              if (v.k === 'num' && v.v === 0) return { valid: false, page: null };
              if (v.k === 'loaded' && v.desc) return v.reg;
              return cannot(`${mn} of ${describe(v)} on a page-table entry`);
            }
            if (v.k === 'num') return v.v;
            if (v.k === 'loaded' && !v.desc) return v.reg;
            return cannot(`${mn} of ${describe(v)} on data`);
          };
          const mask = kind === 'CLR' || kind === 'SET' || kind === 'ADD';
          const args: (string | number | DescLit)[] = [a.n, kind === 'CAS' ? val(src, false) : val(newV, mask)];
          if (kind === 'CAS') args.push(val(newV, false));
          const op: BuilderOp = { op: opName, args };
          if (destReg && normReg(destReg) !== 'zr') op.dest = setLoaded(destReg, onEntry);
          if (acqRel.includes('L')) op.release = true; // release: earlier stores first, when it writes
          emit(op, a);
          return;
        }
        // eslint-disable-next-line no-fallthrough
        default:
          cannot(`instruction ${mn}`);
      }
    });
    finalRegs.push(regs);
    return out;
  });

  const condition = lowerCondition(t, { cpus, finalRegs, gens });
  const built = buildScenario({
    name: t.name,
    fileName,
    pages: Object.keys(pageVal).sort().map((v) => ({ name: `phy_${v}`, value: pageVal[v] })),
    entries: Object.keys(entryInit).sort().map((v) => ({ name: v, init: entryInit[v] })),
    cpus,
    condition,
    quantifier: t.quantifier,
  });
  if (!built.scenario) cannot(`scenario rejected: ${built.errors.map((e) => e.message).join('; ')}`);
  const unmodelled = unmodelledFeature(built.scenario);
  if (unmodelled) cannot(unmodelled);
  built.scenario.onFault = 'stop';
  const hw = tthmOf(metaOf(t, 'TTHM'), t.procs.length);
  if (hw) built.scenario.hwUpdates = hw;
  return built.scenario;
}

/** A header key's value: herd7 matches keys case-insensitively (`variant=` is `Variant=`). */
function metaOf(t: LitmusTest, key: string): string | undefined {
  const k = Object.keys(t.meta).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : t.meta[k];
}
