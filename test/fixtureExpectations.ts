// Expectation markers inside C test fixtures, and the comparison of a checker's
// findings against them. Shared by every checker's fixture test.
//
// Markers are C comments at the end of the line they describe:
//
//   v = ptep_get(ptep);	/* expect: read-after-write */
//   v = ptep_get(ptep);	/* expect: read-after-write */ /* expect-related: fix_one, fix_two */
//   v = ptep_get(ptep);	/* expect: read-after-write */ /* expect-condition: CONFIG_FOO */
//
// - `expect: r1, r2` : a finding of each rule `lazy-mmu/r1`, `lazy-mmu/r2` sits on this line
//   (the `lazy-mmu/` prefix may also be written out).
// - `expect-related: a, b` : some finding of those rules on this line has related hops whose
//   messages, together, mention every name (as a whole identifier).
// - `expect-condition: X, !Y` : some finding of those rules on this line has a condition that
//   contains each string.
// - `expect-impact: hazard(x86 Xen PV, sparc64)` / `expect-impact: contract` : some finding of
//   those rules on this line has that impact (and exactly those architectures, when given).
// - `expect-allowed: r1` : a finding of rule r1 the API allows (impact 'allowed', shown only on
//   request) sits on this line; `expect:` lines are compared with the other findings only.
// `expect-related`, `expect-condition` and `expect-impact` need an `expect:` on the same line; a
// line without `expect:` must carry no finding of the rules the test looks at. Fixture files
// whose name starts with `neg_` must carry no `expect:` marker at all.
import { Finding, RULES } from '../engine/findings';
import { renderMessage } from '../engine/message';

export const RULE_PREFIX = 'lazy-mmu/';

export interface Expectation {
  /** Full rule id, e.g. `lazy-mmu/read-after-write`. */
  rule: string;
  /** 1-based line of the marker (the flagged code's line). */
  line: number;
  /** Names that must appear in the related hop messages of one finding on this line. */
  related: string[];
  /** Strings that must each appear in some condition of one finding on this line. */
  conditions: string[];
  /** The finding is one the API allows (impact 'allowed'). */
  allowed?: boolean;
  /** The impact some finding on this line has, and its architectures when given. */
  impact?: { kind: string; architectures?: string[] };
}

const MARKER = /\/\*\s*(expect(?:-related|-condition|-impact|-allowed)?)\s*:([^*]*)\*\//g;

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Turns `read-after-write` or `lazy-mmu/read-after-write` into the full rule id. */
export function fullRuleId(name: string): string {
  return name.startsWith(RULE_PREFIX) ? name : RULE_PREFIX + name;
}

/**
 * Parses the markers of one fixture. Throws on a malformed marker (unknown rule,
 * `expect-related`/`expect-condition` without `expect:`, empty list) so that a typo in a
 * fixture fails loudly instead of silently weakening the test.
 */
export function parseExpectations(source: string, fileLabel = '<fixture>'): Expectation[] {
  const known = new Set<string>(RULES);
  const out: Expectation[] = [];
  const lines = source.split(/\r?\n/);
  lines.forEach((text, idx) => {
    const line = idx + 1;
    let rules: string[] = [];
    const related: string[] = [];
    const conditions: string[] = [];
    const allowed: string[] = [];
    let impact: Expectation['impact'];
    let sawExtra = false;
    for (const m of text.matchAll(MARKER)) {
      const kind = m[1];
      const items = splitList(m[2]);
      if (items.length === 0) throw new Error(`${fileLabel}:${line}: empty '${kind}:' marker`);
      if (kind === 'expect' || kind === 'expect-allowed') {
        for (const r of items) {
          const id = fullRuleId(r);
          if (!known.has(id)) throw new Error(`${fileLabel}:${line}: unknown rule '${r}' in ${kind} marker`);
          (kind === 'expect' ? rules : allowed).push(id);
        }
      } else if (kind === 'expect-impact') {
        const im = /^\s*(hazard|contract|allowed)\s*(?:\(([^)]*)\))?\s*$/.exec(m[2]);
        if (!im) throw new Error(`${fileLabel}:${line}: expect-impact must be hazard, contract or allowed, optionally with (architectures)`);
        impact = { kind: im[1], ...(im[2] !== undefined ? { architectures: splitList(im[2]) } : {}) };
        sawExtra = true;
      } else if (kind === 'expect-related') {
        related.push(...items);
        sawExtra = true;
      } else {
        conditions.push(...items);
        sawExtra = true;
      }
    }
    if (sawExtra && rules.length === 0) {
      throw new Error(`${fileLabel}:${line}: expect-related/expect-condition without an 'expect:' marker on the same line`);
    }
    rules = [...new Set(rules)];
    for (const rule of rules) out.push({ rule, line, related: [...related], conditions: [...conditions], ...(impact ? { impact } : {}) });
    for (const rule of new Set(allowed)) out.push({ rule, line, related: [], conditions: [], allowed: true });
  });
  return out;
}

