/**
 * Rules shared by every kernel model unless the model overrides the op.
 * Data only: see engine/simulator/modelTypes.ts for the rule language.
 */
import { Rule } from '../simulator/modelTypes';

export const COMMON_VARS: Record<string, number> = {
  // >0 while the model keeps preemption disabled (powerpc hash, sparc64 sections)
  preempt_off: 0,
};

export const COMMON_OPS: Record<string, Rule[]> = {
  // The arch hooks do nothing unless the model says so.
  arch_enter_lazy_mmu_mode: [{ do: [] }],
  arch_leave_lazy_mmu_mode: [{ do: [] }],
  arch_flush_lazy_mmu_mode: [{ do: [] }],
  // Trees without the generic nesting layer: its calls map onto the arch
  // hooks one to one (enable/resume -> enter, disable/pause -> leave).
  lazy_mmu_mode_enable: [{ do: ['call arch_enter_lazy_mmu_mode'] }],
  lazy_mmu_mode_disable: [{ do: ['call arch_leave_lazy_mmu_mode'] }],
  lazy_mmu_mode_pause: [{ do: ['call arch_leave_lazy_mmu_mode'] }],
  lazy_mmu_mode_resume: [{ do: ['call arch_enter_lazy_mmu_mode'] }],
  lazy_mmu_mode_enable_for_pte_range: [{ do: ['call lazy_mmu_mode_enable'] }],
  // A PTE write that takes effect at once for the walker and the pipeline.
  set_pte: [{ do: ['store', 'dsb ish', 'isb'] }],
  // pte_clear writes an invalid descriptor (the lowering sets the value).
  pte_clear: [{ do: ['call set_pte'] }],
  ptep_get: [{ do: ['read'] }],
  ptep_get_raw: [{ do: ['read'] }],
  load: [{ do: ['access'] }],
  store: [{ do: ['access'] }],
  // CONFIG_DEBUG_PAGEALLOC: __kernel_map_pages -> set_memory_valid ->
  // apply_to_page_range -> apply_to_pte_range, which runs its own lazy
  // section around the PTE write (legacy arch hooks in trees before the
  // generic layer).
  alloc_page: [{ do: ['call arch_enter_lazy_mmu_mode', 'call set_pte', 'call arch_leave_lazy_mmu_mode'] }],
  // Linux context switch: the outgoing side issues a DSB (arm64 __switch_to
  // has dsb(ish)); returning to the task is context synchronising.
  preempt: [
    { when: 'preempt_off > 0', do: ['error preempted inside a lazy MMU section that runs with preemption disabled'] },
    { do: ['dsb ish', 'ctxsync'] },
  ],
  might_sleep: [
    { when: 'preempt_off > 0', do: ['error might sleep inside a lazy MMU section that runs with preemption disabled'] },
    { do: ['dsb ish', 'ctxsync'] },
  ],
};

/**
 * The generic nesting layer (include/linux/pgtable.h of the "Nesting support
 * for lazy MMU mode" series), the same on every architecture that uses it:
 * task-local enable_count / pause_count; first enable -> arch_enter, nested
 * disable -> arch_flush, last disable -> arch_leave, pause -> arch_leave,
 * resume -> arch_enter; no-ops while paused or in interrupt context. Models
 * built on it declare the two counters and spread these rules in.
 */
export const GENERIC_LAYER_OPS: Record<string, Rule[]> = {
  lazy_mmu_mode_enable: [
    { when: 'irq || pause_count > 0', do: [] },
    { when: 'enable_count == 0', do: ['inc enable_count', 'call arch_enter_lazy_mmu_mode'] },
    { do: ['inc enable_count'] },
  ],
  lazy_mmu_mode_disable: [
    { when: 'irq || pause_count > 0', do: [] },
    { when: 'enable_count == 1', do: ['dec enable_count', 'call arch_leave_lazy_mmu_mode'] },
    { when: 'enable_count > 1', do: ['dec enable_count', 'call arch_flush_lazy_mmu_mode'] },
    { do: ['error lazy_mmu_mode_disable() without a matching enable'] },
  ],
  lazy_mmu_mode_pause: [
    { when: 'irq || enable_count == 0', do: [] },
    { when: 'pause_count == 0', do: ['inc pause_count', 'call arch_leave_lazy_mmu_mode'] },
    { do: ['inc pause_count'] },
  ],
  lazy_mmu_mode_resume: [
    { when: 'irq || enable_count == 0', do: [] },
    { when: 'pause_count == 1', do: ['dec pause_count', 'call arch_enter_lazy_mmu_mode'] },
    { when: 'pause_count > 1', do: ['dec pause_count'] },
    { do: ['error lazy_mmu_mode_resume() without a matching pause'] },
  ],
};

/**
 * Preemption or sleeping while `when` holds: the deferred writes are applied
 * first (the context switch's own barriers follow either way).
 */
export function flushOnContextSwitch(when: string): Rule[] {
  return [{ when, do: ['apply_deferred', 'dsb ish', 'ctxsync'] }, { do: ['dsb ish', 'ctxsync'] }];
}
