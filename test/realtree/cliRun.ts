// Runs the built `lazymmu` command the way a user or CI job would, and parses
// its JSON report.
import { spawnSync } from 'child_process';
import * as path from 'path';
import type { JsonDiagnostic, JsonReport } from '../../cli/format/json';

export type { JsonDiagnostic };


export interface CliRun {
  status: number | null;
  stderr: string;
  report: { version: number; root: string; diagnostics: JsonDiagnostic[]; configuration?: JsonReport['configuration'] };
}

export const REPO = path.join(__dirname, '..', '..', '..');

export function runCheckJson(root: string, paths: string[], extra: string[] = []): CliRun {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--format', 'json', '--root', root, ...extra, ...paths], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`lazymmu exited ${r.status}: ${r.stderr}`);
  return { status: r.status, stderr: r.stderr, report: JSON.parse(r.stdout) };
}

/** 1-based line of the first line matching `re` at or after 1-based line `from`. */
export function lineOf(text: string, re: RegExp, from = 1): number {
  const lines = text.split('\n');
  for (let i = from - 1; i < lines.length; i++) if (re.test(lines[i])) return i + 1;
  throw new Error(`no line matches ${re} from line ${from}`);
}
