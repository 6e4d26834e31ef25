// What an edit inside a heavy opener could reuse of the opener's last run,
// measured before building it (issue 15 point 4). Never run by the tests.
//
// The opener's own path-sensitive run (not the callees', not the local rules')
// is watched statement by statement: every `exec` charges the states it
// carries (the interpreter's work counter, limits.ts). Printed:
//
// 1. Restart from the edited statement: for each statement line of the
//    opener, the share of the run's work done before that line is first
//    reached. That is what keeping the states at statement boundaries and
//    re-running "from the first statement whose text changed" could skip
//    (everything after the first visit depends on the edited statement: a
//    loop's later rounds, a backward goto's passes).
// 2. A statement memo by input state: the share of the work spent on leaf
//    statements (expressions, declarations, jumps) whose (statement text,
//    state identity) the run had already met, within one run and, after an
//    edit typed into the opener (the edit bench's `cpu_relax();` line), in
//    the previous run. PathState.key leaves out write chains, conditions
//    and places, which a memo would also have to match: the same-run share
//    is printed also with the whole state's content in the identity, and
//    the after-edit share also with the keys' lists sorted (entry ids are
//    named by the site's rank, entryIdentity.ts, since branch memo1; before,
//    by node ids, which every parse changes, and this renamed them by content).
//
// 3. A restart with an early stop, as the local rules' (walk/localResume.ts),
//    for the opener's root run: the body's top-level statements and the
//    passes a backward goto makes are watched; for each statement line, the
//    run is restarted at the top-level statement holding the edit and
//    stopped at the first boundary after it where localResume's rule lets a
//    stop be tried (pass 0 when no later pass walks the edited statement
//    again, else the last pass). Printed: the share of the run's steps such
//    a run would walk when its flow is the last run's at that boundary (a
//    floor for that design), whether it is (the states' keys, entry ids
//    named by rank, equal to the unedited run's there: the keys leave
//    out write chains, places and pending gotos, so "equal" is an upper
//    bound), and the steps of the edited statement's own visits (every state
//    that reaches the typed line: the floor of any design that walks the
//    new statement on each state it meets), with how many of those visits
//    left every state as it came (keys as above, no jump): where all do,
//    the rest of the run is the unedited run's.
//
// 4. The memo narrowed to the edited statement (docs/perf/memo2.md), checked
//    against whole runs: for each edit, typed and taken out, the edited
//    statement is taken from the two parse trees (editedStatement.ts), and
//    the last run's and the edited run's visits of it are watched (the input
//    states and output flow, whole content with places moved by the edit,
//    and the records each visit made). Printed: whether every visit's output
//    is the last run's (moved; an insertion's old output is its input, a
//    removal's new one), so the memo would take the rest of the run from
//    the last run; the share of the run's steps it would walk (the edited
//    statement's visits); the records those visits made and whether one fell
//    on a place a record was already kept at (addOnce); and, the proof by
//    experiment, whether the edited run's records and outcomes outside those
//    visits are the last run's, moved, in the same order.
//
//    MEMO_EDIT=remove takes each statement line out of the unedited text
//    instead; TYPED sets the line typed (default `\tcpu_relax();`).
//
//   node out/scripts/restartShare.js [TREE] [FILE] [FUNCTION]
//   (defaults: the 6.12 tree, mm/memory.c, copy_pte_range; M edits from the environment, default 12;
//   ONLY_RESTART=1: sections 1 and 3 only, the leaves' keys of section 2 not made; MEMO=1: section 4 too; ONLY_MEMO=1: section 4 only)
import * as fs from 'fs';
import * as path from 'path';
import type { Node } from 'web-tree-sitter';
import { Workspace } from '../engine/workspace';
import { defaultCacheBase } from '../engine/index/indexCache';
import { StatementWalker } from '../engine/analysis/walk/statements';
import type { PathState } from '../engine/analysis/pathState';
import type { Flow } from '../engine/analysis/walk/flow';
import { statementLinesOf } from './benchEdits';
import { editedStatement } from './editedStatement';
import { FunctionRun } from '../engine/analysis/walk/functionRun';
import { ensureParser, parseKernelC } from '../engine/parse/cParser';

const LEAVES = new Set(['expression_statement', 'declaration', 'return_statement', 'break_statement', 'continue_statement', 'goto_statement']);

