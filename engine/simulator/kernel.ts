/**
 * Lowering of scenario steps to machine ops through a kernel model (data).
 */
import { COMMON_OPS, COMMON_VARS } from '../models/common';
import { KernelModel, Rule } from './modelTypes';
import { CpuState, DescStr, encDesc, isValidDesc, MachineState, MOp, RmwOp, showVal, Val } from './machineTypes';
import { aluApply, AluOp } from './alu';
import { canonicalOp, OPS } from './ops';
import { Arg, DescLit, InterruptStep, OpStep, Scenario } from './types';
import { compileCond, evalExpr, Expr } from './modelConditions';

// ---------------------------------------------------------------- compiled model

const ACTIONS = new Set([
  'store',
  'defer_store',
  'apply_deferred',
  'defer_tlbi',
  'apply_deferred_tlbi',
  'read',
  'read_deferred',
  'access',
  'dsb',
  'isb',
  'tlbi_va',
  'tlbi_all',
  'ctxsync',
  'set',
  'inc',
  'dec',
  'call',
  'error',
]);

export interface CompiledModel {
  model: KernelModel;
  vars: Record<string, number>;
  rules: Record<string, { when: Expr | null; do: string[][] }[]>;
}

const compiledCache = new Map<KernelModel, CompiledModel>();

/** Compile (and validate) a model; throws on a malformed model (a programming error, not user input). */
export function compileModel(model: KernelModel): CompiledModel {
  const hit = compiledCache.get(model);
  if (hit) return hit;
  const vars = { ...COMMON_VARS, ...model.vars };
  const all: Record<string, Rule[]> = { ...COMMON_OPS, ...model.ops };
  const rules: CompiledModel['rules'] = {};
  for (const [op, rs] of Object.entries(all)) {
    rules[op] = rs.map((r) => {
      const acts = r.do.map((a) => a.trim().split(/\s+/));
      for (const a of acts) {
        if (!ACTIONS.has(a[0])) throw new Error(`model ${model.name}: unknown action '${a.join(' ')}' in ${op}`);
        if (a[0] === 'call' && !all[a[1]]) throw new Error(`model ${model.name}: call of unknown op '${a[1]}' in ${op}`);
        if ((a[0] === 'set' || a[0] === 'inc' || a[0] === 'dec') && !(a[1] in vars))
          throw new Error(`model ${model.name}: unknown variable '${a[1]}' in ${op}`);
      }
      return { when: r.when ? compileCond(r.when) : null, do: acts };
    });
  }
  const c = { model, vars, rules };
  compiledCache.set(model, c);
  return c;
}

// ---------------------------------------------------------------- program

export type Instr =
  | { k: 'op'; step: OpStep; skipTo?: number; vas: string[] }
  | { k: 'irq_enter'; step: InterruptStep; skipTo?: number }
  | { k: 'irq_exit'; step: InterruptStep; skipTo?: undefined };

export interface CompiledScenario {
  scenario: Scenario;
  programs: Instr[][];
  /** VAs accessed by instructions at index >= pc (per CPU, per pc). */
  remaining: string[][][];
  entryNames: string[];
  pageNames: string[];
  entryInit: Record<string, { page: string | null; user: boolean; valid: boolean }>;
}

