// The judged findings of the six real-tree runs (linux 6.1, 6.12, 7.2 for
// --arch arm64 and x86): every finding lazymmu reports on the whole tree,
// judged by reading the code (hazard, contract or false, with the reason),
// kept as data in test/realtree/judged/<tree>-<arch>.json. The real-tree test
// asserts that a run reports exactly the judged list; docs/findings-<tree>.md
// is rendered from the same data (scripts/judgedDocs.ts), so the two cannot
// drift apart.
//
// A finding is named by its rule, file, function and the text of its source
// line (whitespace collapsed), not by its line number: a Debian point release
// of the same kernel moves lines, and the judgement still holds for the same
// code.
import * as fs from 'fs';
import * as path from 'path';

export type Verdict = 'hazard' | 'contract' | 'false';

export interface JudgedFinding {
  rule: string;
  file: string;
  function: string;
  /** The flagged line's text, whitespace collapsed. */
  text: string;
  /** Where it was when judged (for the docs; not compared). */
  line: number;
  verdict: Verdict;
  /** Why, from reading the code: what happens on which architecture, or why it cannot. */
  why: string;
}

/** Something the tool must not report (a false positive fixed, an impossible chain), and why. */
export interface JudgedAbsence {
  rule: string;
  file: string;
  function: string;
  /** When given, only findings on a line with this text (whitespace collapsed). */
  text?: string;
  why: string;
}

export interface JudgedRun {
  tree: '6.1' | '6.12' | '7.2';
  arch: 'arm64' | 'x86';
  /** The Debian package version the judgement was made on. */
  package: string;
  findings: JudgedFinding[];
  absent: JudgedAbsence[];
  /** Hazards we know the tool misses on this run, in words. */
  misses: string[];
}

export const JUDGED_DIR = path.join(__dirname, '..', '..', '..', 'test', 'realtree', 'judged');
export const RUNS: { tree: JudgedRun['tree']; arch: JudgedRun['arch'] }[] = [
  { tree: '6.1', arch: 'arm64' },
  { tree: '6.1', arch: 'x86' },
  { tree: '6.12', arch: 'arm64' },
  { tree: '6.12', arch: 'x86' },
  { tree: '7.2', arch: 'arm64' },
  { tree: '7.2', arch: 'x86' },
];

export function judgedFile(tree: string, arch: string): string {
  return path.join(JUDGED_DIR, `${tree}-${arch}.json`);
}

export function loadJudged(tree: string, arch: string): JudgedRun {
  return JSON.parse(fs.readFileSync(judgedFile(tree, arch), 'utf8')) as JudgedRun;
}

export const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The identity of a finding across point releases. */
export function findingKey(f: { rule: string; file: string; function: string; text: string }): string {
  return `${f.rule} ${f.file} ${f.function}: ${collapse(f.text)}`;
}

/** Hazard and contract findings over all findings (1 when there are none). */
export function precision(run: JudgedRun): number {
  const n = run.findings.length;
  return n === 0 ? 1 : run.findings.filter((f) => f.verdict !== 'false').length / n;
}

/** Counts per verdict. */
export function verdictCounts(run: JudgedRun): Record<Verdict, number> {
  const c: Record<Verdict, number> = { hazard: 0, contract: 0, false: 0 };
  for (const f of run.findings) c[f.verdict]++;
  return c;
}
