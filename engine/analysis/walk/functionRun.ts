// One analysis of one function in one context: the body walked from the
// entry state (mode, parameters' entries and pending writes, the caller's
// facts on the parameters, the definition's #if), its paths' ends gathered
// into outcomes (one per return value, written parameters, flush, mode, exit)
// and the records the run made. The layers it is built from are listed in
// ../interpreter.ts.
import { ModeState, modeKey, PathState, PendingWrite, SectionStart } from '../pathState';
import { isNonNull } from '../values';
import { FunctionSummary, Outcome, ParamValues } from '../summaries/summary';
import { emptyFlow, Pair } from '../walk/flow';
import { CalleeApply } from '../summaries/apply';

export class FunctionRun extends CalleeApply {
  run(mode: ModeState, dirtyParams: number[], section?: SectionStart, paramValues?: ParamValues): FunctionSummary {
    const st = new PathState();
    st.mode = { ...mode };
    st.section = section;
    if (this.opts.listeners?.length) st.slots = this.opts.listeners.map((l) => l.initial());
    // The body exists only under the #if around the definition: every path through it needs that.
    st.conds = this.ip.definitionConds(this.fn);
    this.params.forEach((p, i) => {
      if (p) st.ptrs.set(p, `P${i}`);
    });
    for (const i of dirtyParams) st.dirty.set(`P${i}`, { chain: [], conds: [], param: i, value: paramValues?.get(i) });
    this.bindParams(st);
    const body = this.root.childForFieldName('body');
    if (body && this.opts.watch) this.watchedBody = body.id;
    const flow = body ? this.exec(body, [st]) : emptyFlow([st]);
    const closing = body ? this.hopAtEnd(body, 'the function ends here') : undefined;
    const ends: Pair[] = [
      ...flow.ret,
      ...flow.normal.map((s): Pair => {
        const c = s.clone();
        c.exitAt = closing;
        return [c, null];
      }),
    ];
    const outcomes = new Map<string, Outcome>();
    for (const [s, v] of ends) {
      const writes = new Map<number, PendingWrite>();
      this.params.forEach((_, i) => {
        const w = s.dirty.get(`P${i}`);
        if (w && w.param === undefined) writes.set(i, w);
      });
      const at = s.exitAt ? `${s.exitAt.line}:${s.exitAt.column}` : '';
      const written = [...writes].map(([i, w]) => (w.value === undefined ? `${i}` : `${i}=${w.value}`));
      const k = `${v ? v.join('|') : '?'};${written};${s.flushed};${modeKey(s.mode)};${at}`;
      const prev = outcomes.get(k);
      if (!prev || s.conds.length < prev.conds.length)
        outcomes.set(k, {
          ret: v,
          writes,
          flushed: s.flushed,
          mode: { ...s.mode },
          conds: s.conds,
          exitAt: s.exitAt,
          ...(s.leftBy ? { leftBy: s.leftBy } : {}),
          section: s.section,
        });
    }
    return {
      outcomes: [...outcomes.values()],
      entryReads: this.entryReads,
      hits: this.hits,
      indirectCalls: [...this.indirectCalls.values()],
      ...(this.survey ? { surveyCalls: [...this.surveyCalls.values()], surveyCut: this.surveyCut } : {}),
      modeEvents: [...this.modeEvents.values()],
      sectionCalls: [...this.sectionCalls.values()],
      ownOps: this.ownOps,
    };
  }

  /** The caller's facts about the arguments, on the parameters (values.ts). */
  protected bindParams(st: PathState): void {
    for (const [path, f] of this.opts.binding ?? []) {
      const m = /^P(\d+)(.*)$/.exec(path);
      const p = m ? this.params[Number(m[1])] : null;
      if (!m || !p) continue;
      if (m[2]) st.facts.set(p + m[2], f);
      else if (f.kind === 'int') st.vals.set(p, f.values);
      else {
        if (f.kind !== 'nonnull') st.facts.set(p, f);
        if (isNonNull(f)) st.nonzero.add(p);
      }
    }
  }
}