/** One watched run: statements in the order executed, with the states each carried. */
interface Trace {
  order: { line: number; w: number }[];
  /** "text\u0000state key" of each leaf statement execution, with its count. */
  leaves: Map<string, number>;
  /** Work on leaf statements whose (text, key) this run had met before. */
  repeated: number;
  /** The same with the whole state's content (write chains, conditions, places, section, exits) in the identity. */
  whole: Set<string>;
  repeatedWhole: number;
  leafWork: number;
  /** As `leaves`, the keys' lists sorted (canonicalKey). */
  renamed: Map<string, number>;
  /** The top-level statements' boundaries of the first root run: before statement i of pass p, the steps so far and the states' renamed keys (sorted). */
  tops: { pass: number; i: number; line: number; steps: number; keys: string }[];
  /** Steps charged to statements by their first line (0-based), outermost statement of the line only. */
  byRow: Map<number, { span: number; w: number }>;
  /** The root run watched (the first in the check that is not a survey). */
  run?: object;
  steps: number;
  /** The typed statement's line (0-based) in an edited run, and its visits: how many, and how many left every state as it came (keys). */
  typedRow?: number;
  typed: { visits: number; same: number };
}

let watching: { fn: string; trace: Trace } | null = null;
const exec = (StatementWalker.prototype as any).exec as (this: any, n: Node, states: PathState[]) => unknown;
(StatementWalker.prototype as any).exec = function (this: any, n: Node, states: PathState[]) {
  const w = watching;
  if (w && this.fnName === w.fn && !this.opts.local) {
    const line = n.startPosition.row;
    if (!this.survey) watchTop(w.trace, this, n, states);
    if (!this.survey && w.trace.run === this && n.startPosition.row === w.trace.typedRow && n.type === 'expression_statement') {
      const keys = (ss: PathState[]) => ss.map((s) => canonicalKey(w.trace, this, s)).sort().join('\n');
      const before = keys(states);
      const f = exec.call(this, n, states) as Flow;
      w.trace.typed.visits++;
      if (!f.brk.length && !f.cont.length && !f.ret.length && !f.gotos.size && keys(f.normal) === before) w.trace.typed.same++;
      return f;
    }
    w.trace.order.push({ line, w: states.length || 1 });
    if (LEAVES.has(n.type) && !process.env.ONLY_RESTART) {
      const text = n.text;
      for (const s of states) {
        const k = `${text}\u0000${s.key()}`;
        const seen = w.trace.leaves.get(k) ?? 0;
        if (seen) w.trace.repeated++;
        w.trace.leaves.set(k, seen + 1);
        const rk = `${text}\u0000${canonicalKey(w.trace, this, s)}`;
        w.trace.renamed.set(rk, (w.trace.renamed.get(rk) ?? 0) + 1);
        const all = `${n.startIndex}\u0000${s.key()}\u0000${wholeState(s)}`;
        if (w.trace.whole.has(all)) w.trace.repeatedWhole++;
        else w.trace.whole.add(all);
        w.trace.leafWork++;
      }
    }
  }
  return exec.call(this, n, states);
};

// ---- section 4: the memo narrowed to the edited statement -------------------

/** A statement watched in one run (section 4): the old or new side of one edit. */
interface VisitSpec {
  /** The edit's name and side: the key of its Watched. */
  key: string;
  start: number;
  end: number;
  type: string;
  /** The edited statement itself (its records are the ones the memo makes anew); else the statement after an insertion or removal. */
  edited: boolean;
  /** The old side's places in the new text (1-based line); the new side's stay. */
  move: (line: number) => number;
}

/** One visit of a watched statement: input states and output flow (whole content, places moved), steps, records made. */
interface Visit {
  input: string[];
  output: string;
  steps: number;
  records: string[];
  /** Records this visit made at a place the run already held one at (addOnce keeps one). */
  collisions: number;
}

interface Watched {
  visits: Visit[];
  /** Where the edited statement's visits put records: index ranges of the lists, keys of the maps. */
  lists: [number, number][][];
  keys: Set<string>[];
  /** Where they put summaries used in the root's frame (index ranges of its children). */
  uses: [number, number][];
  /** What they added to what the root depends on: names, files, functions, globals (Frame). */
  deps: Set<string>[];
  /** What the run depends on (the frame's names, files, functions, globals), and what every statement's walk reads of the whole function (RunState.wholeFunction). */
  sets?: string[][];
  whole?: string;
  /** The run's records and outcomes outside the edited statement's visits, in order, places moved. */
  rest?: string[];
  /** The root run's steps. */
  steps?: number;
}

let specs: VisitSpec[] = [];
const watched = new Map<string, Watched>();
const RECORD_LISTS = ['hits', 'entryReads'] as const;
const RECORD_MAPS = ['modeEvents', 'sectionCalls', 'indirectCalls'] as const;

