// The scanner as it was at 610167d (engine/index/fileScan.ts), kept only as the reference the
// new scanner is compared with (test/unit/scanReference.test.ts): same input, same scan.
// Not used by the engine; imports point back into engine/ (branch reading, conditions, interning).
// When the scan's output is changed on purpose (SCAN_VERSION in indexCache.ts), change it here too
// in the same commit, or retire this file with its test.
// The cheap scan behind the workspace index: finds function definitions,
// function-like macros and the names each of them calls, without a parser.
// It reads bytes, blanks comments/strings/directives, and counts braces through
// every branch of an #if group whose branches balance (branchReader.ts), so a
// definition in an #else gets the condition of its branch; the real parse
// (tree-sitter) happens later, only for files that matter.
// One file of ~500 lines on purpose: blanking, directive conditions, the brace
// walk and the declarator reading share the same byte views and offsets, and
// it runs in the scan workers over every file of a tree (keep it lean).

import { BranchReader, ReadGroup } from '../../engine/index/branchReader';
import { conjuncts, parseCond } from '../../engine/config/cond';
// Interning has no bearing on what a scan holds: the engine's, not a copy.
import { intern } from '../../engine/index/nameTable';

export interface ScannedFunction {
  name: string;
  /** 1-based line of the name. */
  line: number;
  isStatic: boolean;
  isWeak: boolean;
  /** Preprocessor condition around the definition ("" when unconditional). */
  condition: string;
  /** Names called in the body (each once). */
  calls: string[];
  /** Whether a parameter matches the entry-pointer pattern (pte_t *, struct vm_fault *, ...). */
  takesEntry: boolean;
}

export interface ScannedMacro {
  name: string;
  line: number;
  params: string[];
  body: string;
  condition: string;
  calls: string[];
}

export interface FileScan {
  functions: ScannedFunction[];
  macros: ScannedMacro[];
}

const KEYWORDS = new Set([
  'if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'goto', 'typeof', '__typeof__',
  'defined', '__attribute__', '_Static_assert', 'static_assert', 'alignof', '_Alignof', '__builtin_expect',
  'asm', '__asm__', 'volatile', '__volatile__', 'int', 'long', 'char', 'void', 'unsigned', 'signed', 'short',
]);

const SP = 32;
const NL = 10;

interface Directive {
  start: number;
  end: number;
  line: number;
  text: string;
}

/** Latin-1 text of buf[s, e) without copying the bytes first. */
function latin1(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, Math.max(0, e - s)).toString('latin1');
}

/** Scratch space for the blanked copies (reused: the scan is synchronous). */
let scratch = new Uint8Array(0);
function scratchCopies(buf: Uint8Array): { a: Uint8Array; b: Uint8Array } {
  const n = buf.length;
  if (scratch.length < 2 * n) scratch = new Uint8Array(Math.max(2 * n, 1 << 20));
  const a = scratch.subarray(0, n);
  const b = scratch.subarray(n, 2 * n);
  a.set(buf);
  return { a, b };
}

/** Directives whose text the scan reads; the others (include, object-like define, ...) only need their extent. */
const WANTED = new Set(['if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif', 'define']);

