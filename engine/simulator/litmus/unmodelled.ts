/**
 * Features of a litmus test the machine does not model, found in the test's
 * lowered instructions (never from its name): the reader refuses such a test
 * with the reason instead of claiming a verdict it may get wrong
 * (docs/simulator-fidelity.md says why each is not modelled).
 */
import { OpStep, ProgStep, Scenario } from '../types';

/** Ops that access data through a VA named by their first argument. */
const DATA_ACCESS = new Set(['ldr', 'str', 'ldar', 'stlr', 'swp', 'cas', 'ldadd', 'ldclr', 'ldset']);

const flat = (steps: ProgStep[]): OpStep[] => steps.flatMap((s) => (s.kind === 'interrupt' ? flat(s.body) : [s]));
const target = (s: OpStep): string | undefined => (s.args[0]?.kind === 'name' ? s.args[0].name : undefined);

export function unmodelledFeature(sc: Scenario): string | undefined {
  const progs = sc.cpus.map((c) => flat(c.steps));
  // Load buffering: herd7 lets a store be performed before an earlier load of
  // another location it does not depend on; the machine performs stores in
  // program order after loads (allowing it multiplies the states ~8x). It
  // matters only when another CPU can observe the store: it accesses that VA
  // or shoots it down.
  const observed = (cpu: number, va: string) =>
    progs.some((p, i) => i !== cpu && p.some((s) => ((DATA_ACCESS.has(s.op) || s.op === 'tlbi_va' || s.op === 'tlbi_va_local') && target(s) === va) || s.op.startsWith('tlbi_all')));
  for (const [cpu, ops] of progs.entries()) {
    for (let j = 0; j < ops.length; j++) {
      const st = ops[j];
      const va = target(st);
      if (st.op !== 'str' || st.guard || !va || !observed(cpu, va)) continue;
      const uses = new Set([...(st.deps ?? []), ...(st.vdeps ?? []), ...(st.args[1]?.kind === 'reg' ? [st.args[1].reg] : [])]);
      for (let k = j - 1; k >= 0; k--) {
        const o = ops[k];
        if (o.guard || (o.dest && uses.has(o.dest))) break;
        if (o.op === 'alu') continue;
        if ((o.op === 'ldr' || o.op === 'ldr_pte') && !o.deps?.length && !(o.op === 'ldr' && target(o) === va))
          return `a store that herd7 may perform before an earlier independent load (load buffering, P${cpu}): not modelled`;
        break;
      }
    }
  }
  return undefined;
}