/** JSON with every `line`/`endLine` through `move` (places of the old text put in the new one). */
function movedJson(x: unknown, move: (line: number) => number): string {
  return JSON.stringify(x, (k, v) => ((k === 'line' || k === 'endLine') && typeof v === 'number' ? move(v) : v instanceof Set ? [...v] : v));
}

function stateContent(s: PathState, move: (line: number) => number): string {
  // callVals/exprVals are the last statement's values, forgotten before the next (`fresh`): not compared.
  const { conds, section, exitAt, jump, leftBy, guards } = s;
  return `${s.key()}\u0000${movedJson({ conds, section, exitAt, jump, leftBy, guards, dirty: [...s.dirty], entryVals: [...s.entryVals], facts: [...s.facts] }, move)}`;
}

function flowContent(normal: string[], f?: Flow, move: (line: number) => number = (l) => l): string {
  const ss = (x: PathState[]) => x.map((s) => stateContent(s, move));
  return JSON.stringify({ normal, brk: f ? ss(f.brk) : [], cont: f ? ss(f.cont) : [], ret: f ? f.ret.map(([s, v]) => [stateContent(s, move), v]) : [], gotos: f ? [...f.gotos].map(([k, v]) => [k, ss(v)]) : [] });
}

/** What a trace per statement visit would cost (section 4): the states copied in and out of every visit of the root run, CPU ms. */
const traceCost = { on: false, copies: 0 };

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The root run's frame (Interpreter.summarize pushes it around the run): the summaries used and names looked up. */
function frameOf(run: any): { children: string[]; names: Set<string>; files: Set<string>; fns: Set<string>; globals: Set<string> } {
  return run.ip.frames[run.ip.frames.length - 1];
}

const execWatched = (StatementWalker.prototype as any).exec as (this: any, n: Node, states: PathState[]) => Flow;
(StatementWalker.prototype as any).exec = function (this: any, n: Node, states: PathState[]) {
  const w = watching;
  if (w && this.fnName === w.fn && !this.survey && !this.opts.local) w.trace.run ??= this;
  if (traceCost.on && w && w.trace.run === this) {
    const kept = states.map((s) => s.clone());
    const f = execWatched.call(this, n, states);
    const out = [...f.normal, ...f.brk, ...f.cont, ...f.ret.map(([x]) => x), ...[...f.gotos.values()].flat()].map((s) => s.clone());
    traceCost.copies += kept.length + out.length;
    return f;
  }
  const mine = w && specs.length && w.trace.run === this ? specs.filter((v) => v.start === n.startIndex && v.end === n.endIndex && v.type === n.type) : [];
  if (!mine.length) return execWatched.call(this, n, states);
  const lists = RECORD_LISTS.map((k) => this[k].length as number);
  const maps = RECORD_MAPS.map((k) => new Map(this[k] as Map<string, unknown>));
  const ops = this.ownOps.size;
  const frame = frameOf(this);
  const uses = frame.children.length;
  const deps = [frame.names, frame.files, frame.fns, frame.globals].map((x) => new Set(x));
  const steps0 = w!.trace.steps;
  const inputs = states.map((s) => s.clone());
  const f = execWatched.call(this, n, states);
  for (const v of mine) {
    const out = watched.get(v.key)!;
    const records: string[] = [];
    let collisions = 0;
    RECORD_LISTS.forEach((k, i) => {
      const b = this[k].length;
      if (v.edited) out.lists[i].push([lists[i], b]);
      for (const r of this[k].slice(lists[i], b)) records.push(`${k} ${movedJson(r, v.move)}`);
    });
    RECORD_MAPS.forEach((k, i) => {
      for (const [key, r] of this[k] as Map<string, unknown>) {
        const had = maps[i].get(key);
        if (had === r) continue;
        if (v.edited) out.keys[i].add(key);
        if (had !== undefined) collisions++;
        records.push(`${k} ${movedJson(r, v.move)}`);
      }
    });
    if (this.ownOps.size !== ops) records.push(`ownOps +${this.ownOps.size - ops}`);
    if (v.edited) out.uses.push([uses, frame.children.length]);
    for (const c of frame.children.slice(uses)) records.push(`uses ${c}`);
    [frame.names, frame.files, frame.fns, frame.globals].forEach((set, i) => {
      for (const x of set)
        if (!deps[i].has(x)) {
          records.push(`depends on ${x}`);
          if (v.edited) out.deps[i].add(x);
        }
    });
    const input = inputs.map((s) => stateContent(s, v.move));
    out.visits.push({ input, output: flowContent(f.normal.map((s) => stateContent(s, v.move)), f, v.move), steps: w!.trace.steps - steps0, records, collisions });
  }
  return f;
};

