// The cheap scan behind the workspace index: finds function definitions,
// function-like macros and the names each of them calls, without a parser.
// It reads bytes, blanks comments/strings/directives, and counts braces through
// every branch of an #if group whose branches balance (branchReader.ts), so a
// definition in an #else gets the condition of its branch; the real parse
// (tree-sitter) happens later, only for files that matter.
// One file of ~750 lines on purpose: directive conditions, the brace walk and
// the declarator reading share the same byte views and offsets, and it runs
// in the scan workers over every file of a tree (keep it lean). scanInto
// calls readDirectives and scanDefinitions rather than holding both: the
// first run of a rare path threw away the compiled code of everything
// inlined around it, ~10 times per scan thread (docs/perf/jit25.md).
// Speed (issue 15 point 1): the loops over every byte (the prefilter, the
// blanking) run in WebAssembly (blankBytes.ts, wasm/blank.ts), which records
// where the code's `;{}(`, the newlines and the directives are, so the brace
// walk, the call search and the lines visit those offsets instead of every
// byte again; a scan worker scans straight into the encoding
// (scanInto) with names looked up by their bytes (nameTable.ts), so a name
// already seen costs no string. test/reference/fileScanReference.ts is the
// scanner before that, which test/unit/scanReference.test.ts holds it to.

import { BranchReader, ReadGroup } from './branchReader';
import { conjuncts, parseCond } from '../config/cond';
import { NAME_HASH_PRIME, NAME_HASH_SEED, NameTable, intern } from './nameTable';
import { decodeScan } from './scanCodec';
import { BINARY, DIR_INTS, DIR_OBJECT_DEFINE, DIR_READ, MAY_DEFINE, blankLoaded, classifyLoaded, load, releaseBlankMemory } from './blankBytes';

export { intern, internFresh } from './nameTable';

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

/**
 * A directive the scan reads: a group directive or a function-like define
 * (its text, comments dropped, continuations joined), or the one directive
 * after an `#ifndef` (whether it defines the same name makes a header guard).
 * Other directives (includes, object-like defines: most of them) are only
 * blanked, and make no object and no string.
 */
interface Directive {
  start: number;
  end: number;
  text: string;
}

/** Latin-1 text of buf[s, e) without copying the bytes first. */
function latin1(buf: Buffer, s: number, e: number): string {
  return buf.toString('latin1', s, Math.max(s, e));
}

/**
 * Scratch space for the brace view (reused: the scan is synchronous); the
 * clean copy lives in the WebAssembly blanker's memory (blankBytes.ts).
 */
let scratch = Buffer.alloc(0);
function braceSpace(n: number): Buffer {
  if (scratch.length < n) scratch = Buffer.allocUnsafe(Math.max(n, 1 << 20));
  return scratch.subarray(0, n);
}

