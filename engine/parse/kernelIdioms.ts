// Kernel C that a plain C grammar misreads, rewritten before parsing.
// Every rewrite keeps the text's length and line breaks, so positions in the
// tree are positions in the user's file.
//  - attribute-like macros (__always_inline, __releases(x), ...) become spaces;
//  - iterator macros (list_for_each_entry(...) stmt) become `while (...)  stmt`;
//  - block macros (scoped_guard(...) { }) become `if (...) { }`.
import { Catalogue } from '../catalogue/catalogue';

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

/** Index just past the parenthesised group starting at `open` (which holds '('), or -1. */
export function matchParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === 34 || c === 39) {
      i = skipQuoted(text, i);
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === 59 || c === 123 || c === 125) {
      // A statement boundary inside "parentheses": not a macro argument list.
      return -1;
    }
  }
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
  // Rewrites are collected and spliced in at the end (the text is a whole file: no copy per character).
  const rewrites: Rewrite[] = [];
  const attributes = attributeShapesOf(cat);
  // The last significant character or word before the current token, to tell
  // a statement position (after ; { } ) : else do) from a declaration.
  let prev = ';';
  let lineStart = true;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
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
        rewrites.push(blank(text, i, close > 0 ? close : end));
        i = close > 0 ? close : end;
        continue;
      }
      const stmtPos = prev === ';' || prev === '{' || prev === '}' || prev === ')' || prev === ':' || prev === 'else' || prev === 'do';
      if (stmtPos && length >= 5 && (cat.loopMacro.test((word ??= text.slice(i, end))) || cat.blockMacros.has(word))) {
        let j = end;
        while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
        if (text[j] === '(' && matchParen(text, j) > 0) {
          const kw = cat.blockMacros.has(word) ? 'if' : 'while';
          rewrites.push({ from: i, to: end, text: kw.slice(0, length).padEnd(length, ' ') });
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
  if (!rewrites.length) return text;
  const parts: string[] = [];
  let at = 0;
  for (const r of rewrites) {
    parts.push(text.slice(at, r.from), r.text);
    at = r.to;
  }
  parts.push(text.slice(at));
  return parts.join('');
}
