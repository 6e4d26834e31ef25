// lazy-mmu/sleep-in-section: might_sleep(), cond_resched(), mutex_lock(),
// down_read(), wait_event*(), GFP_KERNEL-style allocations ... reached inside
// a section. powerpc hash and sparc64 disable preemption for the whole
// section, so sleeping there is a bug on those architectures.
import { Finding } from '../findings';
import { SectionCall } from '../analysis/interpreter';
import { Catalogue } from '../catalogue/catalogue';
import { Binding } from '../analysis/values';
import { ChainFinder } from './nestedSection';
import { callNote, makeFinding, onePerPlace, related, sectionNote } from './sectionFinding';

const WHERE = 'powerpc (hash MMU) and sparc64 disable preemption for the whole lazy MMU section, so sleeping here is a bug there';

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

/** The sleeping GFP flag among a GFP allocator's arguments, if any. */
export function sleepingGfpArg(cat: Catalogue, callee: string, args: string[], binding?: Binding): string | undefined {
  const v = gfpFlags(cat, callee, args, binding);
  return v && v !== 'no' ? v.sleeps : undefined;
}

export function sleepInSectionFindings(calls: SectionCall[], chainOf: ChainFinder, cat: Catalogue): Finding[] {
  const out: Finding[] = [];
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
    const target = chain ? chain.target : c.callee;
    const what = gfp
      ? `${c.callee}(..., ${gfp}) may sleep (the flags allow direct reclaim)`
      : direct
        ? `${c.callee}() may sleep`
        : unknownFlags
          ? `${c.callee}() may sleep (its GFP flags are not known here)`
          : `${c.callee}() may sleep (it reaches ${target}())`;
    const f = makeFinding(
      'lazy-mmu/sleep-in-section',
      'warning',
      c.at,
      c.fn,
      `${what} inside a lazy MMU section; ${WHERE}${chain?.bounded ? ' (not decided: search bound)' : ''}`,
      [...sectionNote(c.section), ...(chain || c.via ? callNote(c, 'is called inside the section') : []), ...hops.map(related)],
      [...c.conds, ...hops.flatMap((h) => h.conditions)],
    );
    if (chain?.bounded) f.notDecided = 'search bound';
    out.push(f);
  }
  return onePerPlace(out);
}