function isIdentByte(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** Offsets the blanking pass recorded, in order: views of the blanker's memory, valid for the file being scanned. */
interface Offsets {
  a: Int32Array;
  n: number;
}
/** Where the code (not comments, literals, directives) has a `;`, `{` or `}`, in order: the brace walk reads these, not every byte. */
const marks: Offsets = { a: new Int32Array(0), n: 0 };
/** Where the code has a `(`, in order: the call search's starting points. */
const parens: Offsets = { a: new Int32Array(0), n: 0 };
/** Where every newline is, in order (code, comments, directives, escaped in literals): the lines of definitions. */
const newlines: Offsets = { a: new Int32Array(0), n: 0 };

/**
 * Copy of the file loaded in the blanker's memory, with comments, string and char literals and directives blanked;
 * the directives the scan reads. The byte loop runs in WebAssembly
 * (engine/index/wasm/blank.ts): it records the code's `;{}` (marks) and `(`
 * (parens), every newline, and the extents of the directives the scan reads
 * (group directives, function-like defines, the one after an `#ifndef`), so
 * that no later pass reads every byte again; only those directives' texts are
 * made here, as strings. The scan is the cold index's whole cost.
 */
function blankNonCode(): { clean: Buffer; directives: Directive[] } {
  const b = blankLoaded();
  // The file's bytes as blankLoaded() left the memory (the caller's view is stale if it grew).
  const buf = b.source;
  marks.a = b.marks;
  marks.n = b.marks.length;
  parens.a = b.parens;
  parens.n = b.parens.length;
  newlines.a = b.newlines;
  newlines.n = b.newlines.length;
  const directives: Directive[] = [];
  const d = b.dirs;
  for (let k = 0; k < d.length; k += DIR_INTS) {
    const start = d[k];
    const end = d[k + 1];
    const flags = d[k + 2];
    const text = flags & DIR_READ ? directiveText(buf, start, end) : flags & DIR_OBJECT_DEFINE ? '#define ' + latin1(buf, d[k + 3], d[k + 4]) : '';
    directives.push({ start, end, text });
  }
  return { clean: b.clean, directives };
}

/**
 * The text of the directive buf[start, end) (the blanker found its extent):
 * comments dropped (a block comment as a blank), continuations joined, trimmed;
 * the same walk the blanker made to find its end.
 */
function directiveText(buf: Buffer, start: number, end: number): string {
  const n = buf.length;
  let text = '';
  let segStart = start;
  let i = start;
  while (i < end) {
    const d = buf[i];
    if (d === NL) {
      let k = i - 1;
      if (buf[k] === 13) k--;
      if (buf[k] === 92) {
        text += latin1(buf, segStart, k) + ' ';
        i++;
        segStart = i;
        continue;
      }
      break;
    }
    if (d === 47 && buf[i + 1] === 42) {
      text += latin1(buf, segStart, i) + ' ';
      i = indexOf2(buf, 42, 47, i + 2);
      segStart = i;
      continue;
    }
    if (d === 47 && buf[i + 1] === 47) {
      text += latin1(buf, segStart, i);
      const e = buf.indexOf(NL, i);
      i = e < 0 ? n : e;
      segStart = i;
      break;
    }
    i++;
  }
  text += latin1(buf, segStart, i);
  return text.trim();
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
 * tried every identifier. Macro bodies (strings); function bodies go
 * through callIdsIn, the same search over bytes.
 */
export function callsIn(text: string, start = 0, end = text.length): string[] {
  return callNamesIn(text, start, end).map(intern);
}

/** callsIn's names as slices of text (not interned). */
function callNamesIn(text: string, start: number, end: number): string[] {
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
    if (!KEYWORDS.has(name)) out.add(name);
  }
  return [...out];
}

/** Per table: whether a name id is a keyword (0 not known yet, 1 no, 2 yes), and the last body that called it. */
interface CallState {
  kind: Uint8Array;
  stamp: Int32Array;
  body: number;
  /**
   * This file's names met so far, direct-mapped by hash, 5 numbers a slot
   * (file serial, hash, offset of the name in this file, its length, its id):
   * a name called again in the same file is compared with its earlier
   * occurrence (in the CPU's cache) instead of the table's copy (a miss to
   * memory: the table of a tree's ~10^6 names is tens of MB).
   */
  recent: Int32Array;
  text: Buffer | null;
  file: number;
}
const RECENT = 4096;
const callStates = new WeakMap<NameTable, CallState>();

/**
 * callsIn over the Latin-1 bytes of the blanked file for the body
 * [start, end), from the `(` offsets parens.a[from...] (the blanking pass
 * recorded them): name ids of `t` pushed on `out`, each once, in order of
 * first call. A name the table has seen costs no string (its bytes are
 * hashed on the way back from the `(`).
 */
function callIdsIn(text: Buffer, from: number, end: number, start: number, t: NameTable, out: number[]): void {
  let st = callStates.get(t);
  if (!st) callStates.set(t, (st = { kind: new Uint8Array(1024), stamp: new Int32Array(1024), body: 0, recent: new Int32Array(5 * RECENT), text: null, file: 0 }));
  if (st.text !== text) {
    st.text = text;
    st.file = (st.file + 1) | 0;
  }
  const recent = st.recent;
  const file = st.file;
  if (st.body === 0x7fffffff) {
    st.stamp.fill(0);
    st.body = 0;
  }
  const body = ++st.body;
  const ps = parens.a;
  for (let q = from; q < parens.n; q++) {
    const p = ps[q];
    if (p >= end) break;
    let b = p - 1;
    while (b >= start && SPACE[text[b]] === 1) b--;
    const last = b;
    let h = NAME_HASH_SEED;
    while (b >= start && WORD[text[b]] === 1) h = Math.imul(h ^ text[b--], NAME_HASH_PRIME);
    if (b === last) continue;
    const first = text[b + 1];
    if (first >= 48 && first <= 57) continue;
    const s0 = b + 1;
    const n0 = last + 1 - s0;
    const r = 5 * ((h ^ (h >>> 12)) & (RECENT - 1));
    let id = -1;
    if (recent[r] === file && recent[r + 1] === h && recent[r + 3] === n0) {
      const o = recent[r + 2];
      let k = 0;
      while (k < n0 && text[o + k] === text[s0 + k]) k++;
      if (k === n0) id = recent[r + 4];
    }
    if (id < 0) {
      id = t.idOfHashedBytes(text, s0, s0 + n0, h);
      recent[r] = file;
      recent[r + 1] = h;
      recent[r + 2] = s0;
      recent[r + 3] = n0;
      recent[r + 4] = id;
    }
    if (id >= st.kind.length) {
      const n = Math.max(id + 1, st.kind.length * 2);
      const kind = new Uint8Array(n);
      kind.set(st.kind);
      const stamp = new Int32Array(n);
      stamp.set(st.stamp);
      st.kind = kind;
      st.stamp = stamp;
    }
    let k = st.kind[id];
    if (k === 0) st.kind[id] = k = KEYWORDS.has(t.names[id]) ? 2 : 1;
    if (k === 2 || st.stamp[id] === body) continue;
    st.stamp[id] = body;
    out.push(id);
  }
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
  // A loop, not filter/map/join: arrays of changing element kinds made the scan's code be compiled again and again.
  let n = 0;
  let only = '';
  let joined = '';
  for (let k = 0; k < stack.length; k++)
    if (!stack[k].guard && stack[k].cond !== '1') {
      joined += (n === 0 ? '' : ' && ') + grouped(stack[k].cond);
      only = stack[k].cond;
      n++;
    }
  return n < 2 ? only : joined;
}

/** The earlier branches' tests of a group, each negated, joined by `&&`. */
function negatedAll(previous: string[]): string {
  let out = '';
  for (let k = 0; k < previous.length; k++) out += (k === 0 ? '' : ' && ') + negate(previous[k]);
  return out;
}

/** A function-like define's parameters (`a, b`), trimmed, empty ones left out. */
function paramsOf(list: string): string[] {
  const out: string[] = [];
  for (const p of list.split(',')) {
    const q = p.trim();
    if (q !== '') out.push(q);
  }
  return out;
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


/** The scan of one file, its names interned (the editor's re-index, small trees scanned in this thread). */
export function scanFile(buf: Uint8Array, entryParam?: RegExp, kept?: RescanNames): FileScan {
  if (kept && kept.table.names.length > RESCAN_NAMES_MAX) Object.assign(kept, new RescanNames());
  const t = kept?.table ?? new NameTable();
  const out: number[] = [];
  scanInto(buf, entryParam, t, out);
  const data = Int32Array.from(out);
  return decodeScan(data, 0, namesToDecode(data, t.names, kept?.interned));
}

/**
 * A name table kept across scans of the same files (an editor's edits scan
 * its file whole again: WorkspaceIndex.addScan), with each name's interned
 * string by id: a name scanned before costs no string and no intern lookup.
 * Made afresh past RESCAN_NAMES_MAX names (names typed and gone, a macro
 * body per version of it, accumulate).
 */
export class RescanNames {
  table = new NameTable();
  interned: string[] = [];
}
const RESCAN_NAMES_MAX = 50_000;

/**
 * t's names for decoding data's scan: definition names and calls interned
 * (the index keeps them), conditions, bodies and parameters as they are (as
 * the scan always gave them). `interned`: the interned strings of names
 * met before, by id (RescanNames).
 */
function namesToDecode(data: Int32Array, names: string[], interned?: string[]): string[] {
  const out = names.slice();
  const name = interned ? (id: number) => (out[id] = interned[id] ??= intern(names[id])) : (id: number) => (out[id] = intern(names[id]));
  let i = 0;
  for (let nf = data[i++]; nf > 0; nf--) {
    name(data[i++]);
    i += 3;
    for (let nc = data[i++]; nc > 0; nc--) name(data[i++]);
  }
  for (let nm = data[i++]; nm > 0; nm--) {
    name(data[i++]);
    i += 3;
    i += data[i] + 1;
    for (let nc = data[i++]; nc > 0; nc--) name(data[i++]);
  }
  return out;
}

/**
 * The scan of one file, pushed on `out` in scanCodec's encoding with `t`'s
 * name ids (what encodeScan(scanFile(buf)) would push): a scan worker's form,
 * where names already in its table cost no string. `binaryScansEmpty`: a file
 * with a NUL in its first 8 KiB (looksBinary) scans to nothing, as a file read
 * from the tree does (the check made in the same pass).
 */
export function scanInto(bytes: Uint8Array, entryParam: RegExp | undefined, t: NameTable, out: number[], binaryScansEmpty = false): void {
  // Every view a Buffer: its Latin-1 slices cost no view object each.
  const buf = bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // Whether the file can hold a function definition or a function-like macro (a `{`, or a match of
  // `define[\s\\]+[A-Za-z_]\w*\(`): the big register headers (object-like defines only, ~40% of a
  // tree's bytes) cost only this pass (WebAssembly, 16 bytes a step for the `{` and `(` searches).
  load(buf);
  const kind = classifyLoaded();
  if ((kind & MAY_DEFINE) === 0 || (binaryScansEmpty && (kind & BINARY) !== 0)) {
    out.push(0, 0);
    releaseBlankMemory();
    return;
  }
  const { clean, directives } = blankNonCode();
  // Brace-counting view: the alternatives of groups whose branches do not balance blanked.
  const branches = new BranchReader(clean, braceSpace(clean.length));
  const { macros, macroCount, condAt } = readDirectives(directives, branches, t);
  // Groups left open at the end of the file close there.
  branches.end();
  scanDefinitions(clean, branches, condAt, entryParam, t, out);
  out.push(macroCount);
  for (const v of macros) out.push(v);
  releaseScratch();
}

/**
 * Directives in order: the conditions in force after each (condAt), the
 * branches told to the brace view, and the function-like macros in their
 * encoding (pushed after the functions). Apart from the definitions' loop
 * (scanDefinitions) so that the first run of a rare directive's code (an
 * `#elif`, a macro's parameters) recompiles only this, not the whole scan.
 */
function readDirectives(directives: Directive[], branches: BranchReader, t: NameTable): { macros: number[]; macroCount: number; condAt: CondAt[] } {
  // Macros are found before functions but encoded after them.
  const macros: number[] = [];
  let macroCount = 0;
  const stack: CondFrame[] = [];
  // Condition in force at each directive's end, to date definitions.
  const condAt: CondAt[] = [{ offset: 0, cond: '', id: -1 }];
  const macroLines = new LineCursor();
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
      const negated = negatedAll(top.previous);
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
          const params = paramsOf(m[3]);
          const calls = callNamesIn(body, 0, body.length);
          macros.push(t.id(m[1]), macroLines.lineOf(d.start), t.id(conditionOf(stack)), t.id(body), params.length);
          for (const p of params) macros.push(t.id(p));
          macros.push(calls.length);
          for (const c of calls) macros.push(t.id(c));
          macroCount++;
        }
      }
      prevIfndef = null;
    } else {
      prevIfndef = null;
      changed = false;
    }
    if (changed) condAt.push({ offset: d.end, cond: conditionOf(stack), id: -1 });
  }
  return { macros, macroCount, condAt };
}

