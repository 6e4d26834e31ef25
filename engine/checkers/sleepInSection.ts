// lazy-mmu/sleep-in-section: might_sleep(), cond_resched(), mutex_lock(),
// down_read(), wait_event*(), GFP_KERNEL-style allocations ... reached inside
// a section. powerpc hash and sparc64 disable preemption for the whole
// section, so sleeping there is a bug on those architectures: a hazard where
// the tree implements one of them (catalogue: disablesPreemption) and the
// path can run there, the contract otherwise. Chains are the contextual
// search's (analysis/contextReach.ts), as deep as the nesting rule's; a call
// made under a spinlock is not this rule's (the task is atomic there whatever
// the mode).
import { Finding, Impact } from '../findings';
import { SectionCall } from '../analysis/records';
import { Catalogue } from '../catalogue/catalogue';
import { Binding } from '../analysis/values';
import { TreeArchitectures, nameList } from '../architectures';
import { code, fitHead, sentence, Sentence } from '../message';
import { chainConditions } from './callChain';
import { ChainFinder } from './nestedSection';
import { bestPerSection, callNote, filesOf, makeFinding, onePerPlace, related, SectionCandidate, sectionNote } from './sectionFinding';

/**
 * What a GFP allocator's flags say (the catalogue's gfpAllocators and
 * sleepingGfp), from the arguments' text and what the caller's facts name
 * them (a `gfp` parameter given GFP_ATOMIC): `sleeps` with the flag that
 * allows direct reclaim, or `no` when the flags are all known by name and
 * none does; undefined when it is no GFP allocator or the flags are unknown.
 */
export function gfpFlags(cat: Catalogue, callee: string, args: string[], binding?: Binding): { sleeps: string } | 'no' | undefined {
  if (!cat.gfpAllocators.has(callee)) return undefined;
  const known = (binding ?? []).filter(([p, f]) => /^P\d+$/.test(p) && f.kind === 'names').flatMap(([, f]) => (f.kind === 'names' ? f.names : []));
  const sleeping = [...args.flatMap((a) => a.match(/\b\w+\b/g) ?? []), ...known].find((w) => cat.sleepingGfp.has(w));
  if (sleeping) return { sleeps: sleeping };
  return known.some((n) => /GFP/.test(n)) ? 'no' : undefined;
}
export function sleepingGfpArg(cat: Catalogue, callee: string, args: string[], binding?: Binding): string | undefined {
  const v = gfpFlags(cat, callee, args, binding);
  return v && v !== 'no' ? v.sleeps : undefined;
}

export function sleepInSectionFindings(calls: SectionCall[], chainOf: ChainFinder, cat: Catalogue, arch: TreeArchitectures): Finding[] {
  type Why = { gfp?: string; unknownFlags: boolean; direct: boolean; target: string; bounded: boolean };
  const cands: SectionCandidate<Why>[] = [];
  for (const c of calls) {
    // Under a spinlock the task is atomic whatever the mode: sleeping there is another bug, not this rule's.
    if (c.atomic) continue;
    const flags = gfpFlags(cat, c.callee, c.args, c.binding);
    // A GFP allocation given flags that cannot sleep does not; given flags not known here it may.
    if (flags === 'no') continue;
    const gfp = flags?.sleeps;
    const unknownFlags = cat.gfpAllocators.has(c.callee) && !gfp;
    const direct = cat.sleepers.has(c.callee);
    const chain = direct || gfp || unknownFlags ? null : chainOf(c);
    if (!direct && !gfp && !unknownFlags && !chain) continue;
    const hops = chain?.hops ?? [];
    const conds = chainConditions(c.conds, hops);
    if (!conds) continue; // the chain needs what the configuration rules out
    cands.push({ call: c, hops, conds, data: { gfp, unknownFlags, direct, target: chain ? chain.target : c.callee, bounded: !!chain?.bounded } });
  }
  const out: Finding[] = [];
  for (const { call: c, hops, conds, data, others } of bestPerSection(cands)) {
    const files = filesOf([c.at, c.section], hops);
    const bad = arch.misbehaving(files, (i) => i.disablesPreemption, conds);
    // An architecture's own code may sleep in the mode where its implementation allows it (arm64's says so).
    if (!bad.length && arch.ownCodeOf(files)) continue;
    const callee = code(`${c.callee}()`);
    const head = data.gfp
      ? fitHead(sentence`${code(`${c.callee}(..., ${data.gfp})`)} may sleep inside a lazy MMU section`, sentence`${callee} may sleep inside a lazy MMU section`)
      : data.direct
        ? sentence`${callee} may sleep inside a lazy MMU section`
        : data.unknownFlags
          ? sentence`${callee} may sleep inside a lazy MMU section: its GFP flags are not known here`
          : fitHead(sentence`${callee} may sleep inside a lazy MMU section: it reaches ${code(`${data.target}()`)}`, sentence`${callee} may sleep inside a lazy MMU section`);
    const names = bad.map((i) => i.name);
    const impact: Impact = bad.length ? { kind: 'hazard', architectures: names } : { kind: 'contract', architectures: [] };
    const why: Sentence = bad.length
      ? sentence`${nameList(names)} run${names.length > 1 ? '' : 's'} the section with preemption disabled: sleeping there is a bug`
      : sentence`No implementation in this tree disables preemption in the section on this path; generic code must not sleep in it`;
    const undecided = data.bounded ? sentence`Not decided for these arguments (search bound): the call graph's chain` : [];
    const also = others.length ? sentence`${others.length} other call${others.length > 1 ? 's in this section sleep' : ' in this section sleeps'} the same way` : [];
    const f = makeFinding(
      'lazy-mmu/sleep-in-section',
      'warning',
      c.at,
      c.fn,
      [head, why, undecided, also],
      impact,
      [
        ...sectionNote(c.section),
        ...(hops.length || c.via ? callNote(c, 'is called inside the section') : []),
        ...hops.map(related),
        ...others.map((o) => ({ ...related(o.at), message: `${o.callee}() may sleep too` })),
      ],
      conds,
    );
    if (data.bounded) f.notDecided = 'search bound';
    out.push(f);
  }
  return onePerPlace(out);
}
