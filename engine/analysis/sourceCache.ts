// Parsed files, on demand: only files holding functions the analysis visits
// are parsed. Texts come from a reader so that the language server can supply
// unsaved editor contents.
import type { Node } from 'web-tree-sitter';
import { Catalogue } from '../catalogue/catalogue';
import { MAX_PARSED_TEXT } from '../inputBounds';
import { parseKernelC, reparseKernelC, ParsedFile, TextEdit } from '../parse/cParser';
import { FunctionText, TextRange, UnchangedRanges } from './unchangedRanges';
import { functionName } from './syntax';

export interface FunctionRef {
  file: string;
  name: string;
  node: Node;
  /** file, name and rank among same-name definitions of the file: stays while lines move. */
  key: string;
  /** A macro read as a function (Interpreter.macroFunction): the place every hop inside it gets. */
  place?: { line: number; column: number };
}

/** What re-parsing a file after an edit found. */
export interface Reparse {
  /** Keys (FunctionRef.key) of functions added, removed, or whose text changed. */
  changedFunctions: Set<string>;
  /** Moves a 1-based (line, column) of the old text to the new text (outside the edited range). */
  move: (line: number, column: number) => [number, number];
  /** The 1-based line the edit starts on: move leaves every place before it as it is. */
  firstLine: number;
  /**
   * A 1-based (line, column) of the old text lies inside the edited range
   * (text replaced or removed): it has no place in the new text, and what
   * holds it must be made again (move would put it at the range's end).
   * Null when the edit only inserted text (nothing replaced).
   */
  replaced: ((line: number, column: number) => boolean) | null;
  /**
   * The file's top-level declarations (where global initializers are read,
   * initializers.ts) changed: an edit inside a function body leaves them, so
   * the summaries that read the file's globals hold.
   */
  globalsChanged: boolean;
}

interface Entry {
  parsed: ParsedFile;
  functions: Map<string, Node[]>;
  /** Made by update() for the new text, so that the next edit finds what it compares against made already. */
  texts?: Map<string, FunctionText>;
  declarations?: TextRange[];
}

export type TextReader = (file: string) => string | null;

export class SourceCache {
  private files = new Map<string, Entry | null>();
  /** Per file: facts derived from its syntax (see remember), dropped when its text changes. */
  private derived = new Map<string, Map<string, unknown>>();

  /**
   * Per file, per function (FunctionRef.key): facts derived from that
   * function's text alone (see rememberInFunction), kept across edits of the
   * file that leave the function's text as it was.
   */
  private functionDerived = new Map<string, Map<string, Map<string, unknown>>>();

  /**
   * A fact about one function's text, computed once per text of the
   * function: an edit elsewhere in the file keeps it. So that it survives
   * the function moving, `compute` is given the function's start and must
   * make the fact from its text alone, places relative to that start
   * (`relativePlace`; the caller renders them with `absolutePlace`).
   */
  rememberInFunction<T>(ref: FunctionRef, key: string, compute: () => T): T {
    let byFn = this.functionDerived.get(ref.file);
    if (!byFn) this.functionDerived.set(ref.file, (byFn = new Map()));
    let m = byFn.get(ref.key);
    if (!m) byFn.set(ref.key, (m = new Map()));
    if (m.has(key)) return m.get(key) as T;
    const v = compute();
    m.set(key, v);
    return v;
  }

  /** A fact about `file`'s syntax, computed once per text of the file. */
  remember<T>(file: string, key: string, compute: () => T): T {
    let m = this.derived.get(file);
    if (!m) this.derived.set(file, (m = new Map()));
    if (m.has(key)) return m.get(key) as T;
    const v = compute();
    m.set(key, v);
    return v;
  }

  constructor(
    private readonly cat: Catalogue,
    private readonly read: TextReader,
  ) {}

  private entry(file: string): Entry | null {
    if (this.files.has(file)) return this.files.get(file)!;
    const text = this.read(file);
    let e: Entry | null = null;
    // Too large to parse (inputBounds.ts): the file's functions are not analysed.
    if (text !== null && text.length <= MAX_PARSED_TEXT) {
      const parsed = parseKernelC(file, text, this.cat);
      const functions = new Map<string, Node[]>();
      collectFunctions(parsed.tree.rootNode, functions);
      e = { parsed, functions };
    }
    this.files.set(file, e);
    return e;
  }

