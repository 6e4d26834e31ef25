// What one lazy MMU section does, for a hover on its enter or leave call: the
// catalogue writers and readers its function calls while batching, the calls
// it makes while batching (the interpreter's sectionCalls) with each callee's
// effect (from the callee's summary in a batching context, and from the
// reachability of enter APIs, page-table allocators and sleepers), the
// entries those callees write or read (so a section writing through a helper
// lists the write), and the read-after-write hits the interpreter found in
// it. Each callee is described once, with every line it is called on.
// Read-only: nothing here changes the Workspace.
import type { Node } from 'web-tree-sitter';
import { Catalogue } from './catalogue/catalogue';
import { FunctionRef } from './analysis/sourceCache';
import { FunctionSummary, Interpreter } from './analysis/interpreter';
import { Reachability } from './index/reachability';
import { functionName, parameterNames } from './analysis/syntax';

export interface SectionAccess {
  /** The catalogue API called (set_pte_at, ptep_get, ...). */
  api: string;
  /** The entry argument's text. */
  entry: string;
  line: number;
  column: number;
  /** Through a call: the callee's parameter that names the entry (absent for a catalogue API called directly). */
  param?: string;
}

export interface SectionCalleeInfo {
  callee: string;
  /** The first call's place; `sites` holds every call of this callee in the section. */
  line: number;
  column: number;
  sites: { line: number; column: number }[];
  /** The callee's parameter names (null for an unnamed one), from its first definition. */
  params: (string | null)[];
  /** A definition of the callee is in the index. */
  defined: boolean;
  /** Argument indexes (0-based) whose entries the callee leaves written (unflushed) on some path. */
  writesParams: number[];
  /** Argument indexes whose entries the callee reads. */
  readsParams: number[];
  /** The callee flushes (or leaves/pauses) on some path. */
  flushes: boolean;
  /** Chains (names, callee first, the target last) to an enter API, a page-table allocator, a sleeper, when reachable. */
  mayNest?: string[];
  mayAllocate?: string[];
  maySleep?: string[];
  /** One line each, in words (the chains are in mayNest, mayAllocate, maySleep). */
  effects: string[];
}

export interface SectionInfo {
  file: string;
  /** The function holding the section. */
  function: string;
  shape: string;
  enter: { api: string; line: number; column: number };
  leave?: { api: string; line: number; column: number };
  writes: SectionAccess[];
  reads: SectionAccess[];
  calls: SectionCalleeInfo[];
  /**
   * Reads of an entry written earlier in the section with no flush between (the interpreter's hits),
   * each with the write before it (`after`: what wrote the entry, and on which line; `via`: the
   * section's call that led to it, when the write is in a callee).
   */
  readsAfterWrite: { line: number; column: number; message: string; after?: { message: string; line: number }; via?: { message: string; line: number } }[];
}

interface CallSite {
  name: string;
  node: Node;
  line: number;
  column: number;
  args: Node[];
}

