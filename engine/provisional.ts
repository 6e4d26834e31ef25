// Which findings of a partial check (Workspace.checkOpenersFirst: only the
// open file's section openers analysed) the rest of the tree can still
// change (issue 13 point 2, issue 15 point 3). The intraprocedural rules
// (LOCAL_RULES) judge one function against the complete index: final. Every
// section rule's finding depends on which sections reach its place (a section
// elsewhere calling into this file, "other calls nest the same way" counts,
// the contextual search through callers, one finding kept per place): provisional.
// A file at the per-file cap is provisional whole (which findings are kept can change).
// On a partial index (engine/partialIndex.ts: before the whole index exists)
// every finding is provisional: the local rules' derived APIs, too, are looked
// up in an index that may lack a definition.
import type { CheckResult } from './workspace';
import type { Finding } from './findings';
import { LOCAL_RULES } from './checkers';
import { MAX_FINDINGS_PER_FILE } from './inputBounds';

const FINAL_RULES = new Set(LOCAL_RULES.map((r) => r.rule));

/** Whether the whole-tree check can still change or drop `f` (false for every finding of a complete check; it can add others to any partial one). */
export function isProvisional(result: CheckResult, f: Finding): boolean {
  if (!result.partial) return false;
  if (result.partialIndex || !FINAL_RULES.has(f.rule)) return true;
  return result.findings.filter((g) => g.file === f.file).length >= MAX_FINDINGS_PER_FILE;
}
