// One section opener analysed (a function that calls the lazy-mode API):
// what its analysis gives the checkers (store/analysisStore.ts
// SectionProduct: reads after writes, lazy-mode events, calls made in its
// section, calls through pointers, the unbalanced and pause findings) and
// what it was computed from (store/openerDeps.ts), the key of its stored
// product. A root that calls one of its own parameters inside its section
// (apply_to_pte_range()'s `fn`) is analysed again for each function its
// callers bind that parameter to (analysis/callTargets.ts); the calls through
// it are then followed like direct ones, with the binding calls as their origin.
import type { TreeArchitectures } from './architectures';
import type { IndirectCall, Interpreter } from './analysis/interpreter';
import type { FunctionRef, SourceCache } from './analysis/sourceCache';
import type { Binding } from './analysis/values';
import { bindingsOf } from './analysis/callTargets';
import type { Definition, WorkspaceIndex } from './index/workspaceIndex';
import { pauseMisuseFindings, unbalancedFindings } from './checkers/unbalancedSection';
import type { SectionProduct } from './store/analysisStore';
import type { Deps } from './store/contentKeys';
import { BindingReads } from './store/bindingReads';
import { openerDeps } from './store/openerDeps';

/** The place of a call through a pointer (one per place is kept; the covered ones are named by it). */
export const indirectPlace = (c: IndirectCall) => `${c.at.file}:${c.at.line}:${c.at.column}`;

/** What the analysis reads besides the interpreter. */
export interface OpenerContext {
  index: WorkspaceIndex;
  sources: SourceCache;
  architectures: TreeArchitectures;
}

/**
 * Analyses the opener `user` (parsed as `ref`) with `interp`, inside its
 * check: its product, whether it may be stored (`clean`: no bound cut one of
 * its entries), and its deps, made when asked (the union of its entries'
 * reads, sorted: only a product the store does not hold yet needs them).
 */
export function analyseOpener(interp: Interpreter, ref: FunctionRef, user: Definition, ctx: OpenerContext): { product: SectionProduct; clean: boolean; deps: () => Deps | null } {
  const product: SectionProduct = { hits: [], events: [], calls: [], indirect: [], covered: [], findings: [] };
  const mode = { depth: 0, paused: 0 };
  const sum = interp.summarize(ref, mode, []);
  // Events and section calls of the root and of every callee summary it used.
  const rec = interp.records(ref, mode);
  const entries = [interp.entry(ref, mode)];
  append(product.hits, sum.hits);
  append(product.events, rec.modeEvents);
  append(product.calls, rec.sectionCalls);
  append(product.indirect, rec.indirectCalls);
  const whole = { ...sum, ...rec };
  append(product.findings, unbalancedFindings(ref.name, whole, ctx.architectures, ctx.sources));
  append(product.findings, pauseMisuseFindings(ref.name, whole, ctx.architectures));
  // The root calls its own pointer parameter (apply_to_pte_range's fn): analysed once per function its callers bind it to.
  const own = rec.indirectCalls.filter((c) => c.param !== undefined && c.fn === ref.name && c.at.file === ref.file);
  // What the bindings' search reads keys the stored product (store/bindingReads.ts).
  const bound = own.length ? new BindingReads(ctx.index) : null;
  for (const param of [...new Set(own.map((c) => c.param!))].sort((a, b) => a - b)) {
    const found = bindingsOf(bound!.indexView(), ctx.sources, bound!.resolverView(interp), user, param);
    if (found.complete && found.bindings.length) for (const c of own) if (c.param === param) product.covered.push(indirectPlace(c));
    for (const b of found.bindings) {
      const binding: Binding = [[`P${param}`, b.fact]];
      const bsum = interp.summarize(ref, mode, [], false, undefined, undefined, binding, b.origin);
      const brec = interp.records(ref, mode, [], false, binding);
      entries.push(interp.entry(ref, mode, [], false, binding));
      append(product.hits, bsum.hits);
      append(product.events, brec.modeEvents);
      append(product.calls, brec.sectionCalls);
      append(product.indirect, brec.indirectCalls.filter((c) => c.fn !== ref.name || c.param !== param));
    }
  }
  return { product, clean: entries.every((e) => !!e && e.clean && !e.suspect), deps: () => openerDeps(ref.name, entries, bound) };
}

/** Appends one by one (a spread of a generated file's records would overflow the stack). */
export function append<T>(to: T[], from: readonly T[]): void {
  for (const x of from) to.push(x);
}
