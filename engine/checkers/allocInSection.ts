// lazy-mmu/alloc-in-section: a page-table allocation (pte_alloc*, pmd_alloc,
// pud_alloc, p4d_alloc, __pte_alloc and the _map/_lock forms) reached inside a
// section. Some architectures must map a new table (highmem kmap) with
// updates that take effect at once, so the vmap walkers keep allocation out.
import { Finding } from '../findings';
import { SectionCall } from '../analysis/interpreter';
import { Reachability } from '../index/reachability';
import { SourceCache } from '../analysis/sourceCache';
import { Catalogue } from '../catalogue/catalogue';
import { chainConditions, chainHops } from './callChain';
import { makeFinding, onePerPlace, related, sectionNote } from './sectionFinding';

export function allocInSectionFindings(calls: SectionCall[], reach: Reachability, sources: SourceCache, cat: Catalogue): Finding[] {
  const out: Finding[] = [];
  for (const c of calls) {
    const direct = cat.pageTableAllocators.has(c.callee);
    const hit = direct ? null : reach.entry(c.callee, c.fromFile);
    if (!direct && !hit) continue;
    const hops = hit ? chainHops(reach, hit.node, sources) : [];
    const conds = hops && chainConditions(c.conds, hops);
    if (!hops || !conds) continue; // the chain needs what the configuration rules out
    const target = hops.length ? /calls (\w+)\(\)/.exec(hops[hops.length - 1].message)?.[1] : c.callee;
    out.push(
      makeFinding(
        'lazy-mmu/alloc-in-section',
        'warning',
        c.at,
        c.fn,
        `${direct ? `${c.callee}() allocates a page table` : `${c.callee}() can allocate a page table (${target}())`} inside a lazy MMU section; ` +
          'an architecture that must map a new table with updates that take effect at once (highmem kmap) cannot do that in the mode: allocate before entering',
        [...sectionNote(c.section), ...(hit ? [{ ...related(c.at), message: `${c.callee}() is called inside the section` }, ...hops.map(related)] : [])],
        conds,
      ),
    );
  }
  return onePerPlace(out);
}
