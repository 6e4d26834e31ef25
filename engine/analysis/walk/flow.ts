// Statement flow as data: the states leaving a statement normally, by break,
// continue, return (with the value returned) and by goto (per label), and the
// joins where they meet again (a label, the statement after a loop), which
// judge a pending jump (PathState.jump -> leftBy). Also the path conditions
// an #if or IS_ENABLED() adds. Invariant: a state is in exactly one list.
import type { Node } from 'web-tree-sitter';
import { Cond, and as condAnd, contradicts, conjuncts, key as condKey } from '../../config/cond';
import { isTestPath } from '../values';
import type { PathState, Val } from '../pathState';

export interface Flow {
  normal: PathState[];
  brk: PathState[];
  cont: PathState[];
  ret: [PathState, Val][];
  gotos: Map<string, PathState[]>;
}

/** A state and the value the expression evaluated to on it. */
export type Pair = [PathState, Val];

/** Whether a state holds a result of a test on an object (values.ts testPath). */
function hasTestPath(s: PathState): boolean {
  for (const k of s.facts.keys()) if (isTestPath(k)) return true;
  return false;
}

/** States without the results of tests on objects (values.ts testPath), for fixpoints keyed without them. */
export function withoutTests(states: PathState[]): PathState[] {
  return states.map((s) => {
    if (!hasTestPath(s)) return s;
    const c = s.clone();
    for (const k of [...c.facts.keys()]) if (isTestPath(k)) c.facts.delete(k);
    return c;
  });
}

export function emptyFlow(normal: PathState[] = []): Flow {
  return { normal, brk: [], cont: [], ret: [], gotos: new Map() };
}

export function absorb(into: Flow, f: Flow): void {
  into.brk.push(...f.brk);
  into.cont.push(...f.cont);
  into.ret.push(...f.ret);
  for (const [k, v] of f.gotos) {
    const a = into.gotos.get(k);
    if (a) a.push(...v);
    else into.gotos.set(k, [...v]);
  }
}

/** States that take a preprocessor branch; a path whose conditions contradict it is dropped. */
export function withCond(states: PathState[], c: Cond): PathState[] {
  const parts = conjuncts(c);
  return states
    .filter((s) => !contradicts(condAnd(...s.conds), c))
    .map((s) => {
      const have = new Set(s.conds.map(condKey));
      const add = parts.filter((p) => !have.has(condKey(p)));
      if (!add.length) return s;
      const n = s.clone();
      n.conds = [...s.conds, ...add];
      return n;
    });
}

/** Conjuncts of both, each once. */
export function unionConds(a: Cond[], b: Cond[]): Cond[] {
  if (!b.length) return a;
  const have = new Set(a.map(condKey));
  const add = b.filter((c) => !have.has(condKey(c)) && !!have.add(condKey(c)));
  return add.length ? [...a, ...add] : a;
}

/** What decides #if and IS_ENABLED() branches: a configuration oracle (engine/config/oracle.ts). */
export interface ConditionDecider {
  decide(cond: string | Cond): boolean | undefined;
  /** The condition with what the configuration decides put in. */
  reduce(cond: Cond): Cond;
}

/**
 * Where jumped paths meet others (a label, the statement after a loop): a
 * jump whose mode differs from some other path's here is what left that mode
 * (a `goto out` past the leave); it is kept as the path's `leftBy`. Either way
 * the pending jump is settled.
 */
export function joinJumps(fallthrough: PathState[], jumped: PathState[]): PathState[] {
  if (!jumped.length) return fallthrough;
  const mode = (s: PathState) => `${s.mode.depth}/${s.mode.paused}`;
  const modes = new Set([...fallthrough, ...jumped].map(mode));
  const settled = jumped.map((s) => {
    if (!s.jump) return s;
    const c = s.clone();
    if (modes.size > 1) c.leftBy = s.jump;
    c.jump = undefined;
    return c;
  });
  return [...fallthrough, ...settled];
}

/** The children of a node that are nodes (tree-sitter may hand back nulls). */
export function named(n: Node | null | undefined): Node[] {
  return (n?.namedChildren ?? []).filter((c): c is Node => !!c);
}
