// lazy-mmu/alloc-in-section: a page-table allocation (pte_alloc*, pmd_alloc,
// pud_alloc, p4d_alloc, __pte_alloc and the _map/_lock forms) reached inside a
// section. An architecture whose page tables may live in highmem must map a
// new table with updates that take effect at once, so the vmap walkers keep
// allocation out (seed 002). A hazard where the tree implements the mode on
// such an architecture (catalogue: highmemPageTables) and the path can run
// there; no implementation in 6.1, 6.12 or 7.2 does, so the contract otherwise.
// Chains are the contextual search's (analysis/contextReach.ts).
import { Finding, Impact } from '../findings';
import { SectionCall } from '../analysis/interpreter';
import { Catalogue } from '../catalogue/catalogue';
import { TreeArchitectures, nameList } from '../architectures';
import { code, fitHead, sentence, Sentence } from '../message';
import { chainConditions } from './callChain';
import { ChainFinder } from './nestedSection';
import { callNote, filesOf, makeFinding, onePerPlace, related, sectionNote } from './sectionFinding';

export function allocInSectionFindings(calls: SectionCall[], chainOf: ChainFinder, cat: Catalogue, arch: TreeArchitectures): Finding[] {
  const out: Finding[] = [];
  for (const c of calls) {
    const direct = cat.pageTableAllocators.has(c.callee);
    const chain = direct ? null : chainOf(c);
    if (!direct && !chain) continue;
    const hops = chain?.hops ?? [];
    const conds = chainConditions(c.conds, hops);
    if (!conds) continue; // the chain needs what the configuration rules out
    const target = chain ? chain.target : c.callee;
    const callee = code(`${c.callee}()`);
    const head = direct
      ? sentence`${callee} allocates a page table inside a lazy MMU section`
      : fitHead(
          sentence`${callee} can allocate a page table inside a lazy MMU section: ${code(`${target}()`)}`,
          sentence`${callee} can allocate a page table inside a lazy MMU section`,
        );
    const bad = arch.misbehaving(filesOf([c.at, c.section], hops), (i) => i.highmemPageTables);
    const names = bad.map((i) => i.name);
    const impact: Impact = bad.length ? { kind: 'hazard', architectures: names } : { kind: 'contract', architectures: [] };
    const why: Sentence = bad.length
      ? sentence`${nameList(names)} must map a new table with updates that take effect at once, which the mode defers`
      : sentence`No implementation in this tree needs the new table mapped at once (highmem page tables) on this path`;
    const undecided = chain?.bounded ? sentence`Not decided for these arguments (search bound): the call graph's chain` : [];
    const f = makeFinding(
      'lazy-mmu/alloc-in-section',
      'warning',
      c.at,
      c.fn,
      [head, why, undecided, sentence`Allocate before entering, as the vmap walkers do`],
      impact,
      [...sectionNote(c.section), ...(chain || c.via ? callNote(c, 'is called inside the section') : []), ...hops.map(related)],
      conds,
    );
    if (chain?.bounded) f.notDecided = 'search bound';
    out.push(f);
  }
  return onePerPlace(out);
}