function isIdentByte(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** Bytes blankNonCode stops at: a directive's `#`, a comment's `/`, a literal's quote. Everything else is copied as it is. */
const STOP = new Uint8Array(256);
for (const c of [35, 47, 34, 39]) STOP[c] = 1;
const isBlank = (c: number) => c === SP || c === 9 || c === 13 || c === 12;

/**
 * Copy of buf with comments, string and char literals and directives blanked;
 * the directives. The loop only stops at the four bytes that can start
 * something to blank (STOP); lines are counted only where a directive starts,
 * with native newline searches (Buffer.indexOf): the scan is the cold index's
 * whole cost, so its inner loop does one table lookup per byte.
 */
function blankNonCode(buf: Uint8Array): { clean: Uint8Array; directives: Directive[] } {
  const n = buf.length;
  const { a: clean } = scratchCopies(buf);
  const view = Buffer.from(buf.buffer, buf.byteOffset, n);
  const directives: Directive[] = [];
  // Line of `linePos` (a cursor moved forward as directives are met).
  let line = 1;
  let linePos = 0;
  const lineOf = (pos: number) => {
    for (let k = view.indexOf(NL, linePos); k >= 0 && k < pos; k = view.indexOf(NL, k + 1)) line++;
    linePos = pos;
    return line;
  };
  let i = 0;
  while (i < n) {
    while (i < n && STOP[buf[i]] === 0) i++;
    if (i >= n) break;
    const c = buf[i];
    if (c === 35) {
      // A directive only when nothing but blanks precedes it on its line.
      let b = i - 1;
      while (b >= 0 && isBlank(buf[b])) b--;
      if (b >= 0 && buf[b] !== NL) {
        i++;
        continue;
      }
      // Directive up to an unescaped newline; comments inside are dropped.
      const start = i;
      const startLine = lineOf(start);
      let text = '';
      let segStart = i;
      // The directive's word (and a define's name): most directives are
      // includes and object-like defines, whose text is never read.
      let k0 = i + 1;
      while (k0 < n && (buf[k0] === SP || buf[k0] === 9)) k0++;
      let k1 = k0;
      while (k1 < n && isIdentByte(buf[k1])) k1++;
      const word = latin1(buf, k0, k1);
      let want = WANTED.has(word);
      let shortText: string | null = null;
      if (word === 'define') {
        let k2 = k1;
        while (k2 < n && (buf[k2] === SP || buf[k2] === 9)) k2++;
        let k3 = k2;
        while (k3 < n && isIdentByte(buf[k3])) k3++;
        if (buf[k3] !== 40 /* ( */) {
          want = false;
          shortText = '#define ' + latin1(buf, k2, k3);
        }
      } else if (!want) shortText = '';
      while (i < n) {
        const d = buf[i];
        if (d === NL) {
          let k = i - 1;
          if (buf[k] === 13) k--;
          if (buf[k] === 92) {
            if (want) text += latin1(buf, segStart, k) + ' ';
            i++;
            segStart = i;
            continue;
          }
          break;
        }
        if (d === 47 && buf[i + 1] === 42) {
          if (want) text += latin1(buf, segStart, i) + ' ';
          i = indexOf2(view, 42, 47, i + 2);
          segStart = i;
          continue;
        }
        if (d === 47 && buf[i + 1] === 47) {
          if (want) text += latin1(buf, segStart, i);
          const e = view.indexOf(NL, i);
          i = e < 0 ? n : e;
          segStart = i;
          break;
        }
        i++;
      }
      if (want) text += latin1(buf, segStart, i);
      blankKeepingLines(view, clean, start, i);
      directives.push({ start, end: i, line: startLine, text: shortText ?? text.trim() });
      continue;
    }
    if (c === 47 && buf[i + 1] === 42) {
      const e = indexOf2(view, 42, 47, i + 2);
      blankKeepingLines(view, clean, i, e);
      i = e;
      continue;
    }
    if (c === 47 && buf[i + 1] === 47) {
      const e0 = view.indexOf(NL, i);
      const e = e0 < 0 ? n : e0;
      clean.fill(SP, i, e);
      i = e;
      continue;
    }
    if (c === 34 || c === 39) {
      clean[i] = SP;
      let j = i + 1;
      for (; j < n; j++) {
        const d = buf[j];
        if (d === 92) {
          clean[j] = SP;
          j++;
          if (j < n && buf[j] !== NL) clean[j] = SP;
          continue;
        }
        if (d === c || d === NL) break;
        clean[j] = SP;
      }
      if (j < n && buf[j] === c) clean[j] = SP;
      i = j + 1;
      if (buf[j] === NL) i = j;
      continue;
    }
    i++;
  }
  return { clean, directives };
}

/** clean[s, e) made blanks, its newlines kept (native fill, then the newlines found again natively). */
function blankKeepingLines(view: Buffer, clean: Uint8Array, s: number, e: number): void {
  clean.fill(SP, s, e);
  for (let k = view.indexOf(NL, s); k >= 0 && k < e; k = view.indexOf(NL, k + 1)) clean[k] = NL;
}

/** Just past the next `a b` pair at or after `from` (a native search for `a`), or the end. */
function indexOf2(buf: Buffer, a: number, b: number, from: number): number {
  const last = buf.length - 1;
  for (let i = buf.indexOf(a, from); i >= 0 && i < last; i = buf.indexOf(a, i + 1)) if (buf[i + 1] === b) return i + 2;
  return buf.length;
}

/** JS's `\s` within Latin-1 (a call is what `/\b([A-Za-z_]\w*)\s*\(/g` would match: the scan's cache format depends on it). */
const SPACE = new Uint8Array(256);
for (const c of [9, 10, 11, 12, 13, 32, 0xa0]) SPACE[c] = 1;
/** `\w`. */
const WORD = new Uint8Array(256);
for (let c = 0; c < 256; c++) WORD[c] = isIdentByte(c) ? 1 : 0;

/**
 * The names called in text[start, end), each once, in order of first call:
 * the matches of `/\b([A-Za-z_]\w*)\s*\(/g` (what it was), found from each
 * `(` (a native search) back over blanks to the name before it: the regex
 * tried every identifier.
 */
export function callsIn(text: string, start = 0, end = text.length): string[] {
  const out = new Set<string>();
  for (let p = text.indexOf('(', start); p >= 0 && p < end; p = text.indexOf('(', p + 1)) {
    let b = p - 1;
    while (b >= start && SPACE[text.charCodeAt(b) & 0xff] === 1 && text.charCodeAt(b) < 256) b--;
    const last = b;
    while (b >= start && WORD[text.charCodeAt(b) & 0xff] === 1 && text.charCodeAt(b) < 128) b--;
    if (b === last) continue;
    const first = text.charCodeAt(b + 1);
    if (first >= 48 && first <= 57) continue;
    const name = text.slice(b + 1, last + 1);
    if (!KEYWORDS.has(name)) out.add(intern(name));
  }
  return [...out];
}

interface CondFrame {
  /** The condition of the current branch (the earlier branches' tests negated, and its own). */
  cond: string;
  /** The current branch's own test (`B` of `#elif B`). */
  test: string;
  /** Tests of the earlier branches of this group, negated in #else/#elif. */
  previous: string[];
  guard: boolean;
}

function conditionOf(stack: CondFrame[]): string {
  const conds = stack.filter((f) => !f.guard && f.cond !== '1').map((f) => f.cond);
  return conds.length > 1 ? conds.map(grouped).join(' && ') : (conds[0] ?? '');
}

/** An earlier branch's test, negated: `!X` for a name, `X` for `!X`, `!(...)` otherwise. */
function negate(c: string): string {
  const t = c.trim();
  if (/^!\w+$/.test(t)) return t.slice(1);
  return /^\w+$/.test(t) ? `!${t}` : `!(${t})`;
}

/** A condition to be joined with `&&`: parenthesised when it holds an `||` or a `?:` (which bind looser). */
function grouped(c: string): string {
  return /\|\||\?/.test(c) ? `(${c})` : c;
}

/**
 * Macros defined when a file is read by the assembler (`__ASSEMBLY__` from
 * Kbuild, the compiler's own `__ASSEMBLER__` in later trees): a branch that
 * needs one is not C.
 */
const ASSEMBLER_MACROS = new Set(['__ASSEMBLY__', '__ASSEMBLER__']);

function assemblerOnly(cond: string): boolean {
  if (!cond.includes('__ASSEMBL')) return false;
  return conjuncts(parseCond(cond)).some((c) => c.k === 'macro' && ASSEMBLER_MACROS.has(c.name));
}

function directiveWord(text: string): { word: string; rest: string } {
  const m = /^#\s*(\w+)\s*(.*)$/s.exec(text);
  return m ? { word: m[1], rest: m[2].trim() } : { word: '', rest: '' };
}

/**
 * Whether the file can hold a function definition or a function-like macro:
 * a `{` or a `define NAME(` anywhere. Native searches, so that the big
 * register headers (object-like defines only) cost next to nothing.
 */
function mayDefineSomething(buf: Uint8Array): boolean {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  if (b.indexOf(123) >= 0) return true;
  return /define[\s\\]+[A-Za-z_]\w*\(/.test(b.toString('latin1'));
}

export function scanFile(buf: Uint8Array, entryParam?: RegExp): FileScan {
  if (!mayDefineSomething(buf)) return { functions: [], macros: [] };
  const { clean, directives } = blankNonCode(buf);
  const functions: ScannedFunction[] = [];
  const macros: ScannedMacro[] = [];
  // Brace-counting view: the alternatives of groups whose branches do not balance blanked.
  const braces = scratch.subarray(clean.length, 2 * clean.length);
  braces.set(clean);
  const branches = new BranchReader(braces);
  const stack: CondFrame[] = [];
  // Condition in force at each directive's end, to date definitions.
  const condAt: { offset: number; cond: string }[] = [{ offset: 0, cond: '' }];
  let prevIfndef: string | null = null;
  for (const d of directives) {
    if (d.text === '') {
      prevIfndef = null;
      continue;
    }
    const { word, rest } = directiveWord(d.text);
    const top = stack[stack.length - 1];
    let changed = word !== 'define';
    if (word === 'if' || word === 'ifdef' || word === 'ifndef') {
      const cond = word === 'ifdef' ? rest.split(/\s/)[0] : word === 'ifndef' ? '!' + rest.split(/\s/)[0] : rest;
      stack.push({ cond, test: cond, previous: [], guard: false });
      branches.open(d.start, d.end, assemblerOnly(cond));
      prevIfndef = word === 'ifndef' ? rest.split(/\s/)[0] : null;
    } else if ((word === 'elif' || word === 'else' || word === 'elifdef' || word === 'elifndef') && top) {
      top.previous.push(top.test);
      const negated = top.previous.map(negate).join(' && ');
      const test = word === 'elifdef' ? rest.split(/\s/)[0] : word === 'elifndef' ? '!' + rest.split(/\s/)[0] : word === 'else' ? '' : rest;
      top.test = test;
      top.cond = word === 'else' ? negated : `${negated} && ${grouped(test)}`;
      branches.alternative(d.start, d.end, assemblerOnly(top.cond));
      prevIfndef = null;
    } else if (word === 'endif' && top) {
      branches.close(d.start);
      stack.pop();
      prevIfndef = null;
    } else if (word === 'define') {
      const m = /^([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*)$/s.exec(rest);
      if (m) {
        if (prevIfndef === m[1] && top) {
          top.guard = true;
          changed = true;
        }
        if (m[2] !== undefined) {
          const body = m[4] ?? '';
          macros.push({
            name: intern(m[1]),
            line: d.line,
            params: m[3].split(',').map((s) => s.trim()).filter(Boolean),
            body,
            condition: conditionOf(stack),
            calls: callsIn(body),
          });
        }
      }
      prevIfndef = null;
    } else {
      prevIfndef = null;
      changed = false;
    }
    if (changed) condAt.push({ offset: d.end, cond: conditionOf(stack) });
  }
  // Groups left open at the end of the file close there.
  branches.end();

  const n = braces.length;
  const read = branches.read;
  const lines = new LineCursor(braces);
  // One string of the blanked file: bodies' calls are read from it without a copy per body.
  const cleanText = latin1(clean, 0, clean.length);
  let gi = 0; // first read group that may still hold a header (they come in #endif order)
  let stmtStart = 0; // start of the current top-level declaration
  for (let i = 0; i < n; i++) {
    // Top level: only `;`, `}` and `{` matter (one table lookup per byte).
    while (i < n && TOP[braces[i]] === 0) i++;
    if (i >= n) break;
    const c = braces[i];
    if (c === 59 /* ; */ || c === 125 /* } */) {
      stmtStart = i + 1;
      continue;
    }
    const close = matchBrace(braces, i);
    const fn = functionBefore(braces, stmtStart, i);
    if (fn) {
      while (gi < read.length && read[gi].end <= fn.nameStart) gi++;
      const calls = callsIn(cleanText, i, close);
      const around = gi < read.length && read[gi].end <= i ? groupsAround(read, gi, fn.nameStart, i) : null;
      const headers = around ? headersIn(braces, fn, i, stmtStart, around) : [{ name: fn.name, nameStart: fn.nameStart, end: i, prefix: [[stmtStart, fn.nameStart]] as [number, number][] }];
      for (const h of headers) {
        const prefix = h.prefix.length === 1 ? latin1(clean, h.prefix[0][0], h.prefix[0][1]) : h.prefix.map(([s, e]) => latin1(clean, s, e)).join(' ');
        functions.push({
          name: intern(h.name),
          line: lines.lineOf(h.nameStart),
          isStatic: /\bstatic\b/.test(prefix),
          isWeak: /\b__weak\b/.test(prefix),
          condition: conditionAt(condAt, h.nameStart),
          calls,
          takesEntry: entryParam ? entryParam.test(latin1(clean, h.nameStart, h.end)) : true,
        });
      }
    }
    i = close - 1;
    stmtStart = close;
  }
  return { functions, macros };
}

/** The condition in force at `offset` (the last directive ending at or before it). */
function conditionAt(at: { offset: number; cond: string }[], offset: number): string {
  let lo = 0;
  let hi = at.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (at[mid].offset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return at[lo].cond;
}

/** The read groups from `from` on that close before `brace` with `nameStart` in their last branch (inner first), or null. */
function groupsAround(groups: ReadGroup[], from: number, nameStart: number, brace: number): ReadGroup[] | null {
  let out: ReadGroup[] | null = null;
  for (let k = from; k < groups.length && groups[k].end <= brace; k++) {
    const g = groups[k];
    if (g.branches[g.branches.length - 1].start <= nameStart) (out ??= []).push(g);
  }
  return out;
}

interface Header {
  name: string;
  nameStart: number;
  /** End of the declarator (where the parameters are read). */
  end: number;
  /** Where the words before the name are (linkage). */
  prefix: [number, number][];
}

/**
 * A header per branch before one shared body: the header found before the
 * brace sits in the last branch of read groups (`around`) that close before
 * the brace (`#ifdef CONFIG_X` global, `#else` static, then `{`). One
 * definition per branch, each with its branch's text as its prefix (plus what
 * precedes the groups), its own condition and linkage.
 */
function headersIn(braces: Uint8Array, fn: { name: string; nameStart: number }, brace: number, stmtStart: number, around: ReadGroup[]): Header[] {
  // Outermost last (groups close inner first): what precedes it precedes every header.
  const outer = around[around.length - 1];
  const before: [number, number][] = stmtStart < outer.start ? [[stmtStart, outer.start]] : [];
  const last = around[0].branches[around[0].branches.length - 1];
  const out: Header[] = [{ ...fn, end: brace, prefix: [...before, [statementFloor(braces, last.start, fn.nameStart), fn.nameStart]] }];
  for (const g of around)
    for (const b of g.branches.slice(0, -1)) {
      const floor = statementFloor(braces, b.start, b.end);
      const h = functionBefore(braces, floor, b.end);
      if (h) out.push({ ...h, end: b.end, prefix: [...before, [floor, h.nameStart]] });
    }
  return out.sort((x, y) => x.nameStart - y.nameStart);
}

/** Where the last statement in [from, to) of the brace view starts: after its last `;` or `}`, else `from`. */
function statementFloor(buf: Uint8Array, from: number, to: number): number {
  for (let k = to - 1; k >= from; k--) if (buf[k] === 59 || buf[k] === 125) return k + 1;
  return from;
}

/** Bytes that end or open a top-level declaration: `;`, `}`, `{`. */
const TOP = new Uint8Array(256);
TOP[59] = TOP[125] = TOP[123] = 1;
/** Braces. */
const BRACE = new Uint8Array(256);
BRACE[123] = BRACE[125] = 1;

/** 1-based lines of offsets asked for in (mostly) increasing order, newlines counted by native searches. */
class LineCursor {
  private readonly view: Buffer;
  private pos = 0;
  private line = 1;
  constructor(buf: Uint8Array) {
    this.view = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  }
  lineOf(target: number): number {
    const v = this.view;
    if (target < this.pos) {
      for (let k = v.indexOf(NL, target); k >= 0 && k < this.pos; k = v.indexOf(NL, k + 1)) this.line--;
    } else {
      for (let k = v.indexOf(NL, this.pos); k >= 0 && k < target; k = v.indexOf(NL, k + 1)) this.line++;
    }
    this.pos = target;
    return this.line;
  }
}

function matchBrace(buf: Uint8Array, open: number): number {
  let depth = 0;
  const n = buf.length;
  for (let i = open; i < n; i++) {
    if (BRACE[buf[i]] === 0) continue;
    if (buf[i] === 123) depth++;
    else if (--depth === 0) return i + 1;
  }
  return n;
}

function skipSpaceBack(buf: Uint8Array, i: number, floor: number): number {
  while (i >= floor && (buf[i] === SP || buf[i] === NL || buf[i] === 9 || buf[i] === 13)) i--;
  return i;
}

/** If the text before the top-level `{` at `brace` ends a function declarator, its name. */
function functionBefore(buf: Uint8Array, floor: number, brace: number): { name: string; nameStart: number } | null {
  let i = skipSpaceBack(buf, brace - 1, floor);
  for (let guard = 0; guard < 8; guard++) {
    if (i < floor || buf[i] !== 41 /* ) */) return null;
    let depth = 0;
    let open = -1;
    for (let k = i; k >= floor; k--) {
      if (buf[k] === 41) depth++;
      else if (buf[k] === 40 && --depth === 0) {
        open = k;
        break;
      }
    }
    if (open < 0) return null;
    const end = skipSpaceBack(buf, open - 1, floor);
    let start = end;
    while (start >= floor && isIdentByte(buf[start])) start--;
    start++;
    if (start > end) return null;
    const name = latin1(buf, start, end + 1);
    if (/^\d/.test(name) || KEYWORDS.has(name)) return null;
    const before = skipSpaceBack(buf, start - 1, floor);
    if (before >= floor && buf[before] === 41) {
      // `f(args) __acquires(x) {`: the name was an annotation; look further back.
      i = before;
      continue;
    }
    for (let k = floor; k < start; k++) if (buf[k] === 61 /* = */) return null;
    return { name, nameStart: start };
  }
  return null;
}

/** A NUL byte in the first 8 KiB: not C source. */
export function looksBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 8192);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}
