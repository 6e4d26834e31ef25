// Generated kernel-flavoured C with lazy MMU sections: random functions that
// enter/leave/flush/pause, write and read PTEs, loop, branch, goto, switch,
// call each other (so calls are summarised in context) and sit under #if.
import { Rng } from './rng';

/** Every lazy-mode call shape (the mutator drops them anywhere too). */
export const LAZY = [
  'arch_enter_lazy_mmu_mode();',
  'arch_leave_lazy_mmu_mode();',
  'arch_flush_lazy_mmu_mode();',
  'lazy_mmu_mode_enable();',
  'lazy_mmu_mode_disable();',
  'lazy_mmu_mode_pause();',
  'lazy_mmu_mode_resume();',
];
const WRITES = ['set_pte_at(mm, addr, pte, entry);', 'set_pte(pte, entry);', 'pte_clear(mm, addr, pte);', 'set_ptes(mm, addr, pte, entry, nr);'];
const READS = ['entry = ptep_get(pte);', 'if (pte_none(ptep_get(pte))) ret = -ENOENT;', 'old = ptep_get_and_clear(mm, addr, pte);', 'x = READ_ONCE(*pte);'];
const OTHER = [
  'pte++;',
  'addr += PAGE_SIZE;',
  'pte = pte_offset_map(pmd, addr);',
  'flush_tlb_range(vma, addr, end);',
  'might_sleep();',
  'cond_resched();',
  'p = pte_alloc_one(mm);',
  'ret = -EIO;',
  'ret = 0;',
  'spin_lock(ptl);',
  'spin_unlock(ptl);',
];

/** How big generated functions and kernel slices get (the whole-engine slice uses COMPACT). */
export interface InputProfile {
  /** Functions per generated file (min, max). */
  functions: [number, number];
  /** Statements per function body (min, max). */
  statements: [number, number];
  /** Blocks (if/loop/switch) nest up to this depth. */
  maxDepth: number;
  /** Kernel slice length in bytes (min, max). */
  sliceBytes: [number, number];
}

/** The long runs' profile (`npm run fuzz`) and the front-end slice's. */
export const FULL: InputProfile = { functions: [1, 5], statements: [2, 10], maxDepth: 4, sliceBytes: [2048, 8192] };
/**
 * The whole-engine test slice's profile: the same statement mix, mutations and
 * seed files, in smaller pieces, so 10,000 inputs fit the test budget. Inputs
 * that drive the interpreter to its work budget (loops re-entering a section
 * in nested loops, several mode contexts per callee) still occur, less often.
 */
export const COMPACT: InputProfile = { functions: [1, 3], statements: [2, 6], maxDepth: 3, sliceBytes: [1024, 4096] };

export function generateC(rng: Rng, profile: InputProfile = FULL): string {
  const nfn = rng.range(...profile.functions);
  const names = Array.from({ length: nfn }, (_, i) => `fz_fn${i}`);
  const out: string[] = ['#include <linux/mm.h>', ''];
  for (let i = nfn - 1; i >= 0; i--) {
    const guarded = rng.chance(0.2);
    if (guarded) out.push(rng.pick(['#ifdef CONFIG_ARM64', '#if IS_ENABLED(CONFIG_X86)', '#ifndef CONFIG_FOO']));
    const callees = names.slice(i + 1);
    out.push(`${rng.chance(0.6) ? 'static ' : ''}int ${names[i]}(struct mm_struct *mm, pte_t *pte, unsigned long addr, pte_t entry)`);
    out.push('{');
    out.push('\tint ret = 0;\n\tpte_t old, x;\n\tunsigned long end = addr + PAGE_SIZE;');
    out.push(...block(rng, callees, 1, rng.range(...profile.statements), profile.maxDepth));
    if (rng.chance(0.3)) out.push('out:');
    out.push('\treturn ret;');
    out.push('}');
    if (guarded) out.push(rng.chance(0.5) ? '#else\nstatic inline int ' + names[i] + '(struct mm_struct *mm, pte_t *pte, unsigned long addr, pte_t entry) { return 0; }\n#endif' : '#endif');
    out.push('');
  }
  return out.join('\n');
}

function block(rng: Rng, callees: string[], depth: number, n: number, maxDepth: number): string[] {
  const ind = '\t'.repeat(depth);
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const r = rng.next();
    if (r < 0.25) out.push(ind + rng.pick(LAZY));
    else if (r < 0.42) out.push(ind + rng.pick(WRITES));
    else if (r < 0.57) out.push(ind + rng.pick(READS));
    else if (r < 0.67) out.push(ind + rng.pick(OTHER));
    else if (r < 0.75 && callees.length) out.push(`${ind}ret = ${rng.pick(callees)}(mm, pte${rng.chance(0.3) ? ' + 1' : ''}, addr, entry);`);
    else if (depth < maxDepth && r < 0.83) {
      out.push(`${ind}if (${rng.pick(['ret == -EIO', 'ret', '!pte', 'pte_none(entry)', 'addr > end'])}) {`);
      out.push(...block(rng, callees, depth + 1, rng.range(1, 4), maxDepth));
      if (rng.chance(0.4)) {
        out.push(`${ind}} else {`);
        out.push(...block(rng, callees, depth + 1, rng.range(1, 3), maxDepth));
      }
      out.push(`${ind}}`);
    } else if (depth < maxDepth && r < 0.9) {
      const head = rng.pick(['for (; addr < end; addr += PAGE_SIZE, pte++) {', 'while (addr != end) {', 'do {']);
      out.push(ind + head);
      out.push(...block(rng, callees, depth + 1, rng.range(1, 4), maxDepth));
      out.push(head === 'do {' ? `${ind}} while (0);` : `${ind}}`);
    } else if (depth < maxDepth && r < 0.94) {
      out.push(`${ind}switch (ret) {`, `${ind}case -EAGAIN:`, ...block(rng, callees, depth + 1, rng.range(1, 2), maxDepth), `${ind}\tbreak;`, `${ind}default:`, ...block(rng, callees, depth + 1, 1, maxDepth), `${ind}}`);
    } else if (r < 0.97) out.push(`${ind}if (ret)\n${ind}\tgoto out;`);
    else out.push(`${ind}${rng.pick(['return ret;', 'return -EINVAL;', 'break;', 'continue;'])}`);
  }
  return out;
}
