// The call-graph searches the section rules share, as facts of the catalogue:
// which calls each kind looks for (its targets) and which calls it does not
// pass (its barriers). The Workspace keeps one search per kind
// (index/reachability.ts) and one contextual search per check
// (analysis/contextReach.ts); both are built from these.
import type { Catalogue } from '../catalogue/catalogue';

export const REACH_KINDS = ['enter-legacy', 'enter-generic', 'alloc', 'sleep'] as const;
export type ReachKind = (typeof REACH_KINDS)[number];

/** The generic layer's shapes (lazy_mmu_mode_enable() and the ranged enable). */
export const isGenericShape = (shape: string) => shape === 'generic' || shape === 'ranged';

/**
 * The calls a kind's search looks for, by name. Sleep takes the GFP
 * allocators too: their flags decide (a call given flags that cannot sleep
 * is no target: the contextual search asks gfpFlags).
 */
export function reachTargets(cat: Catalogue, kind: ReachKind): Set<string> {
  if (kind === 'enter-legacy' || kind === 'enter-generic')
    return new Set([...cat.lazyMode].filter(([, v]) => v.op === 'enter' && isGenericShape(v.shape) === (kind === 'enter-generic')).map(([k]) => k));
  return kind === 'alloc' ? cat.pageTableAllocators : new Set([...cat.sleepers, ...cat.gfpAllocators]);
}

/** The calls a kind's search does not go through: the catalogue's chain barriers, calls that do not return, and per kind more. */
export function reachBarriers(cat: Catalogue, kind: ReachKind): RegExp[] {
  const exact = (names: Iterable<string>) => new RegExp(`^(?:${[...names].map((n) => n.replace(/[^\w]/g, '')).join('|')})$`);
  const out = [...cat.chainBarriers, exact([...cat.noReturn, ...cat.assertions])];
  if (kind === 'alloc' || kind === 'sleep') out.push(exact([...cat.kernelMappers].filter(([, m]) => m.nests).map(([n]) => n)));
  // The legacy search does not go through the generic layer's own calls to the hooks (those are the generic search's).
  if (kind === 'enter-legacy') out.push(exact([...cat.lazyMode].filter(([, v]) => isGenericShape(v.shape)).map(([k]) => k)));
  return out;
}
