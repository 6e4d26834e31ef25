/**
 * Shared types of the lazy MMU simulator: scenario AST, machine values,
 * exploration results. No vscode / LSP imports here (engine code).
 */
import type { Guard } from './guard';

/** A source location of a kernel step (for replays of findings). */
export interface SourceLoc {
  file: string;
  line: number;
  col?: number;
}

/** A position in a scenario file (1-based). */
export interface Pos {
  line: number;
  col: number;
}

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

/**
 * A descriptor literal as written: `valid(a)`, `invalid`, `invalid(a, user)`.
 * `user` undefined means "not said": for writes it inherits the entry's kind,
 * in conditions it matches either kind.
 */
export interface DescLit {
  valid: boolean;
  page: string | null;
  user?: boolean;
  /** Hardware-managed fields; undefined: the default (af 1, db 1, dbm 0) when written, any when matched. */
  af?: boolean;
  db?: boolean;
  dbm?: boolean;
}

export type Arg =
  | { kind: 'name'; name: string; pos: Pos }
  | { kind: 'num'; value: number; pos: Pos }
  | { kind: 'desc'; desc: DescLit; pos: Pos }
  | { kind: 'reg'; reg: string; pos: Pos };

export interface OpStep {
  kind: 'op';
  op: string;
  args: Arg[];
  dest?: string;
  /** Registers the step's address depends on (a load cannot be satisfied before them). */
  deps?: string[];
  /** Registers a stored value depends on (data dependency; the litmus reader's load-buffering check). */
  vdeps?: string[];
  /** Runs only when this holds over the CPU's registers (forward branches; guard.ts). */
  guard?: Guard;
  /** A release atomic: earlier stores are observed before its write (machine.ts), none if it faults. */
  release?: boolean;
  label?: string;
  optional: boolean;
  loc?: SourceLoc;
  pos: Pos;
}

export interface InterruptStep {
  kind: 'interrupt';
  body: ProgStep[];
  label?: string;
  optional: boolean;
  loc?: SourceLoc;
  pos: Pos;
}

export type ProgStep = OpStep | InterruptStep;

export interface EntryDecl {
  name: string;
  init: DescLit;
  pos: Pos;
}

export interface PageDecl {
  name: string;
  value: number;
  pos: Pos;
}

export type CondValue = { kind: 'num'; value: number } | { kind: 'desc'; desc: DescLit };

export type Cond =
  | { kind: 'and'; left: Cond; right: Cond }
  | { kind: 'or'; left: Cond; right: Cond }
  | { kind: 'not'; inner: Cond }
  | { kind: 'true' }
  | { kind: 'fault'; cpu?: number; target: string; pos: Pos; /** Translation, AccessFlag, Permission; any when absent */ faultKind?: string }
  | { kind: 'error'; pos: Pos }
  | { kind: 'eq'; lhs: CondLhs; value: CondValue; negate: boolean; pos: Pos };

export type CondLhs =
  | { kind: 'reg'; cpu: number; reg: string }
  | { kind: 'entry'; name: string }
  | { kind: 'page'; name: string };

export type Quantifier = 'exists' | '~exists' | 'forall';

export interface Scenario {
  name: string;
  fileName: string;
  pages: PageDecl[];
  entries: EntryDecl[];
  cpus: { id: number; steps: ProgStep[]; pos: Pos }[];
  quantifier: Quantifier;
  condition: Cond | null;
  /** Verdict comment from the file header (`expect Allowed`), for fidelity tests. */
  expect?: 'Allowed' | 'Forbidden' | 'Required';
  /**
   * What a CPU does after a translation fault: carry on after the access
   * (the default, as a kernel's fixup would) or stop (herd7's `fatal`
   * faults, which litmus tests assume).
   */
  onFault?: 'continue' | 'stop';
  /**
   * Hardware management of the access flag (HA) and dirty state (HD) per
   * CPU (TCR_EL1.HA/HD, herd's TTHM); absent: neither.
   */
  hwUpdates?: { ha: boolean; hd: boolean }[];
}

export interface Bounds {
  /** Stop after this many distinct states (default 200000). */
  maxStates?: number;
  /** Do not expand paths longer than this many steps (default 400). */
  maxSteps?: number;
}

/** Machine state summary attached to every witness step (JSON-friendly). */
export interface StateSnapshot {
  entries: Record<string, string>;
  pages: Record<string, number>;
  cpus: {
    cpu: number;
    next: string;
    regs: Record<string, string>;
    storeBuffer: string[];
    tlb: Record<string, string>;
    pipeline: Record<string, string>;
    pendingTlbi: string[];
    kernel: Record<string, number>;
    deferred: string[];
  }[];
  faults: string[];
  errors: string[];
}

export type StepKind =
  | 'kernel'
  | 'machine'
  | 'skip'
  | 'commit'
  | 'tlbi-complete'
  | 'tlb-fill'
  | 'tlb-evict'
  | 'walk-early'
  /** the hardware sets the access flag or the dirty state of an entry */
  | 'hw-update';

export interface Step {
  index: number;
  cpu: number;
  kind: StepKind;
  text: string;
  label?: string;
  loc?: SourceLoc;
  /** Line of the scenario step this belongs to, when any. */
  scenarioLine?: number;
  state: StateSnapshot;
}

export interface Outcome {
  id: number;
  /** `P0:L0` (or `P0:#3` for an unlabelled step) with the VA: `P0:L0:x`. */
  faults: string[];
  registers: Record<string, string>;
  entries: Record<string, string>;
  pages: Record<string, number>;
  errors: string[];
  /** Whether this outcome satisfies the scenario's condition. */
  satisfies: boolean;
  witness: Step[];
}

export interface SimResult {
  model: string;
  /** Some reachable outcome satisfies the condition. */
  exists: boolean;
  /** Every reachable outcome satisfies it (herd's "Required"). */
  always: boolean;
  /** herd-style verdict of the condition: Allowed / Forbidden / Required. */
  verdict: 'Allowed' | 'Forbidden' | 'Required';
  outcomes: Outcome[];
  /** One witness of an outcome satisfying the condition, or null. */
  witness: Step[] | null;
  /** Null when exploration was complete; otherwise why it stopped. */
  bounded: null | string;
  states: number;
  errors: Diagnostic[];
}
