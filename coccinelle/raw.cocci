// lazymmu's peer for `npm run bench`: the intra-procedural read-after-write
// pattern as a Coccinelle semantic patch (report mode, `*` lines). In a
// function that enters lazy MMU mode, a PTE read (ptep_get(E) or *E) after
// set_pte_at(..., E, ...) with no leave/flush and no reassignment of E between.
// Run: spatch --sp-file coccinelle/raw.cocci --dir mm/ (see scripts/bench.ts).

@raw exists@
expression mm, addr, E, V;
@@

arch_enter_lazy_mmu_mode();
... when != arch_leave_lazy_mmu_mode()
    when != arch_flush_lazy_mmu_mode()
set_pte_at(mm, addr, E, V);
... when != arch_leave_lazy_mmu_mode()
    when != arch_flush_lazy_mmu_mode()
    when != E = ...
    when != E++
(
* ptep_get(E)
|
* *E
)
