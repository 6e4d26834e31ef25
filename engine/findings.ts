// What the engine reports. Plain data: every front end (CLI text/JSON/SARIF,
// the language server) converts from these, so nothing here knows about LSP.
import type { Cond } from './config/cond';
import type { OptionNeed } from './config/oracle';
import { Message, moveMessage, messagePlaces, Place } from './message';
import type { TextInsert } from './fixes/statementPlacement';

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

/** 'hint': shown only on request (nesting the API allows). */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

/**
 * Whether anything misbehaves: 'hazard' when some architecture implementing
 * the mode in the checked tree misbehaves on this path today (named in
 * `architectures`); 'contract' when only the API's rules are broken;
 * 'allowed' when the API shape permits it (nesting the generic layer).
 */
export type ImpactKind = 'hazard' | 'contract' | 'allowed';

export interface Impact {
  kind: ImpactKind;
  /** The implementations that misbehave ("x86 Xen PV"); empty unless a hazard. */
  architectures: string[];
}

/** Ordered from least to most serious (for --min-impact). */
export const IMPACT_ORDER: ImpactKind[] = ['allowed', 'contract', 'hazard'];

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
  /** Sentences with code names and places, rendered by each front end (engine/message.ts). */
  message: Message;
  impact: Impact;
  /** Call chain and other explanation, in order (outermost hop first). */
  related: RelatedLocation[];
  /**
   * Configuration and runtime conditions the finding depends on, as text: the
   * conjuncts of `condition`, simplified (e.g. "CONFIG_X", "!CONFIG_Y").
   */
  conditions: string[];
  /** The same as data (engine/config/cond.ts); absent when there is none. */
  condition?: Cond;
  /** The Kconfig options the finding needs on, each with whether it is a debug option and its value in a pinned configuration. */
  requires?: OptionNeed[];
  /** The rule's architecture never builds this code (or cannot have its conditions): kept, but latent, and why. */
  latent?: { arch: string; reason: string };
  /**
   * The section rules: the chain was not decided for the call's arguments
   * (the search's work bound was hit) and is the call graph's.
   */
  notDecided?: 'search bound';
  /** The path's steps in order, for rules whose finding is a path (replayable). */
  path?: PathStep[];
  /** A fix the front ends can offer, as data: texts inserted at places (engine/fixes/statementPlacement.ts). */
  fix?: Fix;
  /** The path replayed on the simulator, per kernel model (filled on request). */
  replay?: Record<string, ModelReplay>;
}

/**
 * A fix as data: texts inserted at 1-based positions of the user's text, in
 * order (whole new lines carry their indentation and line end; braces around
 * a body that had none are inserts too). Nothing is deleted or replaced.
 */
export interface Fix {
  title: string;
  inserts: TextInsert[];
}

/** What one kernel model allows for a replayed path. */
export interface ModelReplay {
  /** The hazard's outcome (e.g. the read returns the old entry) is reachable. */
  exists: boolean;
  verdict: string;
  /** Null when exploration was complete. */
  bounded: string | null;
  outcomes: { faults: string[]; registers: Record<string, string>; entries: Record<string, string>; hazard: boolean }[];
  /**
   * A witness: the hazard's when reachable, else the first outcome's. `kind` is
   * the simulator's step kind, or 'call' for a call-chain hop between them.
   */
  steps: { kind?: string; file?: string; line?: number; operation: string; state: Record<string, unknown> }[];
}

/** A problem with the input (unreadable file, binary file, ...): reported, never thrown. */
export interface InputProblem {
  file: string;
  message: string;
}

/** Severities from most to least serious. */
const SEVERITY_ORDER: Severity[] = ['error', 'warning', 'info', 'hint'];

/**
 * The severity a front end shows: a finding that breaks only the contract is
 * shown one level lower than a hazard (warning -> info), one the API allows
 * as a hint.
 */
export function shownSeverity(f: Pick<Finding, 'severity' | 'impact'>): Severity {
  if (f.impact.kind === 'allowed') return 'hint';
  if (f.impact.kind === 'hazard') return f.severity;
  return SEVERITY_ORDER[Math.min(SEVERITY_ORDER.length - 1, SEVERITY_ORDER.indexOf(f.severity) + 1)];
}

/**
 * Which findings to show: those of at least `minImpact` (default 'contract');
 * 'allowed' ones (below 'contract') only when `showAllowed` and the minimum
 * is not 'hazard'.
 */
export function selectFindings<T extends Pick<Finding, 'impact'>>(fs: T[], opts: { minImpact?: ImpactKind; showAllowed?: boolean } = {}): T[] {
  const min = opts.minImpact ?? 'contract';
  return fs.filter((f) =>
    f.impact.kind === 'allowed' ? !!opts.showAllowed && min !== 'hazard' : IMPACT_ORDER.indexOf(f.impact.kind) >= IMPACT_ORDER.indexOf(min),
  );
}

/** Every place a finding names: its range, related hops, path steps, message places, fix lines. */
export function findingPlaces(f: Finding): Place[] {
  return [f, ...f.related, ...(f.path ?? []), ...messagePlaces(f.message)];
}

/**
 * The finding with every place in `file` moved by `move` (an edit shifted the
 * text around it): range, related hops, path steps, message places and fix.
 */
export function moveFinding(f: Finding, file: string, move: (line: number, column: number) => [number, number]): Finding {
  const mv = <T extends { file: string; line: number; column: number }>(p: T): T => {
    if (p.file !== file) return p;
    const [line, column] = move(p.line, p.column);
    return { ...p, line, column };
  };
  const out: Finding = { ...mv(f), related: f.related.map(mv), message: moveMessage(f.message, mv) };
  if (f.file === file) [out.endLine, out.endColumn] = move(f.endLine, f.endColumn);
  if (f.path) out.path = f.path.map(mv);
  if (f.fix && f.file === file) {
    out.fix = {
      ...f.fix,
      inserts: f.fix.inserts.map((i) => {
        const [line, column] = move(i.line, i.column);
        return { ...i, line, column };
      }),
    };
  }
  return out;
}
