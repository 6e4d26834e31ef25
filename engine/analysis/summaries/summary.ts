// A function's summary in one context: per distinct outcome (return value,
// entries written through parameters, flushed or not, mode at exit, exit
// place) and the records its run made. What a caller takes from it is
// applied by summaries/apply.ts; the memo that keeps summaries is store.ts.
import type { Kinds } from '../entryValues';
import type { Hop, ModeState, PendingWrite, SectionStart, Val } from '../pathState';
import type { Cond } from '../../config/cond';
import type { EntryRead, IndirectCall, ModeEvent, ReadHit, SectionCall, SurveyCall } from '../records';

/** The kinds of value the caller's pending writes left in the entries of the dirty parameters (by parameter index). */
export type ParamValues = Map<number, Kinds>;

export interface Outcome {
  ret: Val;
  exitAt?: Hop;
  /** The goto/break that left this path's mode unlike other paths (PathState.leftBy): where it leaves, when set. */
  leftBy?: Hop;
  section?: SectionStart;
  /** Parameter index -> the write (inside the callee) still pending at return. */
  writes: Map<number, PendingWrite>;
  flushed: boolean;
  mode: ModeState;
  conds: Cond[];
}

export interface FunctionSummary {
  outcomes: Outcome[];
  entryReads: EntryRead[];
  hits: ReadHit[];
  /** Calls through pointers made while batching whose target the facts did not name (gathered like sectionCalls). */
  indirectCalls: IndirectCall[];
  /** Surveys only: the calls made while batching, with what the facts make of them (see Interpreter.survey). */
  surveyCalls?: SurveyCall[];
  /** Surveys only: the work bound cut the survey short (its calls are not all there). */
  surveyCut?: boolean;
  /**
   * This run's own lazy-mode events and calls made while batching (site and
   * callee, for the reachability checkers). A callee's are not copied in:
   * `Interpreter.records` gathers them over the summaries a root used, so
   * that a callee whose calls changed leaves its callers' summaries as they were.
   */
  modeEvents: ModeEvent[];
  sectionCalls: SectionCall[];
  /** Lazy-mode operations this function's own body performs (not its callees'). */
  ownOps: Set<string>;
}

export const EMPTY: FunctionSummary = { outcomes: [], entryReads: [], hits: [], indirectCalls: [], modeEvents: [], sectionCalls: [], ownOps: new Set() };
