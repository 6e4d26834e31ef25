// lazy-mmu/alloc-in-section: a page-table allocation (pte_alloc*, pmd_alloc,
// pud_alloc, p4d_alloc, __pte_alloc and the _map/_lock forms) reached inside a
// section. An architecture whose page tables may live in highmem must map a
// new table with updates that take effect at once, so the vmap walkers keep
// allocation out (seed 002). A hazard where the tree implements the mode on
// such an architecture (catalogue: highmemPageTables) and the path can run
// there; no implementation in 6.1, 6.12 or 7.2 does, so the contract otherwise.
// Chains are the contextual search's (analysis/contextReach.ts).
import { Finding, Impact } from '../findings';
import { SectionCall } from '../analysis/records';
import { Catalogue } from '../catalogue/catalogue';
import { TreeArchitectures, nameList } from '../architectures';
import { code, fitHead, sentence, Sentence } from '../message';
import { chainConditions } from './callChain';
import { ChainFinder } from './nestedSection';
import { bestPerSection, callNote, filesOf, makeFinding, onePerPlace, related, SectionCandidate, sectionNote } from './sectionFinding';

export function allocInSectionFindings(calls: SectionCall[], chainOf: ChainFinder, cat: Catalogue, arch: TreeArchitectures): Finding[] {
  const cands: SectionCandidate<{ direct: boolean; target: string; bounded: boolean }>[] = [];
  for (const c of calls) {
    const direct = cat.pageTableAllocators.has(c.callee);
    const chain = direct ? null : chainOf(c);
    if (!direct && !chain) continue;
    const hops = chain?.hops ?? [];
    const conds = chainConditions(c.conds, hops);
    if (!conds) continue; // the chain needs what the configuration rules out
    cands.push({ call: c, hops, conds, data: { direct, target: chain ? chain.target : c.callee, bounded: !!chain?.bounded } });
  }
  const out: Finding[] = [];
  for (const { call: c, hops, conds, data, others } of bestPerSection(cands)) {
    const files = filesOf([c.at, c.section], hops);
    const bad = arch.misbehaving(files, (i) => i.highmemPageTables, conds);
    // An architecture's own code may allocate in the mode where its implementation does not mind.
    if (!bad.length && arch.ownCodeOf(files)) continue;
    const callee = code(`${c.callee}()`);
    const head = data.direct
      ? sentence`${callee} allocates a page table inside a lazy MMU section`
      : fitHead(
          sentence`${callee} can allocate a page table inside a lazy MMU section: ${code(`${data.target}()`)}`,
          sentence`${callee} can allocate a page table inside a lazy MMU section`,
        );
    const names = bad.map((i) => i.name);
    const impact: Impact = bad.length ? { kind: 'hazard', architectures: names } : { kind: 'contract', architectures: [] };
    const why: Sentence = bad.length
      ? sentence`${nameList(names)} must map a new table with updates that take effect at once, which the mode defers`
      : sentence`No implementation in this tree needs the new table mapped at once (highmem page tables) on this path`;
    const undecided = data.bounded ? sentence`Not decided for these arguments (search bound): the call graph's chain` : [];
    const also = others.length ? sentence`${others.length} other call${others.length > 1 ? 's in this section allocate' : ' in this section allocates'} too` : [];
    const f = makeFinding(
      'lazy-mmu/alloc-in-section',
      'warning',
      c.at,
      c.fn,
      [head, why, undecided, also, sentence`Allocate before entering, as the vmap walkers do`],
      impact,
      [
        ...sectionNote(c.section),
        ...(hops.length || c.via ? callNote(c, 'is called inside the section') : []),
        ...hops.map(related),
        ...others.map((o) => ({ ...related(o.at), message: `${o.callee}() can allocate too` })),
      ],
      conds,
    );
    if (data.bounded) f.notDecided = 'search bound';
    out.push(f);
  }
  return onePerPlace(out);
}
