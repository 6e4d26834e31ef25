/**
 * Reader of herd7's AArch64 litmus syntax, as the aarch64-VMSA catalogue
 * writes it: header (`AArch64 NAME`, `Variant=`, `TTHM=` lines), the initial
 * state block, the program table (`P0 | P1 ;` columns), and the final
 * `exists` / `~exists` / `forall` condition. This module only reads text into
 * a syntax tree; lower.ts decides what the machine can run.
 */

export interface LitmusInit {
  /** `0:X1`, `x`, `PTE(x)` (also written `pte_x`), `PA(x)`, as written but normalised. */
  lhs: LitLoc;
  rhs: LitValue;
  /** Declared type (int, int64_t, pteval_t), when any. */
  type?: string;
}

export type LitLoc =
  | { k: 'reg'; proc: number; reg: string }
  | { k: 'var'; name: string }
  | { k: 'pte'; name: string };

export type LitValue =
  | { k: 'num'; v: number }
  | { k: 'var'; name: string }
  | { k: 'pte'; name: string }
  | { k: 'pa'; name: string }
  /** A descriptor: fields as written (oa is a variable name or null). */
  | { k: 'desc'; fields: Record<string, string> };

export interface LitInstr {
  label?: string;
  mnemonic: string;
  operands: string[];
  text: string;
  /** 1-based line in the file. */
  line: number;
}

export type LitCond =
  | { k: 'and' | 'or'; a: LitCond; b: LitCond }
  | { k: 'not'; a: LitCond }
  | { k: 'true' }
  | { k: 'fault'; proc: number; label?: string; va: string; kind?: string }
  | { k: 'eq'; lhs: LitLoc; rhs: LitValue };

export interface LitmusTest {
  arch: string;
  name: string;
  /** `Key=value` lines of the header (Variant, TTHM, ...). */
  meta: Record<string, string>;
  init: LitmusInit[];
  procs: LitInstr[][];
  quantifier: 'exists' | '~exists' | 'forall';
  cond: LitCond;
  /** `filter` clause present (not supported by the lowering). */
  filter?: string;
}

export class LitmusSyntaxError extends Error {
  constructor(
    message: string,
    public line: number,
  ) {
    super(message);
  }
}

/** Blank out `(* ... *)` comments, keeping line numbers. */
function stripComments(text: string): string {
  return text.replace(/\(\*[\s\S]*?\*\)/g, (m) => m.replace(/[^\n]/g, ' '));
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

const REG_LHS = /^(\d+):([A-Za-z][A-Za-z0-9_]*)$/;

export function parseLoc(s: string, line: number): LitLoc {
  const t = s.trim();
  let m = REG_LHS.exec(t) ?? /^P(\d+):([A-Za-z][A-Za-z0-9_]*)$/.exec(t);
  if (m) return { k: 'reg', proc: Number(m[1]), reg: m[2].toUpperCase() };
  m = /^\[?\s*(?:PTE|TTD)\(\s*([A-Za-z_]\w*)\s*\)\s*\]?$/.exec(t) ?? /^\[?\s*pte_([A-Za-z_]\w*)\s*\]?$/.exec(t);
  if (m) return { k: 'pte', name: m[1] };
  m = /^\[?\s*([A-Za-z_]\w*)\s*\]?$/.exec(t);
  if (m) return { k: 'var', name: m[1] };
  throw new LitmusSyntaxError(`cannot read location '${t}'`, line);
}

export function parseValue(s: string, line: number): LitValue {
  const t = s.trim();
  if (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(t)) return { k: 'num', v: Number(t) };
  let m = /^\(([\s\S]*)\)$/.exec(t);
  if (m) {
    const fields: Record<string, string> = {};
    for (const part of m[1].split(',')) {
      if (!part.trim()) continue;
      const kv = /^\s*([A-Za-z][A-Za-z0-9]*)\s*:\s*(.+?)\s*$/.exec(part);
      if (!kv) throw new LitmusSyntaxError(`cannot read descriptor field '${part.trim()}'`, line);
      let v = kv[2];
      const pa = /^PA\(\s*(\w+)\s*\)$/.exec(v) ?? /^phy_(\w+)$/.exec(v);
      if (pa) v = pa[1];
      fields[kv[1]] = v;
    }
    return { k: 'desc', fields };
  }
  m = /^(?:PTE|TTD)\(\s*(\w+)\s*\)$/.exec(t) ?? /^pte_(\w+)$/.exec(t);
  if (m) return { k: 'pte', name: m[1] };
  m = /^PA\(\s*(\w+)\s*\)$/.exec(t) ?? /^phy_(\w+)$/.exec(t);
  if (m) return { k: 'pa', name: m[1] };
  if (/^[A-Za-z_]\w*$/.test(t)) return { k: 'var', name: t };
  throw new LitmusSyntaxError(`cannot read value '${t}'`, line);
}

const TYPES = /^(int|int64_t|int32_t|uint64_t|uint32_t|pteval_t|intptr_t)\s+/;

function parseInit(body: string, baseLine: number, text: string, offset: number): LitmusInit[] {
  const out: LitmusInit[] = [];
  let pos = 0;
  for (const raw of body.split(';')) {
    const line = lineOf(text, offset + pos) + 0 * baseLine;
    pos += raw.length + 1;
    let item = raw.trim();
    if (!item) continue;
    let type: string | undefined;
    const tm = TYPES.exec(item);
    if (tm) {
      type = tm[1];
      item = item.slice(tm[0].length).trim();
    }
    const eq = item.indexOf('=');
    if (eq < 0) {
      // `int x` alone: declared, initially 0
      out.push({ lhs: parseLoc(item, line), rhs: { k: 'num', v: 0 }, type });
      continue;
    }
    out.push({ lhs: parseLoc(item.slice(0, eq), line), rhs: parseValue(item.slice(eq + 1), line), type });
  }
  return out;
}

function parseInstr(cell: string, line: number): LitInstr | null {
  let t = cell.trim();
  if (!t) return null;
  let label: string | undefined;
  const lm = /^([A-Za-z_]\w*)\s*:\s*/.exec(t);
  if (lm) {
    label = lm[1];
    t = t.slice(lm[0].length).trim();
    if (!t) return { label, mnemonic: '', operands: [], text: `${label}:`, line };
  }
  const mm = /^([A-Za-z][\w.]*)\s*/.exec(t);
  if (!mm) throw new LitmusSyntaxError(`cannot read instruction '${t}'`, line);
  const rest = t.slice(mm[0].length);
  // operands split at commas outside brackets
  const operands: string[] = [];
  let depth = 0, cur = '';
  for (const ch of rest) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      operands.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) operands.push(cur.trim());
  return { label, mnemonic: mm[1].toUpperCase(), operands, text: cell.trim(), line };
}

