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
}

/** A problem with the input (unreadable file, binary file, ...): reported, never thrown. */
export interface InputProblem {
  file: string;
  message: string;
}
