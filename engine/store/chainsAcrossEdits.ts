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
//
// An edit inside a surveyed function (typing `cpu_relax();` into
// apply_to_p4d_range: every nesting chain of mm/memory.c passes through it)
// drops its survey; the phase then holds when the survey made again gives
// what the searches follow exactly as before (ContextReach.followed: a call
// added that leads nowhere is not followed), the early cut-off the
// interpreter makes for summaries. The edited function's surveys are kept
// as they were, their places moved with the text (a place the edit replaced
// marked gone), to be compared; a name it defines counts as changed only
// when its lookup did (IndexDelta.lookupNames: what resolve() gives), since
// what its text gives the searches is its surveys'. Without this, such an
// edit searched every chain of the phase again (150-350 ms on 6.12).
//
// A phase whose edited function's survey is followed otherwise (a real
// change: typing `cpu_relax();` before a `continue;` in apply_to_pmd_range
// makes the continue unconditional) is set aside, not dropped, and moved with
// the edits as the kept ones are: when a later edit gives that function its
// text back (the statement taken out again, an undo), its surveys made again
// are followed as the set-aside phase's were and it is served whole, by the
// same test as any kept phase (surveysHold). Before, the undo searched the
// phase again from its start (~110-330 ms on 6.12 for line 2852).
import type { Interpreter } from '../analysis/interpreter';
import type { ContextReach, ReachChain } from '../analysis/contextReach';
import type { SurveyCall } from '../analysis/records';
import type { Binding } from '../analysis/values';
import { fileOfFnKey } from './contentKeys';
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
  /** Per survey entry, the bindings the searches asked it with. */
  asked: Map<MemoEntry, Map<string, Binding | undefined>>;
  /** The surveys of functions edited since (dropped by the interpreter): their calls as they were, places moved. */
  before: Map<MemoEntry, Before>;
}

/** A survey's call as it was before its function was edited; `gone` when the edit replaced its place. */
type Before = (SurveyCall & { gone?: boolean })[];

/**
 * Phases kept and served since the process started (tests, benches);
 * `resurveyed`: served after an edited function's survey was made again and
 * gave the same; `setAsideServed`: served from the phases set aside (an undo).
 */
export const phaseCounts = { kept: 0, served: 0, resurveyed: 0, setAsideServed: 0 };

/** Scopes kept at most (an editor checks its open files: a scope each). */
const MAX_SCOPES = 8;

/** Phases set aside per kind and scope at most (the newest kept): the texts an undo can go back to. */
const MAX_SET_ASIDE = 2;

export class ChainsAcrossEdits {
  /** `kind\0scope` -> the phase last computed, in the order kept (oldest scope first). */
  private phases = new Map<string, KeptPhase>();
  /** `kind\0scope` -> phases dropped because an edited function's survey was followed otherwise, newest first (see the header). */
  private setAside = new Map<string, KeptPhase[]>();
  private searches = 0;

  /** A phase computed live now: kept unless it read what is not keyed finer. */
  keep(id: string, product: ChainProduct, reads: ChainRecorder): void {
    this.phases.delete(id);
    if (reads.wide) return;
    this.phases.set(id, { product, names: new Set(reads.names), surveyed: [...reads.surveyed], entries: [...reads.entries.values()], searches: this.searches, asked: new Map(reads.asked), before: new Map() });
    phaseCounts.kept++;
    const scopes = [...new Set([...this.phases.keys()].map((k) => k.slice(k.indexOf('\0') + 1)))];
    for (const old of scopes.slice(0, Math.max(0, scopes.length - MAX_SCOPES)))
      for (const k of [...this.phases.keys()]) if (k.slice(k.indexOf('\0') + 1) === old) this.phases.delete(k), this.setAside.delete(k);
  }

  /**
   * The phase's chains when everything it read holds now, else null (and the
   * phase is let go of). `search` gives the kind's contextual search, asked
   * only to make an edited function's surveys again.
   */
  productOf(id: string, interp: Interpreter, entryDist: (name: string, file: string) => number, search?: () => ContextReach): ChainProduct | null {
    const holds = (p: KeptPhase): 'holds' | 'followed otherwise' | 'not' => {
      if (p.searches !== this.searches && !p.entries.every(([name, file, dist]) => entryDist(name, file) === dist)) return 'not';
      return this.surveysHold(p, interp, search) ? 'holds' : 'followed otherwise';
    };
    const p = this.phases.get(id);
    let failed: KeptPhase | null = null;
    if (p) {
      const h = holds(p);
      if (h === 'holds') return this.serve(p);
      this.phases.delete(id);
      if (h === 'followed otherwise') failed = p;
    }
    // An edit taken back: a phase set aside for the text as it was holds again.
    const aside = this.setAside.get(id) ?? [];
    for (let i = 0; i < aside.length; i++) {
      const q = aside[i];
      const h = holds(q);
      if (h === 'followed otherwise') continue;
      aside.splice(i--, 1);
      if (h === 'not') continue;
      this.phases.set(id, q);
      phaseCounts.setAsideServed++;
      if (failed) aside.unshift(failed);
      return this.serve(q);
    }
    if (failed) {
      aside.unshift(failed);
      aside.length = Math.min(aside.length, MAX_SET_ASIDE);
      this.setAside.set(id, aside);
    }
    return null;
  }