/** The run's result, for its outcomes (section 4). */
const runWatched = FunctionRun.prototype.run;
FunctionRun.prototype.run = function (this: any, ...args: Parameters<typeof runWatched>) {
  const t0 = cpuMs();
  const r = runWatched.apply(this, args);
  this.__cpu = cpuMs() - t0;
  this.__result = r;
  // The frame is popped after the run: what it holds now is the run's (and its callees').
  const f = frameOf(this);
  this.__frame = { children: [...f.children], sets: [f.names, f.files, f.fns, f.globals].map((x) => [...x].sort()) };
  return r;
};

/** After a run: its records and outcomes, those the edited statement's visits made left out, places moved (section 4). */
function restOf(run: any, w: Watched, move: (line: number) => number): string[] {
  const out: string[] = [];
  RECORD_LISTS.forEach((k, i) => {
    (run[k] as unknown[]).forEach((r, x) => {
      if (!w.lists[i].some(([a, b]) => x >= a && x < b)) out.push(`${k} ${movedJson(r, move)}`);
    });
  });
  RECORD_MAPS.forEach((k, i) => {
    for (const [key, r] of run[k] as Map<string, unknown>) if (!w.keys[i].has(key)) out.push(`${k} ${movedJson(r, move)}`);
  });
  out.push(`ownOps ${movedJson([...run.ownOps].sort(), move)}`);
  for (const o of run.__result?.outcomes ?? []) out.push(`outcome ${movedJson(o, move)}`);
  // The frame: the summaries used, in order, those the edited statement used left out; what it depends on (names, files, functions, globals).
  (run.__frame?.children as string[] | undefined)?.forEach((c, x) => {
    if (!w.uses.some(([a, b]) => x >= a && x < b)) out.push(`uses ${c}`);
  });
  // What it depends on is compared apart (memoVerdict): a name the edited statement looked up may be looked up by the rest too.
  w.sets = (run.__frame?.sets as string[][] | undefined) ?? [];
  w.whole = run.wholeFunction();
  return out;
}

/** The function's definition in a parse of `text` (the Workspace's catalogue: the same normalised offsets as its tree). */
function definitionIn(text: string, fn: string, ws: Workspace): Node {
  const root = parseKernelC('f.c', text, ws.catalogue).tree.rootNode;
  const d = root.namedChildren.find((c) => c?.type === 'function_definition' && (c.childForFieldName('declarator')?.text ?? '').startsWith(`${fn}(`));
  if (!d) throw new Error(`${fn}: no definition`);
  return d;
}

/** One edit of section 4: old text to new, its edited statement and the specs watching both sides. */
interface MemoEdit {
  label: string;
  kind: string;
  inserted: boolean;
  removed: boolean;
  old: VisitSpec[];
  now: VisitSpec[];
}

/** The edit from `t0` to `t1`, the line `ln` (0-based) typed or taken out. */
function memoEdit(label: string, t0: string, t1: string, fn: string, ln: number, typed: boolean, ws: Workspace): MemoEdit {
  const e = editedStatement(definitionIn(t0, fn, ws), definitionIn(t1, fn, ws));
  const move = typed ? (l: number) => (l >= ln + 1 ? l + 1 : l) : (l: number) => (l > ln + 1 ? l - 1 : l);
  const spec = (side: 'old' | 'new', n: Node | null, edited: boolean): VisitSpec[] =>
    n ? [{ key: `${label}/${side}`, start: n.startIndex, end: n.endIndex, type: n.type, edited, move: side === 'old' ? move : (l) => l }] : [];
  for (const side of ['old', 'new']) watched.set(`${label}/${side}`, { visits: [], lists: RECORD_LISTS.map(() => []), keys: RECORD_MAPS.map(() => new Set()), uses: [], deps: [0, 1, 2, 3].map(() => new Set()) });
  const base = { label, inserted: false, removed: false, old: [] as VisitSpec[], now: [] as VisitSpec[] };
  if (!e) return { ...base, kind: 'no single statement (outside the body)' };
  switch (e.kind) {
    case 'same':
      return { ...base, kind: 'same text' };
    case 'inserted':
      return { ...base, inserted: true, old: spec('old', e.oldNext, false), now: spec('new', e.added, true), kind: `inserted ${e.added.type}` };
    case 'removed':
      return { ...base, removed: true, old: spec('old', e.removed, true), now: spec('new', e.newNext, false), kind: `removed ${e.removed.type}` };
    case 'replaced':
      // The body itself (a shape changed around the typed line, as `if (c)` losing its body to it): walking it is the whole run.
      if (e.old.parent?.type === 'function_definition') return { ...base, kind: 'the body (the shape around the line changed): a whole run' };
      return { ...base, old: spec('old', e.old, true), now: spec('new', e.now, true), kind: `replaced ${e.old.type} -> ${e.now.type}` };
  }
}