  /** The file's text as read now (an editor's buffer, or the disk's). */
  currentText(file: string): string | null {
    return this.read(file);
  }

  /** The definition of `name` in `file` nearest to 1-based `line`. */
  functionAt(file: string, name: string, line: number): FunctionRef | null {
    const nodes = this.entry(file)?.functions.get(name);
    if (!nodes?.length) return null;
    let best = 0;
    nodes.forEach((n, i) => {
      if (Math.abs(n.startPosition.row + 1 - line) < Math.abs(nodes[best].startPosition.row + 1 - line)) best = i;
    });
    return { file, name, node: nodes[best], key: `${file}\0${name}#${best}` };
  }

  /** The file's syntax tree (top-level declarations: global initializers), or null when it cannot be read. */
  rootOf(file: string): Node | null {
    return this.entry(file)?.parsed.tree.rootNode ?? null;
  }

  /** The function a FunctionRef.key names, in the file's current text. */
  functionByKey(key: string): FunctionRef | null {
    const sep = key.indexOf('\0');
    const hash = key.lastIndexOf('#');
    if (sep < 0 || hash < sep) return null;
    const file = key.slice(0, sep);
    const name = key.slice(sep + 1, hash);
    const node = this.entry(file)?.functions.get(name)?.[Number(key.slice(hash + 1))];
    return node ? { file, name, node, key } : null;
  }

  /** The smallest named node starting at 1-based (line, column) of `file`, or null. */
  nodeAt(file: string, line: number, column: number): Node | null {
    const root = this.entry(file)?.parsed.tree.rootNode;
    if (!root) return null;
    const n: Node | null = root.namedDescendantForPosition({ row: line - 1, column: column - 1 });
    // A call rather than its callee's name; an indexed entry (pte[i]) rather than its base.
    const p = n?.parent;
    if (p?.type === 'call_expression' && p.childForFieldName('function')?.id === n!.id) return p;
    if (p?.type === 'subscript_expression' && p.childForFieldName('argument')?.id === n!.id) return p;
    return n;
  }

  allFunctions(file: string): FunctionRef[] {
    const e = this.entry(file);
    if (!e) return [];
    const out: FunctionRef[] = [];
    for (const [name, nodes] of e.functions) nodes.forEach((node, i) => out.push({ file, name, node, key: `${file}\0${name}#${i}` }));
    return out;
  }

  /**
   * The file's text changed: a file parsed before is parsed again
   * incrementally (tree-sitter reuses the old tree outside the edit) and the
   * functions whose text changed are named; null when it was not parsed.
   */
  update(file: string): Reparse | null {
    this.derived.delete(file);
    const e = this.files.get(file);
    if (!e) {
      this.files.delete(file);
      return null;
    }
    const text = this.read(file);
    if (text === null || text.length > MAX_PARSED_TEXT) {
      this.invalidate(file);
      return null;
    }
    const before = e.texts ?? functionTexts(e);
    const declsBefore = e.declarations ?? declarationRanges(e);
    const textBefore = e.parsed.text;
    const { parsed, edit, textEnds } = reparseKernelC(e.parsed, text, this.cat);
    const same = new UnchangedRanges(textBefore, text, edit, textEnds);
    const functions = new Map<string, Node[]>();
    // The root's children read once (each read makes a Node per child): functions, then declarations.
    const top = parsed.tree.rootNode.namedChildren;
    collectFunctionsIn(top, functions, same.namer(before));
    const next: Entry = { parsed, functions };
    this.files.set(file, next);
    const after = (next.texts = functionTexts(next));
    const changedFunctions = new Set<string>();
    // Changed: a different text, or a place inside the edited range (whose
    // places cannot be moved, even when its text came out the same).
    const within = (r: FunctionText, end: number) => r.start < end && r.end > edit.startIndex;
    for (const [k, t] of before) {
      const a = after.get(k);
      if (!a || within(t, edit.oldEndIndex) || !same.sameText(t, a)) changedFunctions.add(`${file}\0${k}`);
    }
    for (const [k, t] of after) if (!before.has(k) || within(t, edit.newEndIndex)) changedFunctions.add(`${file}\0${k}`);
    const declsAfter = (next.declarations = declarationRanges(next, top));
    const globalsChanged = !(declsBefore.length === declsAfter.length && declsBefore.every((r, i) => same.unmoved(r, declsAfter[i]))) && joined(textBefore, declsBefore) !== joined(text, declsAfter);
    // Facts of a function whose text is as it was hold (rememberInFunction); keys name#rank are
    // those of the new text, so a function added or removed (ranks shifted) is among the changed.
    const facts = this.functionDerived.get(file);
    if (facts) for (const k of [...facts.keys()]) if (changedFunctions.has(k) || !after.has(k.slice(file.length + 1))) facts.delete(k);
    return { changedFunctions, move: (line, column) => movePoint(edit, line, column), firstLine: edit.startPosition.row + 1, replaced: edit.oldEndIndex > edit.startIndex ? (line, column) => inEdit(edit, line, column) : null, globalsChanged };
  }

