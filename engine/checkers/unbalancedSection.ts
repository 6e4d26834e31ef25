// lazy-mmu/unbalanced-section and lazy-mmu/pause-misuse: how a function
// leaves the mode. Judged on the function's own exits (entered with the mode
// off): a path that returns with the mode in another state than the other
// paths, in a function that both enters and leaves; a leave of a section this
// path already left (double leave), a pause outside a section, a resume
// without a pause, a path that leaves the function paused. A function that
// only enters (a wrapper that ends in the mode for its caller, possibly after
// an early error return) or only leaves is summarised for its callers.
//
// A finding sits on the statement that leaves: the `goto`/`break` that took
// the path past the leave (the interpreter's leftBy), else the `return` or
// the closing brace; the enter is a related location.
import { Finding, Impact } from '../findings';
import { ModeEvent } from '../analysis/records';
import { FunctionSummary, Outcome } from '../analysis/summaries/summary';
import { Hop } from '../analysis/pathState';
import { TreeArchitectures, Implementation, nameList } from '../architectures';
import { code, fitHead, sentence, Sentence } from '../message';
import { filesOf, makeFinding, onePerPlace, sectionNote } from './sectionFinding';
import { SourceCache } from '../analysis/sourceCache';
import { placeAtEnd, placeBefore, TextInsert } from '../fixes/statementPlacement';

const LEAVE_API: Record<string, string> = {
  legacy: 'arch_leave_lazy_mmu_mode()',
  generic: 'lazy_mmu_mode_disable()',
  ranged: 'lazy_mmu_mode_disable()',
};

/** Where an outcome leaves the function: the jump that left its mode, else its exit. */
const leavesAt = (o: Outcome): Hop | undefined => o.leftBy ?? o.exitAt;

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

/**
 * Where the leave goes: before the exit statement (braced when it is a body
 * without braces: `if (bad) { leave(); return -EINVAL; }`), or last in the
 * block when the path falls off the function's closing brace.
 */
function leaveBefore(at: Hop, leave: string, sources: SourceCache): TextInsert[] | null {
  const n = sources.nodeAt(at.file, at.line, at.column);
  if (!n) return null;
  if (!at.statement && n.type === 'compound_statement' && n.endPosition.row + 1 === at.line) return placeAtEnd(n, leave);
  return placeBefore(n, leave);
}

/** "this `goto out`", "this `return`", "the closing brace". */
function statementWords(at: Hop): Sentence {
  return at.statement ? sentence`this ${code(at.statement)}` : sentence`the end of the function`;
}

/** What a mode left on does to each implementation that can run the path. */
function modeLeftOn(bad: Implementation[]): Sentence {
  const what: string[] = [];
  const queued = bad.filter((i) => i.defers.size).map((i) => i.name);
  const preempt = bad.filter((i) => i.disablesPreemption).map((i) => i.name);
  const barriers = bad.filter((i) => i.defersKernelBarriers).map((i) => i.name);
  if (queued.length) what.push(`writes stay queued on ${nameList(queued)}`);
  if (preempt.length) what.push(`preemption stays disabled on ${nameList(preempt)}`);
  if (barriers.length) what.push(`kernel PTE barriers stay deferred on ${nameList(barriers)}`);
  return what.length ? sentence`The mode then stays on for the task: ${what.join(', ')}` : sentence`The mode then stays on for the task on ${nameList(bad.map((i) => i.name))}`;
}

function impactOf(bad: Implementation[]): Impact {
  return bad.length ? { kind: 'hazard', architectures: bad.map((i) => i.name) } : { kind: 'contract', architectures: [] };
}

const NOBODY = sentence`No implementation in this tree runs this path; the API still requires each enter to be left once`;

