// What one lazy MMU section does, for a hover on its enter or leave call: the
// catalogue writers and readers its function calls while batching, the calls
// it makes while batching (the interpreter's sectionCalls) with each callee's
// effect (from the callee's summary in a batching context, and from the
// reachability of enter APIs, page-table allocators and sleepers), and the
// read-after-write hits the interpreter found in it. Read-only: nothing here
// changes the Workspace.
import type { Node } from 'web-tree-sitter';
import { Catalogue } from './catalogue/catalogue';
import { FunctionRef } from './analysis/sourceCache';
import { FunctionSummary, Interpreter } from './analysis/interpreter';
import { Reachability } from './index/reachability';

export interface SectionAccess {
  /** The catalogue API called (set_pte_at, ptep_get, ...). */
  api: string;
  /** The entry argument's text. */
  entry: string;
  line: number;
  column: number;
}

export interface SectionCalleeInfo {
  callee: string;
  line: number;
  column: number;
  /** A definition of the callee is in the index. */
  defined: boolean;
  /** Argument indexes (0-based) whose entries the callee leaves written (unflushed) on some path. */
  writesParams: number[];
  /** Argument indexes whose entries the callee reads. */
  readsParams: number[];
  /** The callee flushes (or leaves/pauses) on some path. */
  flushes: boolean;
  /** Chains (names, callee first) to an enter API, a page-table allocator, a sleeper, when reachable. */
  mayNest?: string[];
  mayAllocate?: string[];
  maySleep?: string[];
  /** One line each, in words. */
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
  /** Reads of an entry written earlier in the section with no flush between (the interpreter's hits). */
  /** Each read with the write before it (`after`: what wrote the entry, and on which line). */
  readsAfterWrite: { line: number; column: number; message: string; after?: { message: string; line: number } }[];
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
  // The calls made while batching in this function's own body (callees' own calls are their effects).
  const seen = new Set<string>();
  const calleeInfos: SectionCalleeInfo[] = [];
  const direct = sum.sectionCalls.filter(
    (c) => c.at.file === ref.file && c.fn === ref.name && (enter ? ofThis(c.section) : true) && c.at.line >= (enter?.line ?? 0) && c.at.line <= (leave?.line ?? Infinity),
  );
  for (const c of direct) {
    const k = `${c.at.line}:${c.at.column}`;
    if (seen.has(k)) continue;
    seen.add(k);
    calleeInfos.push(calleeEffect(c.callee, c.args.length, c.at.line, c.at.column, ref.file, ctx));
  }
  // Calls the interpreter did not follow (a path it found infeasible, ...) are
  // still listed when they fall in the section's lines.
  for (const c of body) {
    if (cat.lazyMode.has(c.name) || cat.writers.has(c.name) || cat.readers.has(c.name)) continue;
    const k = `${c.line}:${c.column}`;
    if (seen.has(k) || !interp.index.resolve(c.name, ref.file).length) continue;
    seen.add(k);
    calleeInfos.push(calleeEffect(c.name, c.args.length, c.line, c.column, ref.file, ctx));
  }
  calleeInfos.sort((a, b) => a.line - b.line || a.column - b.column);
  const rawSeen = new Set<string>();
  const readsAfterWrite: SectionInfo['readsAfterWrite'] = [];
  for (const h of sum.hits) {
    if (enter && !ofThis(h.section)) continue;
    const at = h.readChain[0] ?? h.read;
    const k = `${at.line}:${at.column}`;
    if (rawSeen.has(k)) continue;
    rawSeen.add(k);
    const leaf = h.write.chain[h.write.chain.length - 1];
    readsAfterWrite.push({
      line: at.line,
      column: at.column,
      message: h.read.message,
      ...(leaf ? { after: { message: leaf.message, line: leaf.line } } : {}),
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
  const effects: string[] = [];
  const argNo = (i: number) => `argument ${i + 1}`;
  if (writes.size) effects.push(`writes the entry of ${[...writes].sort().map(argNo).join(', ')} (left unflushed)`);
  if (readsP.size) effects.push(`reads the entry of ${[...readsP].sort().map(argNo).join(', ')}`);
  if (leaves) effects.push('leaves or pauses the lazy MMU mode');
  else if (flushes) effects.push('flushes the pending writes');
  if (mayNest) effects.push(`may nest a section: ${mayNest.join(' → ')}`);
  if (mayAllocate) effects.push(`may allocate a page table: ${mayAllocate.join(' → ')}`);
  if (maySleep) effects.push(`may sleep: ${maySleep.join(' → ')}`);
  if (!defs.length) effects.push('not defined in the indexed tree (effect unknown)');
  else if (!effects.length) effects.push('no effect on entries or the mode');
  return {
    callee: name,
    line,
    column,
    defined: defs.length > 0,
    writesParams: [...writes].sort(),
    readsParams: [...readsP].sort(),
    flushes: flushes || leaves,
    mayNest,
    mayAllocate,
    maySleep,
    effects,
  };
}