interface MemoResult {
  applies: boolean;
  share: number;
  restSame: boolean;
}

/**
 * Section 4's verdict for one edit: would the memo take the rest from the
 * last run (every visit's output the last run's: an insertion's old output
 * is its input, a removal's new output is its input), what it walks, and is
 * the rest really the last run's (the edited run watched whole).
 */
function memoVerdict(e: MemoEdit): MemoResult {
  const old = watched.get(`${e.label}/old`)!;
  const now = watched.get(`${e.label}/new`)!;
  let why = e.old.length && e.now.length ? '' : e.kind;
  if (!why && !now.visits.length) why = 'not visited';
  if (!why && old.visits.length !== now.visits.length) why = `visits ${old.visits.length} -> ${now.visits.length}`;
  for (let i = 0; !why && i < now.visits.length; i++) {
    const a = old.visits[i];
    const b = now.visits[i];
    if (a.input.join('\n') !== b.input.join('\n')) why = `visit ${i + 1}: input differs`;
    else if ((e.inserted ? flowContent(a.input) : a.output) !== (e.removed ? flowContent(b.input) : b.output)) why = `visit ${i + 1}: output differs`;
  }
  const steps = now.steps ?? 0;
  // What the memo walks: the edited statement's visits on the new text (a removal's: none, its outputs compared).
  const walked = e.removed ? 0 : now.visits.reduce((a, v) => a + v.steps, 0);
  const share = steps ? walked / steps : 0;
  // A memo needs what every statement's walk reads of the whole function unchanged (declared names, pointer variables: localResume's `whole`).
  if (!why && old.whole !== now.whole) why = 'what the whole function declares changed';
  // The frame's sets: the last run's with the new statement's additions, against the edited run's with the old statement's.
  const union = (a: string[][] | undefined, add: Set<string>[]) => (a ?? []).map((set, i) => [...new Set([...set, ...add[i]])].sort().join(',')).join(';');
  const setsSame = union(old.sets, now.deps) === union(now.sets, old.deps);
  const restSame = setsSame && !!old.rest && !!now.rest && old.rest.join('\n') === now.rest.join('\n');
  if (!restSame && process.env.DUMP && old.rest && now.rest) {
    const at = `${process.env.DUMP}-${e.label.replace(/\W+/g, '-')}`;
    fs.writeFileSync(`${at}.old`, old.rest.join('\n'));
    fs.writeFileSync(`${at}.new`, now.rest.join('\n'));
  }
  const count = (w: Watched) => w.visits.reduce((a, v) => a + v.records.length, 0);
  const held = (w: Watched) => w.visits.reduce((a, v) => a + v.collisions, 0);
  const records = e.inserted
    ? `the new statement's ${count(now)} (${held(now)} at a place already held)`
    : e.removed
      ? `the removed statement's ${count(old)} gone`
      : `old ${count(old)}, new ${count(now)} (${held(now)} at a place already held)`;
  console.log(
    `   ${e.label}: ${e.kind}, visits ${old.visits.length} -> ${now.visits.length}: ${why ? `whole run (${why})` : 'the memo applies'}; ` +
      `walks ${(100 * share).toFixed(2)}% of ${steps} steps; records: ${records}; ` +
      `the rest (records, outcomes: ${old.rest?.length ?? 0} / ${now.rest?.length ?? 0}) ${restSame ? "the last run's, moved, in order" : 'differs'}`,
  );
  return { applies: !why, share, restSame };
}

/**
 * Section 4: for M statement lines, `cpu_relax();` typed into the unedited
 * text, each edit's two sides watched: the old in the first run of the
 * unedited text (every edit's at once), the new in the edited text's run.
 * Taking the line out again gives back a text the engine has a summary for
 * (Interpreter.summarize's `restore`): no run is made, so the memo has
 * nothing to do there; the steps of those checks' root runs are printed.
 * `run` checks a text watching `specs`.
 */
