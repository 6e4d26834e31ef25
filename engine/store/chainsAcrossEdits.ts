// The section calls' chain phases (keptChains.ts: one kind's chains for one
// check scope) kept in memory from one check to the next while the editor
// edits: the checks after an edit do not use the disk store's phases (their
// keys would cost an edit's latency), and computing every phase again was
// 10-16 ms of an ordinary edit of mm/memory.c, although the edit touched
// nothing the searches read.
//
// A phase computed in this process is kept with what its searches read
// (ChainRecorder) and holds while:
// - every survey it read is still the interpreter's (the same memo entry:
//   an edit of the surveyed function, or of a name it looked up, or of the
//   global initializers it read, makes a new one);
// - no name it resolved changed (IndexDelta.changedNames: definitions or
//   macros added, removed, or changed beyond their line);
// - each call-graph answer it read is the same (asked again only after the
//   searches changed);
// - it read nothing keyed more coarsely (ChainRecorder.wide: the call
//   graph's own chain, a survey cut short, a definition not parsed).
// Its hops' places in the edited file are moved as the interpreter moves its
// summaries' (each hop lies in a surveyed function, which did not change, so
// all of it moves alike). Which calls ask for chains is ChainPhase's: served
// while they are the ones the phase was made for, in the same order.
import type { Interpreter } from '../analysis/interpreter';
import type { ReachChain } from '../analysis/contextReach';
import type { MemoEntry } from '../analysis/summaries/store';
import type { Reparse } from '../analysis/sourceCache';
import type { IndexDelta } from '../index/workspaceIndex';
import type { ChainProduct, ChainRecorder } from './keptChains';

interface KeptPhase {
  product: ChainProduct;
  names: Set<string>;
  surveyed: MemoEntry[];
  entries: [string, string, number][];
  /** The searches' generation the entries were last found to hold in. */
  searches: number;
}

/** Phases kept and served since the process started (tests, benches). */
export const phaseCounts = { kept: 0, served: 0 };

/** Scopes kept at most (an editor checks its open files: a scope each). */
const MAX_SCOPES = 8;

export class ChainsAcrossEdits {
  /** `kind\0scope` -> the phase last computed, in the order kept (oldest scope first). */
  private phases = new Map<string, KeptPhase>();
  private searches = 0;

  /** A phase computed live now: kept unless it read what is not keyed finer. */
  keep(id: string, product: ChainProduct, reads: ChainRecorder): void {
    this.phases.delete(id);
    if (reads.wide) return;
    this.phases.set(id, { product, names: new Set(reads.names), surveyed: [...reads.surveyed], entries: [...reads.entries.values()], searches: this.searches });
    phaseCounts.kept++;
    const scopes = [...new Set([...this.phases.keys()].map((k) => k.slice(k.indexOf('\0') + 1)))];
    for (const old of scopes.slice(0, Math.max(0, scopes.length - MAX_SCOPES)))
      for (const k of [...this.phases.keys()]) if (k.slice(k.indexOf('\0') + 1) === old) this.phases.delete(k);
  }

  /** The phase's chains when everything it read holds now, else null (and the phase is let go of). */
  productOf(id: string, interp: Interpreter, entryDist: (name: string, file: string) => number): ChainProduct | null {
    const p = this.phases.get(id);
    if (!p) return null;
    const holds =
      p.surveyed.every((e) => interp.surveyStillHeld(e)) &&
      (p.searches === this.searches || p.entries.every(([name, file, dist]) => entryDist(name, file) === dist));
    if (!holds) {
      this.phases.delete(id);
      return null;
    }
    p.searches = this.searches;
    phaseCounts.served++;
    return p.product;
  }

  /**
   * `file` was indexed again after an edit: phases that resolved a changed
   * name are let go of, the others' places in the file moved; without a
   * reparse (the file was not parsed before) every phase is let go of.
   */
  edited(file: string, delta: IndexDelta, reparse: Reparse | null, searchesChanged: boolean): void {
    if (searchesChanged) this.searches++;
    for (const [id, p] of this.phases) {
      if (!reparse || [...delta.changedNames].some((n) => p.names.has(n))) {
        this.phases.delete(id);
        continue;
      }
      // Chains share hops (the searches' memo, kept shared by structuredClone): each place is moved once.
      const moved = new Set<object>();
      for (const r of p.product.results) if (r) moveChain(r, file, reparse.move, moved);
    }
  }

  clear(): void {
    this.phases.clear();
  }
}

/** Moves a chain's places in `file` (its hops and their undecided guards') not in `moved` yet. */
function moveChain(r: ReachChain, file: string, move: Reparse['move'], moved: Set<object>): void {
  for (const h of r.hops) {
    for (const p of [h, ...(h.undecided ?? [])]) {
      if (p.file !== file || moved.has(p)) continue;
      moved.add(p);
      [p.line, p.column] = move(p.line, p.column);
    }
  }
}
