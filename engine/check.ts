// The engine's entry point for a batch check (CLI, CI). Under construction:
// the signature is the contract the front ends build against.
import { Finding, InputProblem } from './findings';

export interface CheckOptions {
  /** The tree the index covers (absolute path). */
  root: string;
  /** Architecture whose arch/<name>/ definitions are used. Default arm64. */
  arch?: string;
  /** Files or directories (absolute) whose findings are reported. */
  paths: string[];
  /** Optional JSON file with user additions to the API catalogue. */
  extraApisFile?: string;
}

export interface CheckResult {
  root: string;
  findings: Finding[];
  problems: InputProblem[];
}

export async function checkTree(opts: CheckOptions): Promise<CheckResult> {
  return { root: opts.root, findings: [], problems: [] };
}
