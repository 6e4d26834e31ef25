// The call-graph searches behind the section rules (nesting, allocation,
// sleep), kept while a Workspace lives: one whole-tree search per kind
// (index/reachability.ts), taken from the analysis store when its inputs and
// the call graph are as they were, brought up to date in place after an edit
// near a chain; and the contextual search of a kind for one check
// (analysis/contextReach.ts) built on it. The Workspace is reached through
// SectionSearchesHost (this module never imports it).
import type { Catalogue } from '../catalogue/catalogue';
import type { TreeArchitectures } from '../architectures';
import type { Interpreter } from '../analysis/interpreter';
import type { SourceCache } from '../analysis/sourceCache';
import type { Binding } from '../analysis/values';
import { ContextReach } from '../analysis/contextReach';
import { Reachability, anyMatch } from '../index/reachability';
import type { IndexDelta, WorkspaceIndex } from '../index/workspaceIndex';
import type { AnalysisStore, StoreCounts } from '../store/analysisStore';
import { chainHops } from './callChain';
import { gfpFlags } from './sleepInSection';
import { REACH_KINDS, ReachKind, reachBarriers, reachTargets } from './reachKinds';

/** One depth for every section rule's chains (calls from the section's call to the target). */
export const CHAIN_DEPTH = 24;

/** What the searches read of the Workspace they are kept for. */
export interface SectionSearchesHost {
  index: WorkspaceIndex;
  catalogue: Catalogue;
  sources: SourceCache;
  architectures: TreeArchitectures;
  /** The analysis store, opened and keyed for the index as it is now (null: none). */
  store(): AnalysisStore | null;
  /** The current check's counts (a search taken from the store or computed is counted there). */
  counts(): StoreCounts;
  /** The interpreter the contextual searches survey with (the check's). */
  interpreter(): Interpreter;
  /** Functions the contextual search of one section call surveys at most (WorkspaceOptions.contextSearchBound). */
  contextSearchBound?: number;
}

export class SectionSearches {
  /** The whole-tree searches, kept until an edit near a chain (Reachability.staleAfter). */
  private readonly reaches = new Map<ReachKind, Reachability>();
  private readonly targetSets = new Map<ReachKind, Set<string>>();

  constructor(private readonly host: SectionSearchesHost) {}

  /**
   * One of the call-graph searches behind the section checkers, computed
   * once and kept: the same depth and the same barriers for each (the
   * catalogue's chainBarriers, and calls that never return, BUG() and
   * panic() and the assertions around them: past those the kernel is going
   * down, not batching). A chain also ends at a helper that opens a section
   * of its own (kernelMappers marked `nests`: set_memory_valid(),
   * apply_to_page_range(), ...): the enter search has reached its target
   * there and shows the way in; the allocation and sleep searches do not go
   * inside, since what that helper does is the nested section's, reported as
   * nesting (under DEBUG_PAGEALLOC every page freed in a section would
   * otherwise "allocate" the page tables of the linear map it remaps).
   */
  reach(kind: ReachKind): Reachability {
    let r = this.reaches.get(kind);
    if (!r) {
      const { index, catalogue, architectures } = this.host;
      const store = this.host.store();
      const inputs = JSON.stringify([kind, [...this.targets(kind)].sort(), reachBarriers(catalogue, kind).map((b) => b.source), CHAIN_DEPTH]);
      const stored = store?.search(kind, inputs) ?? undefined;
      // Test code is never part of a chain (catalogue testCodeFiles).
      r = new Reachability(index, this.targets(kind), CHAIN_DEPTH, reachBarriers(catalogue, kind), (file) => architectures.isTestCode(file), stored);
      if (store) {
        if (stored) this.host.counts().searchesFromStore++;
        else {
          this.host.counts().searchesComputed++;
          const computed = r;
          store.putSearch(kind, inputs, () => computed.toStored(), (file) => computed.keepRanksOf(file));
        }
      }
      this.reaches.set(kind, r);
    }
    return r;
  }

  /** A kind's targets, made once (expands() asks for every macro a survey meets). */
  private targets(kind: ReachKind): Set<string> {
    let t = this.targetSets.get(kind);
    if (!t) this.targetSets.set(kind, (t = reachTargets(this.host.catalogue, kind)));
    return t;
  }

  /** The contextual search of one rule, for one check (its surveys are kept by the interpreter). */
  contextReach(kind: ReachKind): ContextReach {
    const { index, sources, catalogue: cat } = this.host;
    const reach = this.reach(kind);
    const targets = this.targets(kind);
    const isTarget = (name: string, args: string[], binding?: Binding) =>
      targets.has(name) && !(kind === 'sleep' && gfpFlags(cat, name, args, binding) === 'no');
    // An allocation whose flags do not sleep can still map a page (DEBUG_PAGEALLOC nesting): only the sleep search stops there.
    const stops = (name: string, args: string[], binding?: Binding) => kind === 'sleep' && gfpFlags(cat, name, args, binding) === 'no';
    const isBarrier = anyMatch(reachBarriers(cat, kind));
    return new ContextReach(this.host.interpreter(), index, sources, reach, (node) => chainHops(reach, node, sources), isTarget, stops, isBarrier, kind === 'sleep', CHAIN_DEPTH, this.host.contextSearchBound);
  }

  /** Surveys run a macro in place only when it can reach what some section rule looks for (by name). */
  expands(name: string): boolean {
    return REACH_KINDS.some((k) => this.targets(k).has(name) || !!this.reach(k).entry(name, ''));
  }

  /** A search taken from the store is decoded a file at a time: `file`'s part, before it changes. */
  decodeFile(file: string): void {
    for (const r of this.reaches.values()) r.decodeFile(file);
  }

  /**
   * After the index changed: the searches it can affect brought up to date,
   * or dropped (computed again when next asked for). Whether any was.
   * `beforeChange` hears each such search's kind first (the store makes its
   * pending serial form from the answer as it was).
   */
  afterIndexChange(delta: IndexDelta, beforeChange: (kind: ReachKind) => void = () => {}): boolean {
    let changed = false;
    for (const [k, r] of this.reaches)
      if (r.staleAfter(delta)) {
        beforeChange(k);
        // Brought up to date in place (reachability.ts update), else computed again when next asked for.
        if (!r.update(delta)) this.reaches.delete(k);
        changed = true;
      }
    return changed;
  }

  /** Lets go of every search (a new index, or the analysis released). */
  clear(): void {
    this.reaches.clear();
  }
}
