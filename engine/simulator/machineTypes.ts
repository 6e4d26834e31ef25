/**
 * The arm64 VMSA machine: state and machine operations.
 *
 * Memory holds page-table entries (descriptors) and data pages. Each CPU has
 *  - a program (kernel-level steps lowered by the kernel model into machine ops),
 *  - a store buffer: its explicit stores, visible to its own explicit loads at
 *    once but to the table walker and other CPUs only once committed; DSB ISH /
 *    DSB ISHST commit them all (stores to the same location commit in order),
 *  - a TLB caching valid translations (filled at any time from what the walker
 *    sees, evicted at any time, removed by TLBI),
 *  - a pipeline that may hold translation results (valid or not) fetched
 *    early, at any time since the last context synchronisation (ISB,
 *    exception entry/return); a broadcast TLBI, once complete, also removes
 *    them on the other CPUs,
 *  - pending TLBIs: complete at any time, and at the latest at its next DSB ISH.
 */

/** Descriptors are encoded as strings: `V:page:k`, `I:-:u`, ... */
export type DescStr = string;
export type Val = number | DescStr;

export function encDesc(valid: boolean, page: string | null, user: boolean): DescStr {
  return `${valid ? 'V' : 'I'}:${page ?? '-'}:${user ? 'u' : 'k'}`;
}

export function decDesc(d: DescStr): { valid: boolean; page: string | null; user: boolean } {
  const [v, p, u] = d.split(':');
  return { valid: v === 'V', page: p === '-' ? null : p, user: u === 'u' };
}

export function isValidDesc(d: DescStr | undefined): boolean {
  return typeof d === 'string' && d.startsWith('V:');
}

export function showDesc(d: DescStr): string {
  const x = decDesc(d);
  const parts: string[] = [];
  if (x.page) parts.push(x.page);
  if (x.user) parts.push('user');
  const head = x.valid ? 'valid' : 'invalid';
  return parts.length ? `${head}(${parts.join(', ')})` : head;
}

export function showVal(v: Val): string {
  return typeof v === 'number' ? String(v) : showDesc(v);
}

export type MOp =
  | { k: 'st_desc'; entry: string; val: DescStr }
  | { k: 'ld_desc'; entry: string; dest: string }
  | { k: 'set_reg'; dest: string; val: Val }
  | { k: 'ld'; va: string; dest: string }
  | { k: 'st'; va: string; val: number }
  | { k: 'dsb'; dom: 'full' | 'st' | 'ld' }
  | { k: 'isb' }
  | { k: 'ctxsync'; why: string }
  | { k: 'tlbi'; va: string | null; bc: boolean }
  | { k: 'error'; msg: string };

export interface SbEntry {
  loc: string; // 'e:NAME' for an entry, 'p:NAME' for a data page
  val: Val;
  /** The VA a data store was translated through (a TLBI of it waits for the store). */
  va?: string;
}

export interface CpuState {
  /** Index of the next program instruction. */
  pc: number;
  /** Machine ops still to run for the current kernel step. */
  queue: MOp[];
  /** Fault tag of the current step: label or '#line'. */
  tag: string;
  regs: Record<string, Val>;
  sb: SbEntry[];
  tlb: Record<string, DescStr>;
  pipe: Record<string, DescStr>;
  ptlbi: { va: string | null; bc: boolean }[];
  /** Kernel model variables (task-local), in the model's variable order. */
  kv: Record<string, number>;
  irq: number;
  deferred: { entry: string; val: DescStr }[];
  dtlbi: string[];
}

export interface MachineState {
  entries: Record<string, DescStr>;
  pages: Record<string, number>;
  cpus: CpuState[];
  faults: string[];
  errors: string[];
}

export function cloneState(s: MachineState): MachineState {
  return {
    entries: { ...s.entries },
    pages: { ...s.pages },
    cpus: s.cpus.map((c) => ({
      pc: c.pc,
      queue: c.queue,
      tag: c.tag,
      regs: { ...c.regs },
      sb: c.sb,
      tlb: { ...c.tlb },
      pipe: { ...c.pipe },
      ptlbi: c.ptlbi,
      kv: { ...c.kv },
      irq: c.irq,
      deferred: c.deferred,
      dtlbi: c.dtlbi,
    })),
    faults: s.faults,
    errors: s.errors,
  };
}

function sortedRec<T>(r: Record<string, T>): [string, T][] {
  return Object.keys(r)
    .sort()
    .map((k) => [k, r[k]]);
}

export function stateKey(s: MachineState): string {
  return JSON.stringify([
    s.entries,
    s.pages,
    s.cpus.map((c) => [
      c.pc,
      c.queue,
      c.tag,
      sortedRec(c.regs),
      c.sb,
      sortedRec(c.tlb),
      sortedRec(c.pipe),
      c.ptlbi,
      c.kv,
      c.irq,
      c.deferred,
      c.dtlbi,
    ]),
    s.faults,
    s.errors,
  ]);
}
