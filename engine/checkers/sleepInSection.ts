// lazy-mmu/sleep-in-section: might_sleep(), cond_resched(), mutex_lock(),
// down_read(), wait_event*(), GFP_KERNEL-style allocations ... reached inside
// a section. powerpc hash and sparc64 disable preemption for the whole
// section, so sleeping there is a bug on those architectures.
import { Finding } from '../findings';
import { SectionCall } from '../analysis/interpreter';
import { Reachability } from '../index/reachability';
import { SourceCache } from '../analysis/sourceCache';
import { Catalogue } from '../catalogue/catalogue';
import { chainConditions, chainHops } from './callChain';
import { makeFinding, onePerPlace, related, sectionNote } from './sectionFinding';

const WHERE = 'powerpc (hash MMU) and sparc64 disable preemption for the whole lazy MMU section, so sleeping here is a bug there';

export function sleepInSectionFindings(calls: SectionCall[], reach: Reachability, sources: SourceCache, cat: Catalogue): Finding[] {
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
    const target = hops.length ? /calls (\w+)\(\)/.exec(hops[hops.length - 1].message)?.[1] : c.callee;
    const what = gfp
      ? `${c.callee}(..., ${gfp}) may sleep (the flags allow direct reclaim)`
      : direct
        ? `${c.callee}() may sleep`
        : `${c.callee}() may sleep (it reaches ${target}())`;
    out.push(
      makeFinding(
        'lazy-mmu/sleep-in-section',
        'warning',
        c.at,
        c.fn,
        `${what} inside a lazy MMU section; ${WHERE}`,
        [...sectionNote(c.section), ...(hit ? [{ ...related(c.at), message: `${c.callee}() is called inside the section` }, ...hops.map(related)] : [])],
        conds,
      ),
    );
  }
  return onePerPlace(out);
}
