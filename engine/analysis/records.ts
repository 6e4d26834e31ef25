// What the interpreter reports, neutral of any rule: reads of entries with
// pending writes (ReadHit), lazy-mode calls that do not fit the mode
// (ModeEvent), calls made while batching (SectionCall), calls through pointers
// not followed (IndirectCall) and a survey's calls (SurveyCall). The checkers
// turn them into findings; a record holds places (Hop), never text positions.
import type { Cond } from '../config/cond';
import type { Binding } from './values';
import type { GuardNote, Hop, PendingWrite, SectionStart } from './pathState';

/** A read of an entry written earlier in the same section, with no flush between. */
export interface ReadHit {
  /** The read itself. */
  read: Hop;
  /** Calls from the analysed function down to the function holding the read. */
  readChain: Hop[];
  write: PendingWrite;
  conds: Cond[];
  /** Function holding the read. */
  fn: string;
  /** The enter call of the section the read is in (when seen). */
  section?: SectionStart;
}

/** A read, inside a callee, of the entry a parameter pointed at when the callee was entered. */
export interface EntryRead {
  param: number;
  read: Hop;
  readChain: Hop[];
  conds: Cond[];
  fn: string;
}

/** A lazy-mode call that does not fit the mode it is made in. */
export interface ModeEvent {
  kind: 'nested-enter' | 'leave-without-enter' | 'pause-outside' | 'resume-without-pause';
  at: Hop;
  /** The api called. */
  api: string;
  section?: SectionStart;
  conds: Cond[];
  fn: string;
}

/** A call made inside a section: where, to what, in which section. */
export interface SectionCall {
  at: Hop;
  callee: string;
  args: string[];
  fromFile: string;
  section?: SectionStart;
  conds: Cond[];
  fn: string;
  /** The facts the call's arguments carry on this path (the callee's context for the contextual search). */
  binding?: Binding;
  /** A call through a pointer: the expression called (`fn`, `ops->pte_entry`); `callee` is what it designates here. */
  via?: string;
  /** When the pointer was bound by callers of the analysed root: their calls, from the one that names the function down. */
  origin?: Hop[];
  /** Made while a spinlock is held (or preemption is off) on the path: atomic whatever the lazy mode. */
  atomic?: boolean;
}

/** A call through a pointer inside a section whose target is not known on the path. */
export interface IndirectCall {
  at: Hop;
  /** The expression called. */
  expr: string;
  fn: string;
  /** The parameter of `fn` the expression starts from (`fn`, `ops->pte_entry`), if any. */
  param?: number;
}

/** A call a survey found (Interpreter.survey): made while batching, with its arguments' facts and the guards not decided on its path. */
export interface SurveyCall {
  at: Hop;
  /** The functions (or macros, or catalogue APIs) called: one, or those a pointer may designate. */
  names: string[];
  via?: string;
  /** A call through a pointer: the file the function was named in (where its name is looked up). */
  from?: string;
  binding?: Binding;
  args: string[];
  /** What guards the call in the source (if-conditions, #if branches); the chains name its switches. */
  guard: Cond;
  /** Conditions on the path to the call that the facts could not decide and that the context could have. */
  undecided: GuardNote[];
  /** A macro whose body the survey ran in place: its calls are recorded themselves. */
  expanded?: boolean;
  /** Made while a spinlock is held (or preemption is off) on the path. */
  atomic?: boolean;
}

/** One record per place; a call through a pointer per place and function designated. */
export function sectionCallKey(c: { at: Hop; callee: string; via?: string }): string {
  return `${c.at.file}:${c.at.line}:${c.at.column}${c.via ? `:${c.callee}` : ''}`;
}