export function compileScenario(sc: Scenario): CompiledScenario {
  const programs: Instr[][] = [];
  for (const c of sc.cpus) {
    const out: Instr[] = [];
    const flat = (steps: typeof c.steps) => {
      for (const st of steps) {
        if (st.kind === 'interrupt') {
          const enter: Instr = { k: 'irq_enter', step: st };
          out.push(enter);
          flat(st.body);
          out.push({ k: 'irq_exit', step: st });
          if (st.optional) enter.skipTo = out.length;
        } else {
          const spec = OPS[st.op];
          const vas = spec?.access && st.args[0]?.kind === 'name' ? [st.args[0].name] : [];
          const ins: Instr = { k: 'op', step: st, vas };
          out.push(ins);
          if (st.optional) ins.skipTo = out.length;
        }
      }
    };
    flat(c.steps);
    programs.push(out);
  }
  const remaining = programs.map((prog) => {
    const res: string[][] = new Array(prog.length + 1);
    let acc: string[] = [];
    res[prog.length] = acc;
    for (let i = prog.length - 1; i >= 0; i--) {
      const ins = prog[i];
      if (ins.k === 'op' && ins.vas.some((v) => !acc.includes(v))) acc = [...acc, ...ins.vas.filter((v) => !acc.includes(v))].sort();
      res[i] = acc;
    }
    return res;
  });
  const entryInit: CompiledScenario['entryInit'] = {};
  for (const e of sc.entries) entryInit[e.name] = { page: e.init.page, user: e.init.user ?? false, valid: e.init.valid };
  return {
    scenario: sc,
    programs,
    remaining,
    entryNames: sc.entries.map((e) => e.name),
    pageNames: sc.pages.map((p) => p.name),
    entryInit,
  };
}

// ---------------------------------------------------------------- lowering

interface OpCtx {
  op: string;
  entry?: string;
  value?: DescStr;
  num?: number;
  dest?: string;
  access?: 'load' | 'store';
}

/** The entry as this CPU's program would read it: deferred write, own store buffer, memory. */
export function ownView(s: MachineState, c: CpuState, entry: string, seeDeferred: boolean): DescStr {
  if (seeDeferred) {
    for (let i = c.deferred.length - 1; i >= 0; i--) if (c.deferred[i].entry === entry) return c.deferred[i].val;
  }
  for (let i = c.sb.length - 1; i >= 0; i--) if (c.sb[i].loc === 'e:' + entry) return c.sb[i].val as DescStr;
  return s.entries[entry];
}

function litToDesc(d: DescLit, entryUser: boolean): DescStr {
  return encDesc(d.valid, d.page, d.user ?? entryUser, d);
}

function argDesc(a: Arg, c: CpuState, entryUser: boolean): DescStr {
  if (a.kind === 'desc') return litToDesc(a.desc, entryUser);
  if (a.kind === 'reg') {
    const v = c.regs[a.reg];
    return typeof v === 'string' ? v : encDesc(false, null, entryUser);
  }
  return encDesc(false, null, entryUser);
}

function argNum(a: Arg, c: CpuState): number {
  if (a.kind === 'num') return a.value;
  if (a.kind === 'reg') {
    const v = c.regs[a.reg];
    return typeof v === 'number' ? v : 0;
  }
  return 0;
}

const DSB_DOM: Record<string, 'full' | 'st' | 'ld'> = { ish: 'full', sy: 'full', ishst: 'st', st: 'st', ld: 'ld', ishld: 'ld' };

/**
 * Lower one op step on CPU `c` (mutating `c.kv`, `c.irq`, `c.deferred`,
 * `c.dtlbi` of the already-cloned state) and return the machine ops.
 */