async function memoSection(ws: Workspace, text: string, fn: string, lines: number[], m: number, run: (t: string) => Promise<Trace>): Promise<void> {
  await ensureParser();
  const src = text.split('\n');
  const edits: { e: MemoEdit; t1: string }[] = [];
  // MEMO_EDIT=remove: each statement line taken out of the unedited text instead (a text never checked: a run is made).
  const removing = process.env.MEMO_EDIT === 'remove';
  const typedText = process.env.TYPED ?? '\tcpu_relax();';
  for (let k = 0; k < m; k++) {
    const ln = lines[Math.floor((k * lines.length) / m)];
    const t1 = removing ? [...src.slice(0, ln), ...src.slice(ln + 1)].join('\n') : [...src.slice(0, ln), typedText, ...src.slice(ln)].join('\n');
    edits.push({ e: memoEdit(`${removing ? 'taken out' : 'typed'} at ${ln + 1}`, text, t1, fn, ln, !removing, ws), t1 });
  }
  const finish = (t: Trace, e: MemoEdit, side: 'old' | 'now') => {
    const w = watched.get(`${e.label}/${side === 'old' ? 'old' : 'new'}`)!;
    w.steps = t.steps;
    const move = side === 'old' ? (e.old[0]?.move ?? ((l: number) => l)) : (l: number) => l;
    w.rest = t.run ? restOf(t.run, w, move) : undefined;
  };
  specs = edits.flatMap(({ e }) => e.old);
  const first = await run(text);
  // Read now: the run's records are the kept summary's, whose places a later edit moves in place (SummaryStore.movePlaces).
  for (const { e } of edits) finish(first, e, 'old');
  specs = [];
  // What a trace would cost: the opener run again on new texts (a comment typed at its first statement line), with and without the copies, alternated.
  const commented = (c: string) => [...src.slice(0, lines[0]), `\t/* ${c} */`, ...src.slice(lines[0])].join('\n');
  const cost = { with: [] as number[], without: [] as number[] };
  const rounds = Number(process.env.COST_ROUNDS ?? 5);
  for (let r = 0; r < rounds; r++) {
    // Both orders: the plain run first in even rounds, the traced one in odd.
    for (const traced of r % 2 ? [true, false] : [false, true]) {
      traceCost.on = traced;
      const cpu = ((await run(commented(`${traced ? 'traced' : 'plain'} ${r}`))).run as any)?.__cpu ?? 0;
      traceCost.on = false;
      (traced ? cost.with : cost.without).push(cpu);
    }
  }
  await run(text);
  const med = (a: number[]) => pct(a, 50).toFixed(1);
  if (rounds)
    console.log(
    `   a trace per statement visit (every visit's input states and output flow copied, maps shared): ${traceCost.copies / rounds} copies a run; ` +
      `the opener's run, CPU ms, ${rounds} rounds alternated: without ${cost.without.map((x) => x.toFixed(1)).join(', ')} (p50 ${med(cost.without)}), ` +
      `with ${cost.with.map((x) => x.toFixed(1)).join(', ')} (p50 ${med(cost.with)})`,
  );
  const results: MemoResult[] = [];
  const outSteps: number[] = [];
  for (const { e, t1 } of edits) {
    specs = e.now;
    finish(await run(t1), e, 'now');
    results.push(memoVerdict(e));
    specs = [];
    outSteps.push((await run(text)).steps);
  }
  const applied = results.filter((r) => r.applies);
  const shares = applied.map((r) => r.share);
  console.log(
    `4. the memo narrowed to the edited statement (${results.length} edits, ${removing ? 'a line taken out' : JSON.stringify(typedText.trim()) + ' typed'}): applies to ${applied.length}, ` +
      `walking p50 ${shares.length ? (100 * pct(shares, 50)).toFixed(2) : '-'}%, max ${shares.length ? (100 * Math.max(...shares)).toFixed(2) : '-'}% of the run; ` +
      `of those, the edited run's rest the last run's (moved, in order): ${applied.filter((r) => r.restSame).length}; ` +
      `where it does not apply, the rest the last run's anyway: ${results.filter((r) => !r.applies && r.restSame).length} of ${results.length - applied.length}; ` +
      `the edit undone: root run steps ${outSteps.join(', ')} (0: restored, not run)`,
  );
}

/** Section 3: the root run's top-level boundaries and the steps per statement line (see the header). */
function watchTop(t: Trace, run: any, n: Node, states: PathState[]): void {
  t.run ??= run;
  if (t.run !== run) return;
  const w = states.length || 1;
  t.steps += w;
  const row = n.startPosition.row;
  const span = n.endIndex - n.startIndex;
  const r = t.byRow.get(row);
  if (!r || span > r.span) t.byRow.set(row, { span, w });
  else if (span === r.span) r.w += w;
  const body = (run.fn.node as Node).childForFieldName('body');
  if (!body || n.parent?.id !== body.id) return;
  const kids = body.namedChildren.filter((c): c is Node => !!c);
  const i = kids.findIndex((c) => c.startIndex === n.startIndex && c.endIndex === n.endIndex);
  if (i < 0) return;
  const last = t.tops[t.tops.length - 1];
  const pass = !last ? 0 : i <= last.i ? last.pass + 1 : last.pass;
  t.tops.push({ pass, i, line: row, steps: t.steps - w, keys: states.map((s) => canonicalKey(t, run, s)).sort().join('\n') });
}