  private serve(p: KeptPhase): ChainProduct {
    p.searches = this.searches;
    phaseCounts.served++;
    return p.product;
  }

  /** Whether every survey the phase read is still held, or was made again after an edit and is followed alike (the phase then reads the new ones). */
  private surveysHold(p: KeptPhase, interp: Interpreter, search?: () => ContextReach): boolean {
    if (p.surveyed.every((e) => interp.surveyStillHeld(e))) {
      p.before.clear();
      return true;
    }
    if (!search) return false;
    let reach: ContextReach | null = null;
    const surveyed: MemoEntry[] = [];
    const entries: [string, string, number][] = [];
    const names: string[] = [];
    const asked = new Map<MemoEntry, Map<string, Binding | undefined>>();
    const ask = (e: MemoEntry, key: string, b: Binding | undefined) => {
      let bs = asked.get(e);
      if (!bs) asked.set(e, (bs = new Map()));
      bs.set(key, b);
    };
    for (const e of p.surveyed) {
      if (interp.surveyStillHeld(e)) {
        surveyed.push(e);
        for (const [k, b] of p.asked.get(e) ?? []) ask(e, k, b);
        continue;
      }
      const before = p.before.get(e);
      const bindings = p.asked.get(e);
      if (!before || !bindings) return false;
      reach ??= search();
      const file = fileOfFnKey(e.fnKey);
      const was = reach.followed(before, file).join('\n');
      for (const [k, b] of bindings) {
        const now = reach.surveyAgain(e.fnKey, b);
        if (!now || now.followed.join('\n') !== was) return false;
        surveyed.push(now.entry);
        ask(now.entry, k, b);
        for (const [n, f] of now.none) entries.push([n, f, -1]);
        names.push(...now.entry.names);
      }
    }
    p.surveyed = [...new Set(surveyed)];
    p.asked = asked;
    p.before.clear();
    p.entries.push(...entries);
    for (const n of names) p.names.add(n);
    phaseCounts.resurveyed++;
    return true;
  }

  /**
   * `file` was indexed again after an edit: phases that resolved a changed
   * name are let go of, the others' places in the file moved; without a
   * reparse (the file was not parsed before) every phase is let go of.
   */
  edited(file: string, delta: IndexDelta, reparse: Reparse | null, searchesChanged: boolean, interp?: Interpreter | null): void {
    if (searchesChanged) this.searches++;
    // Names of the file's functions whose text changed: their surveys are compared when made again (surveysHold).
    const editedNames = new Set([...(reparse?.changedFunctions ?? [])].filter((k) => fileOfFnKey(k) === file).map(nameOfKey));
    const resolvedAlike = (n: string) => !delta.lookupNames.has(n) && editedNames.has(n);
    // Whether a phase outlives the edit (its edited functions' surveys kept as they were, its places moved); one set aside too.
    const keptAndMoved = (p: KeptPhase): boolean => {
      if (!reparse || [...delta.changedNames].some((n) => p.names.has(n) && !resolvedAlike(n)) || !keepBefore(p, reparse, interp)) return false;
      // Chains share hops (the searches' memo, kept shared by structuredClone): each place is moved once.
      const moved = new Set<object>();
      for (const r of p.product.results) if (r) moveChain(r, file, reparse.move, moved);
      for (const calls of p.before.values()) moveCalls(calls, file, reparse);
      return true;
    };
    for (const [id, p] of this.phases) if (!keptAndMoved(p)) this.phases.delete(id);
    for (const [id, aside] of this.setAside) {
      const kept = aside.filter(keptAndMoved);
      if (kept.length) this.setAside.set(id, kept);
      else this.setAside.delete(id);
    }
  }

  clear(): void {
    this.phases.clear();
    this.setAside.clear();
  }
}

/**
 * Keeps, before the interpreter drops them, the surveys of the functions the
 * edit changed as they are (copies; moved by the caller with the rest); false
 * when one is no longer the interpreter's (its places were not kept moved).
 */
function keepBefore(p: KeptPhase, reparse: Reparse, interp?: Interpreter | null): boolean {
  for (const e of p.surveyed) {
    if (!reparse.changedFunctions.has(e.fnKey) || p.before.has(e)) continue;
    if (!interp?.surveyStillHeld(e)) return false;
    p.before.set(
      e,
      (e.sum.surveyCalls ?? []).map((c) => ({ ...c, at: { ...c.at }, undecided: c.undecided.map((u) => ({ ...u })) })),
    );
  }
  return true;
}

/** Moves the places in `file` of a survey's calls kept as they were; one the edit replaced is marked gone. */
function moveCalls(calls: Before, file: string, reparse: Reparse): void {
  for (const c of calls)
    for (const p of [c.at, ...c.undecided]) {
      if (p.file !== file) continue;
      if (reparse.replaced?.(p.line, p.column)) c.gone = true;
      [p.line, p.column] = reparse.move(p.line, p.column);
    }
}

/** A function key's name (FunctionRef.key: file NUL name#rank). */
const nameOfKey = (key: string) => key.slice(key.indexOf('\0') + 1, key.lastIndexOf('#'));

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
