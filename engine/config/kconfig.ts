// Reads a kernel tree's Kconfig files for one architecture, from the root
// `Kconfig` through `source`/`rsource`/`osource`/`orsource` (with $(SRCARCH)
// and $(ARCH) put in), into symbols with what can enable them: prompts,
// defaults, selects and implies, each with the dependencies in force where it
// is written (`depends on`, enclosing `if` blocks, menus and choices).
// Expressions become Conds (engine/config/cond.ts) over the symbols; what
// cannot be read (a $(shell,...) macro, a string comparison) is opaque, so it
// can go either way. The possibility solver (possibility.ts) works on this.
// The file reader and the expression parser live together (~480 lines): the
// reader expands macros the parser then reads, and nothing else uses either.
import * as fs from 'fs';
import * as path from 'path';
import { Cond, TRUE, FALSE, and, not, or, simplify } from './cond';

export type SymbolType = 'bool' | 'tristate' | 'int' | 'hex' | 'string';

/** One `config`/`menuconfig` entry (a symbol may have several). */
export interface SymbolDef {
  file: string;
  line: number;
  /** Dependencies: own `depends on` lines, enclosing `if` blocks, menus' `depends on`, the choice's. */
  deps: Cond;
  /** For each prompt, when it is visible (its `if`, menus' `visible if`), besides deps. */
  prompts: Cond[];
  /** `default V [if C]`, `def_bool V [if C]`: V is the value being other than n. */
  defaults: { value: Cond; cond: Cond }[];
  selects: { target: string; cond: Cond }[];
  implies: { target: string; cond: Cond }[];
  /** Inside a choice block. */
  choice: boolean;
  /** Defined in a Kconfig.debug file or under the "Kernel hacking" menu. */
  debug: boolean;
}

export interface KconfigSymbol {
  name: string;
  type?: SymbolType;
  defs: SymbolDef[];
}

export interface KconfigModel {
  arch: string;
  symbols: Map<string, KconfigSymbol>;
  /** Files read (tree-relative). */
  files: string[];
  /** `source` lines that could not be followed (a macro we cannot expand, a missing file that is not optional). */
  unresolved: string[];
}

interface Block {
  kind: 'if' | 'menu' | 'choice';
  deps: Cond;
  visible: Cond;
  title?: string;
}

interface Entry {
  kind: 'config' | 'choice' | 'menu' | 'comment';
  def?: SymbolDef;
  sym?: KconfigSymbol;
  /** The entry's own `depends on`, gathered until the entry ends. */
  own: Cond[];
  /** Prompts and defaults with their own conditions; deps are added when the entry ends. */
  prompts: Cond[];
  block?: Block;
}

const KEYWORD = /^(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|comment|source|rsource|osource|orsource|mainmenu)(?=\s|$)/;