/**
 * A state's key, each list in it sorted again. Entry ids are named by the
 * site's rank among the function's assignment sites (entryIdentity.ts), the
 * same before and after an edit that adds no site; those of sites in a macro
 * body run in place (above 2^24) still carry a node id, marked here (they
 * differ by parse).
 */
function canonicalKey(t: Trace, run: any, s: PathState): string {
  return s
    .key()
    .replace(/\b([SI])(\d+)/g, (m: string, x: string, id: string) => (Number(id) < 2 ** 24 ? m : `${x}<outside:${id}>`))
    .split(';')
    .map((part) => part.split(',').sort().join(','))
    .join(';');
}

/** Everything a state holds, as a string (slow; this script only): what a memo by content would compare. */
function wholeState(s: PathState): string {
  const { conds, section, exitAt, jump, leftBy, guards } = s;
  return JSON.stringify({ conds, section, exitAt, jump, leftBy, guards, dirty: [...s.dirty], entryVals: [...s.entryVals], facts: [...s.facts] });
}

function pct(a: number[], p: number): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function main(): Promise<void> {
  const root = path.resolve(process.argv[2] ?? path.join(defaultCacheBase(), 'linux-source-6.12'));
  const file = path.join(root, process.argv[3] ?? 'mm/memory.c');
  const fn = process.argv[4] ?? 'copy_pte_range';
  const m = Number(process.env.M ?? 12);
  const ws = new Workspace({ root, arch: 'arm64', cacheDir: defaultCacheBase(), analysisStore: false });
  ws.build();
  const text = fs.readFileSync(file, 'utf8');
  const run = async (t: string, typedRow?: number): Promise<Trace> => {
    const trace: Trace = {
      order: [],
      leaves: new Map(),
      repeated: 0,
      whole: new Set(),
      repeatedWhole: 0,
      leafWork: 0,
      renamed: new Map(),
      tops: [],
      byRow: new Map(),
      steps: 0,
      typedRow,
      typed: { visits: 0, same: 0 },
    };
    watching = { fn, trace };
    ws.setText(file, t);
    await ws.check([file]);
    watching = null;
    return trace;
  };
  if (process.env.ONLY_MEMO) return memoSection(ws, text, fn, statementLinesOf(text, fn), m, run);
  const base = await run(text);
  const total = base.order.reduce((a, o) => a + o.w, 0);
  if (!total) throw new Error(`${fn}: no run of it was watched (not a section opener checked in ${file}?)`);
  const before = new Map<number, number>();
  let acc = 0;
  for (const o of base.order) {
    if (!before.has(o.line)) before.set(o.line, acc);
    acc += o.w;
  }
  const lines = statementLinesOf(text, fn);
  // A line no statement starts on (a call's continued arguments) restarts with the statement it is part of.
  const shareAt = (l: number): number => {
    for (let k = l; k >= 0; k--) if (before.has(k)) return before.get(k)! / total;
    return 0;
  };
  const reusable = lines.map(shareAt);
  console.log(`${fn}: its own run ${total} steps (statements x states), ${base.order.length} statement executions`);
  console.log(
    `1. restart from the edited statement, share of the run before the statement is first reached, over its ${lines.length} statement lines: ` +
      `min ${(100 * Math.min(...reusable)).toFixed(1)}%, p50 ${(100 * pct(reusable, 50)).toFixed(1)}%, max ${(100 * Math.max(...reusable)).toFixed(1)}%`,
  );
  for (const l of lines) console.log(`   line ${l + 1}: ${(100 * shareAt(l)).toFixed(1)}%`);
  const leaves = !process.env.ONLY_RESTART;
  if (leaves)
    console.log(
      `2. leaf statements ${base.leafWork} of the ${total} steps; met before in the same run (statement text, state key): ` +
        `${base.repeated} (${((100 * base.repeated) / base.leafWork).toFixed(1)}%); ` +
        `at the same place with the whole state's content: ${base.repeatedWhole} (${((100 * base.repeatedWhole) / base.leafWork).toFixed(1)}%)`,
    );
  const src = text.split('\n');
  const shares: number[] = [];
  const renamedShares: number[] = [];
  const restarts: ReturnType<typeof restartWithStop>[] = [];
  for (let k = 0; k < m; k++) {
    const ln = lines[Math.floor((k * lines.length) / m)];
    const edited = await run([...src.slice(0, ln), '\tcpu_relax();', ...src.slice(ln)].join('\n'), ln);
    let hit = 0;
    for (const [key, n] of edited.leaves) if (base.leaves.has(key)) hit += n;
    let hitRenamed = 0;
    for (const [key, n] of edited.renamed) if (base.renamed.has(key)) hitRenamed += n;
    if (leaves) {
      shares.push(hit / edited.leafWork);
      renamedShares.push(hitRenamed / edited.leafWork);
      console.log(
        `   edit at line ${ln + 1}: ${edited.leafWork} leaf steps, met in the unedited run ${((100 * hit) / edited.leafWork).toFixed(1)}%, ` +
          `with the keys' lists sorted ${((100 * hitRenamed) / edited.leafWork).toFixed(1)}%`,
      );
    }
    restarts.push(restartWithStop(base, edited, ln));
    await run(text);
  }
  if (shares.length)
    console.log(
      `   after an edit (${shares.length} edits): leaf work whose (text, key) the unedited run met, p50 ${(100 * pct(shares, 50)).toFixed(1)}%, min ${(100 * Math.min(...shares)).toFixed(1)}%; ` +
        `with the keys' lists sorted p50 ${(100 * pct(renamedShares, 50)).toFixed(1)}%, min ${(100 * Math.min(...renamedShares)).toFixed(1)}%`,
    );
  if (restarts.length) {
    const walked = restarts.map((r) => r.walked);
    const own = restarts.map((r) => r.own);
    const met = restarts.filter((r) => r.same);
    const identity = restarts.filter((r) => r.visits > 0 && r.identity === r.visits);
    console.log(
      `3. restart at the edited top-level statement, stopped where localResume's rule lets it (${restarts.length} edits): share of the run walked, ` +
        `p50 ${(100 * pct(walked, 50)).toFixed(1)}%, p95 ${(100 * pct(walked, 95)).toFixed(1)}%, under 10%: ${walked.filter((x) => x < 0.1).length}; ` +
        `the flow's keys the unedited run's at the stop: ${met.length} (of those, walked p50 ${met.length ? (100 * pct(met.map((r) => r.walked), 50)).toFixed(1) : '-'}%); ` +
        `the edited statement's own visits, share of the edited run's steps: p50 ${(100 * pct(own, 50)).toFixed(1)}%, p95 ${(100 * pct(own, 95)).toFixed(1)}%, max ${(100 * Math.max(...own)).toFixed(1)}%; ` +
        `edits whose typed statement left every state it met as it came (keys, no jump): ${identity.length} of ${restarts.length}`,
    );
  }
  if (process.env.MEMO) await memoSection(ws, text, fn, lines, m, run);
}

