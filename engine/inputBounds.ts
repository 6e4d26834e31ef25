// How much of one file the engine analyses: the bounds that keep memory and
// time linear in the input whatever the input is (issue 15: a generated 50 MB
// file of 370,000 sections ran the CLI out of heap). Real kernel files are far
// inside them (the largest .c is under 2 MB and holds a handful of sections;
// the 24 MB amdgpu register headers are macros, never parsed). Past a bound
// the rest is left out and the user is told how much (boundedFindings).
// Also what the whole-tree scan holds at once (SCAN_LIMITS): its scan threads
// and the batches they sent that the index has not taken in yet.
import type { Finding, InputProblem } from './findings';

/**
 * Texts longer than this (UTF-16 code units) are indexed (the byte scan is
 * linear and cheap) but never parsed: a syntax tree costs ~20x the text. The
 * language server refuses documents over the same size (server/documentGuard.ts).
 */
export const MAX_PARSED_TEXT = 8 * 1024 * 1024;

/** Sections (lazy-API users) analysed per file, in line order, and functions walked by the local rules; the rest are left out. */
export const MAX_SECTIONS_PER_FILE = 1000;

/** Findings reported per file, in line order; the rest are counted. */
export const MAX_FINDINGS_PER_FILE = 500;

/** What the whole-tree scan on threads holds at once (engine/index/scanWorkers.ts). */
export interface ScanLimits {
  /** Files a scan thread sends in one batch. */
  batchFiles: number;
  /**
   * Batches sent by the scan threads and not yet taken in by the index, at
   * most: a thread with a batch ready waits past it. The index's thread is
   * away while it reads the Kconfig facts (seconds on a kernel tree, tens
   * under load) and may take in batches slower than the threads send them;
   * without a bound the queue grows with the tree. Enough for the threads
   * not to wait while it reads the Kconfig facts of a cold run (~2 s: ~37
   * batches at this 2-core machine's pace; 16 made each thread wait 0.3-0.6
   * s, docs/perf/cold23.md); a batch of 256 files' scans is ~110 KB (drivers/gpu).
   */
  batchesInFlight: number;
  /**
   * Each scan thread's young generation (MB, V8's semi-spaces and their large
   * objects). A thread's garbage is its batches' words and texts, dead once sent: the
   * CLI's 2x32 MB semi-spaces (bin/lazymmu.js, for the index's thread) gave
   * each thread up to 64 MB more at the scan's end, near a kernel tree's peak
   * (docs/perf/peak72b.md).
   */
  threadYoungMb: number;
  /**
   * Names a scan thread's table holds (its strings, their bytes and hash
   * slots: ~150 bytes a name) before the thread starts a fresh one, at its
   * next batch: a whole kernel tree gives each thread ~450,000 names (~70 MB).
   * A name the thread meets again after that is sent again, once per table.
   */
  threadNames: number;
}

export const SCAN_LIMITS: Readonly<ScanLimits> = { batchFiles: 256, batchesInFlight: 48, threadYoungMb: 24, threadNames: 100_000 };

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
const count = (n: number) => n.toLocaleString('en-US');

/** Whether an input problem is one of leftOutMessage's (the editor shows these, once per file). */
export const isLeftOut = (message: string) => /^not analysed: at |lazy MMU sections not analysed: |functions not walked by the local rules|more findings not reported: /.test(message);

/** What a check left out of one file, said in words. */
export function leftOutMessage(what: { tooLarge?: number; sections?: number; sectionsLeftOut?: number; functionsLeftOut?: number; findingsLeftOut?: number }): string[] {
  const out: string[] = [];
  if (what.tooLarge !== undefined)
    out.push(`not analysed: at ${mb(what.tooLarge)} it is larger than the ${mb(MAX_PARSED_TEXT)} lazymmu parses; its ${count(what.sections ?? 0)} lazy MMU sections are not checked`);
  else if (what.sectionsLeftOut)
    out.push(`${count(what.sectionsLeftOut)} of its ${count(what.sections ?? 0)} lazy MMU sections not analysed: lazymmu analyses at most ${count(MAX_SECTIONS_PER_FILE)} per file`);
  if (what.functionsLeftOut)
    out.push(`${count(what.functionsLeftOut)} of its functions not walked by the local rules (break-before-make, kernel-access-before-flush): lazymmu walks at most ${count(MAX_SECTIONS_PER_FILE)} per file`);
  if (what.findingsLeftOut) out.push(`${count(what.findingsLeftOut)} more findings not reported: at most ${count(MAX_FINDINGS_PER_FILE)} per file`);
  return out;
}

/** Per file, its lazy MMU sections and how many of them were left out (tooLarge: its size, none analysed). */
export type SectionsLeftOut = Map<string, { sections: number; tooLarge?: number; sectionsLeftOut: number }>;

/**
 * At most MAX_FINDINGS_PER_FILE of `sorted` per file (the first in line
 * order), and for each file `reported` accepts, what was left out of it in
 * words: sections (`sections`), functions the local rules did not walk
 * (`functions`), findings past the bound.
 */
export function boundedFindings(
  sorted: Finding[],
  sections: SectionsLeftOut,
  functions: Map<string, number>,
  reported: (file: string) => boolean,
): { findings: Finding[]; problems: InputProblem[] } {
  const perFile = new Map<string, number>();
  const findings = sorted.filter((f) => {
    const n = (perFile.get(f.file) ?? 0) + 1;
    perFile.set(f.file, n);
    return n <= MAX_FINDINGS_PER_FILE;
  });
  const problems: InputProblem[] = [];
  for (const file of new Set([...sections.keys(), ...functions.keys(), ...perFile.keys()])) {
    if (!reported(file)) continue;
    const findingsLeftOut = Math.max(0, (perFile.get(file) ?? 0) - MAX_FINDINGS_PER_FILE);
    for (const message of leftOutMessage({ ...sections.get(file), functionsLeftOut: functions.get(file), findingsLeftOut })) problems.push({ file, message });
  }
  return { findings, problems };
}
