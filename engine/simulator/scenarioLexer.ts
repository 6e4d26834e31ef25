/**
 * The `.lzmmu` scenario files' tokens (see docs/scenario-language.md): the
 * lexer the parser reads, and the declared names read from the tokens alone
 * (so a text being typed, with parse errors, still gives them to the editor).
 */
import { Diagnostic } from './types';

export const MAX_ERRORS = 50;
const PUNCTS = ['/\\', '\\/', '!=', '{', '}', '(', ')', ',', ':', ';', '=', '?', '~'];

type TokKind = 'ident' | 'num' | 'str' | 'punct' | 'loc' | 'eof';

export interface Tok {
  kind: TokKind;
  text: string;
  value?: number;
  line: number;
  col: number;
}

export class Lexer {
  toks: Tok[] = [];
  constructor(
    private text: string,
    private errors: Diagnostic[],
    private file: string,
  ) {}

  run(): Tok[] {
    const s = this.text;
    let i = 0;
    let line = 1;
    let col = 1;
    const adv = (n: number) => {
      for (let k = 0; k < n; k++) {
        if (s.charCodeAt(i) === 10) {
          line++;
          col = 1;
        } else col++;
        i++;
      }
    };
    while (i < s.length) {
      if (this.errors.length >= MAX_ERRORS) break;
      const c = s[i];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v') {
        adv(1);
        continue;
      }
      if (c === '#' || (c === '/' && s[i + 1] === '/')) {
        while (i < s.length && s[i] !== '\n') adv(1);
        continue;
      }
      if (c === '(' && s[i + 1] === '*') {
        const l0 = line;
        const c0 = col;
        const end = s.indexOf('*)', i + 2);
        if (end < 0) {
          this.err(l0, c0, 'unterminated comment: expected "*)"');
          adv(s.length - i);
          break;
        }
        adv(end + 2 - i);
        continue;
      }
      const l0 = line;
      const c0 = col;
      if (/[A-Za-z_]/.test(c)) {
        let j = i + 1;
        while (j < s.length && /[A-Za-z0-9_]/.test(s[j])) j++;
        this.toks.push({ kind: 'ident', text: s.slice(i, j), line: l0, col: c0 });
        adv(j - i);
        continue;
      }
      if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(s[i + 1] ?? ''))) {
        let j = i + 1;
        if (c === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
          j = i + 2;
          while (j < s.length && /[0-9a-fA-F]/.test(s[j])) j++;
        } else {
          while (j < s.length && /[0-9]/.test(s[j])) j++;
        }
        const text = s.slice(i, j);
        const value = Number(text);
        if (!Number.isSafeInteger(value)) this.err(l0, c0, `number out of range: ${text.slice(0, 30)}`);
        this.toks.push({ kind: 'num', text, value: Number.isSafeInteger(value) ? value : 0, line: l0, col: c0 });
        adv(j - i);
        continue;
      }
      if (c === '"') {
        let j = i + 1;
        while (j < s.length && s[j] !== '"' && s[j] !== '\n') j++;
        if (s[j] !== '"') {
          this.err(l0, c0, 'unterminated string: expected closing \'"\'');
          adv(j - i);
          continue;
        }
        this.toks.push({ kind: 'str', text: s.slice(i + 1, j), line: l0, col: c0 });
        adv(j + 1 - i);
        continue;
      }
      if (c === '@') {
        let j = i + 1;
        while (j < s.length && !/\s/.test(s[j])) j++;
        this.toks.push({ kind: 'loc', text: s.slice(i + 1, j), line: l0, col: c0 });
        adv(j - i);
        continue;
      }
      const p = PUNCTS.find((q) => s.startsWith(q, i));
      if (p) {
        this.toks.push({ kind: 'punct', text: p, line: l0, col: c0 });
        adv(p.length);
        continue;
      }
      const code = s.charCodeAt(i);
      const shown = code >= 32 && code < 127 ? `'${c}'` : `byte 0x${code.toString(16).padStart(2, '0')}`;
      this.err(l0, c0, `unexpected character ${shown}: expected a name, number, punctuation or comment`);
      // skip a run of junk on this line to keep the error count meaningful
      let j = i + 1;
      while (j < s.length && j - i < 4096 && s[j] !== '\n' && !/[A-Za-z0-9_\s{}();,:=#@"]/.test(s[j])) j++;
      adv(j - i);
    }
    this.toks.push({ kind: 'eof', text: '<end of file>', line, col });
    return this.toks;
  }

  private err(line: number, col: number, message: string) {
    this.errors.push({ file: this.file, line, col, message });
  }
}

/** A name a scenario declares (`page NAME`, `entry NAME`), where it is declared (1-based). */
export interface DeclaredName {
  kind: 'page' | 'entry';
  name: string;
  line: number;
  col: number;
}

/**
 * The names a scenario declares, read from its tokens alone, so a text with
 * parse errors (one being typed) still gives them (the editor completes them).
 */
export function declaredNames(text: string): DeclaredName[] {
  const errors: Diagnostic[] = [];
  const toks = new Lexer(typeof text === 'string' ? text : '', errors, '<names>').run();
  const out: DeclaredName[] = [];
  for (let i = 0; i + 1 < toks.length; i++) {
    const kw = toks[i];
    const name = toks[i + 1];
    const first = i === 0 || toks[i - 1].line !== kw.line;
    if (first && kw.kind === 'ident' && (kw.text === 'page' || kw.text === 'entry') && name.kind === 'ident') {
      out.push({ kind: kw.text, name: name.text, line: name.line, col: name.col });
    }
  }
  return out;
}
