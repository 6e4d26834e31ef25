// The rules, in the order a check runs them (Smatch's check_list.h).
//
// Section rules read what the interpreter recorded over a root and the
// summaries it used (analysis/records.ts), in workspace.ts's check():
//   readAfterWrite      ReadHit        (the reads of entries written, unflushed)
//   unbalancedSection   Outcome, ModeEvent (exits, pause misuse)
//   nestedSection       ModeEvent, SectionCall + contextual search to an enter
//   allocInSection      SectionCall + contextual search to an allocator
//   sleepInSection      SectionCall + contextual search to a sleeper
// Local rules ride on the one statement walker as listeners with a slot of
// the path state each (analysis/events.ts), all in one local run per
// function (localRules.ts): LOCAL_RULES below, in order.
import type { Catalogue } from '../catalogue/catalogue';
import type { FunctionRef } from '../analysis/sourceCache';
import type { TreeArchitectures } from '../architectures';
import { BBM_RULE, breakBeforeMakeRule, mayNeedBreakBeforeMake } from './breakBeforeMake';
import { KAFB_RULE, kernelAccessBeforeFlushRule, mayAccessBeforeFlush } from './kernelAccessBeforeFlush';
import type { LocalRule } from './localRules';

export interface LocalRuleEntry {
  rule: string;
  /** Cheap prefilter on the names a function calls. */
  mayFind(calls: string[], cat: Catalogue): boolean;
  /** The listener for one function. */
  make(fn: FunctionRef, cat: Catalogue, arch: TreeArchitectures): LocalRule;
}

export const LOCAL_RULES: LocalRuleEntry[] = [
  { rule: BBM_RULE, mayFind: mayNeedBreakBeforeMake, make: (fn, cat) => breakBeforeMakeRule(fn, cat) },
  { rule: KAFB_RULE, mayFind: mayAccessBeforeFlush, make: (fn, cat, arch) => kernelAccessBeforeFlushRule(fn, cat, arch) },
];
