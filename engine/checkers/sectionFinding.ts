// Shared by the section checkers: a Finding from a place, a message and hops.
import { Finding, Impact, PathStep, RelatedLocation, RuleId, Severity } from '../findings';
import { Message } from '../message';
import { Hop, SectionStart } from '../analysis/pathState';
import { Cond } from '../config/cond';
import { conditionFields } from '../config/oracle';
import { SectionCall } from '../analysis/records';
import { ReachHop } from '../analysis/contextReach';
import type { ChainHop } from './callChain';

export function related(h: Hop | RelatedLocation | ReachHop): RelatedLocation {
  const undecided = 'undecided' in h && h.undecided?.length ? h.undecided.map((u) => ({ text: u.text, line: u.line, column: u.column })) : undefined;
  return { file: h.file, line: h.line, column: h.column, message: h.message, ...(undecided ? { undecided } : {}) };
}

/** The related locations of a call made inside a section: the calls that bound its pointer, then the call. */
export function callNote(c: SectionCall, what: string): RelatedLocation[] {
  const name = c.via ? `${c.via}() = ${c.callee}()` : `${c.callee}()`;
  return [...(c.origin ?? []).map(related), { ...related(c.at), message: `${name} ${what}` }];
}

export function sectionNote(section?: SectionStart): RelatedLocation[] {
  return section ? [{ ...related(section), message: `the section is entered here (${section.shape} API)` }] : [];
}

export function makeFinding(
  rule: RuleId,
  severity: Severity,
  at: Hop,
  fn: string,
  message: Message,
  impact: Impact,
  rel: RelatedLocation[],
  conditions: Cond[],
  path?: PathStep[],
): Finding {
  return {
    ...(path ? { path } : {}),
    rule,
    severity,
    file: at.file,
    line: at.line,
    column: at.column,
    endLine: at.endLine,
    endColumn: at.endColumn,
    function: fn,
    message,
    impact,
    related: rel,
    ...conditionFields(conditions),
  };
}

/** One finding per rule and place. */
export function onePerPlace(fs: Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const f of fs) {
    const k = `${f.rule}|${f.file}:${f.line}:${f.column}`;
    if (!seen.has(k)) seen.set(k, f);
  }
  return [...seen.values()];
}

/** The files a finding's path runs through (its place, the section, the hops): where it can run. */
export function filesOf(...places: ({ file: string } | undefined)[][]): Set<string> {
  const out = new Set<string>();
  for (const list of places) for (const p of list) if (p) out.add(p.file);
  return out;
}

/** A call inside a section that a section rule would report, with what shows it. */
export interface SectionCandidate<T> {
  call: SectionCall;
  hops: ChainHop[];
  conds: Cond[];
  data: T;
}

/** The candidate a section's finding sits on, and the other calls of that section the rule found. */
export interface SectionGroup<T> extends SectionCandidate<T> {
  others: SectionCall[];
}

/** A call site; through a pointer, each function it may hold is a call of its own. */
const siteOf = (c: SectionCall) => `${c.at.file}:${c.at.line}:${c.at.column}${c.via ? `|${c.callee}` : ''}`;

/**
 * One finding per section (and per `kind` of verdict): many calls of one
 * section usually reach the same target the same way (every page freed under
 * CONFIG_DEBUG_PAGEALLOC nests; a split's notifiers sleep at every level of
 * the calls down to them). The finding sits on the call that shows it best:
 * in the section's own function, with the fewest conditions, the shortest
 * chain, the first line; the other call sites are counted (each once) and
 * listed.
 */
export function bestPerSection<T>(cands: SectionCandidate<T>[], kind: (c: SectionCandidate<T>) => string = () => ''): SectionGroup<T>[] {
  const rank = (x: SectionCandidate<T>) => [x.call.section && x.call.fn === x.call.section.fn ? 0 : 1, x.conds.length, x.hops.length, x.call.at.line, x.call.at.column];
  const better = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  };
  const groups = new Map<string, { best: SectionCandidate<T>; sites: Map<string, SectionCall> }>();
  for (const x of cands) {
    const c = x.call;
    const k = `${c.section ? `${c.section.file}:${c.section.line}:${c.section.column}` : `${c.fromFile}:${c.fn}`}|${kind(x)}`;
    const g = groups.get(k);
    if (!g) groups.set(k, { best: x, sites: new Map([[siteOf(c), c]]) });
    else {
      g.sites.set(siteOf(c), c);
      if (better(rank(x), rank(g.best))) g.best = x;
    }
  }
  return [...groups.values()].map(({ best, sites }) => ({ ...best, others: [...sites].filter(([k]) => k !== siteOf(best.call)).map(([, o]) => o) }));
}
