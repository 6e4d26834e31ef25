/**
 * Programmatic construction of scenarios (for replays of checker findings),
 * and rendering of a Scenario back to `.lzmmu` text.
 */
import type { Guard } from './guard';
import { parseCondition, parseDescText, REG_RE } from './parser';
import { checkScenario } from './scenarioCheck';
import {
  Arg,
  Cond,
  DescLit,
  Diagnostic,
  OpStep,
  Pos,
  ProgStep,
  Quantifier,
  Scenario,
  SourceLoc,
} from './types';

export type BuilderArg = string | number | DescLit;

export interface BuilderOp {
  /** Operation name, e.g. 'set_pte_at', 'ptep_get', 'arch_enter_lazy_mmu_mode'. */
  op: string;
  args?: BuilderArg[];
  /** Result register ('r0'..) for ops that produce a value. */
  dest?: string;
  /** Registers the address depends on (address dependency). */
  deps?: string[];
  /** Registers the stored value depends on (data dependency). */
  vdeps?: string[];
  /** Runs only when this holds (a forward branch did not skip it). */
  guard?: Guard;
  /** A release atomic (`...L`): earlier stores are observed before its write, if it writes. */
  release?: boolean;
  label?: string;
  /** Explored both ways (happens / does not happen). */
  optional?: boolean;
  loc?: SourceLoc;
}

export interface BuilderInterrupt {
  interrupt: BuilderStep[];
  optional?: boolean;
  label?: string;
  loc?: SourceLoc;
}

export type BuilderStep = BuilderOp | BuilderInterrupt;

export interface ScenarioSpec {
  name?: string;
  fileName?: string;
  pages: { name: string; value?: number }[];
  /** `init` as a literal or text such as 'valid(a)' / 'invalid(a, user)'. */
  entries: { name: string; init: DescLit | string }[];
  cpus: BuilderStep[][];
  /** Final condition as text (same syntax as in files) or an AST. */
  condition?: string | Cond;
  quantifier?: Quantifier;
}

const NOPOS: Pos = { line: 0, col: 0 };

function toDesc(d: DescLit | string, errors: Diagnostic[], file: string, what: string): DescLit {
  if (typeof d !== 'string') return d;
  const r = parseDescText(d);
  if (!r) {
    errors.push({ file, line: 0, col: 0, message: `${what}: bad descriptor '${d}' (expected valid(PAGE) or invalid(...))` });
    return { valid: false, page: null };
  }
  return r;
}

function toArg(a: BuilderArg, errors: Diagnostic[], file: string): Arg {
  if (typeof a === 'number') return { kind: 'num', value: a, pos: NOPOS };
  if (typeof a !== 'string') return { kind: 'desc', desc: a, pos: NOPOS };
  if (/^(valid|invalid)\b/.test(a)) return { kind: 'desc', desc: toDesc(a, errors, file, 'argument'), pos: NOPOS };
  if (REG_RE.test(a)) return { kind: 'reg', reg: a, pos: NOPOS };
  return { kind: 'name', name: a, pos: NOPOS };
}

/**
 * Build a Scenario from kernel-level steps. Returns the same diagnostics as
 * the parser (positions are 0 since there is no text; messages name the
 * problem). Never throws.
 */
export function buildScenario(spec: ScenarioSpec): { scenario?: Scenario; errors: Diagnostic[] } {
  const file = spec.fileName ?? `<built:${spec.name ?? 'scenario'}>`;
  const errors: Diagnostic[] = [];
  try {
    let stepNo = 0;
    const conv = (st: BuilderStep): ProgStep => {
      stepNo++;
      // synthetic positions: line = running step number, so traces stay ordered
      const pos: Pos = { line: stepNo, col: 1 };
      if ('interrupt' in st) {
        return {
          kind: 'interrupt',
          body: st.interrupt.map(conv),
          label: st.label,
          optional: !!st.optional,
          loc: st.loc,
          pos,
        };
      }
      const o: OpStep = {
        kind: 'op',
        op: st.op,
        args: (st.args ?? []).map((a) => toArg(a, errors, file)),
        optional: !!st.optional,
        pos,
      };
      if (st.dest) o.dest = st.dest;
      if (st.deps?.length) o.deps = st.deps;
      if (st.vdeps?.length) o.vdeps = st.vdeps;
      if (st.guard) o.guard = st.guard;
      if (st.release) o.release = true;
      if (st.label) o.label = st.label;
      if (st.loc) o.loc = st.loc;
      return o;
    };
    const sc: Scenario = {
      name: spec.name ?? 'built scenario',
      fileName: file,
      pages: spec.pages.map((p) => ({ name: p.name, value: p.value ?? 0, pos: NOPOS })),
      entries: spec.entries.map((e) => ({ name: e.name, init: toDesc(e.init, errors, file, `entry ${e.name}`), pos: NOPOS })),
      cpus: spec.cpus.map((steps, id) => ({ id, steps: steps.map(conv), pos: NOPOS })),
      quantifier: spec.quantifier ?? 'exists',
      condition: null,
    };
    if (typeof spec.condition === 'string') {
      const r = parseCondition(spec.condition, file);
      errors.push(...r.errors);
      sc.condition = r.cond ?? null;
    } else if (spec.condition) sc.condition = spec.condition;
    if (errors.length) return { errors };
    checkScenario(sc, errors);
    return errors.length ? { errors } : { scenario: sc, errors: [] };
  } catch (e) {
    return { errors: [{ file, line: 0, col: 0, message: `internal builder error: ${(e as Error)?.message ?? String(e)}` }] };
  }
}

