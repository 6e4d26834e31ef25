/**
 * The semantic checks of a parsed scenario: pages, entries and labels declared
 * once, each operation's arguments of the kinds its spec (ops.ts) names, the
 * final condition's names known. Every problem is a Diagnostic.
 */
import { Cond, DescLit, Diagnostic, Pos, ProgStep, Scenario } from './types';
import { DSB_KINDS, OPS } from './ops';
import { ALU_OPS } from './alu';

/** Semantic checks: ops, arguments, names, labels. */
export function checkScenario(sc: Scenario, errors: Diagnostic[]) {
  const file = sc.fileName;
  const err = (pos: Pos, message: string) => errors.push({ file, line: pos.line, col: pos.col, message });
  const pages = new Set<string>();
  const entries = new Set<string>();
  const labels = new Map<string, number>();
  for (const p of sc.pages) {
    if (pages.has(p.name)) err(p.pos, `page '${p.name}' is declared twice`);
    pages.add(p.name);
  }
  for (const e of sc.entries) {
    if (entries.has(e.name)) err(e.pos, `entry '${e.name}' is declared twice`);
    if (pages.has(e.name)) err(e.pos, `'${e.name}' is already a page name; entries and pages need distinct names`);
    entries.add(e.name);
    if (e.init.page !== null && !pages.has(e.init.page))
      err(e.pos, `unknown page '${e.init.page}': expected one of the declared pages (${[...pages].join(', ') || 'none declared'})`);
  }
  if (sc.cpus.length === 0) {
    err({ line: 1, col: 1 }, "empty scenario: expected at least one 'cpu N { ... }' program");
  }
  const ids = new Set<number>();
  sc.cpus.forEach((c, i) => {
    if (ids.has(c.id)) err(c.pos, `cpu ${c.id} is declared twice`);
    if (c.id !== i) err(c.pos, `expected cpu ${i} here: CPUs are numbered 0, 1, 2, ... in order`);
    ids.add(c.id);
  });
  const checkDesc = (d: DescLit, pos: Pos) => {
    if (d.page !== null && !pages.has(d.page))
      err(pos, `unknown page '${d.page}': expected one of the declared pages (${[...pages].join(', ') || 'none declared'})`);
  };
  const visit = (steps: ProgStep[], cpu: number) => {
    for (const st of steps) {
      if (st.label !== undefined) {
        if (labels.has(st.label)) err(st.pos, `label '${st.label}' is used twice (labels are global)`);
        if (entries.has(st.label) || pages.has(st.label)) err(st.pos, `label '${st.label}' clashes with an entry or page name`);
        labels.set(st.label, cpu);
      }
      if (st.kind === 'interrupt') {
        visit(st.body, cpu);
        continue;
      }
      const spec = OPS[st.op];
      if (!spec) {
        const near = Object.keys(OPS).filter((k) => k.includes(st.op) || st.op.includes(k));
        err(st.pos, `unknown operation '${st.op}'${near.length ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : ''}`);
        continue;
      }
      const min = spec.args.length - (spec.optionalArgs ?? 0);
      if (st.args.length < min || st.args.length > spec.args.length) {
        err(st.pos, `'${st.op}' expects ${min === spec.args.length ? min : `${min} to ${spec.args.length}`} argument(s) (${spec.args.join(', ') || 'none'}), found ${st.args.length}`);
        continue;
      }
      if (spec.dest === 'required' && !st.dest) err(st.pos, `'${st.op}' produces a value: write 'rN = ${st.op}(...)'`);
      if (spec.dest === 'none' && st.dest) err(st.pos, `'${st.op}' produces no value; remove '${st.dest} ='`);
      st.args.forEach((a, i) => {
        const want = spec.args[i];
        if (want === 'entry') {
          if (a.kind !== 'name') err(a.pos, `expected an entry name as argument ${i + 1} of '${st.op}'`);
          else if (!entries.has(a.name))
            err(a.pos, `unknown entry '${a.name}': expected one of the declared entries (${[...entries].join(', ') || 'none declared'})`);
        } else if (want === 'desc') {
          if (a.kind === 'desc') checkDesc(a.desc, a.pos);
          else if (a.kind !== 'reg') err(a.pos, `expected a descriptor (valid(PAGE), invalid) or a register as argument ${i + 1} of '${st.op}'`);
        } else if (want === 'num') {
          if (a.kind !== 'num' && a.kind !== 'reg') err(a.pos, `expected a number or a register as argument ${i + 1} of '${st.op}'`);
        } else if (want === 'aluop') {
          if (a.kind !== 'name' || !(ALU_OPS as readonly string[]).includes(a.name))
            err(a.pos, `expected an arithmetic operation (${ALU_OPS.join(', ')}) as argument of '${st.op}'`);
        } else if (want === 'dsb') {
          if (a.kind !== 'name' || !DSB_KINDS.includes(a.name))
            err(a.pos, `expected a barrier domain (${DSB_KINDS.join(', ')}) as argument of '${st.op}'`);
        }
      });
    }
  };
  sc.cpus.forEach((c) => visit(c.steps, c.id));
  const checkCond = (c: Cond | null) => {
    if (!c) return;
    switch (c.kind) {
      case 'and':
      case 'or':
        checkCond(c.left);
        checkCond(c.right);
        return;
      case 'not':
        checkCond(c.inner);
        return;
      case 'fault':
        if (!labels.has(c.target) && !entries.has(c.target))
          err(c.pos, `unknown label or entry '${c.target}' in fault(...)`);
        else if (c.cpu !== undefined && labels.has(c.target) && labels.get(c.target) !== c.cpu)
          err(c.pos, `label '${c.target}' is on P${labels.get(c.target)}, not P${c.cpu}`);
        return;
      case 'eq':
        if (c.lhs.kind === 'reg') {
          if (c.lhs.cpu >= sc.cpus.length) err(c.pos, `no cpu ${c.lhs.cpu} in this scenario`);
        } else if (pages.has(c.lhs.name)) {
          c.lhs = { kind: 'page', name: c.lhs.name };
          if (c.value.kind !== 'num') err(c.pos, `page '${c.lhs.name}' holds a number; expected a number after '='`);
        } else if (entries.has(c.lhs.name)) {
          if (c.value.kind !== 'desc') err(c.pos, `entry '${c.lhs.name}' holds a descriptor; expected valid(PAGE) or invalid after '='`);
        } else err(c.pos, `unknown name '${c.lhs.name}': expected an entry, a page or a register 'P0:rN'`);
        if (c.value.kind === 'desc') checkDesc(c.value.desc, c.pos);
        return;
      default:
        return;
    }
  };
  checkCond(sc.condition);
}
