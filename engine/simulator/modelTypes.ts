/**
 * Kernel models are data: for each kernel-level operation, an ordered list of
 * rules; the first rule whose `when` holds gives the actions. Actions are
 * machine operations or changes to task-local kernel variables.
 *
 * Condition language (`when`): `&&`, `||`, `!`, parentheses, comparisons
 * `== != < > <= >=` between variables / numbers. Built-in names:
 *   irq            1 inside an interrupt block
 *   new_valid      the value being written is a valid descriptor
 *   new_kernel     the value being written is a kernel (non-user) descriptor
 *   old_valid      the entry's value as last written by this task (or initial) is valid
 * plus the model's own variables (`vars`).
 *
 * Actions (strings):
 *   store              STR of the op's value to the op's entry (into the store buffer)
 *   defer_store        queue (entry, value) in the task's deferred list (hypercall queue / PTE cache)
 *   apply_deferred     turn the deferred list into stores, in order
 *   defer_tlbi         remember the op's VA for a later invalidation
 *   apply_deferred_tlbi  TLBI VAAE1IS each remembered VA, then DSB ISH
 *   read               explicit read of the entry into the op's register
 *   read_deferred      same, but a deferred write of this task wins (cache-aware read)
 *   access             the op's load/store through its VA
 *   dsb ish | dsb ishst | isb | tlbi_va | tlbi_all | ctxsync
 *   set VAR N | inc VAR | dec VAR
 *   call OP            run the rules of another op (same arguments)
 *   error TEXT...      record an error outcome (e.g. sleeping with preemption off)
 */
export type Action = string;

export interface Rule {
  when?: string;
  do: Action[];
}

export interface KernelModel {
  name: string;
  /** One line: what this model is. */
  summary: string;
  /** The kernel behaviour it encodes, in our words, with file/function names and version. */
  cites: string[];
  /** Task-local variables and their initial values. */
  vars: Record<string, number>;
  ops: Record<string, Rule[]>;
}
