// AssemblyScript (compiled to WebAssembly by `npm run build`: scripts/buildWasm.js),
// not TypeScript: tsc does not read this folder. The scan's byte loop
// (engine/index/fileScan.ts blankNonCode): a file's copy with comments,
// string and char literals and directives blanked, and where the code's
// `;{}` and `(` and every newline are, and the directives' extents. It is the
// cold index's per-byte cost; in JavaScript each byte read is a bounds-checked
// load and a table lookup, here a plain load.
//
// Memory: the caller (blankBytes.ts) lays out, past heapBase(): the file at
// `src` (n bytes, then src[n] written `;`: read where JavaScript read undefined past the end),
// the copy at `dst`, the four output arrays with their capacities, and a
// header of counts at `counts`. Nothing is allocated here.

const SP: u8 = 32;
const NL: u32 = 10;

/** The first address the caller may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

// Output arrays (i32 each) and their fill; a full array ends the call with -1 (the caller grows and calls again).
let marks: usize = 0;
let markCap: i32 = 0;
let markN: i32 = 0;
let parens: usize = 0;
let parenCap: i32 = 0;
let parenN: i32 = 0;
let nls: usize = 0;
let nlCap: i32 = 0;
let nlN: i32 = 0;
let dirs: usize = 0;
let dirCap: i32 = 0;
let dirN: i32 = 0;
let full = false;

@inline function pushMark(p: i32): void {
  if (markN < markCap) store<i32>(marks + (<usize>markN << 2), p);
  else full = true;
  markN++;
}
@inline function pushParen(p: i32): void {
  if (parenN < parenCap) store<i32>(parens + (<usize>parenN << 2), p);
  else full = true;
  parenN++;
}
@inline function pushNl(p: i32): void {
  if (nlN < nlCap) store<i32>(nls + (<usize>nlN << 2), p);
  else full = true;
  nlN++;
}

/** A directive record: start, end, flags (bit 0: its text is read; bit 1: an object-like #define; bit 2: the word is #ifndef), name start, name end. */
export const DIR_INTS: i32 = 5;

@inline function isIdent(c: u32): bool {
  return c - 97 < 26 || c - 65 < 26 || c - 48 < 10 || c == 95;
}
@inline function isBlank(c: u32): bool {
  return c == 32 || c == 9 || c == 13 || c == 12;
}
@inline function at(src: usize, i: i32): u32 {
  return <u32>load<u8>(src + <usize>i);
}

// The directive words whose text the scan reads, by index (fileScan.ts WANTED): if ifdef ifndef elif elifdef elifndef else endif define.
const W_IFNDEF = 2;
const W_DEFINE = 8;
/** The index of the word src[s, e), or -1. */
function wantedWord(src: usize, s: i32, e: i32): i32 {
  const len = e - s;
  if (len < 2 || len > 8) return -1;
  const c0 = at(src, s);
  const c1 = at(src, s + 1);
  if (c0 == 105 /* i */ && c1 == 102 /* f */) {
    if (len == 2) return 0;
    if (len == 5 && at(src, s + 2) == 100 && at(src, s + 3) == 101 && at(src, s + 4) == 102) return 1; // ifdef
    if (len == 6 && at(src, s + 2) == 110 && at(src, s + 3) == 100 && at(src, s + 4) == 101 && at(src, s + 5) == 102) return 2; // ifndef
    return -1;
  }
  if (c0 == 101 /* e */) {
    if (c1 == 108 /* l */) {
      if (len == 4 && at(src, s + 2) == 105 && at(src, s + 3) == 102) return 3; // elif
      if (len == 4 && at(src, s + 2) == 115 && at(src, s + 3) == 101) return 6; // else
      if (len == 7 && at(src, s + 2) == 105 && at(src, s + 3) == 102 && at(src, s + 4) == 100 && at(src, s + 5) == 101 && at(src, s + 6) == 102) return 4; // elifdef
      if (len == 8 && at(src, s + 2) == 105 && at(src, s + 3) == 102 && at(src, s + 4) == 110 && at(src, s + 5) == 100 && at(src, s + 6) == 101 && at(src, s + 7) == 102) return 5; // elifndef
      return -1;
    }
    if (len == 5 && c1 == 110 && at(src, s + 2) == 100 && at(src, s + 3) == 105 && at(src, s + 4) == 102) return 7; // endif
    return -1;
  }
  if (c0 == 100 /* d */ && len == 6 && c1 == 101 && at(src, s + 2) == 102 && at(src, s + 3) == 105 && at(src, s + 4) == 110 && at(src, s + 5) == 101) return 8; // define
  return -1;
}

