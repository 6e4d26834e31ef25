// Findings matched across two revisions of a tree (the change review: `check
// --base`, `review`, the editor's "new since the branch's base"). A patch
// shifts lines, renames files and reorders functions, so a finding is known
// again by what it is about, not where: its rule, its function and a
// fingerprint of the code involved (the flagged line's text and each chain
// hop's line text, normalised: comments dropped, blanks collapsed). Matching
// is a multiset match per key, so two identical findings in the base and one
// in the working tree leave one fixed. Which finding of a key pairs with which
// does not matter: the states are the same. The states are SARIF's words
// (baselineState); the front ends say "fixed" for "absent".
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Finding } from './findings';
import { moveMessage } from './message';

/** SARIF's baselineState words: new in the working tree, absent from it (fixed), in both. */
export type BaselineState = 'new' | 'absent' | 'unchanged';

/** The text of a file's lines, read once per file (absent files give ''); `texts` gives an editor's unsaved text first. */
export class LineReader {
  private readonly files = new Map<string, string[]>();
  constructor(private readonly texts?: (file: string) => string | undefined) {}
  line(file: string, line: number): string {
    let lines = this.files.get(file);
    if (!lines) {
      try {
        lines = (this.texts?.(file) ?? fs.readFileSync(file, 'utf8')).split(/\r?\n/);
      } catch {
        lines = [];
      }
      this.files.set(file, lines);
    }
    return lines[line - 1] ?? '';
  }
}

/** One line of C as the fingerprint sees it: no comments, blanks collapsed, none around punctuation. */
export function normaliseLine(text: string): string {
  return text
    .replace(/\/\*.*?\*\//g, ' ')
    .replace(/\/\/.*$/, '')
    .replace(/\/\*.*$/, '')
    .replace(/^.*?\*\//, '')
    .replace(/\s+/g, ' ')
    .replace(/ ?([^\w\s]) ?/g, '$1')
    .trim();
}

/** The code a finding is about, line numbers left out: rule, function, flagged line, hops' lines. */
export function findingKey(f: Finding, lines: LineReader): string {
  const parts = [f.rule, f.function, normaliseLine(lines.line(f.file, f.line)), ...f.related.map((r) => normaliseLine(lines.line(r.file, r.line)))];
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}

export interface ComparedFinding {
  finding: Finding;
  state: BaselineState;
  /** The fingerprint it was matched by (SARIF partialFingerprints). */
  key: string;
}

/**
 * Pairs the base's findings with the working tree's by key: the working
 * tree's unpaired ones are new, the base's unpaired ones absent (fixed),
 * pairs unchanged (the working tree's finding is kept). Order: the working
 * tree's findings as given, then the fixed ones as given.
 */
export function compareFindings(base: Finding[], baseLines: LineReader, head: Finding[], headLines: LineReader): ComparedFinding[] {
  const waiting = new Map<string, number[]>();
  const baseKeys = base.map((f) => findingKey(f, baseLines));
  baseKeys.forEach((k, i) => {
    const q = waiting.get(k);
    if (q) q.push(i);
    else waiting.set(k, [i]);
  });
  const paired = new Set<number>();
  const out: ComparedFinding[] = head.map((f) => {
    const key = findingKey(f, headLines);
    const i = waiting.get(key)?.shift();
    if (i === undefined) return { finding: f, state: 'new', key };
    paired.add(i);
    return { finding: f, state: 'unchanged', key };
  });
  base.forEach((f, i) => {
    if (!paired.has(i)) out.push({ finding: f, state: 'absent', key: baseKeys[i] });
  });
  return out;
}

/** A finding of a tree checked at `from` (a base worktree) with every place moved to `to` (its files shown as the working tree's). */
export function relocateFinding(f: Finding, from: string, to: string): Finding {
  const mv = <T extends { file: string }>(p: T): T => {
    const rel = path.relative(from, p.file);
    return rel.startsWith('..') || path.isAbsolute(rel) ? p : { ...p, file: path.join(to, rel) };
  };
  const out: Finding = { ...mv(f), related: f.related.map(mv), message: moveMessage(f.message, mv) };
  if (f.path) out.path = f.path.map(mv);
  delete out.fix; // a fix for text that is no longer there
  return out;
}

/** The keys of a set of findings, counted (a base to hold a working tree's findings against). */
export function keyCounts(fs: Finding[], lines: LineReader): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fs) {
    const k = findingKey(f, lines);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Which of `fs` are new against a base's key counts (each base finding pairs with one finding at most). */
export function newAgainst(fs: Finding[], lines: LineReader, base: Map<string, number>): Finding[] {
  const left = new Map(base);
  return fs.filter((f) => {
    const k = findingKey(f, lines);
    const n = left.get(k) ?? 0;
    if (n) left.set(k, n - 1);
    return !n;
  });
}

/** How many of each state. */
export function countStates(c: ComparedFinding[]): Record<BaselineState, number> {
  const n: Record<BaselineState, number> = { new: 0, absent: 0, unchanged: 0 };
  for (const x of c) n[x.state]++;
  return n;
}
