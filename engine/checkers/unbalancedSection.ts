// lazy-mmu/unbalanced-section and lazy-mmu/pause-misuse: how a function
// leaves the mode. Judged on the function's own exits (entered with the mode
// off): a path that returns with the mode in another state than the other
// paths, in a function that both enters and leaves; a leave of a section this
// path already left (double leave), a pause outside a section, a resume
// without a pause, a path that leaves the function paused. A function that
// only enters (a wrapper that ends in the mode for its caller, possibly after
// an early error return) or only leaves is summarised for its callers.
import { Finding } from '../findings';
import { FunctionSummary, ModeEvent, Outcome } from '../analysis/interpreter';
import { makeFinding, onePerPlace, sectionNote } from './sectionFinding';

const LEAVE_API: Record<string, string> = {
  legacy: 'arch_leave_lazy_mmu_mode()',
  generic: 'lazy_mmu_mode_disable()',
  ranged: 'lazy_mmu_mode_disable()',
};

/**
 * Exits whose `state` is not 0 while other exits' is, in a function that
 * performs both the opening and the closing operation itself. A function
 * that only opens (an enter wrapper, also when it returns early on error
 * before entering) or only closes is summarised for its callers instead.
 */
function oddExits(sum: FunctionSummary, state: (o: Outcome) => number, open: string, close: string): Outcome[] {
  if (!sum.ownOps.has(open) || !sum.ownOps.has(close)) return [];
  const odd = sum.outcomes.filter((o) => state(o) !== 0);
  return sum.outcomes.some((o) => state(o) === 0) ? odd : [];
}

export function unbalancedFindings(fn: string, sum: FunctionSummary): Finding[] {
  const out: Finding[] = [];
  for (const o of oddExits(sum, (x) => x.mode.depth, 'enter', 'leave')) {
    if (!o.exitAt) continue;
    const still = o.mode.depth > 0;
    const f = makeFinding(
        'lazy-mmu/unbalanced-section',
        'warning',
        o.exitAt,
        fn,
        still
          ? `this path leaves ${fn}() with the lazy MMU mode still on, while other paths leave it off; add the leave before this exit`
          : `this path leaves its caller's lazy MMU section, while other paths do not`,
        sectionNote(o.section),
        o.conds,
    );
    // The leave can go right before this exit only when every path reaching
    // it still has the section on (not an exit label shared with paths that left).
    const here = sum.outcomes.filter((x) => x.exitAt && x.exitAt.line === o.exitAt!.line && x.exitAt.column === o.exitAt!.column);
    if (still && here.every((x) => x.mode.depth === 1)) {
      const leave = LEAVE_API[o.section?.shape ?? 'legacy'] ?? LEAVE_API.legacy;
      const title = `Leave the lazy MMU mode before this exit (${leave})`;
      const x = o.exitAt;
      f.fix = x.braceless
        ? // `if (bad) return -EINVAL;` becomes `if (bad) { leave(); return -EINVAL; }`
          { title, inserts: [{ line: x.line, column: x.column, text: `{ ${leave}; ` }, { line: x.endLine, column: x.endColumn, text: ' }' }] }
        : { title, beforeLine: x.line, text: `${leave};` };
    }
    out.push(f);
  }
  for (const e of sum.modeEvents) if (e.kind === 'leave-without-enter') out.push(eventFinding('lazy-mmu/unbalanced-section', e, `${e.api}() leaves a lazy MMU section this path already left (a double leave); the second leave has no enter`));
  return onePerPlace(out);
}

export function pauseMisuseFindings(fn: string, sum: FunctionSummary): Finding[] {
  const out: Finding[] = [];
  for (const o of oddExits(sum, (x) => x.mode.paused, 'pause', 'resume')) {
    if (!o.exitAt) continue;
    out.push(
      makeFinding(
        'lazy-mmu/pause-misuse',
        'warning',
        o.exitAt,
        fn,
        `this path leaves ${fn}() with the lazy MMU mode paused, while other paths resume it; add lazy_mmu_mode_resume() before this exit`,
        sectionNote(o.section),
        o.conds,
      ),
    );
  }
  for (const e of sum.modeEvents) {
    if (e.kind === 'pause-outside')
      out.push(eventFinding('lazy-mmu/pause-misuse', e, `${e.api}() pauses while no lazy MMU section is active on this path (it was left before)`));
    if (e.kind === 'resume-without-pause')
      out.push(eventFinding('lazy-mmu/pause-misuse', e, `${e.api}() resumes a lazy MMU section that is not paused on this path`));
  }
  return onePerPlace(out);
}

function eventFinding(rule: 'lazy-mmu/unbalanced-section' | 'lazy-mmu/pause-misuse', e: ModeEvent, message: string): Finding {
  return makeFinding(rule, 'warning', e.at, e.fn, message, sectionNote(e.section), e.conds);
}