/** The first position in [from, n) holding byte a or byte b (16 bytes a step), or n. */
function nextOf(src: usize, from: i32, n: i32, a: u8, b: u8): i32 {
  let i = from;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(src + <usize>i);
    const m = i8x16.bitmask(v128.or(i8x16.eq(v, i8x16.splat(a)), i8x16.eq(v, i8x16.splat(b))));
    if (m != 0) return i + ctz(m);
  }
  for (; i < n; i++) {
    const c = load<u8>(src + <usize>i);
    if (c == a || c == b) return i;
  }
  return n;
}

/** Just past the next `*` `/` at or after `from`, or n. */
function commentEnd(src: usize, from: i32, n: i32): i32 {
  let i = from;
  for (; i + 17 <= n; i += 16) {
    let m = i8x16.bitmask(v128.and(i8x16.eq(v128.load(src + <usize>i), i8x16.splat(42)), i8x16.eq(v128.load(src + <usize>i + 1), i8x16.splat(47))));
    if (m != 0) return i + ctz(m) + 2;
  }
  for (; i < n - 1; i++) if (at(src, i) == 42 && at(src, i + 1) == 47) return i + 2;
  return n;
}

/** The first newline at or after `from`, or n. */
@inline function lineEnd(src: usize, from: i32, n: i32): i32 {
  return nextOf(src, from, n, 10, 10);
}

/** dst[s, e) blanked, its newlines kept and recorded. */
function blankKeepingLines(src: usize, dst: usize, s: i32, e: i32): void {
  memory.fill(dst + <usize>s, SP, <usize>(e - s));
  for (let k = nextOf(src, s, e, 10, 10); k < e; k = nextOf(src, k + 1, e, 10, 10)) {
    store<u8>(dst + <usize>k, 10);
    pushNl(k);
  }
}

/** The stop bytes of the 16 at p, as bits (bit k: p[k]): `;{}(`, newline, `#`, `/` and quotes. */
@inline function stops(p: usize): i32 {
  const v = v128.load(p);
  let m = i8x16.eq(v, i8x16.splat(59));
  m = v128.or(m, i8x16.eq(v, i8x16.splat(123)));
  m = v128.or(m, i8x16.eq(v, i8x16.splat(125)));
  m = v128.or(m, i8x16.eq(v, i8x16.splat(40)));
  m = v128.or(m, i8x16.eq(v, i8x16.splat(10)));
  m = v128.or(m, i8x16.eq(v, i8x16.splat(35)));
  m = v128.or(m, i8x16.eq(v, i8x16.splat(47)));
  m = v128.or(m, i8x16.eq(v, i8x16.splat(34)));
  m = v128.or(m, i8x16.eq(v, i8x16.splat(39)));
  return i8x16.bitmask(m);
}

/** Whether the last directive was an #ifndef: the next one is recorded whatever it is. */
let afterIfndef = false;

/**
 * Blanks src[0, n) into dst (see the header); returns 0, or -1 when an output
 * array was too small (the counts say how big they had to be). Counts go to
 * `counts`: marks, parens, newlines, directives. The loop takes 16 bytes a
 * step: the bits of their stop bytes, visited in order; a byte that starts
 * something to blank (special()) moves the cursor past it.
 */
