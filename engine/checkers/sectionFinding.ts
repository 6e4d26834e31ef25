// Shared by the section checkers: a Finding from a place, a message and hops.
import { Finding, Impact, PathStep, RelatedLocation, RuleId, Severity } from '../findings';
import { Message } from '../message';
import { Hop, SectionStart } from '../analysis/pathState';
import { Cond } from '../config/cond';
import { conditionFields } from '../config/oracle';
import { SectionCall } from '../analysis/interpreter';
import { ReachHop } from '../analysis/contextReach';

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
