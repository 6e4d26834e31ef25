/*
 * lazymmu example: two walkers that batch their updates correctly. Invented
 * code in the style of the kernel's protection-change and cold-page walkers.
 *
 * clean_change_prot_range() reads each entry before it updates it and then
 * moves on to the next entry, so nothing is read back after a write.
 * clean_cold_range() steps out of the mode (lazy_mmu_mode_pause()) around
 * the work it cannot batch, and only re-reads an entry it has not written.
 * lazymmu reports nothing here.
 */
typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long pmd; } pmd_t;
typedef struct { unsigned long pgprot; } pgprot_t;
struct mm_struct;
struct vm_area_struct {
	struct mm_struct *vm_mm;
	unsigned long vm_flags;
};

long clean_change_prot_range(struct vm_area_struct *vma, pte_t *pte,
			     unsigned long addr, unsigned long end,
			     pgprot_t newprot)
{
	long pages = 0;

	lazy_mmu_mode_enable();
	do {
		pte_t oldpte = ptep_get(pte);
		pte_t ptent;

		if (!pte_present(oldpte))
			continue;
		if (clean_prot_unchanged(vma, oldpte, newprot))
			continue;
		oldpte = ptep_modify_prot_start(vma, addr, pte);
		ptent = pte_modify(oldpte, newprot);
		ptep_modify_prot_commit(vma, addr, pte, oldpte, ptent);
		pages++;
	} while (pte++, addr += PAGE_SIZE, addr != end);
	lazy_mmu_mode_disable();
	return pages;
}

int clean_cold_range(struct vm_area_struct *vma, pmd_t *pmd, pte_t *pte,
		     unsigned long addr, unsigned long end)
{
	int err = 0;

	lazy_mmu_mode_enable();
	for (; addr < end; pte++, addr += PAGE_SIZE) {
		pte_t ptent = ptep_get(pte);

		if (!pte_present(ptent))
			continue;
		if (clean_is_large(ptent)) {
			lazy_mmu_mode_pause();
			err = clean_split_large(vma, pmd, addr);
			lazy_mmu_mode_resume();
			if (err)
				break;
			ptent = ptep_get(pte);
		}
		if (pte_young(ptent))
			ptep_test_and_clear_young(vma, addr, pte);
		clean_deactivate(vma, ptent);
	}
	lazy_mmu_mode_disable();
	return err;
}