/** Fixtures named `neg_*` must produce no finding at all of the rules under test. */
export function isNegativeFixture(fileName: string): boolean {
  return /^neg_/.test(fileName.replace(/^.*[\\/]/, ''));
}

function mentions(text: string, name: string): boolean {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])${esc}($|[^A-Za-z0-9_])`).test(text);
}

/** A readable dump of findings for failure messages. */
export function formatFindings(findings: Finding[]): string {
  if (findings.length === 0) return '  (no findings)';
  return findings
    .map((f) => {
      const head = `  ${f.rule} ${f.file.replace(/^.*[\\/]/, '')}:${f.line}:${f.column} in ${f.function} (${f.impact.kind}): ${renderMessage(f.message, { near: f.file })}`;
      const rel = f.related.map((r) => `      related ${r.file.replace(/^.*[\\/]/, '')}:${r.line}:${r.column}: ${r.message}`);
      const cond = f.conditions.length ? [`      conditions: ${f.conditions.join(' && ')}`] : [];
      return [head, ...rel, ...cond].join('\n');
    })
    .join('\n');
}

/**
 * Compares the findings of one rule with the expectations of that rule.
 * Returns a list of problems (empty when everything matches).
 */
export function compareWithExpectations(findings: Finding[], expectations: Expectation[], rule: string): string[] {
  const id = fullRuleId(rule);
  const ofRule = findings.filter((f) => f.rule === id);
  // What the API allows is compared with `expect-allowed:` markers, the rest with `expect:`.
  const mine = ofRule.filter((f) => f.impact.kind !== 'allowed');
  const wanted = expectations.filter((e) => e.rule === id && !e.allowed);
  const problems: string[] = [];
  const allowedAt = new Set(ofRule.filter((f) => f.impact.kind === 'allowed').map((f) => f.line));
  const allowedMarked = new Set(expectations.filter((e) => e.rule === id && e.allowed).map((e) => e.line));
  for (const line of allowedMarked) if (!allowedAt.has(line)) problems.push(`missing: expected an allowed ${id} finding on line ${line}`);
  for (const line of allowedAt) if (!allowedMarked.has(line)) problems.push(`unexpected: allowed ${id} finding on line ${line} (no expect-allowed marker there)`);
  const flagged = new Set(mine.map((f) => f.line));
  const marked = new Set(wanted.map((e) => e.line));
  for (const line of [...marked].sort((a, b) => a - b)) {
    if (!flagged.has(line)) problems.push(`missing: expected a ${id} finding on line ${line}`);
  }
  for (const line of [...flagged].sort((a, b) => a - b)) {
    if (!marked.has(line)) problems.push(`unexpected: ${id} finding on line ${line} (no expect marker there)`);
  }
  for (const e of wanted) {
    const here = mine.filter((f) => f.line === e.line);
    if (here.length === 0) continue;
    if (e.related.length > 0) {
      const ok = here.some((f) => e.related.every((n) => f.related.some((r) => mentions(r.message, n))));
      if (!ok) problems.push(`line ${e.line}: no finding whose related hops mention all of: ${e.related.join(', ')}`);
    }
    if (e.impact) {
      const want = e.impact;
      const ok = here.some((f) => f.impact.kind === want.kind && (!want.architectures || [...f.impact.architectures].sort().join() === [...want.architectures].sort().join()));
      if (!ok) problems.push(`line ${e.line}: no finding with impact ${want.kind}${want.architectures ? `(${want.architectures.join(', ')})` : ''}: ${here.map((f) => JSON.stringify(f.impact)).join('; ')}`);
    }
    if (e.conditions.length > 0) {
      const ok = here.some((f) => e.conditions.every((c) => f.conditions.some((fc) => fc.includes(c))));
      if (!ok) problems.push(`line ${e.line}: no finding whose conditions mention all of: ${e.conditions.join(', ')}`);
    }
  }
  return problems;
}
