// Kernel C that a plain C grammar misreads, rewritten before parsing.
// Every rewrite keeps the text's length and line breaks, so positions in the
// tree are positions in the user's file.
//  - attribute-like macros (__always_inline, __releases(x), ...) become spaces;
//  - iterator macros (list_for_each_entry(...) stmt) become `while (...)  stmt`;
//  - block macros (scoped_guard(...) { }) become `if (...) { }`.
// After an edit the pass starts again at a line before the edit and stops
// at the first line after it where its state is the last run's there
// (normaliseEdited): the rest of the file is the last run's output.
import { Catalogue } from '../catalogue/catalogue';
import { commonEnds } from './commonEnds';

const isIdentStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57);

/**
 * Per catalogue: each attribute macro's (length, first character). The
 * normaliser runs over a whole file after every edit; with this it takes the
 * text of an identifier only when one could match (a file has ~30,000).
 */
const attributeShapes = new WeakMap<Catalogue, Set<number>>();
const shape = (length: number, first: number) => length * 65536 + first;

function attributeShapesOf(cat: Catalogue): Set<number> {
  let s = attributeShapes.get(cat);
  if (!s) attributeShapes.set(cat, (s = new Set([...cat.attributeMacros].map((w) => shape(w.length, w.charCodeAt(0))))));
  return s;
}

/**
 * One past the last character the last matchParen read (the text's length
 * + 1 when it ran to the end): how far a run's result depends on the text.
 */
let parenReach = 0;

/** Index just past the parenthesised group starting at `open` (which holds '('), or -1. */
export function matchParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) {
      depth--;
      if (depth === 0) {
        parenReach = i + 1;
        return i + 1;
      }
    } else if (c === 34 || c === 39) {
      i = skipQuoted(text, i);
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === 59 || c === 123 || c === 125) {
      // A statement boundary inside "parentheses": not a macro argument list.
      parenReach = i + 1;
      return -1;
    }
  }
  parenReach = text.length + 1;
  return -1;
}

function skipQuoted(text: string, i: number): number {
  const q = text.charCodeAt(i);
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) j++;
    else if (c === q || c === 10) return j;
  }
  return text.length - 1;
}

/** A rewrite of text[from, to) by a same-length string. */
interface Rewrite {
  from: number;
  to: number;
  text: string;
}

/** Spaces for text[from, to), line breaks kept. */
function blank(text: string, from: number, to: number): Rewrite {
  return { from, to, text: text.slice(from, to).replace(/[^\r\n]/g, ' ') };
}


export function normaliseKernelSource(text: string, cat: Catalogue): string {
  const rewrites: Rewrite[] = [];
  scan(text, cat, rewrites, 0, true, 0, null, null);
  return spliced(text, 0, text.length, rewrites);
}

/**
 * What a run over an edited file's text leaves for the next edit's run:
 * its state at each checkpoint, a position just after a line break the run
 * stepped on (where it is always at a line's start). Kept only for files
 * edited (SourceCache.update), not for every file parsed.
 */
export interface NormaliserRun {
  /** The checkpoints' positions, increasing. */
  at: number[];
  /** At each checkpoint: 1 when it is a statement position (see `prev` in scan), else 0. */
  stmt: number[];
  /** At each checkpoint: one past the furthest character read before it (an upper bound); the run up to there holds while text[0, reach) is unchanged. */
  reach: number[];
  /** Characters from where this run started to where it stopped (the work done: tests count it). */
  scanned: number;
}

/**
 * The normalised text of `text`, the text `before` (normalised `beforeOut`
 * by `run`) edited: the run starts again at the last checkpoint whose state
 * read nothing the edit changed and stops at the first checkpoint after the
 * edit where it is in the state the last run was in there (from there on
 * both read the same text in the same state: the last run's output is
 * taken). Without `run` (the file's first edit) a whole run, checkpoints kept.
 * `ends` is the two texts' common prefix and suffix (commonEnds), given back
 * so that the caller does not compare the texts again (UnchangedRanges).
 */
export function normaliseEdited(
  before: string,
  beforeOut: string,
  run: NormaliserRun | null,
  text: string,
  cat: Catalogue,
): { normalised: string; run: NormaliserRun; ends: [number, number] } {
  const rewrites: Rewrite[] = [];
  const ends = commonEnds(before, text);
  if (!run) {
    const fresh: NormaliserRun = { at: [], stmt: [], reach: [], scanned: 0 };
    fresh.scanned = scan(text, cat, rewrites, 0, true, 0, fresh, null);
    return { normalised: spliced(text, 0, text.length, rewrites), run: fresh, ends };
  }
  const [prefix, suffix] = ends;
  const oldEnd = before.length - suffix;
  const delta = text.length - before.length;
  // The last checkpoint that read only text before the edit (reach never decreases).
  let k = run.reach.length - 1;
  while (k >= 0 && run.reach[k] > prefix) k--;
  const from = k < 0 ? 0 : run.at[k];
  const next: NormaliserRun = {
    at: run.at.slice(0, k + 1),
    stmt: run.stmt.slice(0, k + 1),
    reach: run.reach.slice(0, k + 1),
    scanned: 0,
  };
  const resume: Resume = { run, first: k + 1, oldEnd, delta, matched: -1 };
  const stop = scan(text, cat, rewrites, from, k < 0 || run.stmt[k] === 1, k < 0 ? 0 : run.reach[k], next, resume);
  next.scanned = stop - from;
  const m = resume.matched;
  if (m < 0) return { normalised: beforeOut.slice(0, from) + spliced(text, from, text.length, rewrites), run: next, ends };
  // From old checkpoint m on, the last run's checkpoints and output, moved by the edit's length change.
  const reachAtStop = next.reach[next.reach.length - 1];
  for (let q = m + 1; q < run.at.length; q++) {
    next.at.push(run.at[q] + delta);
    next.stmt.push(run.stmt[q]);
    next.reach.push(Math.max(run.reach[q] + delta, reachAtStop));
  }
  return { normalised: beforeOut.slice(0, from) + spliced(text, from, stop, rewrites) + beforeOut.slice(stop - delta), run: next, ends };
}

