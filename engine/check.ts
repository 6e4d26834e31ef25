// The engine's entry point for a batch check (CLI, CI): one Workspace, built
// and checked once.
import { Workspace, CheckResult, isUnder } from './workspace';
import { loadResult, resultFile, saveResult } from './index/resultCache';
import { KernelConfig } from './kernelConfig';

export type { CheckResult } from './workspace';

export interface CheckOptions {
  /** The tree the index covers (absolute path). */
  root: string;
  /** Architecture whose arch/<name>/ definitions are used. Default arm64. */
  arch?: string;
  /** Files or directories (absolute) whose findings are reported. */
  paths: string[];
  /** Optional JSON file with user additions to the API catalogue. */
  extraApisFile?: string;
  /** Optional kernel .config deciding CONFIG_* conditions. */
  kernelConfigFile?: string;
  /** Base directory of the on-disk index cache; no cache when absent. */
  cacheDir?: string;
}

export async function checkTree(opts: CheckOptions): Promise<CheckResult> {
  const kernelConfig = opts.kernelConfigFile ? KernelConfig.load(opts.kernelConfigFile) : undefined;
  const ws = new Workspace({ root: opts.root, arch: opts.arch, extraApisFile: opts.extraApisFile, kernelConfig, cacheDir: opts.cacheDir });
  // With a cache, and every path inside the root: nothing changed, nothing to do again.
  const cacheable = opts.cacheDir !== undefined && opts.paths.every((p) => isUnder(p, [ws.root]));
  const keyed = (digest: string) => resultFile(opts.cacheDir!, { ...opts, digest });
  if (cacheable) {
    const digest = ws.index.unchangedDigest();
    const hit = digest ? loadResult<CheckResult>(keyed(digest)) : null;
    if (hit) return hit;
  }
  ws.build();
  const result = await ws.check(opts.paths);
  // A PATH that cannot be read is reported by the index scan and again by the
  // check's own probe of the PATHs: say it once.
  const said = new Set<string>();
  result.problems = result.problems.filter((p) => {
    const k = `${p.file}\0${p.message}`;
    return !said.has(k) && !!said.add(k);
  });
  const digest = cacheable ? ws.index.contentDigest() : null;
  if (digest) saveResult(keyed(digest), result);
  return result;
}