/** Reads the Kconfig tree under `root` as architecture `arch` (its arch/<arch>/ directory name). */
export function readKconfig(root: string, arch: string): KconfigModel {
  const model: KconfigModel = { arch, symbols: new Map(), files: [], unresolved: [] };
  const vars = new Map<string, string>([
    ['SRCARCH', arch],
    ['ARCH', arch],
    ['srctree', '.'],
  ]);
  const blocks: Block[] = [];
  const seen = new Set<string>();
  const readFile = (rel: string, optional: boolean, depth: number): void => {
    if (depth > 40 || seen.has(rel)) return;
    let text: string;
    try {
      text = fs.readFileSync(path.join(root, rel), 'latin1');
    } catch {
      if (!optional) model.unresolved.push(rel);
      return;
    }
    seen.add(rel);
    model.files.push(rel);
    parseFile(rel, text, depth);
  };

  const enclosing = (): Cond => and(...blocks.map((b) => b.deps));
  const visibleIf = (): Cond => and(...blocks.map((b) => b.visible));
  const inChoice = () => blocks.some((b) => b.kind === 'choice');
  const isDebugPlace = (file: string) => /(^|\/)Kconfig\.debug$/.test(file) || blocks.some((b) => b.kind === 'menu' && b.title === 'Kernel hacking');

  const parseFile = (file: string, text: string, depth: number): void => {
    const lines = text.split('\n');
    let entry: Entry | null = null;
    const endEntry = () => {
      if (!entry) return;
      const e = entry;
      entry = null;
      const own = and(...e.own);
      if (e.kind === 'config' && e.def) {
        e.def.deps = simplify(and(e.def.deps, own));
        e.def.prompts = e.prompts.map((p) => simplify(p));
      } else if (e.block) {
        e.block.deps = simplify(and(e.block.deps, own));
      }
    };
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      let raw = lines[i];
      while (raw.endsWith('\\') && i + 1 < lines.length) raw = raw.slice(0, -1) + ' ' + lines[++i];
      const line = stripComment(raw).trim();
      if (!line) continue;
      const kw = KEYWORD.exec(line)?.[1];
      if (kw) {
        endEntry();
        const rest = line.slice(kw.length).trim();
        switch (kw) {
          case 'config':
          case 'menuconfig': {
            const name = rest.split(/\s+/)[0];
            let sym = model.symbols.get(name);
            if (!sym) model.symbols.set(name, (sym = { name, defs: [] }));
            const def: SymbolDef = { file, line: lineNo, deps: enclosing(), prompts: [], defaults: [], selects: [], implies: [], choice: inChoice(), debug: isDebugPlace(file) };
            sym.defs.push(def);
            entry = { kind: 'config', def, sym, own: [], prompts: [] };
            break;
          }
          case 'choice': {
            const block: Block = { kind: 'choice', deps: TRUE, visible: TRUE };
            blocks.push(block);
            entry = { kind: 'choice', own: [], prompts: [], block };
            break;
          }
          case 'menu': {
            const block: Block = { kind: 'menu', deps: TRUE, visible: TRUE, title: unquote(expand(rest, vars)) };
            blocks.push(block);
            entry = { kind: 'menu', own: [], prompts: [], block };
            break;
          }
          case 'if':
            blocks.push({ kind: 'if', deps: parseExpr(expand(rest, vars)), visible: TRUE });
            break;
          case 'endchoice':
          case 'endmenu':
          case 'endif':
            blocks.pop();
            break;
          case 'comment':
            entry = { kind: 'comment', own: [], prompts: [] };
            break;
          case 'source':
          case 'rsource':
          case 'osource':
          case 'orsource': {
            const target = unquote(expand(rest, vars));
            if (target.includes('$(')) {
              model.unresolved.push(`${file}:${lineNo}: ${rest}`);
              break;
            }
            const rel = kw.startsWith('r') || kw === 'orsource' ? path.posix.normalize(path.posix.join(path.posix.dirname(file), target)) : path.posix.normalize(target);
            const optional = kw === 'osource' || kw === 'orsource';
            if (/[*?]/.test(rel)) for (const f of glob(root, rel)) readFile(f, true, depth + 1);
            else readFile(rel, optional, depth + 1);
            break;
          }
        }
        continue;
      }
      // A macro variable: NAME := value, NAME = value, NAME += value (outside any entry's properties).
      const assign = /^([A-Za-z_][\w-]*)\s*(:=|\+=|=)\s*(.*)$/.exec(line);
      if (assign && !entry) {
        const [, name, op, value] = assign;
        vars.set(name, op === '+=' ? `${vars.get(name) ?? ''} ${value}` : value);
        continue;
      }
      if (!entry) continue;
      const e: Entry = entry;
      const word = /^(\S+)/.exec(line)![1];
      const rest = line.slice(word.length).trim();
      if (word === 'help' || word === '---help---') {
        // Help text: the lines indented more than the first help line's indentation, blank lines included.
        let first = -1;
        while (i + 1 < lines.length) {
          const next = lines[i + 1];
          if (!next.trim()) {
            i++;
            continue;
          }
          const ind = indentOf(next);
          if (first < 0) first = ind;
          if (ind < first || ind === 0) break;
          i++;
        }
        continue;
      }
      if (word === 'depends' && /^on\b/.test(rest)) {
        e.own.push(parseExpr(expand(rest.slice(2), vars)));
        continue;
      }
      if (word === 'visible' && /^if\b/.test(rest)) {
        if (e.block) e.block.visible = and(e.block.visible, parseExpr(expand(rest.slice(2), vars)));
        continue;
      }
      const def = e.def;
      const sym = e.sym;
      const [valueText, condText] = splitIf(expand(rest, vars));
      const cond = condText === null ? TRUE : parseExpr(condText);
      switch (word) {
        case 'bool':
        case 'boolean':
        case 'tristate':
        case 'int':
        case 'hex':
        case 'string': {
          if (sym && !sym.type) sym.type = word === 'boolean' ? 'bool' : (word as SymbolType);
          if (valueText && def) e.prompts.push(and(cond, visibleIf()));
          break;
        }
        case 'prompt':
          if (def) e.prompts.push(and(cond, visibleIf()));
          break;
        case 'def_bool':
        case 'def_tristate':
          if (sym && !sym.type) sym.type = word === 'def_bool' ? 'bool' : 'tristate';
          if (def) def.defaults.push({ value: valueCond(valueText), cond });
          break;
        case 'default':
          if (def) def.defaults.push({ value: valueCond(valueText), cond });
          break;
        case 'select':
        case 'imply':
          if (def && /^\w+$/.test(valueText)) (word === 'select' ? def.selects : def.implies).push({ target: valueText, cond });
          break;
        default:
          break; // range, option, modules, optional, transitional, ...: nothing possibility needs
      }
    }
    endEntry();
  };

  readFile('Kconfig', false, 0);
  return model;
}

