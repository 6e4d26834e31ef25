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
  /** Names of which a function must call one for mayFind to hold (the union prefilter of localVerdicts.ts mayBeJudged). */
  needsOneOf(cat: Catalogue): Iterable<string>;
  /** The listener for one function. */
  make(fn: FunctionRef, cat: Catalogue, arch: TreeArchitectures): LocalRule;
}

export const LOCAL_RULES: LocalRuleEntry[] = [
  { rule: BBM_RULE, mayFind: mayNeedBreakBeforeMake, needsOneOf: (cat) => cat.pteMakers.keys(), make: (fn, cat) => breakBeforeMakeRule(fn, cat) },
  { rule: KAFB_RULE, mayFind: mayAccessBeforeFlush, needsOneOf: (cat) => cat.kernelMappers.keys(), make: (fn, cat, arch) => kernelAccessBeforeFlushRule(fn, cat, arch) },
];