export function blank(
  src: usize, dst: usize, n: i32,
  marksAt: usize, marksCap: i32, parensAt: usize, parensCap: i32,
  nlsAt: usize, nlsCap: i32, dirsAt: usize, dirsCap: i32, counts: usize,
): i32 {
  marks = marksAt; markCap = marksCap; markN = 0;
  parens = parensAt; parenCap = parensCap; parenN = 0;
  nls = nlsAt; nlCap = nlsCap; nlN = 0;
  dirs = dirsAt; dirCap = dirsCap; dirN = 0;
  full = false;
  afterIfndef = false;
  memory.copy(dst, src, <usize>n);
  // src[n] is read as JavaScript reads past the end (undefined): a byte that is none of those tested.
  store<u8>(src + <usize>n, 59);
  let i: i32 = 0;
  while (i < n) {
    // Bytes past the end are loaded (the memory goes on) but not looked at.
    let mask = stops(src + <usize>i);
    if (n - i < 16) mask &= (1 << (n - i)) - 1;
    let next = i + 16;
    while (mask != 0) {
      const p = i + ctz(mask);
      const c = at(src, p);
      if (c == 59 || c == 123 || c == 125) pushMark(p);
      else if (c == 40) pushParen(p);
      else if (c == NL) pushNl(p);
      else {
        next = special(src, dst, n, p);
        break;
      }
      mask &= mask - 1;
    }
    i = next;
  }
  store<i32>(counts, markN);
  store<i32>(counts + 4, parenN);
  store<i32>(counts + 8, nlN);
  store<i32>(counts + 12, dirN);
  return full ? -1 : 0;
}

/** At src[i], a `#`, `/` or quote: blanks what it starts (a directive, a comment, a literal) and returns where the loop goes on. */
function special(src: usize, dst: usize, n: i32, i: i32): i32 {
  const c = at(src, i);
  if (c == 35) {
    // A directive only when nothing but blanks precedes it on its line.
    let b = i - 1;
    while (b >= 0 && isBlank(at(src, b))) b--;
    if (b >= 0 && at(src, b) != NL) return i + 1;
    const start = i;
    let k0 = i + 1;
    while (k0 < n && (at(src, k0) == 32 || at(src, k0) == 9)) k0++;
    let k1 = k0;
    while (k1 < n && isIdent(at(src, k1))) k1++;
    const word = wantedWord(src, k0, k1);
    let want = word >= 0;
    let objectDefine = false;
    let nameStart = 0;
    let nameEnd = 0;
    if (word == W_DEFINE) {
      let k2 = k1;
      while (k2 < n && (at(src, k2) == 32 || at(src, k2) == 9)) k2++;
      let k3 = k2;
      while (k3 < n && isIdent(at(src, k3))) k3++;
      // src[n] is the sentinel `;`: not a `(`, as JavaScript's undefined past the end.
      if (at(src, k3) != 40) {
        want = false;
        objectDefine = true;
        nameStart = k2;
        nameEnd = k3;
      }
    }
    // Up to an unescaped newline; a block comment may run over lines, a line comment ends the directive.
    while (i < n) {
      // Only a newline or a `/` changes anything here.
      i = nextOf(src, i, n, 10, 47);
      if (i >= n) break;
      const d = at(src, i);
      if (d == NL) {
        let k = i - 1;
        if (at(src, k) == 13) k--;
        if (at(src, k) == 92) {
          i++;
          continue;
        }
        break;
      }
      if (d == 47 && at(src, i + 1) == 42) {
        i = commentEnd(src, i + 2, n);
        continue;
      }
      if (d == 47 && at(src, i + 1) == 47) {
        i = lineEnd(src, i, n);
        break;
      }
      i++;
    }
    blankKeepingLines(src, dst, start, i);
    if (want || afterIfndef) {
      if (dirN < dirCap) {
        const r = dirs + <usize>(dirN * DIR_INTS) * 4;
        store<i32>(r, start);
        store<i32>(r + 4, i);
        store<i32>(r + 8, (want ? 1 : 0) | (objectDefine ? 2 : 0));
        store<i32>(r + 12, nameStart);
        store<i32>(r + 16, nameEnd);
      } else full = true;
      dirN++;
    }
    afterIfndef = word == W_IFNDEF;
    return i;
  }
  if (c == 47 && at(src, i + 1) == 42) {
    const e = commentEnd(src, i + 2, n);
    blankKeepingLines(src, dst, i, e);
    return e;
  }
  if (c == 47 && at(src, i + 1) == 47) {
    const e = lineEnd(src, i, n);
    memory.fill(dst + <usize>i, SP, <usize>(e - i));
    return e;
  }
  if (c == 34 || c == 39) {
    store<u8>(dst + <usize>i, SP);
    let j = i + 1;
    for (; j < n; j++) {
      const d = at(src, j);
      if (d == 92) {
        store<u8>(dst + <usize>j, SP);
        j++;
        if (j < n) {
          if (at(src, j) != NL) store<u8>(dst + <usize>j, SP);
          else pushNl(j);
        }
        continue;
      }
      if (d == c || d == NL) break;
      store<u8>(dst + <usize>j, SP);
    }
    if (j < n && at(src, j) == c) store<u8>(dst + <usize>j, SP);
    if (j < n && at(src, j) == NL) return j;
    return j + 1;
  }
  // A `/` that opens no comment.
  return i + 1;
}

