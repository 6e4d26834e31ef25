/**
 * Comparison architectures, run on the same machine. Their own hardware is
 * not modelled; what matters is *when* a PTE write becomes effective for
 * readers of the entry and for translations. Outside a section every write
 * takes effect at once (store, dsb ish, isb).
 */
import { KernelModel } from '../simulator/modelTypes';
import { flushOnContextSwitch, GENERIC_LAYER_OPS } from './common';

/**
 * x86 Xen PV (arch/x86/xen/mmu_pv.c, enlighten_pv.c; v6.1-v6.12): in lazy
 * MMU mode (xen_enter_lazy_mmu -> enter_lazy(XEN_LAZY_MMU)) PTE updates are
 * batched multicalls (xen_mc_*) that the hypervisor applies at
 * xen_flush_lazy_mmu / xen_leave_lazy_mmu (xen_mc_flush). Until then the
 * guest's page table still holds the old value: a read through the PTE
 * pointer and a translation of the VA both see it. xen_get_lazy_mode() is
 * "none" in interrupt context, so writes there are immediate. A context
 * switch out of a lazy task leaves the mode (flushing) and re-enters it on
 * the way back (xen_start/end_context_switch).
 */
export const x86XenPv: KernelModel = {
  name: 'x86-xen-pv',
  summary: 'Xen PV: PTE writes are queued hypercalls until flush/leave; readers see the old entry',
  cites: [
    'arch/x86/xen/mmu_pv.c: xen_set_pte/xen_set_pte_at queue an mmu_update multicall when the lazy mode is XEN_LAZY_MMU',
    'arch/x86/xen/mmu_pv.c: xen_enter_lazy_mmu / xen_leave_lazy_mmu (xen_mc_flush) / xen_flush_lazy_mmu',
    'arch/x86/xen/enlighten_pv.c: xen_start_context_switch leaves lazy MMU mode, xen_end_context_switch re-enters it',
    'include/linux/pgtable.h comment on the API: reads through a PTE pointer after a write in the mode are not guaranteed up to date on a direct-mode hypervisor',
  ],
  vars: { lazy: 0 },
  ops: {
    arch_enter_lazy_mmu_mode: [{ when: 'irq', do: [] }, { do: ['set lazy 1'] }],
    arch_flush_lazy_mmu_mode: [{ when: 'lazy && !irq', do: ['apply_deferred', 'dsb ish', 'isb'] }, { do: [] }],
    arch_leave_lazy_mmu_mode: [{ when: 'irq', do: [] }, { do: ['apply_deferred', 'dsb ish', 'isb', 'set lazy 0'] }],
    set_pte: [{ when: 'lazy && !irq', do: ['defer_store'] }, { do: ['store', 'dsb ish', 'isb'] }],
    preempt: flushOnContextSwitch('lazy'),
    might_sleep: flushOnContextSwitch('lazy'),
  },
};

/**
 * s390 with the per-CPU PTE cache of the 2026 lazy MMU series (ranged enable
 * lazy_mmu_mode_enable_for_pte_range(mm, addr, end, ptep), paired with
 * lazy_mmu_mode_disable()). While a ranged section is active, PTE writes go
 * to a per-CPU cache; the physical entry keeps its old value until flush or
 * the last disable. The arch accessor ptep_get() consults the cache; a reader
 * that bypasses it (READ_ONCE(*ptep), modelled by ptep_get_raw) and the
 * hardware translation see the old physical entry. Built on the generic
 * nesting layer (enable_count / pause_count). Assumption: a context switch
 * flushes the cache (the cache is per CPU).
 */
