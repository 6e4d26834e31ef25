// What one opener's analysis was computed from, read off the interpreter's
// memo entries (the root's summary and its re-analyses per binding of its own
// pointer parameter) and, for an opener bound by its callers, what the search
// for those bindings read (bindingReads.ts): the key of its stored product
// (analysisStore.ts).
import type { MemoEntry } from '../analysis/summaries/store';
import type { Deps } from './contentKeys';
import type { BindingReads } from './bindingReads';

/**
 * The deps of an opener from its memo entries, or null when it may not be
 * stored: an entry missing or not clean (a bound cut it: what it gives can
 * depend on what other openers computed first in the same check).
 */
export function openerDeps(rootName: string, entries: (MemoEntry | undefined)[], bound: BindingReads | null): Deps | null {
  const fns = new Set<string>();
  // The opener's own name: its definitions' linkage and #if condition decide whether it is analysed at all.
  const names = new Set<string>([rootName]);
  const globals = new Set<string>();
  const files = new Set<string>();
  for (const e of entries) {
    if (!e || !e.clean || e.suspect) return null;
    for (const f of e.files) files.add(f);
    for (const f of e.fns) fns.add(f);
    for (const n of e.names) names.add(n);
    for (const g of e.globals) globals.add(g);
  }
  // Its callers bound its pointer parameter: their regions, the names resolved on the way, the call graph.
  const b = bound?.deps();
  if (b) {
    for (const f of b.fns) fns.add(f);
    for (const n of b.names) names.add(n);
    for (const g of b.globals) globals.add(g);
    for (const f of b.files) files.add(f);
  }
  const deps: Deps = { fns: [...fns].sort(), names: [...names].sort(), globals: [...globals].sort(), files: [...files].sort() };
  if (b) deps.graph = true;
  return deps;
}
