// lazy-mmu/sleep-in-section: might_sleep(), cond_resched(), mutex_lock(),
// down_read(), wait_event*(), GFP_KERNEL-style allocations ... reached inside
// a section. powerpc hash and sparc64 disable preemption for the whole
// section, so sleeping there is a bug on those architectures: a hazard where
// the tree implements one of them (catalogue: disablesPreemption) and the
// path can run there, the contract otherwise.
import { Finding, Impact } from '../findings';
import { SectionCall } from '../analysis/interpreter';
import { Reachability } from '../index/reachability';
import { SourceCache } from '../analysis/sourceCache';
import { Catalogue } from '../catalogue/catalogue';
import { TreeArchitectures, nameList } from '../architectures';
import { code, fitHead, sentence, Sentence } from '../message';
import { chainConditions, chainHops } from './callChain';
import { filesOf, makeFinding, onePerPlace, related, sectionNote } from './sectionFinding';

export function sleepInSectionFindings(calls: SectionCall[], reach: Reachability, sources: SourceCache, cat: Catalogue, arch: TreeArchitectures): Finding[] {
  const out: Finding[] = [];
  for (const c of calls) {
    const gfp = cat.gfpAllocators.has(c.callee)
      ? c.args.flatMap((a) => a.match(/\b\w+\b/g) ?? []).find((w) => cat.sleepingGfp.has(w))
      : undefined;
    const direct = cat.sleepers.has(c.callee);
    const hit = direct || gfp ? null : reach.entry(c.callee, c.fromFile);
    if (!direct && !gfp && !hit) continue;
    const hops = hit ? chainHops(reach, hit.node, sources) : [];
    const conds = hops && chainConditions(c.conds, hops);
    if (!hops || !conds) continue; // the chain needs what the configuration rules out
    const target = hops.length ? hops[hops.length - 1].callee : c.callee;
    const callee = code(`${c.callee}()`);
    const head = gfp
      ? fitHead(sentence`${code(`${c.callee}(..., ${gfp})`)} may sleep inside a lazy MMU section`, sentence`${callee} may sleep inside a lazy MMU section`)
      : direct
        ? sentence`${callee} may sleep inside a lazy MMU section`
        : fitHead(sentence`${callee} may sleep inside a lazy MMU section: it reaches ${code(`${target}()`)}`, sentence`${callee} may sleep inside a lazy MMU section`);
    const bad = arch.misbehaving(filesOf([c.at, c.section], hops), (i) => i.disablesPreemption);
    const names = bad.map((i) => i.name);
    const impact: Impact = bad.length ? { kind: 'hazard', architectures: names } : { kind: 'contract', architectures: [] };
    const why: Sentence = bad.length
      ? sentence`${nameList(names)} run${names.length > 1 ? '' : 's'} the section with preemption disabled: sleeping there is a bug`
      : sentence`No implementation in this tree disables preemption in the section on this path; generic code must not sleep in it`;
    out.push(
      makeFinding(
        'lazy-mmu/sleep-in-section',
        'warning',
        c.at,
        c.fn,
        [head, why],
        impact,
        [...sectionNote(c.section), ...(hit ? [{ ...related(c.at), message: `${c.callee}() is called inside the section` }, ...hops.map(related)] : [])],
        conds,
      ),
    );
  }
  return onePerPlace(out);
}