/**
 * Section 3 for one edit (`cpu_relax();` typed before 0-based line `ln`):
 * the share of the unedited run's steps a restart with a stop would walk,
 * whether the edited run's states at the stop have the unedited run's keys,
 * and the share of the edited run's steps spent on the typed statement.
 */
function restartWithStop(base: Trace, edited: Trace, ln: number): { walked: number; same: boolean; own: number; where: string; visits: number; identity: number } {
  const first = base.tops.filter((b) => b.pass === 0);
  const n = first.length;
  const passes = Math.max(0, ...base.tops.map((b) => b.pass));
  // A later pass starts at a label a goto at or after it goes back to: the least such is where passes walk again.
  const revisit = Math.min(n, ...base.tops.filter((b, x) => b.pass > 0 && (x === 0 || base.tops[x - 1].pass !== b.pass)).map((b) => b.i));
  let k = 0;
  while (k + 1 < n && first[k + 1].line <= ln) k++;
  const inserted = first[k].line === ln;
  const stopAt = inserted ? k : k + 1;
  const pass = revisit >= stopAt ? 0 : passes;
  const total = base.steps;
  const from = first[k].steps;
  const stop = stopAt < n ? base.tops.find((b) => b.pass === pass && b.i === stopAt) : undefined;
  const walked = ((stop ? stop.steps : total) - from) / total;
  const theirs = stop && edited.tops.find((b) => b.pass === pass && b.line === stop.line + (stop.line >= ln ? 1 : 0));
  const same = !!stop && !!theirs && theirs.keys === stop.keys;
  const own = (edited.byRow.get(ln)?.w ?? 0) / edited.steps;
  const where = `top-level ${k}${inserted ? ' (a new statement before it)' : ''}, stop before ${stopAt} in pass ${pass}`;
  const { visits, same: identity } = edited.typed;
  console.log(
    `   edit at line ${ln + 1}: ${where}: walks ${(100 * walked).toFixed(1)}%, keys ${same ? 'the same' : 'differ'}; ` +
      `the typed statement ${(100 * own).toFixed(1)}%, ${visits} visits, ${identity} left the states as they came`,
  );
  return { walked, same, own, where, visits, identity };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