  invalidate(file: string): void {
    this.derived.delete(file);
    this.functionDerived.delete(file);
    const e = this.files.get(file);
    e?.parsed.tree.delete();
    this.files.delete(file);
  }

  clear(): void {
    for (const f of [...this.files.keys()]) this.invalidate(f);
  }
}

/** A 1-based place inside function `ref` as data that survives the function moving: rows from its start; on its first row, columns from its start too. */
export function relativePlace(ref: FunctionRef, line: number, column: number): { row: number; column: number } {
  const s = ref.node.startPosition;
  const row = line - 1 - s.row;
  return { row, column: row === 0 ? column - s.column : column };
}

/** relativePlace's inverse, for the function where it is now. */
export function absolutePlace(ref: FunctionRef, p: { row: number; column: number }): { line: number; column: number } {
  const s = ref.node.startPosition;
  return { line: s.row + 1 + p.row, column: p.row === 0 ? p.column + s.column : p.column };
}

/** name#rank -> the function's name and range. */
function functionTexts(e: Entry): Map<string, FunctionText> {
  const out = new Map<string, FunctionText>();
  for (const [name, nodes] of e.functions) nodes.forEach((n, i) => out.set(`${name}#${i}`, { name, start: n.startIndex, end: n.endIndex }));
  return out;
}

/** The ranges of the file's top-level declarations (what globalInitializer reads), in order. */
function declarationRanges(e: Entry, top = e.parsed.tree.rootNode.namedChildren): TextRange[] {
  const out: TextRange[] = [];
  for (const c of top) if (c?.type === 'declaration') out.push({ start: c.startIndex, end: c.endIndex });
  return out;
}

function joined(text: string, ranges: TextRange[]): string {
  return ranges.map((r) => text.slice(r.start, r.end)).join('\0');
}

/** A 1-based (line, column) of the old text in the new one; places inside the edited range go to its end. */
function movePoint(edit: TextEdit, line: number, column: number): [number, number] {
  const row = line - 1;
  const col = column - 1;
  const { startPosition: s, oldEndPosition: o, newEndPosition: n } = edit;
  if (row < s.row || (row === s.row && col < s.column)) return [line, column];
  if (row < o.row || (row === o.row && col < o.column)) return [n.row + 1, n.column + 1];
  if (row === o.row) return [n.row + 1, n.column + (col - o.column) + 1];
  return [row + (n.row - o.row) + 1, column];
}

/** A 1-based (line, column) of the old text inside the edit's old range [start, old end). */
function inEdit(edit: TextEdit, line: number, column: number): boolean {
  const row = line - 1;
  const col = column - 1;
  const { startPosition: s, oldEndPosition: o } = edit;
  const atOrAfterStart = row > s.row || (row === s.row && col >= s.column);
  const beforeEnd = row < o.row || (row === o.row && col < o.column);
  return atOrAfterStart && beforeEnd;
}

/** Function definitions anywhere outside other functions' bodies (including under #if). */
function collectFunctions(n: Node, out: Map<string, Node[]>, nameOf: (fn: Node) => string | null = functionName): void {
  collectFunctionsIn(n.namedChildren, out, nameOf);
}

function collectFunctionsIn(children: (Node | null)[], out: Map<string, Node[]>, nameOf: (fn: Node) => string | null = functionName): void {
  for (const c of children) {
    if (!c) continue;
    if (c.type === 'function_definition') {
      const name = nameOf(c);
      if (name) {
        const a = out.get(name);
        if (a) a.push(c);
        else out.set(name, [c]);
      }
    } else if (c.type !== 'compound_statement') collectFunctions(c, out, nameOf);
  }
}
