/**
 * The two canonical replays, built from kernel-level step lists with source
 * locations (the shape a checker finding path has).
 */
import { buildScenario, BuilderOp, BuilderStep } from './builder';
import { Diagnostic, Scenario, SourceLoc } from './types';

const WRITERS = new Set(['set_pte', 'set_pte_at', 'pte_clear']);
const READERS = new Set(['ptep_get', 'ptep_get_raw']);
const ACCESSES = new Set(['load', 'store']);

export interface RawOptions {
  name?: string;
  /** Entry name (default `src_pte`). */
  entry?: string;
  /** Value before the write (default `invalid(a, user)`: a device-exclusive, non-present entry). */
  oldValue?: string;
  /** Value written in the section (default `valid(a, user)`: restore_exclusive_pte maps the page back). */
  newValue?: string;
}

/** The copy_pte_range path of seed 001 (linux-6.12 mm/memory.c), without line numbers. */
export function defaultRawSteps(shape: 'legacy' | 'generic' = 'legacy', loc?: (fn: string) => SourceLoc | undefined): BuilderOp[] {
  const l = loc ?? (() => undefined);
  return [
    { op: shape === 'legacy' ? 'arch_enter_lazy_mmu_mode' : 'lazy_mmu_mode_enable', loc: l('copy_pte_range') },
    { op: 'set_pte_at', loc: l('restore_exclusive_pte') },
    { op: 'ptep_get', loc: l('copy_pte_range') },
    { op: shape === 'legacy' ? 'arch_leave_lazy_mmu_mode' : 'lazy_mmu_mode_disable', loc: l('copy_pte_range') },
  ];
}

/**
 * Read after write in one section: `enter; set_pte_at(E, NEW); [flush]; rN = ptep_get(E); leave`.
 * Missing arguments are filled in (writers get E and NEW, readers E and a
 * fresh register). The condition asks whether the first read after the
 * first write can return the OLD (stale) value.
 */
export function scenarioForReadAfterWrite(
  steps: BuilderOp[] = defaultRawSteps(),
  opts: RawOptions = {},
): { scenario?: Scenario; errors: Diagnostic[] } {
  const entry = opts.entry ?? 'src_pte';
  const oldV = opts.oldValue ?? 'invalid(a, user)';
  const newV = opts.newValue ?? 'valid(a, user)';
  let reg = 0;
  let wrote = false;
  let staleReg: string | null = null;
  const prog: BuilderStep[] = steps.map((s) => {
    const st: BuilderOp = { ...s, args: s.args ? [...s.args] : undefined };
    if (WRITERS.has(st.op)) {
      if (!st.args || st.args.length === 0) st.args = st.op === 'pte_clear' ? [entry] : [entry, newV];
      wrote = true;
    } else if (READERS.has(st.op)) {
      if (!st.args || st.args.length === 0) st.args = [entry];
      if (!st.dest) st.dest = `r${reg++}`;
      if (wrote && staleReg === null) staleReg = st.dest;
    } else if (ACCESSES.has(st.op) && (!st.args || st.args.length === 0)) {
      st.args = st.op === 'store' ? [entry, 1] : [entry];
      if (st.op === 'load' && !st.dest) st.dest = `r${reg++}`;
    }
    return st;
  });
  const pages = new Set<string>();
  for (const v of [oldV, newV]) {
    const m = /\(\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(v);
    if (m && m[1] !== 'user' && m[1] !== 'kernel') pages.add(m[1]);
  }
  if (pages.size === 0) pages.add('a');
  return buildScenario({
    name: opts.name ?? 'read after write in a lazy MMU section',
    pages: [...pages].map((name) => ({ name })),
    entries: [{ name: entry, init: oldV }],
    cpus: [prog],
    condition: staleReg ? `P0:${staleReg} = ${oldV}` : undefined,
  });
}

export interface NestedOptions {
  name?: string;
  /** VA (and entry) of the allocated page (default `page_va`). */
  entry?: string;
  /** Physical page (default `p`). */
  page?: string;
}

/** The seed-000 shape: an outer section allocates a page (inner section maps it), then writes to it. */
export function defaultNestedSteps(shape: 'legacy' | 'generic' = 'legacy', loc?: (fn: string) => SourceLoc | undefined): BuilderOp[] {
  const l = loc ?? (() => undefined);
  return [
    { op: shape === 'legacy' ? 'arch_enter_lazy_mmu_mode' : 'lazy_mmu_mode_enable', loc: l('zap_pte_range') },
    { op: 'alloc_page', loc: l('__tlb_batch_alloc') },
    { op: 'store', label: 'W', loc: l('write_to_page') },
    { op: shape === 'legacy' ? 'arch_leave_lazy_mmu_mode' : 'lazy_mmu_mode_disable', loc: l('zap_pte_range') },
  ];
}

/**
 * Nested section: `enter; alloc_page(E) (inner enter; set_pte(E, valid); leave); W: store(E, 1); leave`.
 * The inner section may also be written out step by step (its set_pte gets
 * `valid(PAGE)` when it has no arguments). The condition asks whether an
 * access after the allocation can fault.
 */
export function scenarioForNestedSection(
  steps: BuilderOp[] = defaultNestedSteps(),
  opts: NestedOptions = {},
): { scenario?: Scenario; errors: Diagnostic[] } {
  const entry = opts.entry ?? 'page_va';
  const page = opts.page ?? 'p';
  const labels: string[] = [];
  let allocated = false;
  let n = 0;
  const prog: BuilderStep[] = steps.map((s) => {
    const st: BuilderOp = { ...s, args: s.args ? [...s.args] : undefined };
    if (st.op === 'alloc_page') {
      if (!st.args || st.args.length === 0) st.args = [entry];
      allocated = true;
    } else if (WRITERS.has(st.op)) {
      if (!st.args || st.args.length === 0) st.args = st.op === 'pte_clear' ? [entry] : [entry, `valid(${page})`];
      allocated = true;
    } else if (ACCESSES.has(st.op)) {
      if (!st.args || st.args.length === 0) st.args = st.op === 'store' ? [entry, 1] : [entry];
      if (st.op === 'load' && !st.dest) st.dest = `r${n++}`;
      if (allocated) {
        if (!st.label) st.label = `A${labels.length}`;
        labels.push(st.label);
      }
    } else if (READERS.has(st.op)) {
      if (!st.args || st.args.length === 0) st.args = [entry];
      if (!st.dest) st.dest = `r${n++}`;
    }
    return st;
  });
  return buildScenario({
    name: opts.name ?? 'nested lazy MMU section maps a page that the outer section then touches',
    pages: [{ name: page }],
    entries: [{ name: entry, init: `invalid(${page})` }],
    cpus: [prog],
    condition: labels.length ? labels.map((l) => `fault(${l})`).join(' \\/ ') : undefined,
  });
}