export function lowerStep(cm: CompiledModel, cs: CompiledScenario, s: MachineState, c: CpuState, st: OpStep): MOp[] {
  const spec = OPS[st.op];
  const entry = st.args[0]?.kind === 'name' ? st.args[0].name : undefined;
  const entryUser = entry ? (cs.entryInit[entry]?.user ?? false) : false;
  if (spec.level === 'arch') {
    switch (st.op) {
      case 'str_pte':
        return [{ k: 'st_desc', entry: entry!, val: argDesc(st.args[1], c, entryUser) }];
      case 'ldr_pte':
        return [{ k: 'ld_desc', entry: entry!, dest: st.dest! }];
      case 'ldr':
        return [{ k: 'ld', va: entry!, dest: st.dest! }];
      case 'str':
        return [{ k: 'st', va: entry!, val: argNum(st.args[1], c) }];
      case 'dsb':
        return [{ k: 'dsb', dom: DSB_DOM[(st.args[0] as { name: string }).name] ?? 'full' }];
      case 'dmb':
        return [{ k: 'dmb', dom: DSB_DOM[(st.args[0] as { name: string }).name] ?? 'full' }];
      case 'ldar':
        return [{ k: 'ld', va: entry!, dest: st.dest! }];
      case 'stlr':
        // release: every earlier access is observed before the store
        return [{ k: 'dmb', dom: 'full' }, { k: 'st', va: entry!, val: argNum(st.args[1], c) }];
      case 'swp':
      case 'cas':
      case 'ldadd':
      case 'ldclr':
      case 'ldset':
      case 'swp_pte':
      case 'cas_pte':
      case 'ldclr_pte':
      case 'ldset_pte': {
        const onEntry = st.op.endsWith('_pte');
        const ops: Record<string, RmwOp> = { swp: 'swp', cas: 'cas', ldadd: 'add', ldclr: 'clr', ldset: 'set' };
        const op = ops[st.op.replace(/_pte$/, '')];
        const val = (a: Arg | undefined): Val | undefined =>
          a === undefined ? undefined : onEntry && op !== 'clr' && op !== 'set' ? argDesc(a, c, entryUser) : argNum(a, c);
        const m: MOp = { k: 'rmw', op, onEntry, va: entry!, a: val(st.args[1])! };
        const b = val(st.args[2]);
        if (b !== undefined) m.b = b;
        if (st.dest) m.dest = st.dest;
        if (st.release) m.rel = true;
        return [m];
      }
      case 'alu': {
        const name = (st.args[0] as { name: string }).name as AluOp;
        const arg = (a: Arg): Val => (a.kind === 'num' ? a.value : a.kind === 'reg' ? (c.regs[a.reg] ?? 0) : 0);
        const [x, y] = [arg(st.args[1]), arg(st.args[2])];
        const v = aluApply(name, x, y);
        if (v === null) return [{ k: 'error', msg: `${name.toUpperCase()} of ${showVal(x)} and ${showVal(y)}` }];
        return [{ k: 'set_reg', dest: st.dest!, val: v, why: `${name.toUpperCase()} ${showVal(x)}, ${showVal(y)}` }];
      }
      case 'isb':
        return [{ k: 'isb' }];
      case 'eret':
        return [{ k: 'ctxsync', why: 'exception return' }];
      case 'tlbi_va':
        return [{ k: 'tlbi', va: entry!, bc: true }];
      case 'tlbi_va_local':
        return [{ k: 'tlbi', va: entry!, bc: false }];
      case 'tlbi_all':
        return [{ k: 'tlbi', va: null, bc: true }];
      case 'tlbi_all_local':
        return [{ k: 'tlbi', va: null, bc: false }];
    }
    return [{ k: 'error', msg: `no lowering for ${st.op}` }];
  }
  const op = canonicalOp(st.op);
  const ctx: OpCtx = { op, entry, dest: st.dest, access: spec.access };
  if (op === 'set_pte') ctx.value = argDesc(st.args[1], c, entryUser);
  else if (op === 'pte_clear') ctx.value = encDesc(false, null, entryUser);
  else if (op === 'alloc_page') {
    ctx.value =
      st.args.length > 1
        ? argDesc(st.args[1], c, entryUser)
        : encDesc(true, cs.entryInit[entry!]?.page ?? null, entryUser);
  } else if (op === 'store') ctx.num = argNum(st.args[1], c);
  const out: MOp[] = [];
  runOp(cm, s, c, op, ctx, out, 0);
  return out;
}

