/**
 * A scenario written as a herd7 AArch64 VMSA litmus test, under one kernel
 * model: each CPU's kernel-level steps are lowered in program order (every
 * optional step taken, interrupt entry/return as ISB) into the machine's
 * operations, which map one-to-one to instructions. Pages become herd
 * variables; an entry `x` mapping page `p` is `[PTE(x)]=(oa:PA(p))`. What
 * has no herd counterpart is said in the file's comment.
 */
import { compileModel, compileScenario, lowerStep } from '../kernel';
import { initialState } from '../machine';
import { decDesc, DescStr, MOp, Val } from '../machineTypes';
import { KernelModel } from '../modelTypes';
import { Cond, DescLit, Scenario } from '../types';

export interface LitmusExport {
  text: string;
  /** Approximations made (also in the file's comment). */
  notes: string[];
}

const DMB_DSB: Record<string, string> = { full: 'ISH', st: 'ISHST', ld: 'ISHLD' };

function descText(d: { valid: boolean; page: string | null; af?: boolean; db?: boolean; dbm?: boolean }): string {
  const f: string[] = [];
  if (d.page) f.push(`oa:PA(${d.page})`);
  if (!d.valid) f.push('valid:0');
  if (d.af === false) f.push('af:0');
  if (d.db === false) f.push('db:0');
  if (d.dbm) f.push('dbm:1');
  return `(${f.join(', ') || 'valid:1'})`;
}

function litDesc(d: DescLit): string {
  return descText(d);
}

export function scenarioToLitmus(sc: Scenario, model: KernelModel): LitmusExport {
  const notes: string[] = [];
  const cm = compileModel(model);
  const cs = compileScenario(sc);
  const s = initialState(cs, cm);
  const name = sc.name.replace(/[^A-Za-z0-9_.+-]+/g, '_') || 'lazymmu';
  const inits: string[] = [];
  for (const e of sc.entries) inits.push(`[PTE(${e.name})]=${descText({ ...e.init })};`);
  for (const p of sc.pages) inits.push(`${p.name}=${p.value};`);
  if (sc.entries.some((e) => e.init.user)) notes.push('user (EL0) mappings are written as kernel ones');
  const cols: string[][] = [];
  sc.cpus.forEach((_, i) => {
    const c = s.cpus[i];
    const lines: string[] = [];
    const regInit = new Map<string, string>(); // init value -> register
    let next = 20;
    const reg = (val: string) => {
      if (!regInit.has(val)) {
        const r = `X${next++}`;
        regInit.set(val, r);
        inits.push(`${i}:${r}=${val};`);
      }
      return regInit.get(val)!;
    };
    const rn = (r: string) => `X${r.replace(/^r/, '')}`;
    const valueReg = (v: Val | string, isDesc: boolean): string => {
      if (typeof v === 'number') {
        lines.push(`MOV W9,#${v}`);
        return 'W9';
      }
      if (isDesc) {
        const x = decDesc(v as DescStr);
        return reg(descText(x));
      }
      return rn(v);
    };
    let pendingLabel: string | undefined;
    const emitOps = (ops: MOp[], label: string | undefined) => {
      for (const m of ops) {
        const lab = label && (m.k === 'ld' || m.k === 'st' || m.k === 'rmw') ? label : undefined;
        const pre = lab ? `${lab}: ` : '';
        if (lab) label = undefined;
        switch (m.k) {
          case 'st_desc':
            lines.push(`STR ${valueReg(m.val, true)},[${reg(`PTE(${m.entry})`)}]`);
            break;
          case 'ld_desc':
            lines.push(`LDR ${rn(m.dest)},[${reg(`PTE(${m.entry})`)}]`);
            break;
          case 'ld':
            lines.push(`${pre}LDR W${m.dest.replace(/^r/, '')},[${reg(m.va)}]`);
            break;
          case 'st':
            lines.push(`${pre}STR ${valueReg(m.val, false)},[${reg(m.va)}]`);
            break;
          case 'set_reg':
            if (typeof m.val === 'number') lines.push(`MOV ${rn(m.dest)},#${m.val}`);
            else lines.push(`MOV ${rn(m.dest)},${reg(descText(decDesc(m.val)))}`);
            break;
          case 'dsb':
            lines.push(m.dom === 'full' ? 'DSB ISH' : m.dom === 'st' ? 'DSB ISHST' : 'DSB ISHLD');
            break;
          case 'dmb':
            lines.push(`DMB ${DMB_DSB[m.dom]}`);
            break;
          case 'isb':
            lines.push('ISB');
            break;
          case 'ctxsync':
            lines.push('ISB');
            if (!notes.includes('exception entry/return written as ISB')) notes.push('exception entry/return written as ISB');
            break;
          case 'tlbi':
            if (m.va === null) lines.push(m.bc ? 'TLBI VMALLE1IS' : 'TLBI VMALLE1');
            else {
              lines.push(`LSR X9,${reg(m.va)},#12`);
              lines.push(`TLBI ${m.bc ? 'VAAE1IS' : 'VAAE1'},X9`);
            }
            break;
          case 'rmw': {
            const addr = m.onEntry ? reg(`PTE(${m.va})`) : reg(m.va);
            const dest = m.dest ? rn(m.dest) : 'XZR';
            const a = valueReg(m.a, m.onEntry && m.op !== 'clr' && m.op !== 'set');
            if (m.op === 'cas') {
              lines.push(`MOV ${dest === 'XZR' ? 'X8' : dest},${a}`);
              lines.push(`${pre}CAS ${dest === 'XZR' ? 'X8' : dest},${valueReg(m.b!, m.onEntry)},[${addr}]`);
            } else lines.push(`${pre}${{ swp: 'SWP', add: 'LDADD', clr: 'LDCLR', set: 'LDSET' }[m.op]} ${a},${dest},[${addr}]`);
            break;
          }
          case 'error':
            notes.push(`P${i}: the model reports an error here (${m.msg}); not written`);
            break;
        }
      }
      pendingLabel = label;
    };
    for (const ins of cs.programs[i]) {
      if (ins.k === 'op') {
        if (ins.step.optional && !notes.includes('optional steps are taken')) notes.push('optional steps are taken');
        emitOps(lowerStep(cm, cs, s, c, ins.step), ins.step.label);
      } else if (ins.k === 'irq_enter') {
        c.irq++;
        emitOps([{ k: 'ctxsync', why: 'exception entry' }], undefined);
      } else {
        c.irq--;
        emitOps([{ k: 'ctxsync', why: 'exception return' }], undefined);
      }
    }
    if (pendingLabel) lines.push(`${pendingLabel}:`);
    cols.push(lines);
  });
  const width = cols.map((col, i) => Math.max(`P${i}`.length, ...col.map((l) => l.length)));
  const rows: string[] = [];
  rows.push(' ' + cols.map((_, i) => `P${i}`.padEnd(width[i])).join(' | ') + ' ;');
  const n = Math.max(0, ...cols.map((c) => c.length));
  for (let r = 0; r < n; r++) rows.push(' ' + cols.map((c, i) => (c[r] ?? '').padEnd(width[i])).join(' | ') + ' ;');
  const cond = sc.condition ? condText(sc.condition, sc) : 'true';
  const comment = [
    `Written by lazymmu from the scenario "${sc.name}" under the kernel model ${model.name}.`,
    'Pages are herd variables; entry x mapping page p is [PTE(x)]=(oa:PA(p)).',
    'herd7 faults are fatal: a CPU stops at its first fault (the kernel model carries on after a fixup).',
    ...notes,
  ];
  const text = [
    `AArch64 ${name}`,
    `(* ${comment.join('\n   ')} *)`,
    '{',
    ...inits.map((l) => ' ' + l),
    '}',
    ...rows,
    `${sc.quantifier} (${cond})`,
    '',
  ].join('\n');
  return { text, notes };
}