/**
 * The functions of the brace view in scanCodec's encoding, pushed on `out`
 * (their count first): each `{` at the top level, its declarator before it,
 * the calls in its body. The loop every file runs most.
 */
function scanDefinitions(clean: Buffer, branches: BranchReader, condAt: CondAt[], entryParam: RegExp | undefined, t: NameTable, out: number[]): void {
  const braces = branches.braces as Buffer;

  const n = braces.length;
  const read = branches.read;
  const lines = new LineCursor();
  // The function count goes first; it is known at the end.
  const countAt = out.length;
  out.push(0);
  let fnCount = 0;
  const calls: number[] = [];
  let gi = 0; // first read group that may still hold a header (they come in #endif order)
  let stmtStart = 0; // start of the current top-level declaration
  // The brace view's `;{}` are the marks still there (an unread branch is blank in it).
  const ms = marks.a;
  const nm = marks.n;
  let pc = 0; // first `(` not before the current body
  for (let m = 0; m < nm; m++) {
    const i = ms[m];
    const c = braces[i];
    if (c === 59 /* ; */ || c === 125 /* } */) {
      stmtStart = i + 1;
      continue;
    }
    if (c !== 123) continue;
    // The matching `}` (depth counted over the marks), or the end.
    let depth = 0;
    let close = n;
    for (; m < nm; m++) {
      const b = braces[ms[m]];
      if (b === 123) depth++;
      else if (b === 125 && --depth === 0) {
        close = ms[m] + 1;
        break;
      }
    }
    const fn = functionBefore(braces, stmtStart, i);
    if (fn) {
      while (gi < read.length && read[gi].end <= fn.nameStart) gi++;
      calls.length = 0;
      while (pc < parens.n && parens.a[pc] < i) pc++;
      callIdsIn(clean, pc, close, i, t, calls);
      if (gi < read.length && read[gi].end <= i) {
        const around = groupsAround(read, gi, fn.nameStart, i);
        if (around) {
          fnCount += pushHeadersIn(headersIn(braces, fn, i, stmtStart, around), clean, braces, calls, entryParam, lines, condAt, t, out);
          stmtStart = close;
          continue;
        }
      }
      pushDefinition(fn.nameStart, fn.nameStart + fn.name.length, i, latin1(clean, stmtStart, fn.nameStart), clean, braces, calls, entryParam, lines, condAt, t, out);
      fnCount++;
    }
    stmtStart = close;
  }
  out[countAt] = fnCount;
}

