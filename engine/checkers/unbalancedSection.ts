// lazy-mmu/unbalanced-section and lazy-mmu/pause-misuse: how a function
// leaves the mode. Judged on the function's own exits (entered with the mode
// off): a path that returns with the mode in another state than the other
// paths returning the same value, a leave of a section this path already
// left (double leave), a pause outside a section, a resume without a pause,
// a path that leaves the function paused. A function whose every path ends
// in the mode (an enter wrapper), or whose paths differ by return value (on
// in success, off on error), is summarised for its callers, not flagged.
import { Finding } from '../findings';
import { FunctionSummary, ModeEvent, Outcome } from '../analysis/interpreter';
import { Val } from '../analysis/pathState';
import { makeFinding, onePerPlace, sectionNote } from './sectionFinding';

function overlaps(a: Val, b: Val): boolean {
  return !a || !b || a.some((x) => b.includes(x));
}

/** Exits whose `state` differs from a sibling exit that may return the same value. */
function oddExits(outcomes: Outcome[], state: (o: Outcome) => number): Outcome[] {
  const normal = outcomes.filter((o) => state(o) === 0);
  const odd = outcomes.filter((o) => state(o) !== 0);
  if (!odd.length || !normal.length) return [];
  return odd.filter((o) => normal.some((n) => overlaps(o.ret, n.ret)));
}

export function unbalancedFindings(fn: string, sum: FunctionSummary): Finding[] {
  const out: Finding[] = [];
  for (const o of oddExits(sum.outcomes, (x) => x.mode.depth)) {
    if (!o.exitAt) continue;
    const still = o.mode.depth > 0;
    out.push(
      makeFinding(
        'lazy-mmu/unbalanced-section',
        'warning',
        o.exitAt,
        fn,
        still
          ? `this path leaves ${fn}() with the lazy MMU mode still on, while other paths returning the same value leave it off; add the leave before this exit`
          : `this path leaves its caller's lazy MMU section, while other paths returning the same value do not`,
        sectionNote(o.section),
        o.conds,
      ),
    );
  }
  for (const e of sum.modeEvents) if (e.kind === 'leave-without-enter') out.push(eventFinding('lazy-mmu/unbalanced-section', e, `${e.api}() leaves a lazy MMU section this path already left (a double leave); the second leave has no enter`));
  return onePerPlace(out);
}

export function pauseMisuseFindings(fn: string, sum: FunctionSummary): Finding[] {
  const out: Finding[] = [];
  for (const o of oddExits(sum.outcomes, (x) => x.mode.paused)) {
    if (!o.exitAt) continue;
    out.push(
      makeFinding(
        'lazy-mmu/pause-misuse',
        'warning',
        o.exitAt,
        fn,
        `this path leaves ${fn}() with the lazy MMU mode paused, while other paths returning the same value resume it; add lazy_mmu_mode_resume() before this exit`,
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