export function unbalancedFindings(fn: string, sum: FunctionSummary, arch: TreeArchitectures, sources: SourceCache): Finding[] {
  const out: Finding[] = [];
  for (const o of oddExits(sum, (x) => x.mode.depth, 'enter', 'leave')) {
    const at = leavesAt(o);
    if (!at) continue;
    const still = o.mode.depth > 0;
    const bad = arch.misbehaving(filesOf([at, o.section]), () => true);
    const leave = LEAVE_API[o.section?.shape ?? 'legacy'] ?? LEAVE_API.legacy;
    const head = still
      ? fitHead(
          sentence`${statementWords(at)} leaves ${code(`${fn}()`)} with the lazy MMU mode still on; other paths leave it`,
          sentence`${statementWords(at)} leaves the function with the lazy MMU mode still on; other paths leave it`,
        )
      : sentence`${statementWords(at)} leaves its caller's lazy MMU section, while other paths do not`;
    const why = !bad.length ? NOBODY : still ? modeLeftOn(bad) : sentence`The caller's own leave then finds no section (a double leave) on ${nameList(bad.map((i) => i.name))}`;
    const f = makeFinding(
      'lazy-mmu/unbalanced-section',
      'warning',
      at,
      fn,
      [head, why, ...(still ? [sentence`Leave first: ${code(leave)} before it`] : [])],
      impactOf(bad),
      sectionNote(o.section),
      o.conds,
    );
    // The leave can go right before this statement only when every path
    // reaching it still has the section on (not an exit label shared with paths that left).
    const here = sum.outcomes.filter((x) => {
      const p = leavesAt(x);
      return p && p.line === at.line && p.column === at.column;
    });
    if (still && here.every((x) => x.mode.depth === 1)) {
      const title = `Leave the lazy MMU mode before this exit (${leave})`;
      const inserts = leaveBefore(at, `${leave};`, sources);
      if (inserts) f.fix = { title, inserts };
    }
    out.push(f);
  }
  for (const e of sum.modeEvents)
    if (e.kind === 'leave-without-enter') {
      const bad = arch.misbehaving(filesOf([e.at, e.section]), () => true);
      out.push(
        eventFinding(
          'lazy-mmu/unbalanced-section',
          e,
          [
            sentence`${code(`${e.api}()`)} leaves a lazy MMU section this path already left (a double leave)`,
            bad.length ? sentence`On ${nameList(bad.map((i) => i.name))} a leave without an enter corrupts the mode's state` : NOBODY,
          ],
          impactOf(bad),
        ),
      );
    }
  return onePerPlace(out);
}

export function pauseMisuseFindings(fn: string, sum: FunctionSummary, arch: TreeArchitectures): Finding[] {
  const out: Finding[] = [];
  const contract: Impact = { kind: 'contract', architectures: [] };
  const ignored = sentence`The generic layer ignores this task's lazy MMU calls until the matching resume; no implementation misbehaves`;
  for (const o of oddExits(sum, (x) => x.mode.paused, 'pause', 'resume')) {
    const at = leavesAt(o);
    if (!at) continue;
    out.push(
      makeFinding(
        'lazy-mmu/pause-misuse',
        'warning',
        at,
        fn,
        [
          fitHead(
            sentence`${statementWords(at)} leaves ${code(`${fn}()`)} with the lazy MMU mode paused; other paths resume it`,
            sentence`${statementWords(at)} leaves the function with the lazy MMU mode paused; other paths resume it`,
          ),
          ignored,
          sentence`Resume first: ${code('lazy_mmu_mode_resume()')} before it`,
        ],
        contract,
        sectionNote(o.section),
        o.conds,
      ),
    );
  }
  for (const e of sum.modeEvents) {
    if (e.kind === 'pause-outside')
      out.push(eventFinding('lazy-mmu/pause-misuse', e, [sentence`${code(`${e.api}()`)} pauses while no lazy MMU section is active on this path`, ignored], contract));
    if (e.kind === 'resume-without-pause') {
      const bad = arch.misbehaving(filesOf([e.at, e.section]), () => true);
      out.push(
        eventFinding(
          'lazy-mmu/pause-misuse',
          e,
          [
            sentence`${code(`${e.api}()`)} resumes a lazy MMU section that is not paused on this path`,
            bad.length
              ? sentence`The pause count wraps: the generic layer then ignores the section's disable, and on ${nameList(bad.map((i) => i.name))} the mode stays on`
              : NOBODY,
          ],
          impactOf(bad),
        ),
      );
    }
  }
  return onePerPlace(out);
}

function eventFinding(rule: 'lazy-mmu/unbalanced-section' | 'lazy-mmu/pause-misuse', e: ModeEvent, message: Sentence[], impact: Impact): Finding {
  return makeFinding(rule, 'warning', e.at, e.fn, message, impact, sectionNote(e.section), e.conds);
}