/** JavaScript's `\s` within Latin-1 (what fileScan.ts's SPACE table holds). */
@inline function isSpace(c: u32): bool {
  return c == 32 || c - 9 < 5 || c == 0xa0;
}

/** Whether src[0, n) holds the byte c (16 bytes a step). */
function has(src: usize, n: i32, c: u8): bool {
  const pattern = i8x16.splat(c);
  let i: i32 = 0;
  for (; i + 16 <= n; i += 16) if (v128.any_true(i8x16.eq(v128.load(src + <usize>i), pattern))) return true;
  for (; i < n; i++) if (load<u8>(src + <usize>i) == c) return true;
  return false;
}

/**
 * What a file is, as bits: 1 binary (a NUL in its first 8 KiB); 2 it may
 * define a function or a function-like macro: a `{`, or `define` followed
 * by blanks or backslashes, a name and `(` (without it the scan has nothing
 * to find: the register headers, ~40% of a tree's bytes, cost only this).
 */
export function classify(src: usize, n: i32): i32 {
  const head = n < 8192 ? n : 8192;
  const binary = has(src, head, 0) ? 1 : 0;
  return binary | (mayDefine(src, n) ? 2 : 0);
}

function mayDefine(src: usize, n: i32): bool {
  if (has(src, n, 123)) return true;
  if (!has(src, n, 40)) return false;
  // Where `de` starts, 16 positions a step; then each candidate read as the regex would.
  let p: i32 = 0;
  for (; p + 17 <= n; p += 16) {
    let m = i8x16.bitmask(v128.and(i8x16.eq(v128.load(src + <usize>p), i8x16.splat(100)), i8x16.eq(v128.load(src + <usize>p + 1), i8x16.splat(101))));
    while (m != 0) {
      if (defineCallAt(src, p + ctz(m), n)) return true;
      m &= m - 1;
    }
  }
  for (; p < n; p++) if (defineCallAt(src, p, n)) return true;
  return false;
}

/** Whether src[p...] is `define`, blanks or backslashes, a name and `(`. */
function defineCallAt(src: usize, p: i32, n: i32): bool {
  if (p + 6 > n) return false;
  if (at(src, p) != 100 || at(src, p + 1) != 101 || at(src, p + 2) != 102 || at(src, p + 3) != 105 || at(src, p + 4) != 110 || at(src, p + 5) != 101) return false;
  {
    let j = p + 6;
    const s = j;
    while (j < n && (isSpace(at(src, j)) || at(src, j) == 92)) j++;
    if (j == s || j >= n) return false;
    const c = at(src, j);
    if (!(c - 97 < 26 || c - 65 < 26 || c == 95)) return false;
    while (j < n && isIdent(at(src, j))) j++;
    return j < n && at(src, j) == 40;
  }
}