/** Every symbol name defined anywhere under arch/ (any architecture): tells "another architecture's option" from "no option at all". */
export function archSymbols(root: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (rel: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory() && depth < 3) walk(r, depth + 1);
      else if (e.isFile() && /^Kconfig/.test(e.name)) {
        let text = '';
        try {
          text = fs.readFileSync(path.join(root, r), 'latin1');
        } catch {
          continue;
        }
        for (const m of text.matchAll(/^\s*(?:menu)?config\s+(\w+)/gm)) {
          const a = out.get(m[1]);
          if (a) a.push(r);
          else out.set(m[1], [r]);
        }
      }
    }
  };
  walk('arch', 0);
  return out;
}

function indentOf(line: string): number {
  let n = 0;
  for (const ch of line) {
    if (ch === ' ') n++;
    // Integer arithmetic: Math.floor's double made the parser's compiled code be thrown away ("lost precision").
    else if (ch === '\t') n = ((n >> 3) + 1) << 3;
    else break;
  }
  return n;
}

function stripComment(line: string): string {
  let q: string | null = null;
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '\\') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '$' && line[i + 1] === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (c === '#' && depth === 0) return line.slice(0, i);
  }
  return line;
}

function unquote(s: string): string {
  const t = s.trim();
  const m = /^"((?:[^"\\]|\\.)*)"|^'((?:[^'\\]|\\.)*)'/.exec(t);
  return m ? (m[1] ?? m[2]) : t.split(/\s+/)[0] ?? '';
}

