// Machine-readable JSON output, version 1:
// {
//   "version": 1,
//   "root": "<absolute root>",
//   "diagnostics": [{ "rule", "severity", "file", "line", "column", "endLine",
//                     "endColumn", "function", "message",
//                     "related": [{ "file", "line", "column", "message",
//                                   "undecided"? }],
//                     "conditions": ["CONFIG_X", ...],
//                     "impact": { "kind": "hazard"|"contract"|"allowed", "architectures": ["x86 Xen PV", ...] },
//                     "requires"?: [{ "option", "debug", "configured"? }],
//                     "latent"?: { "arch", "reason" }, "notDecided"? }],
//   "configuration"?: { "arch", "kconfig", "pinned"?: { "kind", "file", "label" }, "text" },
//   "problems": [{ "file", "message" }],
//   "unfollowedIndirectCalls": N,
//   "baseline"?: { "commit", "new", "fixed", "unchanged" }
// }
// With a base (check --base/--since, review) each diagnostic has
// "baselineState": "new" | "fixed" | "unchanged" (a fixed one's lines are
// the base revision's), and "baseline" says against what and how many.
// `conditions` are the finding's configuration and runtime conditions,
// simplified; `requires` the options it needs on (whether each is a debug
// option, its value in a pinned configuration); `latent` says the rule's
// architecture never has this code, and why; `configuration` which
// configuration decided (absent when none could).
// A chain hop's "undecided" lists the guards on its path the contextual search
// could not decide ({ "text", "line", "column" }, in the hop's file); a
// finding's "notDecided": "search bound" says its chain is the call graph's
// (the search's work bound was hit). "unfollowedIndirectCalls" counts the
// calls through pointers inside sections whose target no fact named.
// Files are relative to the root (forward slashes) when inside it, absolute
// otherwise; lines and columns are 1-based. Severity is the engine's word
// (error, warning, info; hint for what the API allows, only with
// --allowed-nesting), not lowered for contract findings: "impact" says which
// it is. The message is rendered as the text output does (places as
// "line N" / "path:N"). Pretty-printed with 2 spaces, ending with '\n'.
import * as path from 'path';
import { CheckResult } from '../../engine/check';
import { ImpactKind, RuleId, Severity } from '../../engine/findings';
import { FormatOptions, STATE_WORD, relPath } from './common';
import { cliMessage } from './text';

export interface JsonRelated {
  file: string;
  line: number;
  column: number;
  message: string;
  undecided?: { text: string; line: number; column: number }[];
}

export interface JsonDiagnostic {
  rule: RuleId;
  severity: Severity;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  function: string;
  message: string;
  related: JsonRelated[];
  conditions: string[];
  impact: { kind: ImpactKind; architectures: string[] };
  /** The Kconfig options the finding needs on: whether each is a debug option, its value in a pinned configuration. */
  requires?: { option: string; debug: boolean; configured?: string }[];
  /** The rule's architecture never has this code: kept, but latent, and why. */
  latent?: { arch: string; reason: string };
  notDecided?: 'search bound';
  replay?: Record<string, unknown>;
  /** A change review only: new in the change, fixed by it (lines are the base's), or in both. */
  baselineState?: 'new' | 'fixed' | 'unchanged';
}

export interface JsonReport {
  version: 1;
  root: string;
  /** Which configuration decided (absent when none could). */
  configuration?: { arch: string; kconfig: boolean; pinned?: { kind: string; file: string; label: string }; text: string };
  diagnostics: JsonDiagnostic[];
  problems: { file: string; message: string }[];
  unfollowedIndirectCalls: number;
  /** A change review only: the base commit and how many findings of each state there are. */
  baseline?: { commit: string; new: number; fixed: number; unchanged: number };
}

export function toJsonReport(result: CheckResult, opts: FormatOptions): JsonReport {
  const root = path.resolve(opts.root);
  // Keys are written in a fixed order so that the output is stable.
  return {
    version: 1,
    root,
    ...(result.configuration ? { configuration: result.configuration } : {}),
    ...(opts.baseline ? { baseline: { commit: opts.baseline.commit, new: opts.baseline.counts.new, fixed: opts.baseline.counts.absent, unchanged: opts.baseline.counts.unchanged } } : {}),
    diagnostics: result.findings.map((f, i) => ({
      rule: f.rule,
      severity: f.severity,
      file: relPath(f.file, root),
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      function: f.function,
      message: cliMessage(f, root),
      related: f.related.map((r) => ({
        file: relPath(r.file, root),
        line: r.line,
        column: r.column,
        message: r.message,
        ...(r.undecided ? { undecided: r.undecided.map((u) => ({ ...u })) } : {}),
      })),
      conditions: [...f.conditions],
      impact: { kind: f.impact.kind, architectures: [...f.impact.architectures] },
      ...(f.requires ? { requires: f.requires.map((r) => ({ ...r })) } : {}),
      ...(f.latent ? { latent: { ...f.latent } } : {}),
      ...(f.notDecided ? { notDecided: f.notDecided } : {}),
      // Present only with `check --replay`: the path replayed per kernel model.
      ...(f.replay
        ? {
            replay: Object.fromEntries(
              Object.entries(f.replay).map(([model, r]) => [
                model,
                { ...r, steps: r.steps.map((st) => ({ ...st, file: st.file ? relPath(st.file, root) : undefined })) },
              ]),
            ),
          }
        : {}),
      ...(opts.baseline ? { baselineState: STATE_WORD[opts.baseline.states[i]] } : {}),
    })),
    problems: result.problems.map((p) => ({ file: relPath(p.file, root), message: p.message })),
    unfollowedIndirectCalls: result.unfollowedIndirectCalls ?? 0,
  };
}

export function formatJson(result: CheckResult, opts: FormatOptions): string {
  return JSON.stringify(toJsonReport(result, opts), null, 2) + '\n';
}
