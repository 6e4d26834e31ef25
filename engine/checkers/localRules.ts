// The local rules (break-before-make, kernel-access-before-flush) run on the
// interpreter's one statement walker (analysis/walk/), as listeners with a
// slot each in the shared path state (analysis/events.ts). Their run is
// `local`: one body, no callee summarised, no macro expanded, the
// catalogue's assertions (BUG_ON) and non-returning calls ending the paths
// they stop. It knows nothing of the tree (an empty index, no source
// reader, no configuration), so a function gives the same verdict wherever
// it is checked; the findings' #if conditions are judged later (config/judge.ts).
import * as path from 'path';
import { Catalogue } from '../catalogue/catalogue';
import { WorkspaceIndex } from '../index/workspaceIndex';
import { Interpreter } from '../analysis/interpreter';
import { FunctionRef, SourceCache } from '../analysis/sourceCache';
import { FunctionRun } from '../analysis/walk/functionRun';
import type { PathListener } from '../analysis/events';
import type { PathSlot } from '../analysis/pathState';
import type { Finding } from '../findings';
import { LocalResume, LocalTrace, localWalkCounts } from '../analysis/walk/localResume';

const byPlace = (a: Finding, b: Finding) => a.line - b.line || a.column - b.column;

/** A local rule: a listener that keeps its findings by node. */
export interface LocalRule<S extends PathSlot = PathSlot> extends PathListener<S> {
  readonly findings: Map<number, Finding>;
  /** What it reads of the whole function at every statement (a restarted run needs it the same: localResume.ts). */
  wholeFunction?(): string;
}

/** A run restarted from the last one's trace (analysis/walk/localResume.ts): `tag` names the catalogue and rules. */
export interface LocalRestart {
  prev: LocalTrace | null;
  tag: string;
  keep(trace: LocalTrace): void;
}

const VIEWED = (): boolean => true;
const NOT_VIEWED = (): boolean => false;

/** One interpreter per catalogue for local runs (a derived catalogue is per function: it goes with it). */
const interpreters = new WeakMap<Catalogue, Interpreter>();

function localInterpreter(fn: FunctionRef, cat: Catalogue): Interpreter {
  let ip = interpreters.get(cat);
  if (!ip) {
    const index = new WorkspaceIndex({ root: path.dirname(fn.file), arch: 'arm64', catalogue: cat });
    ip = new Interpreter(index, cat, new SourceCache(cat, () => null));
    interpreters.set(cat, ip);
  }
  return ip;
}

/**
 * Runs local rules over one function body, together, on the one walker;
 * their findings sorted by place. Never throws: when a rule fails on odd
 * code the function reports nothing. `viewed`: the body is read through a
 * syntax view (analysis/syntaxView.ts), as the interprocedural runs of a file
 * open in an editor are: a function being edited is run again at each edit,
 * and its paths read the same nodes again (about 40% of the run's CPU on
 * copy_pte_range); where a function is run once the view is only garbage.
 */
export function runLocalRules(fn: FunctionRef, cat: Catalogue, rules: LocalRule[], viewed = false, restart?: LocalRestart): Finding[] {
  try {
    const ip = localInterpreter(fn, cat);
    // Each local run is its own root for the work bounds (limits.ts).
    ip.rootSteps = 0;
    ip.viewWanted = viewed ? VIEWED : NOT_VIEWED;
    const listeners = rules as PathListener[];
    if (!restart) {
      new FunctionRun(ip, fn, false, { local: true, listeners }).run({ depth: 0, paused: 0 }, []);
      localWalkCounts.steps += ip.rootSteps;
      return rules.flatMap((r) => [...r.findings.values()]).sort(byPlace);
    }
    // Traced: started where the edit begins, stopped where the paths are the last run's again (localResume.ts).
    const watch: { resume?: LocalResume } = {};
    const run = new FunctionRun(ip, fn, false, {
      local: true,
      listeners,
      watch: {
        get from() {
          return watch.resume!.from;
        },
        before: (i, flow, steps, pass, seen) => watch.resume!.before(i, flow, steps, pass, seen),
      },
    });
    const whole = [run.wholeFunction(), ...rules.map((r) => r.wholeFunction?.() ?? '')].join('\n');
    watch.resume = new LocalResume(restart.prev, fn.node, fn.file, whole, restart.tag, rules);
    run.run({ depth: 0, paused: 0 }, []);
    const { findings, trace } = watch.resume.finish(ip.rootSteps);
    restart.keep(trace);
    return findings.sort(byPlace);
  } catch (e) {
    if (process.env.LAZYMMU_DEBUG) console.error(`local rules on ${fn.name}: ${(e as Error).stack}`);
    return [];
  }
}
