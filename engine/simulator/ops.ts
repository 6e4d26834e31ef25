/**
 * The operations a scenario step may name: kernel-level ones (lowered by the
 * selected kernel model) and architecture-level ones (executed as written).
 */

export type ArgKind =
  | 'entry' // an entry name (also names its VA)
  | 'desc' // descriptor literal or register
  | 'num' // number or register
  | 'dsb' // barrier domain: ish, ishst, sy, st, ld, ishld
  | 'aluop'; // add, sub, and, orr, eor, bic, lsl, lsr

export interface OpSpec {
  level: 'kernel' | 'arch';
  args: ArgKind[];
  /** Number of trailing args that may be left out. */
  optionalArgs?: number;
  dest: 'none' | 'required' | 'optional';
  /** Accesses through the VA named by the first argument. */
  access?: 'load' | 'store';
  /** Canonical op name the models see (aliases). */
  canonical?: string;
  doc: string;
}

export const OPS: Record<string, OpSpec> = {
  arch_enter_lazy_mmu_mode: { level: 'kernel', args: [], dest: 'none', doc: 'legacy arch hook: enter lazy MMU mode' },
  arch_leave_lazy_mmu_mode: { level: 'kernel', args: [], dest: 'none', doc: 'legacy arch hook: leave lazy MMU mode' },
  arch_flush_lazy_mmu_mode: { level: 'kernel', args: [], dest: 'none', doc: 'legacy arch hook: flush batched work' },
  lazy_mmu_mode_enable: { level: 'kernel', args: [], dest: 'none', doc: 'generic nesting layer: enable' },
  lazy_mmu_mode_disable: { level: 'kernel', args: [], dest: 'none', doc: 'generic nesting layer: disable' },
  lazy_mmu_mode_pause: { level: 'kernel', args: [], dest: 'none', doc: 'generic nesting layer: pause' },
  lazy_mmu_mode_resume: { level: 'kernel', args: [], dest: 'none', doc: 'generic nesting layer: resume' },
  lazy_mmu_mode_enable_for_pte_range: {
    level: 'kernel',
    args: ['entry'],
    optionalArgs: 1,
    dest: 'none',
    doc: 'ranged enable (s390 series); pairs with lazy_mmu_mode_disable',
  },
  set_pte: { level: 'kernel', args: ['entry', 'desc'], dest: 'none', doc: 'write a PTE (kernel semantics of the model)' },
  set_pte_at: { level: 'kernel', args: ['entry', 'desc'], dest: 'none', canonical: 'set_pte', doc: 'same as set_pte' },
  pte_clear: { level: 'kernel', args: ['entry'], dest: 'none', doc: 'write an invalid (zero) PTE' },
  ptep_get: { level: 'kernel', args: ['entry'], dest: 'required', doc: 'read the PTE through its pointer (arch accessor)' },
  ptep_get_raw: {
    level: 'kernel',
    args: ['entry'],
    dest: 'required',
    doc: 'READ_ONCE(*ptep): a read that bypasses any arch-level PTE cache',
  },
  load: { level: 'kernel', args: ['entry'], dest: 'required', access: 'load', doc: 'kernel load through the VA' },
  store: { level: 'kernel', args: ['entry', 'num'], dest: 'none', access: 'store', doc: 'kernel store through the VA' },
  alloc_page: {
    level: 'kernel',
    args: ['entry', 'desc'],
    optionalArgs: 1,
    dest: 'none',
    doc: 'page allocation under DEBUG_PAGEALLOC: maps the page valid through an inner lazy section',
  },
  preempt: { level: 'kernel', args: [], dest: 'none', doc: 'preemption: switch out and back in' },
  context_switch: { level: 'kernel', args: [], dest: 'none', canonical: 'preempt', doc: 'same as preempt' },
  might_sleep: { level: 'kernel', args: [], dest: 'none', doc: 'a point that may sleep (mutex_lock, GFP_KERNEL, ...)' },
  cond_resched: { level: 'kernel', args: [], dest: 'none', canonical: 'might_sleep', doc: 'same as might_sleep' },
  // architecture level
  str_pte: { level: 'arch', args: ['entry', 'desc'], dest: 'none', doc: 'STR of a descriptor to the entry' },
  ldr_pte: { level: 'arch', args: ['entry'], dest: 'required', doc: 'LDR of the entry (explicit read)' },
  ldr: { level: 'arch', args: ['entry'], dest: 'required', access: 'load', doc: 'LDR through the VA' },
  str: { level: 'arch', args: ['entry', 'num'], dest: 'none', access: 'store', doc: 'STR through the VA' },
  dsb: { level: 'arch', args: ['dsb'], dest: 'none', doc: 'DSB ish|ishst|sy|st|ld|ishld' },
  dmb: { level: 'arch', args: ['dsb'], dest: 'none', doc: 'DMB ish|ishst|sy|st|ld|ishld: orders explicit accesses, waits for no TLBI' },
  ldar: { level: 'arch', args: ['entry'], dest: 'required', access: 'load', doc: 'LDAR through the VA (load-acquire)' },
  stlr: { level: 'arch', args: ['entry', 'num'], dest: 'none', access: 'store', doc: 'STLR through the VA (store-release)' },
  alu: { level: 'arch', args: ['aluop', 'num', 'num'], dest: 'required', doc: 'register arithmetic: rD = alu(add|sub|and|orr|eor|bic|lsl|lsr, A, B) on numbers or a descriptor and a mask' },
  isb: { level: 'arch', args: [], dest: 'none', doc: 'ISB (context synchronisation)' },
  // atomic read-modify-writes (the old value goes to the result register, when given)
  swp: { level: 'arch', args: ['entry', 'num'], dest: 'optional', access: 'store', doc: 'SWP through the VA: store the value, return the old one' },
  cas: { level: 'arch', args: ['entry', 'num', 'num'], dest: 'optional', access: 'store', doc: 'CAS through the VA: if it holds the first value, store the second; return the old one' },
  ldadd: { level: 'arch', args: ['entry', 'num'], dest: 'optional', access: 'store', doc: 'LDADD / STADD through the VA' },
  ldclr: { level: 'arch', args: ['entry', 'num'], dest: 'optional', access: 'store', doc: 'LDCLR / STCLR through the VA (clear the mask bits)' },
  ldset: { level: 'arch', args: ['entry', 'num'], dest: 'optional', access: 'store', doc: 'LDSET / STSET through the VA (set the mask bits)' },
  swp_pte: { level: 'arch', args: ['entry', 'desc'], dest: 'optional', doc: 'SWP of a descriptor into the entry' },
  cas_pte: { level: 'arch', args: ['entry', 'desc', 'desc'], dest: 'optional', doc: 'CAS on the entry: if it holds the first descriptor, store the second (cmpxchg)' },
  ldclr_pte: { level: 'arch', args: ['entry', 'num'], dest: 'optional', doc: 'LDCLR / STCLR on the entry: mask 1 clears valid, 1024 the access flag' },
  ldset_pte: { level: 'arch', args: ['entry', 'num'], dest: 'optional', doc: 'LDSET / STSET on the entry: mask 1 sets valid, 1024 the access flag' },
  eret: { level: 'arch', args: [], dest: 'none', doc: 'exception return (context synchronising)' },
  tlbi_va: { level: 'arch', args: ['entry'], dest: 'none', doc: 'TLBI VAAE1IS (broadcast, by VA)' },
  tlbi_va_local: { level: 'arch', args: ['entry'], dest: 'none', doc: 'TLBI VAAE1 (this CPU only, by VA)' },
  tlbi_all: { level: 'arch', args: [], dest: 'none', doc: 'TLBI VMALLE1IS (broadcast, all)' },
  tlbi_all_local: { level: 'arch', args: [], dest: 'none', doc: 'TLBI VMALLE1 (this CPU only, all)' },
};

export const DSB_KINDS = ['ish', 'ishst', 'sy', 'st', 'ld', 'ishld'];

/** The canonical name of an op (resolving aliases). */
export function canonicalOp(op: string): string {
  return OPS[op]?.canonical ?? op;
}