/** Puts simple variables in ($(ARCH), $(SRCARCH), NAME := value without macros); leaves function macros as they are. */
export function expand(s: string, vars: Map<string, string>, depth = 0): string {
  if (depth > 8 || !s.includes('$(')) return s;
  return s.replace(/\$\(([A-Za-z_][\w-]*)\)/g, (m, name: string) => {
    const v = vars.get(name);
    return v !== undefined && !/\$\(\w[\w-]*,/.test(v) ? expand(v, vars, depth + 1) : m;
  });
}

/** "value if cond" → [value, cond]; the `if` outside quotes and macros. */
function splitIf(s: string): [string, string | null] {
  const toks = tokenizeExpr(s);
  const i = toks.findIndex((t) => t === 'if');
  if (i < 0) return [s.trim(), null];
  return [toks.slice(0, i).join(' '), toks.slice(i + 1).join(' ')];
}

function glob(root: string, rel: string): string[] {
  const dir = path.posix.dirname(rel);
  if (/[*?]/.test(dir)) return [];
  const re = new RegExp('^' + path.posix.basename(rel).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  try {
    return fs
      .readdirSync(path.join(root, dir))
      .filter((f) => re.test(f))
      .sort()
      .map((f) => `${dir}/${f}`);
  } catch {
    return [];
  }
}

// ---- Kconfig expressions -------------------------------------------------

function tokenizeExpr(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '$' && s[i + 1] === '(') {
      let depth = 0;
      let j = i;
      for (; j < s.length; j++) {
        if (s[j] === '(') depth++;
        else if (s[j] === ')' && --depth === 0) break;
      }
      out.push(s.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += s[j] === '\\' ? 2 : 1;
      out.push(s.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (['&&', '||', '!=', '<=', '>='].includes(two)) {
      out.push(two);
      i += 2;
      continue;
    }
    if ('!()=<>'.includes(c)) {
      out.push(c);
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && /[^\s!()=<>&|"']/.test(s[j])) j++;
    if (j === i) j = i + 1;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** A default's value as "the symbol ends up other than n". */
function valueCond(text: string): Cond {
  const t = text.trim();
  if (!t) return TRUE;
  if (/^".*"$|^'.*'$|^-?\d+$|^0x[0-9a-fA-F]+$/.test(t)) return TRUE; // a string or number value: set
  return parseExpr(t);
}

/** Parses a Kconfig expression into a Cond over symbols (y/m → true, n → false). Never throws. */
export function parseExpr(text: string): Cond {
  const toks = tokenizeExpr(text);
  let pos = 0;
  const peek = () => toks[pos];
  const primary = (): Cond => {
    const t = toks[pos++];
    if (t === undefined) return { k: 'opaque', text };
    if (t === '!') return not(primary());
    if (t === '(') {
      const e = orExpr();
      if (peek() === ')') pos++;
      return e;
    }
    const op = peek();
    if (op === '=' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=') {
      pos++;
      const r = toks[pos++] ?? '';
      return compare(t, op, r);
    }
    return operand(t);
  };
  const andExpr = (): Cond => {
    const xs = [primary()];
    while (peek() === '&&') {
      pos++;
      xs.push(primary());
    }
    return and(...xs);
  };
  const orExpr = (): Cond => {
    const xs = [andExpr()];
    while (peek() === '||') {
      pos++;
      xs.push(andExpr());
    }
    return or(...xs);
  };
  try {
    const e = orExpr();
    return simplify(pos < toks.length ? and(e, { k: 'opaque', text: toks.slice(pos).join(' ') }) : e);
  } catch {
    return { k: 'opaque', text };
  }
}

const isSymbol = (t: string) => /^[A-Za-z0-9_]+$/.test(t) && !/^(y|m|n)$/.test(t) && !/^-?\d+$|^0x/.test(t);
const constantOf = (t: string): string | null => {
  if (/^".*"$|^'.*'$/.test(t)) return t.slice(1, -1);
  if (/^(y|m|n)$/.test(t) || /^-?\d+$/.test(t) || /^0x[0-9a-fA-F]+$/.test(t)) return t;
  return null;
};

function operand(t: string): Cond {
  if (t === 'y' || t === 'm') return TRUE;
  if (t === 'n') return FALSE;
  const c = constantOf(t);
  if (c !== null) return c === 'y' || c === 'm' ? TRUE : c === 'n' || c === '' ? FALSE : { k: 'opaque', text: t };
  if (isSymbol(t)) return { k: 'cfg', sym: t };
  return { k: 'opaque', text: t };
}

function compare(l: string, op: string, r: string): Cond {
  const lc = constantOf(l);
  const rc = constantOf(r);
  if (lc !== null && rc !== null && (op === '=' || op === '!=')) return (lc === rc) === (op === '=') ? TRUE : FALSE;
  const [sym, val] = isSymbol(l) && rc !== null ? [l, rc] : isSymbol(r) && lc !== null ? [r, lc] : [null, null];
  if (sym && val !== null && (op === '=' || op === '!=')) {
    const on: Cond = { k: 'cfg', sym };
    if (val === 'n' || val === '') return op === '=' ? not(on) : on;
    if (val === 'y') return op === '=' ? on : { k: 'opaque', text: `${l} ${op} ${r}` };
    if (val === 'm') return op === '=' ? { k: 'cfg', sym, form: 'module' } : { k: 'opaque', text: `${l} ${op} ${r}` };
  }
  return { k: 'opaque', text: `${l} ${op} ${r}` };
}

export { FALSE };
