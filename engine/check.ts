// The engine's entry point for a batch check (CLI, CI): one Workspace, built
// and checked once.
import { Workspace, CheckResult } from './workspace';
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
  ws.build();
  return ws.check(opts.paths);
}
