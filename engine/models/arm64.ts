/**
 * arm64 kernel models (data). Each op lowers to machine operations of the
 * arm64 VMSA machine in engine/simulator/machine.ts.
 */
import { KernelModel } from '../simulator/modelTypes';
import { GENERIC_LAYER_OPS } from './common';

/**
 * Before arm64 had lazy MMU support (up to v6.15): set_pte() in
 * arch/arm64/include/asm/pgtable.h writes the descriptor and, when the new
 * value is a valid kernel (non-user) entry, follows it with dsb(ishst) and
 * isb() right away. The lazy hooks are the empty generic defaults.
 */
export const arm64Eager: KernelModel = {
  name: 'arm64-eager',
  summary: 'arm64 before lazy MMU support: barriers at every valid kernel PTE write',
  cites: [
    'arch/arm64/include/asm/pgtable.h (v6.15 and older), set_pte(): WRITE_ONCE of the entry, then dsb(ishst); isb() if the new entry is valid and not a user entry',
    'include/linux/pgtable.h: arch_enter/leave/flush_lazy_mmu_mode() are empty when the arch does not define them',
  ],
  vars: {},
  ops: {
    set_pte: [{ when: 'new_valid && new_kernel', do: ['store', 'dsb ishst', 'isb'] }, { do: ['store'] }],
  },
};

/**
 * arm64 v6.16 (nest tolerant): __set_pte_complete() calls queue_pte_barriers()
 * only for valid kernel entries; queue_pte_barriers() emits the barriers at
 * once in interrupt context or outside the mode, and inside the mode only
 * sets TIF_LAZY_MMU_PENDING. arch_enter sets TIF_LAZY_MMU (bails in
 * interrupt context); arch_flush emits dsb(ishst); isb() if the pending flag
 * was set (test-and-clear); arch_leave = flush + clear TIF_LAZY_MMU, so the
 * first (inner) leave of a nested section ends the mode for the rest of the
 * outer one too (commit "arm64/mm: Permit lazy_mmu_mode to be nested").
 */
export const arm64V616: KernelModel = {
  name: 'arm64-v6.16',
  summary: 'arm64 v6.16: barriers deferred with TIF_LAZY_MMU_PENDING; inner leave ends the mode (nest tolerant)',
  cites: [
    'arch/arm64/include/asm/pgtable.h (v6.16): emit_pte_barriers() is dsb(ishst); isb()',
    'arch/arm64/include/asm/pgtable.h (v6.16): __set_pte_complete() -> queue_pte_barriers() for valid kernel PTEs only',
    'queue_pte_barriers(): in_interrupt() -> emit now; TIF_LAZY_MMU set -> set TIF_LAZY_MMU_PENDING; else emit now',
    'arch_enter_lazy_mmu_mode(): return in interrupt; set TIF_LAZY_MMU',
    'arch_flush_lazy_mmu_mode(): return in interrupt; if test_and_clear TIF_LAZY_MMU_PENDING then emit_pte_barriers()',
    'arch_leave_lazy_mmu_mode(): return in interrupt; flush, then clear TIF_LAZY_MMU',
  ],
  vars: { TIF_LAZY_MMU: 0, TIF_LAZY_MMU_PENDING: 0 },
  ops: {
    arch_enter_lazy_mmu_mode: [{ when: 'irq', do: [] }, { do: ['set TIF_LAZY_MMU 1'] }],
    arch_flush_lazy_mmu_mode: [
      { when: 'irq', do: [] },
      { when: 'TIF_LAZY_MMU_PENDING', do: ['set TIF_LAZY_MMU_PENDING 0', 'dsb ishst', 'isb'] },
      { do: [] },
    ],
    arch_leave_lazy_mmu_mode: [{ when: 'irq', do: [] }, { do: ['call arch_flush_lazy_mmu_mode', 'set TIF_LAZY_MMU 0'] }],
    set_pte: [
      { when: 'new_valid && new_kernel && !irq && TIF_LAZY_MMU', do: ['store', 'set TIF_LAZY_MMU_PENDING 1'] },
      { when: 'new_valid && new_kernel', do: ['store', 'dsb ishst', 'isb'] },
      { do: ['store'] },
    ],
  },
};

