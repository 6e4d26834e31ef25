// A generated file of many small functions, each a lazy MMU section with a
// read-after-write (issue 15: 50 MB of these ran the CLI out of heap). Made at
// test time; the bad-input tests (CLI and server) check that such a file gets
// a bounded result and a clear message (engine/inputBounds.ts).
export function manySections(count: number, prefix = 'gen'): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++)
    parts.push(`void ${prefix}_section_${i}(pte_t *ptep, pte_t entry)\n{\n\tarch_enter_lazy_mmu_mode();\n\tset_pte(ptep, entry);\n\tentry = ptep_get(ptep);\n\tarch_leave_lazy_mmu_mode();\n}\n`);
  return parts.join('');
}

/** Sections in a 50 MB file (~370,000 at ~140 bytes each). */
export const SECTIONS_IN_50MB = 370_000;