/** One definition's encoding: its name (braces[nameStart, nameEnd)), line, linkage and entry flags, condition, calls. */
function pushDefinition(nameStart: number, nameEnd: number, end: number, prefix: string, clean: Buffer, braces: Buffer, calls: number[], entryParam: RegExp | undefined, lines: LineCursor, condAt: CondAt[], t: NameTable, out: number[]): void {
  const takesEntry = entryParam ? entryParam.test(latin1(clean, nameStart, end)) : true;
  const flags = (/\bstatic\b/.test(prefix) ? 1 : 0) | (/\b__weak\b/.test(prefix) ? 2 : 0) | (takesEntry ? 4 : 0);
  out.push(t.idOfBytes(braces, nameStart, nameEnd), lines.lineOf(nameStart), flags, conditionIdAt(condAt, nameStart, t), calls.length);
  for (const c of calls) out.push(c);
}

/** A header per branch before one shared body (headersIn), each encoded with the body's calls; how many. */
function pushHeadersIn(headers: Header[], clean: Buffer, braces: Buffer, calls: number[], entryParam: RegExp | undefined, lines: LineCursor, condAt: CondAt[], t: NameTable, out: number[]): number {
  for (const h of headers) {
    const prefix = h.prefix.map(([s, e]) => latin1(clean, s, e)).join(' ');
    pushDefinition(h.nameStart, h.nameStart + h.name.length, h.end, prefix, clean, braces, calls, entryParam, lines, condAt, t, out);
  }
  return headers.length;
}

