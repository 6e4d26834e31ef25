// What the engine reports. Plain data: every front end (CLI text/JSON/SARIF,
// the language server) converts from these, so nothing here knows about LSP.

/** Rule ids, fixed so that every front end agrees. */
export const RULES = [
  'lazy-mmu/read-after-write',
  'lazy-mmu/nested-section',
  'lazy-mmu/unbalanced-section',
  'lazy-mmu/pause-misuse',
  'lazy-mmu/alloc-in-section',
  'lazy-mmu/sleep-in-section',
  'lazy-mmu/kernel-access-before-flush',
  'lazy-mmu/break-before-make',
] as const;
export type RuleId = (typeof RULES)[number];

export type Severity = 'error' | 'warning' | 'info';

/** A source position: absolute file path, 1-based line and column (column counts UTF-16 units of the line). */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export interface SourceRange extends SourcePos {
  endLine: number;
  endColumn: number;
}

/** One hop of a call chain or another place that explains a finding. */
export interface RelatedLocation extends SourcePos {
  message: string;
  /** A call-chain hop: conditions on its path the contextual search could not decide (in this hop's file). */
  undecided?: { text: string; line: number; column: number }[];
}

/** One kernel-level step of a flagged path, for replay on the simulator. */
export interface PathStep extends SourcePos {
  /** A kernel operation the simulator knows: arch_enter_lazy_mmu_mode, set_pte_at, ptep_get, ... */
  op: string;
}

export interface Finding extends SourceRange {
  rule: RuleId;
  severity: Severity;
  /** The function holding the flagged code. */
  function: string;
  message: string;
  /** Call chain and other explanation, in order (outermost hop first). */
  related: RelatedLocation[];
  /** Preprocessor or runtime conditions the finding depends on (e.g. "CONFIG_X", "!CONFIG_Y"). */
  conditions: string[];
  /**
   * The section rules: the chain was not decided for the call's arguments
   * (the search's work bound was hit) and is the call graph's.
   */
  notDecided?: 'search bound';
  /** The path's steps in order, for rules whose finding is a path (replayable). */
  path?: PathStep[];
  /** A fix the front ends can offer, as data: a new line before a given line, indented like it. */
  fix?: LineInsertion;
  /** The path replayed on the simulator, per kernel model (filled on request). */
  replay?: Record<string, ModelReplay>;
}

/**
 * A fix as data. Either a new line before `beforeLine`, indented like that
 * line, holding `text`; or `inserts`: texts put at exact 1-based positions
 * (used where a new line would change the meaning, e.g. the body of an `if`
 * without braces).
 */
export interface LineInsertion {
  title: string;
  beforeLine?: number;
  text?: string;
  inserts?: { line: number; column: number; text: string }[];
}

/** What one kernel model allows for a replayed path. */
export interface ModelReplay {
  /** The hazard's outcome (e.g. the read returns the old entry) is reachable. */
  exists: boolean;
  verdict: string;
  /** Null when exploration was complete. */
  bounded: string | null;
  outcomes: { faults: string[]; registers: Record<string, string>; entries: Record<string, string>; hazard: boolean }[];
  /** A witness: the hazard's when reachable, else the first outcome's. */
  steps: { file?: string; line?: number; operation: string; state: Record<string, unknown> }[];
}

/** A problem with the input (unreadable file, binary file, ...): reported, never thrown. */
export interface InputProblem {
  file: string;
  message: string;
}