// --------------------------------------------------------------- conditions

function tokenizeCond(s: string, line: number): string[] {
  const toks: string[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (/\s/.test(ch)) { i++; continue; }
    if (s.startsWith('/\\', i) || s.startsWith('\\/', i)) { toks.push(s.slice(i, i + 2)); i += 2; continue; }
    if (ch === '~' || ch === ')') { toks.push(ch); i++; continue; }
    if (ch === '(') {
      // a descriptor literal `(oa:PA(x), valid:0)` is one token
      if (toks[toks.length - 1] === '=' || /^\(\s*[a-z]+\s*:/.test(s.slice(i))) {
        let depth = 0, j = i;
        for (; j < s.length; j++) {
          if (s[j] === '(') depth++;
          else if (s[j] === ')' && --depth === 0) break;
        }
        toks.push(s.slice(i, j + 1));
        i = j + 1;
        continue;
      }
      toks.push('(');
      i++;
      continue;
    }
    if (ch === '=') { toks.push('='); i++; continue; }
    const m = /^(fault|Fault)\s*\(|^[^\s()=~/\\]+(\([^()]*\))?/.exec(s.slice(i));
    if (!m) throw new LitmusSyntaxError(`cannot read condition at '${s.slice(i, i + 20)}'`, line);
    if (m[1]) {
      // fault(P0:L0,x[,kind]) read whole
      const close = s.indexOf(')', i);
      toks.push('fault' + s.slice(i + m[1].length, close + 1).replace(/^\s*/, ''));
      i = close + 1;
      continue;
    }
    toks.push(m[0]);
    i += m[0].length;
  }
  return toks;
}

export function parseCond(src: string, line: number): LitCond {
  const toks = tokenizeCond(src, line);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const atom = (): LitCond => {
    const t = next();
    if (t === undefined) throw new LitmusSyntaxError('condition ends too early', line);
    if (t === '~' || t === 'not' || t === 'NOT') return { k: 'not', a: atom() };
    if (t === '(') {
      const c = or();
      if (next() !== ')') throw new LitmusSyntaxError("expected ')' in the condition", line);
      return c;
    }
    if (t === 'true') return { k: 'true' };
    if (t.startsWith('fault(')) {
      const parts = t.slice(6, -1).split(',').map((p) => p.trim());
      const pm = /^P(\d+)(?::(\w+))?$/.exec(parts[0] ?? '');
      if (!pm || !parts[1]) throw new LitmusSyntaxError(`cannot read '${t}'`, line);
      return { k: 'fault', proc: Number(pm[1]), label: pm[2], va: parts[1], kind: parts[2] };
    }
    if (peek() !== '=') throw new LitmusSyntaxError(`expected '=' after '${t}' in the condition`, line);
    next();
    const v = next();
    if (v === undefined) throw new LitmusSyntaxError(`expected a value after '${t}='`, line);
    return { k: 'eq', lhs: parseLoc(t, line), rhs: parseValue(v, line) };
  };
  const and = (): LitCond => {
    let a = atom();
    while (peek() === '/\\') { next(); a = { k: 'and', a, b: atom() }; }
    return a;
  };
  const or = (): LitCond => {
    let a = and();
    while (peek() === '\\/') { next(); a = { k: 'or', a, b: and() }; }
    return a;
  };
  const c = or();
  if (i !== toks.length) throw new LitmusSyntaxError(`unexpected '${toks[i]}' in the condition`, line);
  return c;
}

// ------------------------------------------------------------------- the file

export function parseLitmus(source: string): LitmusTest {
  const text = stripComments(source.replace(/\r\n?/g, '\n'));
  const head = /^\s*(\S+)\s+(\S+)/.exec(text);
  if (!head) throw new LitmusSyntaxError('expected a header line such as `AArch64 NAME`', 1);
  const arch = head[1];
  const name = head[2];
  const open = text.indexOf('{');
  if (open < 0) throw new LitmusSyntaxError("expected the initial state block '{ ... }'", 1);
  const meta: Record<string, string> = {};
  for (const l of text.slice(head[0].length, open).split('\n')) {
    const m = /^\s*([A-Za-z]\w*)\s*=\s*(.*?)\s*$/.exec(l);
    if (m) meta[m[1]] = m[2];
  }
  const close = text.indexOf('}', open);
  if (close < 0) throw new LitmusSyntaxError("the initial state block has no closing '}'", lineOf(text, open));
  const init = parseInit(text.slice(open + 1, close), 0, text, open + 1);
  // program: from the `P0 | P1 ;` line up to the condition
  const lines = text.slice(close + 1).split('\n');
  const baseLine = lineOf(text, close + 1);
  let li = 0;
  while (li < lines.length && !lines[li].trim()) li++;
  const header = (lines[li] ?? '').split('|').map((s) => s.replace(/;\s*$/, '').trim());
  if (!header.length || !header.every((h) => /^P\d+$/.test(h)))
    throw new LitmusSyntaxError(`expected the program header 'P0 | P1 ;', found '${(lines[li] ?? '').trim()}'`, baseLine + li);
  const procs: LitInstr[][] = header.map(() => []);
  li++;
  const KW = /^\s*(~\s*exists|exists|forall|locations|filter)\b/;
  for (; li < lines.length; li++) {
    const l = lines[li];
    if (KW.test(l)) break;
    if (!l.trim()) continue;
    const cells = l.replace(/;\s*$/, '').split('|');
    cells.forEach((cell, p) => {
      if (p >= procs.length) throw new LitmusSyntaxError(`more columns than processors`, baseLine + li);
      const ins = parseInstr(cell, baseLine + li);
      if (ins) procs[p].push(ins);
    });
  }
  let rest = lines.slice(li).join('\n');
  const condLine = baseLine + li;
  let filter: string | undefined;
  rest = rest.replace(/locations\s*\[[^\]]*\]/g, ' ');
  const fm = /filter\s*([\s\S]*?)(?=(~\s*exists|exists|forall))/.exec(rest);
  if (fm) {
    filter = fm[1].trim();
    rest = rest.replace(fm[0], ' ');
  }
  const qm = /^\s*(~\s*exists|exists|forall)\s*([\s\S]*?)\s*$/.exec(rest);
  if (!qm) {
    if (rest.trim()) throw new LitmusSyntaxError('expected the final condition (exists / ~exists / forall)', condLine);
    // no final condition: herd7 reads it as `forall (true)` (Required, always holds)
    return { arch, name, meta, init, procs, quantifier: 'forall', cond: { k: 'true' }, filter };
  }
  const quantifier = qm[1].replace(/\s+/g, '') as LitmusTest['quantifier'];
  const cond = qm[2].trim() ? parseCond(qm[2], condLine) : { k: 'true' as const };
  return { arch, name, meta, init, procs, quantifier, cond, filter };
}
