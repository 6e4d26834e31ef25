// A finding's fate under the configuration: dropped when it needs an option
// the architecture cannot have or sits in a file the architecture never
// builds; kept with the options it needs (debug or not, pinned value) when it
// can happen; and, for rules bound to an architecture (break-before-make and
// kernel-access-before-flush judge arm64's code whatever --arch indexes),
// kept but marked latent when that architecture never builds the code.
import { Finding, RuleId } from '../findings';
import { Cond, and, conjuncts, isFalse, key, parseCond, reduce, show } from './cond';
import { ConfigOracle } from './oracle';

/**
 * Applies the configuration to findings: `selected` is the oracle of the
 * architecture being checked, `oracleFor` gives another architecture's (for
 * arch-bound rules). Returns the findings kept, updated in place.
 */
export function judgeFindings(
  findings: Finding[],
  selected: ConfigOracle,
  oracleFor: (arch: string) => ConfigOracle,
  /** The architectures a rule is about (the catalogue's ruleArchitectures), undefined for rules about the mode itself. */
  ruleArchitectures: (rule: RuleId) => string[] | undefined,
): Finding[] {
  if (!selected.active) return findings;
  const out: Finding[] = [];
  for (const f of findings) {
    const cond = f.condition ?? and(...f.conditions.map((c) => parseCond(c)));
    const bound = ruleArchitectures(f.rule);
    if (bound) {
      // Judged for the rule's architectures: latent when none of them can have it.
      const oracles = bound.map((a) => (a === selected.arch ? selected : oracleFor(a)));
      const verdicts = oracles.map((o) => ({ o, why: whyNever(f.file, cond, o) }));
      const live = verdicts.find((v) => v.why === null);
      if (!live) {
        f.latent = { arch: verdicts[0].o.arch, reason: verdicts[0].why! };
        // Code the rule's architecture never builds misbehaves nowhere today: it breaks the rule, latently.
        f.impact = { kind: 'contract', architectures: [] };
      }
      setConditions(f, (live ?? verdicts[0]).o, cond);
      out.push(f);
      continue;
    }
    if (whyNever(f.file, cond, selected) !== null) continue;
    setConditions(f, selected, cond);
    out.push(f);
  }
  return out;
}

/** Why the architecture can never have this finding (file never built, condition ruled out), or null. */
function whyNever(file: string, cond: Cond, o: ConfigOracle): string | null {
  const b = o.builds(file);
  if (!b.built) return b.why;
  const r = o.reduce(cond);
  return isFalse(r) ? `it needs ${show(cond)}: ${o.whyNot(cond)}` : null;
}

/** Conditions with what the configuration decides put in; the options still needed, as data. */
function setConditions(f: Finding, o: ConfigOracle, cond: Cond): void {
  // The options the finding's own file is built under go without saying (fs/proc/task_mmu.c: CONFIG_PROC_FS).
  const own = new Set(conjuncts(o.fileCondition(f.file)).map(key));
  const r = own.size ? reduce(o.reduce(cond), (a) => (own.has(key(a)) ? true : undefined)) : o.reduce(cond);
  if (isFalse(r)) return; // latent: keep what was found
  const parts = conjuncts(r);
  f.conditions = parts.map(show);
  if (parts.length) f.condition = r;
  else delete f.condition;
  const needs = o.needs(r);
  if (needs.length) f.requires = needs;
}
