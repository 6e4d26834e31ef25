// The engine's entry point for a batch check (CLI, CI): one Workspace, built
// and checked once.
import * as v8 from 'v8';
import { Workspace, CheckResult, isUnder } from './workspace';
import { loadResult, resultFile, saveResult } from './index/resultCache';
import { KernelConfig } from './config/kernelConfig';
import { PinnedConfig } from './config/oracle';
import { debianConfig } from './config/debianConfig';
import { storeSaying } from './store/analysisStore';
import { cacheWritesDone } from './index/cacheWriter';

export type { CheckResult } from './workspace';

/** Names the callers map answers by a pass over the calls before building itself (index/callersMap.ts). */
const CALLER_PASSES = 8;

/** The heap in use above which the check collects before the store's save (a whole tree's analysis let go of: ~500 MB). */
const GC_BEFORE_SAVE_BYTES = 256 * 1024 * 1024;

export interface CheckOptions {
  /** The tree the index covers (absolute path). */
  root: string;
  /** Architecture whose arch/<name>/ definitions are used. Default arm64. */
  arch?: string;
  /** Files or directories (absolute) whose findings are reported. */
  paths: string[];
  /** Optional JSON file with user additions to the API catalogue. */
  extraApisFile?: string;
  /** Optional kernel .config deciding CONFIG_* conditions; `debian`: Debian's configuration for the tree's version and the arch. */
  kernelConfigFile?: string;
  /** The configuration already resolved (wins over kernelConfigFile). */
  pinnedConfig?: PinnedConfig;
  /** Base directory of the on-disk index cache; no cache when absent. */
  cacheDir?: string;
  /** A tree whose index cache may supply this one's files (a base worktree seeded from the working tree). */
  cacheSeed?: string;
  /** Told the Workspace once its check is done, before its analysis is let go (tests: what was reused). */
  observe?: (ws: Workspace) => void;
}

export async function checkTree(opts: CheckOptions): Promise<CheckResult> {
  const pinnedConfig = opts.pinnedConfig ?? (opts.kernelConfigFile ? pinConfig(opts.kernelConfigFile, opts.root, opts.arch ?? 'arm64') : undefined);
  // The store is saved here, after the analysis's state is let go (below), not inside check().
  const ws = new Workspace({ root: opts.root, arch: opts.arch, extraApisFile: opts.extraApisFile, pinnedConfig, cacheDir: opts.cacheDir, cacheSeed: opts.cacheSeed, storeSavedByCaller: true });
  // One check and no edits: the callers of a few names (a warm rerun's, the rest from the store) need no whole map.
  ws.index.callerPasses = CALLER_PASSES;
  // With a cache, and every path inside the root: nothing changed, nothing to do again.
  const cacheable = opts.cacheDir !== undefined && opts.paths.every((p) => isUnder(p, [ws.root]));
  const keyed = (digest: string) => resultFile(opts.cacheDir!, { root: opts.root, arch: opts.arch, paths: opts.paths, extraApisFile: opts.extraApisFile, kernelConfigFile: pinnedConfig?.file, digest });
  if (cacheable) {
    const digest = ws.index.unchangedDigest();
    const hit = digest ? loadResult<CheckResult>(keyed(digest)) : null;
    if (hit) {
      ws.index.releaseListing();
      return hit;
    }
  }
  ws.build();
  const result = await ws.check(opts.paths);
  opts.observe?.(ws);
  // One check per Workspace here: nothing reuses the summaries, searches or parse trees; the save's
  // serial forms (the peak of a whole-tree run) then grow a heap without them (docs/perf/history.md, branch mem2).
  ws.releaseAnalysis();
  // A full collection now, when the CLI's child exposes it (bin/lazymmu.js): the heap's next limit is
  // then set from the index and the store (~390 MB live on 7.2), not from the analysis's live heap
  // just let go of (~500 MB), so the save's garbage is collected before the heap grows to that
  // limit (the whole run's peak was there: docs/perf/peak72.md). Not when the heap holds little: a
  // warm rerun's (~150 MB, a few MB to save) is far from any such peak, and the collection was
  // ~0.2 s of its CPU (docs/perf/rerun6.md).
  if (v8.getHeapStatistics().used_heap_size > GC_BEFORE_SAVE_BYTES) (globalThis as { gc?: () => void }).gc?.();
  ws.saveStore();
  // What came from the analysis store (engine/store/), for benchmarks and tests: stderr, never the result.
  if (process.env.LAZYMMU_STORE_STATS) process.stderr.write(`lazymmu: ${storeSaying(ws.storeCounts) || 'no analysis store'}\n`);
  // A PATH that cannot be read is reported by the index scan and again by the
  // check's own probe of the PATHs: say it once.
  const said = new Set<string>();
  result.problems = result.problems.filter((p) => {
    const k = `${p.file}\0${p.message}`;
    return !said.has(k) && !!said.add(k);
  });
  const digest = cacheable ? ws.index.contentDigest() : null;
  if (digest) saveResult(keyed(digest), result);
  // The index cache's file, written on another thread since the build (cacheWriter.ts): in place before the check returns.
  await cacheWritesDone();
  return result;
}

/** `--kernel-config`: a .config file (every option pinned), or `debian` (Debian's own, for the tree's version and `arch`). Throws with a readable message. */
export function pinConfig(value: string, root: string, arch: string): PinnedConfig {
  if (value === 'debian') return debianConfig(root, arch);
  return { kind: 'file', file: value, label: value, values: KernelConfig.load(value) };
}