/** Scratch space past these sizes is let go after its file (a generated 50 MB file's copies are not kept for good). */
const KEEP_SCRATCH = 16 << 20;
function releaseScratch(): void {
  if (scratch.length > KEEP_SCRATCH) scratch = Buffer.alloc(0);
  for (const o of [marks, parens, newlines]) {
    o.a = new Int32Array(0);
    o.n = 0;
  }
  releaseBlankMemory();
}

/** The condition in force at `offset` (the last directive ending at or before it). */
/** A condition in force from `offset` on, and its id in the scan's table (-1 until asked: most are never). */
interface CondAt {
  offset: number;
  cond: string;
  id: number;
}

/** The id of the condition in force at `offset` (looked up once per condition, not once per definition). */
function conditionIdAt(at: CondAt[], offset: number, t: NameTable): number {
  const c = conditionAt(at, offset);
  if (c.id < 0) c.id = t.id(c.cond);
  return c.id;
}

function conditionAt(at: CondAt[], offset: number): CondAt {
  let lo = 0;
  let hi = at.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (at[mid].offset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return at[lo];
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
function headersIn(braces: Buffer, fn: { name: string; nameStart: number }, brace: number, stmtStart: number, around: ReadGroup[]): Header[] {
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
function statementFloor(buf: Buffer, from: number, to: number): number {
  for (let k = to - 1; k >= from; k--) if (buf[k] === 59 || buf[k] === 125) return k + 1;
  return from;
}


/** 1-based lines of offsets asked for in (mostly) increasing order: a cursor over the recorded newlines. */
class LineCursor {
  /** Newlines before the last offset asked for. */
  private k = 0;
  lineOf(target: number): number {
    const a = newlines.a;
    let k = this.k;
    while (k < newlines.n && a[k] < target) k++;
    while (k > 0 && a[k - 1] >= target) k--;
    this.k = k;
    return k + 1;
  }
}

function skipSpaceBack(buf: Buffer, i: number, floor: number): number {
  while (i >= floor && (buf[i] === SP || buf[i] === NL || buf[i] === 9 || buf[i] === 13)) i--;
  return i;
}

/** If the text before the top-level `{` at `brace` ends a function declarator, its name. */
function functionBefore(buf: Buffer, floor: number, brace: number): { name: string; nameStart: number } | null {
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
