// lazy-mmu/nested-section: an enter reachable while the mode is already on,
// directly or through any chain of calls in the index (static inlines in
// headers, macros that wrap calls, --arch definitions). The classic case:
// with CONFIG_DEBUG_PAGEALLOC, a page allocation inside a section maps the
// page through __kernel_map_pages -> set_memory_valid -> apply_to_page_range
// -> apply_to_pte_range, which enters again.
import { Finding, PathStep } from '../findings';
import { ModeEvent, SectionCall } from '../analysis/interpreter';
import { ReachChain, ReachHop } from '../analysis/contextReach';
import { callNote, makeFinding, onePerPlace, related, sectionNote } from './sectionFinding';

/** A call's chain to a target for its arguments (contextReach.ts), or null. */
export type ChainFinder = (call: SectionCall) => ReachChain | null;

const ENTER: Record<string, string> = { legacy: 'arch_enter_lazy_mmu_mode', generic: 'lazy_mmu_mode_enable', ranged: 'lazy_mmu_mode_enable' };
const LEAVE: Record<string, string> = { legacy: 'arch_leave_lazy_mmu_mode', generic: 'lazy_mmu_mode_disable', ranged: 'lazy_mmu_mode_disable' };

/**
 * The seed-000 shape for the simulator: the section, the call that maps a
 * page through an inner section, then an access to that page before the
 * outer leave.
 */
function nestedPath(c: SectionCall): PathStep[] {
  const shape = c.section?.shape ?? 'legacy';
  const at = { file: c.at.file, line: c.at.line, column: c.at.column };
  const enterAt = c.section ? { file: c.section.file, line: c.section.line, column: c.section.column } : at;
  return [
    { op: ENTER[shape] ?? ENTER.legacy, ...enterAt },
    { op: 'alloc_page', ...at },
    { op: 'store', ...at },
    { op: LEAVE[shape] ?? LEAVE.legacy, ...at },
  ];
}

function consequence(shape: string | undefined): string {
  if (shape === 'generic' || shape === 'ranged')
    return 'under the generic nesting layer a nested enable only counts and the nested disable flushes, so this is allowed';
  return (
    'the legacy API does not permit nesting: on arm64 (v6.16, nest-tolerant) the inner leave ends batching for the rest of ' +
    'this section (safe, slower); with a naive nesting implementation the inner leave does nothing and an access to what ' +
    'the inner section mapped can fault; the generic nesting layer makes the nested disable flush'
  );
}

export function nestedSectionFindings(events: ModeEvent[], calls: SectionCall[], chainOf: ChainFinder): Finding[] {
  const out: Finding[] = [];
  for (const e of events) {
    if (e.kind !== 'nested-enter') continue;
    const shape = e.section?.shape;
    out.push(
      makeFinding(
        'lazy-mmu/nested-section',
        shape === 'legacy' || !shape ? 'warning' : 'info',
        e.at,
        e.fn,
        `${e.api}() enters the lazy MMU mode while this section is already on; ${consequence(shape)}`,
        sectionNote(e.section),
        e.conds,
      ),
    );
  }
  // Through calls: many calls of one section usually nest the same way (every
  // page freed or allocated under CONFIG_DEBUG_PAGEALLOC). One finding per
  // section, on the call that shows it best (in the section's own function,
  // fewest conditions, shortest chain); the other calls are listed in it.
  const rank = (c: SectionCall, conds: string[], hops: ReachHop[]) =>
    [c.section && c.fn === c.section.fn ? 0 : 1, conds.length, hops.length, c.at.line];
  const better = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  };
  const groups = new Map<string, { call: SectionCall; chain: ReachChain; hops: ReachHop[]; conds: string[]; others: SectionCall[] }>();
  for (const c of calls) {
    const chain = chainOf(c);
    if (!chain) continue;
    const hops = chain.hops;
    const conds = [...new Set([...c.conds, ...hops.flatMap((h) => h.conditions)])];
    const k = c.section ? `${c.section.file}:${c.section.line}` : `${c.fromFile}:${c.fn}`;
    const g = groups.get(k);
    if (!g) groups.set(k, { call: c, chain, hops, conds, others: [] });
    else if (better(rank(c, conds, hops), rank(g.call, g.conds, g.hops))) {
      g.others.push(g.call);
      Object.assign(g, { call: c, chain, hops, conds });
    } else g.others.push(c);
  }
  for (const { call: c, chain, hops, conds, others } of groups.values()) {
    const last = hops[hops.length - 1];
    const enterApi = chain.target;
    const enterFn = last ? last.message.split('(')[0] : '?';
    const when = conds.length ? ` when ${conds.join(' && ')}` : '';
    const shape = c.section?.shape;
    const also = others.length
      ? `; ${others.length} other call${others.length > 1 ? 's' : ''} in this section nest the same way (${[...new Set(others.map((o) => `${o.callee}()`))].slice(0, 6).join(', ')}${others.length > 6 ? ', ...' : ''})`
      : '';
    out.push(
      makeFinding(
        'lazy-mmu/nested-section',
        shape === 'legacy' || !shape ? 'warning' : 'info',
        c.at,
        c.fn,
        `${c.callee}() can enter the lazy MMU mode again (${enterApi}() in ${enterFn}(), ${hops.length} calls down)${when} ` +
          `while this section is on; ${consequence(shape)}${also}${chain.bounded ? ' (not decided: search bound)' : ''}`,
        [
          ...sectionNote(c.section),
          ...callNote(c, 'is called inside the section'),
          ...hops.map(related),
          ...others.map((o) => ({ ...related(o.at), message: `${o.callee}() nests the same way` })),
        ],
        conds,
        nestedPath(c),
      ),
    );
    if (chain.bounded) out[out.length - 1].notDecided = 'search bound';
  }
  return onePerPlace(out);
}
