// lazy-mmu/alloc-in-section: a page-table allocation (pte_alloc*, pmd_alloc,
// pud_alloc, p4d_alloc, __pte_alloc and the _map/_lock forms) reached inside a
// section. Some architectures must map a new table (highmem kmap) with
// updates that take effect at once, so the vmap walkers keep allocation out.
import { Finding } from '../findings';
import { SectionCall } from '../analysis/interpreter';
import { Catalogue } from '../catalogue/catalogue';
import { ChainFinder } from './nestedSection';
import { callNote, makeFinding, onePerPlace, related, sectionNote } from './sectionFinding';

export function allocInSectionFindings(calls: SectionCall[], chainOf: ChainFinder, cat: Catalogue): Finding[] {
  const out: Finding[] = [];
  for (const c of calls) {
    const direct = cat.pageTableAllocators.has(c.callee);
    const chain = direct ? null : chainOf(c);
    if (!direct && !chain) continue;
    const hops = chain?.hops ?? [];
    const target = chain ? chain.target : c.callee;
    const f = makeFinding(
      'lazy-mmu/alloc-in-section',
      'warning',
      c.at,
      c.fn,
      `${direct ? `${c.callee}() allocates a page table` : `${c.callee}() can allocate a page table (${target}())`} inside a lazy MMU section; ` +
        'an architecture that must map a new table with updates that take effect at once (highmem kmap) cannot do that in the mode: allocate before entering' +
        (chain?.bounded ? ' (not decided: search bound)' : ''),
      [...sectionNote(c.section), ...(chain || c.via ? callNote(c, 'is called inside the section') : []), ...hops.map(related)],
      [...c.conds, ...hops.flatMap((h) => h.conditions)],
    );
    if (chain?.bounded) f.notDecided = 'search bound';
    out.push(f);
  }
  return onePerPlace(out);
}