/**
 * arm64 on the generic nesting layer ("Nesting support for lazy MMU mode",
 * include/linux/pgtable.h, late 2025): task-local enable_count and
 * pause_count. lazy_mmu_mode_enable(): no-op in interrupt or while paused;
 * first enable -> arch_enter, nested enable only counts.
 * lazy_mmu_mode_disable(): no-op in interrupt or while paused; nested
 * disable -> arch_flush; last disable -> arch_leave. pause -> arch_leave,
 * resume -> arch_enter. arm64 drops TIF_LAZY_MMU: queue_pte_barriers() asks
 * in_lazy_mmu_mode() (enabled, not paused, not in interrupt) and keeps
 * TIF_LAZY_MMU_PENDING; arch_enter is empty; arch_leave = arch_flush.
 */
export const arm64Generic: KernelModel = {
  name: 'arm64-generic',
  summary: 'arm64 on the generic nesting layer: nested disable flushes, last disable leaves',
  cites: [
    'include/linux/pgtable.h (nesting series): lazy_mmu_mode_enable/disable/pause/resume over enable_count / pause_count; all no-ops in interrupt',
    'nested disable -> arch_flush_lazy_mmu_mode(); last disable -> arch_leave_lazy_mmu_mode(); pause -> arch_leave; resume -> arch_enter',
    'arch/arm64/include/asm/pgtable.h (same series): queue_pte_barriers() uses in_lazy_mmu_mode(); arch_enter empty; arch_leave = arch_flush',
    'mm/memory.c apply_to_pte_range() (used by set_memory_valid under DEBUG_PAGEALLOC) uses lazy_mmu_mode_enable/disable in these trees',
  ],
  vars: { enable_count: 0, pause_count: 0, TIF_LAZY_MMU_PENDING: 0 },
  ops: {
    ...GENERIC_LAYER_OPS,
    arch_enter_lazy_mmu_mode: [{ do: [] }],
    arch_flush_lazy_mmu_mode: [
      { when: 'TIF_LAZY_MMU_PENDING', do: ['set TIF_LAZY_MMU_PENDING 0', 'dsb ishst', 'isb'] },
      { do: [] },
    ],
    arch_leave_lazy_mmu_mode: [{ do: ['call arch_flush_lazy_mmu_mode'] }],
    set_pte: [
      {
        when: 'new_valid && new_kernel && !irq && enable_count > 0 && pause_count == 0',
        do: ['store', 'set TIF_LAZY_MMU_PENDING 1'],
      },
      { when: 'new_valid && new_kernel', do: ['store', 'dsb ishst', 'isb'] },
      { do: ['store'] },
    ],
    alloc_page: [{ do: ['call lazy_mmu_mode_enable', 'call set_pte', 'call lazy_mmu_mode_disable'] }],
  },
};

/**
 * The counterexample of the June 2025 thread (seed 000): a nesting scheme in
 * which only the outermost leave flushes. The inner leave of a nested
 * section (DEBUG_PAGEALLOC mapping a freshly allocated page) is a no-op, so
 * the barriers that make the new mapping usable are still pending when the
 * outer section touches the page. Not a real kernel: a model of the bug.
 */
export const arm64NaiveNesting: KernelModel = {
  name: 'arm64-naive-nesting',
  summary: 'hypothetical arm64 nesting where the inner leave does nothing (seed-000 counterexample)',
  cites: [
    'lore thread "arm64/mm: Ensure lazy_mmu_mode never nests" (June-Aug 2025): if nesting were supported by making the inner exit a no-op, write_to_page after alloc_page would fault',
    'barrier deferral as arch/arm64/include/asm/pgtable.h v6.16 (TIF_LAZY_MMU_PENDING, emit_pte_barriers = dsb(ishst); isb())',
  ],
  vars: { depth: 0, TIF_LAZY_MMU_PENDING: 0 },
  ops: {
    arch_enter_lazy_mmu_mode: [{ when: 'irq', do: [] }, { do: ['inc depth'] }],
    arch_flush_lazy_mmu_mode: [
      { when: 'irq', do: [] },
      { when: 'TIF_LAZY_MMU_PENDING', do: ['set TIF_LAZY_MMU_PENDING 0', 'dsb ishst', 'isb'] },
      { do: [] },
    ],
    arch_leave_lazy_mmu_mode: [
      { when: 'irq', do: [] },
      { when: 'depth == 1', do: ['dec depth', 'call arch_flush_lazy_mmu_mode'] },
      { when: 'depth > 1', do: ['dec depth'] },
      { do: ['error arch_leave_lazy_mmu_mode() without a matching enter'] },
    ],
    set_pte: [
      { when: 'new_valid && new_kernel && !irq && depth > 0', do: ['store', 'set TIF_LAZY_MMU_PENDING 1'] },
      { when: 'new_valid && new_kernel', do: ['store', 'dsb ishst', 'isb'] },
      { do: ['store'] },
    ],
  },
};
