// The open files checked before the whole index exists (issue 15 point 3):
// an index of only what their sections need, found by name. The open files
// are scanned; every name their functions and macros call is looked up in the
// tree's by-name definition search (index/definitionSearch.ts, one native
// search), the files that may define it are scanned, and the definitions a
// call resolves to (WorkspaceIndex.resolve, as the analysis will resolve it:
// a static in the caller's file first, the configuration's filter) are
// followed the same way, round after round, within bounds. A Workspace on
// those files (WorkspaceIndex.buildFrom) then runs checkOpenersFirst: the editor's
// first, provisional diagnostics (a stage earlier, what the section runs alone
// give: `sectionsDone`). The whole index replaces it afterwards.
//
// What needs the whole tree is computed on the files found, so it may be
// incomplete: callers of the open file's functions (a section elsewhere
// reaching into the file, a pointer parameter's bindings), the contextual
// searches' call-graph, "other calls nest the same way" counts, helpers past
// the rounds' bound. Hence every finding of such a check is provisional
// (CheckResult.partialIndex, engine/provisional.ts), the intraprocedural
// rules' too (their derived APIs are looked up by name in this index).
import * as path from 'path';
import { Catalogue } from './catalogue/catalogue';
import type { ConfigOracle } from './config/oracle';
import type { FileScan } from './index/fileScan';
import { SearchStats, searchDefinitions } from './index/definitionSearch';
import { DefinitionSites } from './index/definitionSites';
import { WorkspaceIndex } from './index/workspaceIndex';
import { CheckResult, SectionProgress, SectionsDone, Workspace, WorkspaceOptions } from './workspace';

/**
 * How far the rounds go: calls below the open file's functions (the
 * interpreter's call depth, 12, plus the "may touch the mode" depth, 4);
 * files scanned at most; and `crowded`: a name that many .c files may define
 * (pr_fmt: ~2,000 files, each its own; SYSCALL_DEFINE3) is looked up in
 * headers only (the caller's own file is indexed already): in C such a .c
 * file's macro or static is its own, and scanning them all would cost more
 * than the rest of the rounds.
 */
export const PARTIAL_BOUNDS = { rounds: 16, files: 12_000, crowded: 64 };

export interface PartialIndexStats {
  /** The by-name search over the tree. */
  search: SearchStats;
  rounds: number;
  files: number;
  /** Definitions followed (functions and macros). */
  followed: number;
  /** Names looked up in headers only (PARTIAL_BOUNDS.crowded). */
  crowded: number;
  /** The rounds ended with nothing left to follow (not cut by a bound). */
  complete: boolean;
  ms: number;
}

export interface OpenText {
  file: string;
  text: string;
}

/** The files the open texts need and their scans (the open files' from their texts). */
export async function partialIndexFor(
  opts: { root: string; arch: string; catalogue: Catalogue; config?: ConfigOracle },
  open: OpenText[],
  bounds = PARTIAL_BOUNDS,
  sites?: DefinitionSites,
  inProcess = true,
): Promise<{ scans: Map<string, FileScan>; stats: PartialIndexStats }> {
  const t0 = Date.now();
  const idx = new WorkspaceIndex({ root: opts.root, arch: opts.arch, catalogue: opts.catalogue, config: opts.config });
  const searching = sites
    ? { sites, stats: { how: 'given', lines: 0, names: sites.size, ms: 0 } }
    : searchDefinitions({ root: idx.root, roots: idx.searchRoots(), covers: (rel) => idx.covers(rel) }, { inProcess });
  // While the search runs (child processes): the open files' scans, and the configuration's Kconfig facts (read once, cached on disk).
  for (const o of open) idx.addScan(path.resolve(o.file), Buffer.from(o.text));
  opts.config?.archOptions();
  const found = await searching;
  const search: SearchStats = found.stats;
  // Calls to follow: (name, the caller's file), since resolve() prefers the caller's own statics.
  let pending = new Map<string, [string, string]>();
  const want = (name: string, from: string) => pending.set(`${name}\0${from}`, [name, from]);
  for (const o of open) {
    const scan = idx.scansByFile().get(path.resolve(o.file));
    for (const d of [...(scan?.functions ?? []), ...(scan?.macros ?? [])]) for (const c of d.calls) want(c, path.resolve(o.file));
  }
  const located = new Set<string>();
  const followed = new Set<object>();
  let rounds = 0;
  let crowded = 0;
  let complete = true;
  while (pending.size) {
    if (rounds === bounds.rounds) {
      complete = false;
      break;
    }
    rounds++;
    const files = new Set<string>();
    for (const [name] of pending.values()) {
      if (located.has(name)) continue;
      located.add(name);
      const all = found.sites.get(name) ?? [];
      const some = all.length > bounds.crowded ? (crowded++, all.filter((f) => f.endsWith('.h'))) : all;
      for (const f of some) if (!idx.has(f)) files.add(f);
    }
    if (idx.files().length + files.size > bounds.files) {
      complete = false;
      break;
    }
    idx.addFiles([...files]);
    const now = pending;
    pending = new Map();
    for (const [name, from] of now.values())
      for (const d of [...idx.resolve(name, from), ...idx.macros(name)]) {
        if (followed.has(d)) continue;
        followed.add(d);
        for (const c of d.calls) want(c, d.file);
      }
  }
  const scans = new Map(idx.scansByFile());
  return { scans, stats: { search, rounds, files: scans.size, followed: followed.size, crowded, complete, ms: Date.now() - t0 } };
}

/**
 * checkOpenersFirst on a partial index of what the open texts need: the
 * first diagnostics before the whole index. `options` are the Workspace's
 * (root, arch, catalogue, configuration, cache for Kconfig's facts);
 * `inProcess: false` refuses the slow by-name search (NoNativeSearch).
 */
export async function checkBeforeIndex(
  options: WorkspaceOptions,
  open: OpenText[],
  opts: { sections?: SectionProgress; bounds?: typeof PARTIAL_BOUNDS; inProcess?: boolean; sectionsDone?: SectionsDone } = {},
): Promise<{ result: CheckResult; stats: PartialIndexStats }> {
  // No analysis store: products keyed on a partial index would only replace the whole tree's.
  const ws = new Workspace({ ...options, analysisStore: false });
  const cfg = { root: ws.root, arch: ws.index.arch, catalogue: ws.catalogue, config: ws.index.config };
  const { scans, stats } = await partialIndexFor(cfg, open, opts.bounds ?? PARTIAL_BOUNDS, undefined, opts.inProcess ?? true);
  const sections = opts.sections;
  ws.buildFrom(scans);
  for (const o of open) ws.setText(o.file, o.text);
  // The section runs' findings heard first (Workspace.SectionsDone: the first publish, a stage before the contextual searches and local rules).
  const sectionsDone = opts.sectionsDone;
  const result = await ws.checkOpenersFirst(open.map((o) => o.file), sections, sectionsDone && ((r) => sectionsDone({ ...r, partialIndex: true })));
  return { result: { ...result, partialIndex: true }, stats };
}
