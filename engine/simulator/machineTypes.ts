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

/**
 * Hardware-managed descriptor state: the access flag (AF, default 1), the
 * dirty state (DB, default 1: writable) and dirty-bit modifier (DBM, default
 * 0). Encoded between page and kind only when not the default, so plain
 * descriptors keep their `V:page:k` form.
 */
export interface DescFlags {
  af?: boolean;
  db?: boolean;
  dbm?: boolean;
}

export function encDesc(valid: boolean, page: string | null, user: boolean, f: DescFlags = {}): DescStr {
  const flags = `${f.af === false ? ':a0' : ''}${f.db === false ? ':d0' : ''}${f.dbm ? ':m1' : ''}`;
  return `${valid ? 'V' : 'I'}:${page ?? '-'}${flags}:${user ? 'u' : 'k'}`;
}

export function decDesc(d: DescStr): { valid: boolean; page: string | null; user: boolean; af: boolean; db: boolean; dbm: boolean } {
  const parts = d.split(':');
  const mid = parts.slice(2, -1);
  return {
    valid: parts[0] === 'V',
    page: parts[1] === '-' ? null : parts[1],
    user: parts[parts.length - 1] === 'u',
    af: !mid.includes('a0'),
    db: !mid.includes('d0'),
    dbm: mid.includes('m1'),
  };
}

/** The descriptor with some hardware-managed fields changed. */
export function withFlags(d: DescStr, f: DescFlags): DescStr {
  const x = decDesc(d);
  return encDesc(x.valid, x.page, x.user, { af: f.af ?? x.af, db: f.db ?? x.db, dbm: f.dbm ?? x.dbm });
}

export function isValidDesc(d: DescStr | undefined): boolean {
  return typeof d === 'string' && d.startsWith('V:');
}

export function showDesc(d: DescStr): string {
  const x = decDesc(d);
  const parts: string[] = [];
  if (x.page) parts.push(x.page);
  if (x.user) parts.push('user');
  if (!x.af) parts.push('af:0');
  if (!x.db) parts.push('db:0');
  if (x.dbm) parts.push('dbm:1');
  const head = x.valid ? 'valid' : 'invalid';
  return parts.length ? `${head}(${parts.join(', ')})` : head;
}

export function showVal(v: Val): string {
  return typeof v === 'number' ? String(v) : showDesc(v);
}

export type MOp =
  | { k: 'st_desc'; entry: string; val: DescStr }
  /** `spec`: a load satisfied early under a guard not yet known (it does not fault; machine.ts) */
  | { k: 'ld_desc'; entry: string; dest: string; spec?: true }
  /** `why`: what computed it (a deferred write when absent) */
  | { k: 'set_reg'; dest: string; val: Val; why?: string }
  /** `overtook`: satisfied early past an earlier load still to run (it cannot take a translation fault yet; machine.ts) */
  | { k: 'ld'; va: string; dest: string; spec?: true; overtook?: true }
  | { k: 'st'; va: string; val: number }
  | { k: 'dsb'; dom: 'full' | 'st' | 'ld' }
  | { k: 'dmb'; dom: 'full' | 'st' | 'ld' }
  /** atomic read-modify-write of an entry (`onEntry`) or of data through the VA */
  /** `rel`: a release atomic (the CPU's earlier explicit stores become visible first, unless it faults) */
  | { k: 'rmw'; op: RmwOp; onEntry: boolean; va: string; a: Val; b?: Val; dest?: string; rel?: true }
  | { k: 'isb' }
  | { k: 'ctxsync'; why: string }
  | { k: 'tlbi'; va: string | null; bc: boolean }
  | { k: 'error'; msg: string };

export type RmwOp = 'swp' | 'cas' | 'add' | 'clr' | 'set';

/** Descriptor bits an atomic mask may name (bit 0: valid, bit 10: access flag). */
export const DESC_MASK_BITS = 1 | 1024;

/** The new value of an atomic update, or null when a CAS fails. */
export function rmwApply(op: RmwOp, old: Val, a: Val, b?: Val): Val | null {
  switch (op) {
    case 'swp':
      return a;
    case 'cas':
      return old === a ? (b as Val) : null;
    case 'add':
      return typeof old === 'number' && typeof a === 'number' ? old + a : old;
    case 'clr':
    case 'set': {
      const mask = typeof a === 'number' ? a : 0;
      if (typeof old === 'number') return op === 'clr' ? old & ~mask : old | mask;
      const x = decDesc(old);
      const on = op === 'set';
      const valid = mask & 1 ? on : x.valid;
      const af = mask & 1024 ? on : x.af;
      return encDesc(valid, x.page, x.user, { af, db: x.db, dbm: x.dbm });
    }
  }
}

export interface SbEntry {
  loc: string; // 'e:NAME' for an entry, 'p:NAME' for a data page
  val: Val;
  /** The VA a data store was translated through (a TLBI of it waits for the store). */
  va?: string;
  /**
   * A hardware update of the entry (set AF, or AF and DB): made visible as
   * a read-modify-write of the entry's value at that time; ordered with
   * the CPU's later accesses only by a DSB, not by a DMB.
   */
  hw?: 'af' | 'afdb';
}

export interface CpuState {
  /** Index of the next program instruction. */
  pc: number;
  /** Indices after pc of loads already satisfied early (out of program order). */
  early: number[];
  /** Machine ops still to run for the current kernel step. */
  queue: MOp[];
  /** Fault tag of the current step: label or '#line'. */
  tag: string;
  regs: Record<string, Val>;
  sb: SbEntry[];
  tlb: Record<string, DescStr>;
  pipe: Record<string, DescStr>;
  /** `scope` (TLBI ALL, broadcast): the entries whose early translations it drops on the other CPUs */
  ptlbi: { va: string | null; bc: boolean; scope?: string[] }[];
  /** Kernel model variables (task-local), in the model's variable order. */
  kv: Record<string, number>;
  irq: number;
  deferred: { entry: string; val: DescStr }[];
  dtlbi: string[];
  /**
   * VAs whose early translation (pipeline) already made the hardware
   * update of the store that will use it: that store must go through it
   * (a path where the translation is dropped instead ends; machine.ts).
   */
  pipeHw: string[];
  /**
   * Index of the instruction whose ops are queued (-1: none); after pc
   * when it was performed early (out of program order).
   */
  qIdx: number;
  /**
   * Where the program stops (-1: its end): an instruction performed early
   * took a fatal fault, the instructions before it still run (precise fault).
   */
  halt: number;
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
      early: c.early,
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
      pipeHw: c.pipeHw,
      qIdx: c.qIdx,
      halt: c.halt,
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
      c.early,
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
      c.pipeHw,
      c.qIdx,
      c.halt,
    ]),
    s.faults,
    s.errors,
  ]);
}