function condText(c: Cond, sc: Scenario): string {
  switch (c.kind) {
    case 'true':
      return 'true';
    case 'and':
      return `(${condText(c.left, sc)} /\\ ${condText(c.right, sc)})`;
    case 'or':
      return `(${condText(c.left, sc)} \\/ ${condText(c.right, sc)})`;
    case 'not':
      return `~${condText(c.inner, sc)}`;
    case 'error':
      return 'true';
    case 'fault': {
      const isEntry = sc.entries.some((e) => e.name === c.target);
      const va = isEntry ? c.target : vaOfLabel(sc, c.target) ?? c.target;
      const kind = c.faultKind ? `,MMU:${c.faultKind}` : '';
      return isEntry || c.cpu === undefined ? `fault(P${c.cpu ?? 0},${va}${kind})` : `fault(P${c.cpu}:${c.target},${va}${kind})`;
    }
    case 'eq': {
      const lhs = c.lhs.kind === 'reg' ? `${c.lhs.cpu}:X${c.lhs.reg.replace(/^r/, '')}` : c.lhs.kind === 'entry' ? `PTE(${c.lhs.name})` : c.lhs.name;
      const v = c.value.kind === 'num' ? String(c.value.value) : litDesc(c.value.desc);
      return c.negate ? `~${lhs}=${v}` : `${lhs}=${v}`;
    }
  }
}

function vaOfLabel(sc: Scenario, label: string): string | undefined {
  for (const cpu of sc.cpus)
    for (const st of cpu.steps) if (st.kind === 'op' && st.label === label && st.args[0]?.kind === 'name') return st.args[0].name;
  return undefined;
}