// ------------------------------------------------------------------ rendering

function showLit(d: DescLit): string {
  const parts: string[] = [];
  if (d.page) parts.push(d.page);
  if (d.user !== undefined) parts.push(d.user ? 'user' : 'kernel');
  if (d.af !== undefined) parts.push(d.af ? 'young' : 'old');
  if (d.db !== undefined) parts.push(d.db ? 'dirty' : 'clean');
  if (d.dbm !== undefined) parts.push(d.dbm ? 'dbm' : 'nodbm');
  return `${d.valid ? 'valid' : 'invalid'}${parts.length ? `(${parts.join(', ')})` : ''}`;
}

/** A scenario argument as the scenario language writes it (traces print steps this way too). */
export function showArg(a: Arg): string {
  switch (a.kind) {
    case 'name':
      return a.name;
    case 'num':
      return String(a.value);
    case 'reg':
      return a.reg;
    case 'desc':
      return showLit(a.desc);
  }
}

export function condToText(c: Cond): string {
  switch (c.kind) {
    case 'true':
      return 'true';
    case 'and':
      return `(${condToText(c.left)} /\\ ${condToText(c.right)})`;
    case 'or':
      return `(${condToText(c.left)} \\/ ${condToText(c.right)})`;
    case 'not':
      return `~${condToText(c.inner)}`;
    case 'error':
      return 'error';
    case 'fault':
      return `fault(${c.cpu !== undefined ? `P${c.cpu}:` : ''}${c.target}${c.faultKind ? `, ${c.faultKind}` : ''})`;
    case 'eq': {
      const lhs = c.lhs.kind === 'reg' ? `P${c.lhs.cpu}:${c.lhs.reg}` : c.lhs.name;
      const v = c.value.kind === 'num' ? String(c.value.value) : showLit(c.value.desc);
      return `${lhs} ${c.negate ? '!=' : '='} ${v}`;
    }
  }
}

/** Render a scenario as `.lzmmu` text (round-trips through parseScenario). */
export function scenarioToText(sc: Scenario): string {
  const out: string[] = [];
  out.push(`name "${sc.name.replace(/"/g, "'")}"`);
  if (sc.expect) out.push(`expect ${sc.expect}`);
  for (const p of sc.pages) out.push(`page ${p.name} = ${p.value}`);
  for (const e of sc.entries) out.push(`entry ${e.name} = ${showLit(e.init)}`);
  const steps = (list: ProgStep[], indent: string) => {
    for (const st of list) {
      const label = st.label ? `${st.label}: ` : '';
      const loc = st.loc && !/\s/.test(st.loc.file) ? `  @${st.loc.file}:${st.loc.line}` : '';
      if (st.kind === 'interrupt') {
        out.push(`${indent}${label}interrupt${st.optional ? '?' : ''}${loc} {`);
        steps(st.body, indent + '  ');
        out.push(`${indent}}`);
      } else {
        const dest = st.dest ? `${st.dest} = ` : '';
        out.push(`${indent}${label}${dest}${st.op}(${st.args.map(showArg).join(', ')})${st.optional ? '?' : ''}${loc}`);
      }
    }
  };
  for (const c of sc.cpus) {
    out.push(`cpu ${c.id} {`);
    steps(c.steps, '  ');
    out.push('}');
  }
  if (sc.condition) out.push(`${sc.quantifier} ${condToText(sc.condition)}`);
  return out.join('\n') + '\n';
}