function callsIn(fn: Node): CallSite[] {
  const out: CallSite[] = [];
  for (const c of fn.descendantsOfType('call_expression')) {
    if (!c) continue;
    const f = c.childForFieldName('function');
    if (f?.type !== 'identifier') continue;
    const args = (c.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
    out.push({ name: f.text, node: c, line: c.startPosition.row + 1, column: c.startPosition.column + 1, args });
  }
  return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** The 1-based lines of `fn`'s lazy-mode enter and leave calls (where a hover on a section is asked). */
export function enterLeaveLines(fn: Node, cat: Catalogue): number[] {
  const ops = callsIn(fn).filter((c) => {
    const op = cat.lazyMode.get(c.name)?.op;
    return op === 'enter' || op === 'leave';
  });
  return [...new Set(ops.map((c) => c.line))];
}

export interface SectionContext {
  cat: Catalogue;
  interp: Interpreter;
  /** Reachability of enter APIs, page-table allocators and sleepers (built lazily). */
  reach: (kind: 'enter-legacy' | 'enter-generic' | 'alloc' | 'sleep') => Reachability;
}

/**
 * The section whose enter or leave call is on `line` of `ref` (a function of
 * `file`), or null when no enter/leave call is on that line.
 */
export function sectionInfoFor(ref: FunctionRef, line: number, ctx: SectionContext): SectionInfo | null {
  const { cat, interp } = ctx;
  const calls = callsIn(ref.node);
  const op = (c: CallSite) => cat.lazyMode.get(c.name)?.op;
  const here = calls.find((c) => c.line === line && (op(c) === 'enter' || op(c) === 'leave'));
  if (!here) return null;
  // The section: an enter call and the first leave after it.
  const enterIdx =
    op(here) === 'enter'
      ? calls.indexOf(here)
      : calls.map((c, i) => ({ c, i })).filter((x) => op(x.c) === 'enter' && x.c.node.startIndex < here.node.startIndex).pop()?.i ?? -1;
  const enter = enterIdx >= 0 ? calls[enterIdx] : null;
  const after = enter ? calls.slice(enterIdx + 1) : [];
  const leave = op(here) === 'leave' ? here : after.find((c) => op(c) === 'leave');
  const inside = (c: CallSite) =>
    (!enter || c.node.startIndex > enter.node.startIndex) && (!leave || c.node.startIndex < leave.node.startIndex);
  const body = calls.filter(inside);
  const access = (c: CallSite, ptrArg: number): SectionAccess => ({
    api: c.name,
    entry: c.args[ptrArg]?.text ?? '?',
    line: c.line,
    column: c.column,
  });
  const writes: SectionAccess[] = [];
  const reads: SectionAccess[] = [];
  for (const c of body) {
    const w = cat.writers.get(c.name);
    if (w) writes.push(access(c, w.ptrArg));
    const r = cat.readers.get(c.name);
    if (r) reads.push(access(c, r.ptrArg));
  }
  const sum: FunctionSummary = interp.summarize(ref, { depth: 0, paused: 0 }, []);
  const enterLine = enter?.line;
  const ofThis = (s?: { file: string; line: number }) => !!s && s.file === ref.file && s.line === enterLine;
  const shape = enter ? cat.lazyMode.get(enter.name)?.shape ?? '' : cat.lazyMode.get(here.name)?.shape ?? '';
  // The calls made while batching in this function's own body (callees' own
  // calls are their effects), then calls the interpreter did not follow (a
  // path it found infeasible, ...) that fall in the section's lines.
  const sites: { name: string; line: number; column: number; args: string[] }[] = [];
  const seen = new Set<string>();
  const direct = sum.sectionCalls.filter(
    (c) => c.at.file === ref.file && c.fn === ref.name && (enter ? ofThis(c.section) : true) && c.at.line >= (enter?.line ?? 0) && c.at.line <= (leave?.line ?? Infinity),
  );
  for (const c of direct) {
    const k = `${c.at.line}:${c.at.column}`;
    if (seen.has(k)) continue;
    seen.add(k);
    sites.push({ name: c.callee, line: c.at.line, column: c.at.column, args: c.args });
  }
  for (const c of body) {
    if (cat.lazyMode.has(c.name) || cat.writers.has(c.name) || cat.readers.has(c.name)) continue;
    const k = `${c.line}:${c.column}`;
    if (seen.has(k) || !interp.index.resolve(c.name, ref.file).length) continue;
    seen.add(k);
    sites.push({ name: c.name, line: c.line, column: c.column, args: c.args.map((a) => a.text) });
  }
  sites.sort((a, b) => a.line - b.line || a.column - b.column);
  // One description per callee (its effect does not depend on the call site here).
  const byCallee = new Map<string, SectionCalleeInfo>();
  for (const c of sites) {
    let info = byCallee.get(c.name);
    if (!info) byCallee.set(c.name, (info = calleeEffect(c.name, c.args.length, c.line, c.column, ref.file, ctx)));
    else info.sites.push({ line: c.line, column: c.column });
    // The entries the callee writes or reads at this call, named by the argument's text.
    const through = (params: number[], into: SectionAccess[]) => {
      for (const i of params) {
        if (i >= c.args.length) continue;
        into.push({ api: c.name, entry: c.args[i], line: c.line, column: c.column, param: info!.params[i] ?? `argument ${i + 1}` });
      }
    };
    through(info.writesParams, writes);
    through(info.readsParams, reads);
  }
  const calleeInfos = [...byCallee.values()];
  const byPlace = (a: SectionAccess, b: SectionAccess) => a.line - b.line || a.column - b.column;
  writes.sort(byPlace);
  reads.sort(byPlace);
  const rawSeen = new Set<string>();
  const readsAfterWrite: SectionInfo['readsAfterWrite'] = [];
  for (const h of sum.hits) {
    if (enter && !ofThis(h.section)) continue;
    const at = h.readChain[0] ?? h.read;
    const k = `${at.line}:${at.column}`;
    if (rawSeen.has(k)) continue;
    rawSeen.add(k);
    const leaf = h.write.chain[h.write.chain.length - 1];
    // The write's call in this section, when the write itself is in a callee.
    const first = h.write.chain.length > 1 ? h.write.chain[0] : undefined;
    readsAfterWrite.push({
      line: at.line,
      column: at.column,
      message: h.read.message,
      ...(leaf ? { after: { message: leaf.message, line: leaf.line } } : {}),
      ...(first ? { via: { message: first.message, line: first.line } } : {}),
    });
  }
  return {
    file: ref.file,
    function: ref.name,
    shape,
    enter: enter ? { api: enter.name, line: enter.line, column: enter.column } : { api: here.name, line: here.line, column: here.column },
    leave: leave ? { api: leave.name, line: leave.line, column: leave.column } : undefined,
    writes,
    reads,
    calls: calleeInfos,
    readsAfterWrite,
  };
}

function calleeEffect(name: string, nargs: number, line: number, column: number, file: string, ctx: SectionContext): SectionCalleeInfo {
  const { interp } = ctx;
  const defs = interp.resolveCallee(name, file);
  const writes = new Set<number>();
  const readsP = new Set<number>();
  let flushes = false;
  let leaves = false;
  for (const { ref } of defs) {
    const clean = interp.summarize(ref, { depth: 1, paused: 0 }, [], true);
    for (const o of clean.outcomes) {
      for (const [i] of o.writes) writes.add(i);
      if (o.flushed) flushes = true;
      if (o.mode.depth < 1) leaves = true;
    }
    const all = [...Array(nargs).keys()];
    if (all.length) for (const er of interp.summarize(ref, { depth: 1, paused: 0 }, all, true).entryReads) readsP.add(er.param);
  }
  const chainOf = (r: Reachability): string[] | undefined => {
    const e = r.entry(name, file);
    if (!e) return undefined;
    const ch = r.chain(e.node);
    return [...ch.map((x) => x.node.name), ch[ch.length - 1]?.calls].filter((x): x is string => !!x);
  };
  const mayNest = chainOf(ctx.reach('enter-legacy')) ?? chainOf(ctx.reach('enter-generic'));
  const mayAllocate = chainOf(ctx.reach('alloc'));
  const maySleep = chainOf(ctx.reach('sleep'));
  const params = defs.length ? parameterNames(defs[0].ref.node) : [];
  const effects: string[] = [];
  const paramName = (i: number) => params[i] ?? `argument ${i + 1}`;
  const ofParams = (set: Set<number>) => {
    const ns = [...set].sort((a, b) => a - b).map(paramName);
    return `${ns.length > 1 ? 'parameters' : 'parameter'} ${ns.join(', ')}`;
  };
  // Chains are left whole here; the front end shortens them.
  if (writes.size) effects.push(`writes the entry of its ${ofParams(writes)} (left unflushed)`);
  if (readsP.size) effects.push(`reads the entry of its ${ofParams(readsP)}`);
  if (leaves) effects.push('leaves or pauses the lazy MMU mode');
  else if (flushes) effects.push('flushes the pending writes');
  if (!defs.length) effects.push('not defined in the indexed tree (effect unknown)');
  else if (!effects.length && !mayNest && !mayAllocate && !maySleep) effects.push('no effect on entries or the mode');
  return {
    callee: name,
    line,
    column,
    sites: [{ line, column }],
    params,
    defined: defs.length > 0,
    writesParams: [...writes].sort((a, b) => a - b),
    readsParams: [...readsP].sort((a, b) => a - b),
    flushes: flushes || leaves,
    mayNest,
    mayAllocate,
    maySleep,
    effects,
  };
}

/** Where one section starts and ends in the text: its enter call and the leave that closes it. */
export interface SectionExtent {
  function: string;
  enter: { api: string; line: number; column: number; endLine: number; endColumn: number };
  /** Absent when the function has no leave for it (the extent runs to the function's end). */
  leave?: { api: string; line: number; column: number; endLine: number; endColumn: number };
  /** The last line the section covers (the leave's, else the function's closing brace). */
  endLine: number;
}

/**
 * Every section in a parsed file, from the syntax alone (no analysis, so it is
 * cheap enough to run on each edit): per function, each enter call paired with
 * the leave that closes it, in text order (an enter inside an open section
 * nests, as the generic layer counts).
 */
export function sectionExtents(root: Node, cat: Catalogue): SectionExtent[] {
  const out: SectionExtent[] = [];
  const place = (c: CallSite) => ({ api: c.name, line: c.line, column: c.column, endLine: c.node.endPosition.row + 1, endColumn: c.node.endPosition.column + 1 });
  for (const fn of root.descendantsOfType('function_definition')) {
    if (!fn) continue;
    const name = functionName(fn) ?? '?';
    const open: CallSite[] = [];
    const done: SectionExtent[] = [];
    for (const c of callsIn(fn)) {
      const op = cat.lazyMode.get(c.name)?.op;
      if (op === 'enter') open.push(c);
      else if (op === 'leave' && open.length) {
        const e = open.pop()!;
        done.push({ function: name, enter: place(e), leave: place(c), endLine: c.node.endPosition.row + 1 });
      }
    }
    for (const e of open) done.push({ function: name, enter: place(e), endLine: fn.endPosition.row + 1 });
    out.push(...done.sort((a, b) => a.enter.line - b.enter.line || a.enter.column - b.enter.column));
  }
  return out;
}