function runOp(cm: CompiledModel, s: MachineState, c: CpuState, op: string, ctx: OpCtx, out: MOp[], depth: number) {
  if (depth > 16) {
    out.push({ k: 'error', msg: `model ${cm.model.name}: call depth exceeded in ${op}` });
    return;
  }
  const rules = cm.rules[op];
  if (!rules) {
    out.push({ k: 'error', msg: `model ${cm.model.name} has no rule for ${op}` });
    return;
  }
  const env = (name: string): number => {
    switch (name) {
      case 'irq':
        return c.irq > 0 ? 1 : 0;
      case 'new_valid':
        return ctx.value !== undefined && isValidDesc(ctx.value) ? 1 : 0;
      case 'new_kernel':
        return ctx.value !== undefined && !ctx.value.endsWith(':u') ? 1 : 0;
      case 'new_user':
        return ctx.value !== undefined && ctx.value.endsWith(':u') ? 1 : 0;
      case 'old_valid':
        return ctx.entry !== undefined && isValidDesc(ownView(s, c, ctx.entry, true)) ? 1 : 0;
    }
    return c.kv[name] ?? 0;
  };
  const rule = rules.find((r) => !r.when || evalExpr(r.when, env));
  if (!rule) return;
  for (const a of rule.do) {
    switch (a[0]) {
      case 'store':
        if (ctx.entry && ctx.value) out.push({ k: 'st_desc', entry: ctx.entry, val: ctx.value });
        break;
      case 'defer_store':
        if (ctx.entry && ctx.value) c.deferred = [...c.deferred, { entry: ctx.entry, val: ctx.value }];
        break;
      case 'apply_deferred':
        for (const d of c.deferred) out.push({ k: 'st_desc', entry: d.entry, val: d.val });
        c.deferred = [];
        break;
      case 'defer_tlbi':
        if (ctx.entry && !c.dtlbi.includes(ctx.entry)) c.dtlbi = [...c.dtlbi, ctx.entry];
        break;
      case 'apply_deferred_tlbi':
        if (c.dtlbi.length) {
          for (const va of c.dtlbi) out.push({ k: 'tlbi', va, bc: true });
          out.push({ k: 'dsb', dom: 'full' }, { k: 'isb' });
          c.dtlbi = [];
        }
        break;
      case 'read':
      case 'read_deferred':
        if (ctx.entry && ctx.dest) {
          if (a[0] === 'read_deferred') {
            const d = [...c.deferred].reverse().find((x) => x.entry === ctx.entry);
            if (d) {
              out.push({ k: 'set_reg', dest: ctx.dest, val: d.val });
              break;
            }
          }
          out.push({ k: 'ld_desc', entry: ctx.entry, dest: ctx.dest });
        }
        break;
      case 'access':
        if (ctx.entry && ctx.access === 'load' && ctx.dest) out.push({ k: 'ld', va: ctx.entry, dest: ctx.dest });
        else if (ctx.entry && ctx.access === 'store') out.push({ k: 'st', va: ctx.entry, val: ctx.num ?? 0 });
        break;
      case 'dsb':
        out.push({ k: 'dsb', dom: DSB_DOM[a[1]] ?? 'full' });
        break;
      case 'isb':
        out.push({ k: 'isb' });
        break;
      case 'tlbi_va':
        if (ctx.entry) out.push({ k: 'tlbi', va: ctx.entry, bc: true });
        break;
      case 'tlbi_all':
        out.push({ k: 'tlbi', va: null, bc: true });
        break;
      case 'ctxsync':
        out.push({ k: 'ctxsync', why: 'return to the task' });
        break;
      case 'set':
        c.kv = { ...c.kv, [a[1]]: Number(a[2] ?? 0) };
        break;
      case 'inc':
        c.kv = { ...c.kv, [a[1]]: (c.kv[a[1]] ?? 0) + 1 };
        break;
      case 'dec':
        c.kv = { ...c.kv, [a[1]]: (c.kv[a[1]] ?? 0) - 1 };
        break;
      case 'call':
        runOp(cm, s, c, a[1], ctx, out, depth + 1);
        break;
      case 'error':
        out.push({ k: 'error', msg: a.slice(1).join(' ') });
        break;
    }
  }
}

export function initialKernelVars(cm: CompiledModel): Record<string, number> {
  return { ...cm.vars };
}

export type { Val };
