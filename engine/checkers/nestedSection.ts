// lazy-mmu/nested-section: an enter reachable while the mode is already on,
// directly or through any chain of calls in the index (static inlines in
// headers, macros that wrap calls, --arch definitions). The classic case:
// with CONFIG_DEBUG_PAGEALLOC, a page allocation inside a section maps the
// page through __kernel_map_pages -> set_memory_valid -> apply_to_page_range
// -> apply_to_pte_range, which enters again.
//
// Judged by API shape: a generic-layer enable reached inside a section the
// generic layer opened is what that layer's contract allows (it only counts),
// so it is 'allowed' (shown on request, as a hint). Nesting into or out of
// the legacy hooks stays a warning: a hazard where an implementation in the
// tree stops the kernel on a nested enter and the path can run there.
//
// Chains are the contextual search's (analysis/contextReach.ts): a call is
// followed only where it can happen for the arguments the section passes,
// through function pointers the facts name.
import { Finding, Impact, PathStep } from '../findings';
import { ModeEvent, SectionCall } from '../analysis/records';
import { ReachChain } from '../analysis/contextReach';
import { Catalogue } from '../catalogue/catalogue';
import { TreeArchitectures, nameList } from '../architectures';
import { code, fitHead, Message, sentence, Sentence } from '../message';
import { chainConditions } from './callChain';
import { Cond } from '../config/cond';
import { bestPerSection, callNote, filesOf, makeFinding, onePerPlace, related, SectionCandidate, sectionNote } from './sectionFinding';

/** A call's chain to a target for its arguments (contextReach.ts), or null. */
export type ChainFinder = (call: SectionCall) => ReachChain | null;

const ENTER: Record<string, string> = { legacy: 'arch_enter_lazy_mmu_mode', generic: 'lazy_mmu_mode_enable', ranged: 'lazy_mmu_mode_enable' };
const LEAVE: Record<string, string> = { legacy: 'arch_leave_lazy_mmu_mode', generic: 'lazy_mmu_mode_disable', ranged: 'lazy_mmu_mode_disable' };

/** The enter searches the checker needs: to the generic layer's enables, and to the legacy (and arch-private) hooks. */
export interface EnterReach {
  generic: ChainFinder;
  legacy: ChainFinder;
}

const isGeneric = (shape: string | undefined) => shape === 'generic' || shape === 'ranged';

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

/** Why the shape of the two sections matters, in one sentence. */
function shapeSentence(outer: string | undefined, innerApi: string, cat: Catalogue): Sentence {
  const inner = cat.lazyMode.get(innerApi)?.shape;
  if (isGeneric(outer) && isGeneric(inner)) return sentence`The generic layer opened both sections and only counts the nested enable: allowed`;
  if (isGeneric(outer)) return sentence`${code(`${innerApi}()`)} inside a generic-layer section bypasses the layer's nesting count`;
  if (isGeneric(inner)) return sentence`The outer section uses the legacy hooks, so the generic layer enters the mode a second time`;
  return sentence`The legacy API does not permit nesting`;
}

function impactOf(allowed: boolean, files: Set<string>, arch: TreeArchitectures, conds: Cond[]): { impact: Impact; why: Sentence } {
  // The generic layer never lets an implementation see a nested enable: only the legacy shapes can crash it.
  const crash = allowed ? [] : arch.misbehaving(files, (i) => i.nestingCrashes, conds);
  if (crash.length) {
    const names = crash.map((i) => i.name);
    return { impact: { kind: 'hazard', architectures: names }, why: sentence`On ${nameList(names)} the nested enter stops the kernel (a BUG_ON on nesting)` };
  }
  if (allowed) return { impact: { kind: 'allowed', architectures: [] }, why: [] };
  return { impact: { kind: 'contract', architectures: [] }, why: sentence`No implementation in this tree misbehaves on this path` };
}

export function nestedSectionFindings(
  events: ModeEvent[],
  calls: SectionCall[],
  reach: EnterReach,
  cat: Catalogue,
  arch: TreeArchitectures,
): Finding[] {
  const out: Finding[] = [];
  // Through calls: one finding per section and verdict (sectionFinding.ts bestPerSection).
  const cands: SectionCandidate<{ chain: ReachChain; allowed: boolean }>[] = [];
  for (const c of calls) {
    const outer = c.section?.shape;
    // A legacy enter reachable is judged first (it is never allowed), then the generic layer's.
    const legacy = reach.legacy(c);
    const chain = legacy ?? reach.generic(c);
    if (!chain) continue;
    const allowed = !legacy && isGeneric(outer);
    const conds = chainConditions(c.conds, chain.hops);
    if (!conds) continue; // the chain needs what the configuration rules out
    cands.push({ call: c, hops: chain.hops, conds, data: { chain, allowed } });
  }
  for (const { call: c, hops, conds, data, others } of bestPerSection(cands, (x) => String(x.data.allowed))) {
    const { chain, allowed } = data;
    const last = hops[hops.length - 1];
    const enterApi = chain.target || last?.callee || ENTER[c.section?.shape ?? 'legacy'];
    const enterFn = last?.caller ?? c.callee;
    const callee = code(`${c.callee}()`);
    const head = fitHead(
      sentence`${callee} can enter the lazy MMU mode again: ${code(`${enterApi}()`)} in ${code(`${enterFn}()`)}, ${hops.length} call${hops.length > 1 ? 's' : ''} down`,
      sentence`${callee} can enter the lazy MMU mode again (${code(`${enterApi}()`)} in ${code(`${enterFn}()`)})`,
      sentence`${callee} can enter the lazy MMU mode again`,
    );
    const { impact, why } = impactOf(allowed, filesOf([c.at, c.section], hops), arch, conds);
    const also = others.length ? sentence`${others.length} other call${others.length > 1 ? 's in this section nest' : ' in this section nests'} the same way` : [];
    const undecided = chain.bounded ? sentence`Not decided for these arguments (search bound): the call graph's chain` : [];
    const f =
      makeFinding(
        'lazy-mmu/nested-section',
        allowed ? 'hint' : 'warning',
        c.at,
        c.fn,
        [head, shapeSentence(c.section?.shape, enterApi, cat), why, also, undecided],
        impact,
        [
          ...sectionNote(c.section),
          ...callNote(c, 'is called inside the section'),
          ...hops.map(related),
          ...others.map((o) => ({ ...related(o.at), message: `${o.callee}() nests the same way` })),
        ],
        conds,
        nestedPath(c),
      );
    if (chain.bounded) f.notDecided = 'search bound';
    out.push(f);
  }
  // Direct nested enters. One inside a callee that a chain above already shows
  // (the same enter call, reached from the section's call) is left to that finding.
  const shown = new Set(out.flatMap((f) => f.related.map((r) => `${r.file}:${r.line}:${r.column}`)));
  for (const e of events) {
    if (e.kind !== 'nested-enter') continue;
    if (e.section && e.fn !== e.section.fn && shown.has(`${e.at.file}:${e.at.line}:${e.at.column}`)) continue;
    const outer = e.section?.shape;
    const allowed = isGeneric(outer) && isGeneric(cat.lazyMode.get(e.api)?.shape);
    const { impact, why } = impactOf(allowed, filesOf([e.at, e.section]), arch, e.conds);
    const message: Message = [sentence`${code(`${e.api}()`)} enters the lazy MMU mode again inside this section`, shapeSentence(outer, e.api, cat), why];
    out.push(makeFinding('lazy-mmu/nested-section', allowed ? 'hint' : 'warning', e.at, e.fn, message, impact, sectionNote(e.section), e.conds));
  }
  return onePerPlace(out);
}
