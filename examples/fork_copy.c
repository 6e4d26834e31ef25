/*
 * lazymmu example: a fork-time page-table copier with a read-after-write
 * hazard. Invented code: it follows the shape of a fork copy loop, with
 * made-up helpers, and declares only what it needs.
 *
 * fork_copy_range() batches its PTE updates in a lazy MMU section. For a
 * device-exclusive source entry, fork_copy_nonpresent() has
 * fork_restore_exclusive() make the entry present again with set_pte_at()
 * and returns -ENOENT; the loop then re-reads the same source entry. Inside
 * the section the write may still be queued (Xen PV, s390), so the re-read
 * can see the old, non-present value and copy the wrong thing.
 */
typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long val; } swp_entry_t;
struct mm_struct;
struct page;
struct vm_area_struct {
	struct mm_struct *vm_mm;
	unsigned long vm_flags;
};

/* Returns 0 after rewriting *ptep, -EBUSY (nothing written) if the page is busy. */
static int fork_restore_exclusive(struct vm_area_struct *vma,
				  unsigned long addr, pte_t *ptep)
{
	pte_t old = ptep_get(ptep);
	struct page *page = fork_exclusive_page(old);
	pte_t pte;

	if (!trylock_page(page))
		return -EBUSY;
	pte = pte_mkold(fork_present_pte(page, vma));
	if (pte_swp_soft_dirty(old))
		pte = pte_mksoft_dirty(pte);
	set_pte_at(vma->vm_mm, addr, ptep, pte);
	unlock_page(page);
	return 0;
}

static int fork_copy_nonpresent(struct vm_area_struct *dst_vma,
				struct vm_area_struct *src_vma, pte_t *dst_pte,
				pte_t *src_pte, unsigned long addr, int *rss)
{
	pte_t orig = ptep_get(src_pte);
	swp_entry_t entry = pte_to_swp_entry(orig);

	if (fork_is_swap(entry)) {
		if (swap_duplicate(entry) < 0)
			return -EIO;	/* nothing written yet */
		if (pte_swp_exclusive(orig))
			set_pte_at(src_vma->vm_mm, addr, src_pte,
				   pte_swp_clear_exclusive(orig));
		rss[MM_SWAPENTS]++;
	} else if (fork_is_exclusive(entry)) {
		if (fork_restore_exclusive(src_vma, addr, src_pte))
			return -EBUSY;
		return -ENOENT;	/* restored: copy it as a present entry */
	}
	set_pte_at(dst_vma->vm_mm, addr, dst_pte, orig);
	return 0;
}

static int fork_copy_present(struct vm_area_struct *dst_vma,
			     struct vm_area_struct *src_vma, pte_t *dst_pte,
			     pte_t *src_pte, pte_t pte, unsigned long addr,
			     int *rss)
{
	if (fork_is_cow(src_vma) && pte_write(pte)) {
		ptep_set_wrprotect(src_vma->vm_mm, addr, src_pte);
		pte = pte_wrprotect(pte);
	}
	set_pte_at(dst_vma->vm_mm, addr, dst_pte, pte_mkold(pte));
	rss[MM_ANONPAGES]++;
	return 0;
}

int fork_copy_range(struct vm_area_struct *dst_vma,
		    struct vm_area_struct *src_vma, pte_t *dst_pte,
		    pte_t *src_pte, unsigned long addr, unsigned long end)
{
	swp_entry_t entry = { 0 };
	int rss[NR_MM_COUNTERS] = { 0 };
	pte_t ptent;
	int ret = 0;

	arch_enter_lazy_mmu_mode();
	do {
		ptent = ptep_get(src_pte);
		if (pte_none(ptent))
			continue;
		if (unlikely(!pte_present(ptent))) {
			ret = fork_copy_nonpresent(dst_vma, src_vma, dst_pte,
						   src_pte, addr, rss);
			if (ret == -EIO) {
				entry = pte_to_swp_entry(ptep_get(src_pte));
				break;
			}
			if (ret == -EBUSY)
				break;
			if (!ret)
				continue;
			ptent = ptep_get(src_pte); /* expect: read-after-write */ /* expect-related: fork_copy_nonpresent, fork_restore_exclusive */
		}
		ret = fork_copy_present(dst_vma, src_vma, dst_pte, src_pte,
					ptent, addr, rss);
		if (ret)
			break;
	} while (dst_pte++, src_pte++, addr += PAGE_SIZE, addr != end);
	arch_leave_lazy_mmu_mode();

	fork_add_rss(dst_vma->vm_mm, rss);
	if (ret == -EIO)
		ret = fork_swap_continuation(entry);
	return ret;
}