export const s390: KernelModel = {
  name: 's390',
  summary: 's390 per-CPU PTE cache: writes cached until flush; cache-bypassing readers see the old entry',
  cites: [
    's390 lazy MMU series (2026): lazy_mmu_mode_enable_for_pte_range() sets up a per-CPU PTE cache for the range',
    'include/linux/pgtable.h (nesting series): enable_count / pause_count semantics, no-ops in interrupt',
    'project domain brief section 2.1: a reader that bypasses the cache sees the old physical entry until flush',
  ],
  vars: { enable_count: 0, pause_count: 0, cache_active: 0 },
  ops: {
    ...GENERIC_LAYER_OPS,
    lazy_mmu_mode_enable_for_pte_range: [
      { when: 'irq || pause_count > 0', do: [] },
      { when: 'enable_count == 0', do: ['inc enable_count', 'set cache_active 1'] },
      { do: ['inc enable_count'] },
    ],
    arch_enter_lazy_mmu_mode: [{ do: [] }],
    arch_flush_lazy_mmu_mode: [{ do: ['apply_deferred', 'dsb ish', 'isb'] }],
    arch_leave_lazy_mmu_mode: [{ do: ['apply_deferred', 'dsb ish', 'isb', 'set cache_active 0'] }],
    set_pte: [
      { when: 'cache_active && enable_count > 0 && pause_count == 0 && !irq', do: ['defer_store'] },
      { do: ['store', 'dsb ish', 'isb'] },
    ],
    ptep_get: [{ do: ['read_deferred'] }],
    ptep_get_raw: [{ do: ['read'] }],
    alloc_page: [{ do: ['call lazy_mmu_mode_enable', 'call set_pte', 'call lazy_mmu_mode_disable'] }],
    preempt: flushOnContextSwitch('cache_active'),
    might_sleep: flushOnContextSwitch('cache_active'),
  },
};

/**
 * The batch both powerpc hash and sparc64 keep (their models differ only in
 * what they cite): the entry is written at once, the live entry's flush is
 * queued while the batch is active and applied at leave or flush.
 */
const batchedFlushOps: KernelModel['ops'] = {
  arch_enter_lazy_mmu_mode: [{ when: 'irq', do: [] }, { do: ['inc preempt_off', 'set active 1'] }],
  arch_flush_lazy_mmu_mode: [{ when: 'active && !irq', do: ['apply_deferred_tlbi'] }, { do: [] }],
  arch_leave_lazy_mmu_mode: [
    { when: 'irq', do: [] },
    { when: 'active', do: ['apply_deferred_tlbi', 'set active 0', 'dec preempt_off'] },
    { do: [] },
  ],
  set_pte: [
    { when: 'active && !irq && old_valid', do: ['store', 'dsb ish', 'defer_tlbi'] },
    { when: 'old_valid', do: ['store', 'dsb ish', 'tlbi_va', 'dsb ish', 'isb'] },
    { do: ['store', 'dsb ish', 'isb'] },
  ],
};

/**
 * powerpc hash MMU (arch/powerpc/include/asm/book3s/64/tlbflush-hash.h,
 * arch/powerpc/mm/book3s64/hash_tlb.c; v6.1-v6.12): arch_enter_lazy_mmu_mode
 * disables preemption and marks the per-CPU ppc64_tlb_batch active;
 * hpte_need_flush() adds the VA of a changed live entry to the batch instead
 * of flushing the hash entry; arch_leave flushes the batch
 * (__flush_tlb_pending) and re-enables preemption. The Linux PTE itself is
 * written at once. Radix is not modelled (the hooks return early there).
 */
export const powerpcHash: KernelModel = {
  name: 'powerpc-hash',
  summary: 'powerpc hash: entry written at once, hash invalidation batched to leave/flush, preemption off',
  cites: [
    'arch/powerpc/include/asm/book3s/64/tlbflush-hash.h: arch_enter_lazy_mmu_mode() preempt_disable + batch->active = 1; arch_leave flushes pending and preempt_enable',
    'arch/powerpc/mm/book3s64/hash_tlb.c: hpte_need_flush() queues the VA while the batch is active',
  ],
  vars: { active: 0 },
  ops: batchedFlushOps,

};

/**
 * sparc64 (arch/sparc/include/asm/tlbflush_64.h, arch/sparc/mm/tlb.c;
 * v6.1-v6.12): arch_enter_lazy_mmu_mode disables preemption and activates
 * the per-CPU tlb_batch; set_pte_at -> tlb_batch_add() queues the flush of a
 * changed live entry while the batch is active; arch_leave flushes
 * (flush_tlb_pending) and re-enables preemption. The entry is written at once.
 */
export const sparc64: KernelModel = {
  name: 'sparc64',
  summary: 'sparc64: entry written at once, TLB/TSB flush batched to leave/flush, preemption off',
  cites: [
    'arch/sparc/include/asm/tlbflush_64.h: arch_enter_lazy_mmu_mode() preempt_disable + tb->active = 1',
    'arch/sparc/mm/tlb.c: tlb_batch_add() queues the address while active; arch_leave_lazy_mmu_mode() -> flush_tlb_pending(), preempt_enable()',
  ],
  vars: { active: 0 },
  ops: batchedFlushOps,

};