/** Where a resumed run compares its checkpoints with the last run's (normaliseEdited). */
interface Resume {
  run: NormaliserRun;
  /** The last run's first checkpoint not yet passed. */
  first: number;
  oldEnd: number;
  delta: number;
  /** Set when the run stopped: the last run's checkpoint it stopped at. */
  matched: number;
}

/**
 * The normaliser's one pass, from `from` (a line's start, or 0) in the
 * given state, collecting rewrites; checkpoints into `into` when given;
 * with `resume`, stops at the first checkpoint past the edit where the
 * last run was in the same state. Returns where it stopped.
 */
function scan(text: string, cat: Catalogue, rewrites: Rewrite[], from: number, stmtAtStart: boolean, reachAtStart: number, into: NormaliserRun | null, resume: Resume | null): number {
  const attributes = attributeShapesOf(cat);
  // The last significant character or word before the current token, to tell
  // a statement position (after ; { } ) : else do) from a declaration.
  let prev = stmtAtStart ? ';' : 'word';
  let lineStart = true;
  let reach = reachAtStart;
  const n = text.length;
  let i = from;
  // Records a checkpoint at i (just after a line break); true when the resumed run can stop there.
  const checkpoint = (): boolean => {
    if (!into) return false;
    const stmt = prev === ';' || prev === '{' || prev === '}' || prev === ')' || prev === ':' || prev === 'else' || prev === 'do' ? 1 : 0;
    if (i > reach) reach = i;
    into.at.push(i);
    into.stmt.push(stmt);
    into.reach.push(reach);
    if (!resume) return false;
    const old = i - resume.delta;
    if (old < resume.oldEnd) return false;
    const r = resume.run;
    while (resume.first < r.at.length && r.at[resume.first] < old) resume.first++;
    if (resume.first < r.at.length && r.at[resume.first] === old && r.stmt[resume.first] === stmt) {
      resume.matched = resume.first;
      return true;
    }
    return false;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
      if (checkpoint()) return i;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    if (c === 35 && lineStart) {
      // Preprocessor line, with continuations: left alone.
      while (i < n) {
        const e = text.indexOf('\n', i);
        if (e < 0) {
          i = n;
          break;
        }
        let k = e - 1;
        if (text.charCodeAt(k) === 13) k--;
        i = e + 1;
        if (text.charCodeAt(k) !== 92) break;
      }
      lineStart = true;
      if (i < n && checkpoint()) return i;
      continue;
    }
    lineStart = false;
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
      continue;
    }
    if (c === 34 || c === 39) {
      i = skipQuoted(text, i) + 1;
      prev = 'lit';
      continue;
    }
    if (isIdentStart(c)) {
      let end = i + 1;
      while (end < n && isIdentPart(text.charCodeAt(end))) end++;
      const length = end - i;
      let word: string | null = attributes.has(shape(length, c)) ? text.slice(i, end) : null;
      if (word !== null && cat.attributeMacros.has(word)) {
        let j = end;
        while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
        const close = text[j] === '(' ? matchParen(text, j) : -1;
        if (text[j] === '(' && parenReach > reach) reach = parenReach;
        rewrites.push(blank(text, i, close > 0 ? close : end));
        i = close > 0 ? close : end;
        continue;
      }
      const stmtPos = prev === ';' || prev === '{' || prev === '}' || prev === ')' || prev === ':' || prev === 'else' || prev === 'do';
      if (stmtPos && length >= 5 && (cat.loopMacro.test((word ??= text.slice(i, end))) || cat.blockMacros.has(word))) {
        let j = end;
        while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
        if (text[j] === '(') {
          const close = matchParen(text, j);
          if (parenReach > reach) reach = parenReach;
          if (close > 0) {
            const kw = cat.blockMacros.has(word) ? 'if' : 'while';
            rewrites.push({ from: i, to: end, text: kw.slice(0, length).padEnd(length, ' ') });
          }
        }
      }
      // Only `else` and `do` among words make a statement position (stmtPos above).
      prev = length === 4 && text.startsWith('else', i) ? 'else' : length === 2 && text.startsWith('do', i) ? 'do' : 'word';
      i = end;
      continue;
    }
    prev = text[i];
    i++;
  }
  return n;
}

/** text[from, to) with the rewrites (all inside it, in order) spliced in. */
function spliced(text: string, from: number, to: number, rewrites: Rewrite[]): string {
  if (!rewrites.length) return from === 0 && to === text.length ? text : text.slice(from, to);
  const parts: string[] = [];
  let at = from;
  for (const r of rewrites) {
    parts.push(text.slice(at, r.from), r.text);
    at = r.to;
  }
  parts.push(text.slice(at, to));
  return parts.join('');
}
