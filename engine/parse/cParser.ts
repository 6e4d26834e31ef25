// The C front end: web-tree-sitter with the tree-sitter-c WASM grammar.
// One parser per process, created on first use.
import * as fs from 'fs';
import * as path from 'path';
import { Parser, Language, Tree, Node } from 'web-tree-sitter';
import { Catalogue } from '../catalogue/catalogue';
import { commonEnds } from './commonEnds';
import { normaliseEdited, normaliseKernelSource, NormaliserRun } from './kernelIdioms';

export type { Tree, Node };

let ready: Promise<Parser> | null = null;

/** Finds a WASM file next to the bundle (dist/) or in node_modules (tests, tsc output). */
function locateWasm(file: string, pkgPath: string): string {
  const beside = path.join(__dirname, file);
  if (fs.existsSync(beside)) return beside;
  return require.resolve(pkgPath);
}

export function initParser(): Promise<Parser> {
  ready ??= (async () => {
    // Both WASM files are read here, synchronously, and handed over as bytes:
    // Language.load(path) reads with fs/promises, and once in a full test run
    // that read never completed (the process idled with the grammar's file
    // still open, CI hung); bytes in hand leave nothing to wait for but the compile.
    const runtime = locateWasm('tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm');
    await Parser.init({ locateFile: () => runtime, wasmBinary: fs.readFileSync(runtime) });
    const lang = await Language.load(fs.readFileSync(locateWasm('tree-sitter-c.wasm', 'tree-sitter-c/tree-sitter-c.wasm')));
    const p = new Parser();
    p.setLanguage(lang);
    return p;
  })();
  return ready;
}

export interface ParsedFile {
  file: string;
  /** The user's text (positions refer to it). */
  text: string;
  /** What the parser was given (kernel idioms rewritten, same length). */
  normalised: string;
  tree: Tree;
  /** Set once the file is edited: the normaliser's last run, which the next edit's resumes (normaliseEdited). */
  normaliserRun?: NormaliserRun;
}

/** One edited range, in tree-sitter's terms (UTF-16 indices, 0-based rows and columns). */
export interface TextEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: { row: number; column: number };
  oldEndPosition: { row: number; column: number };
  newEndPosition: { row: number; column: number };
}

let parserReady: Parser | null = null;

/** Call once before parsing (loads the WASM). */
export async function ensureParser(): Promise<void> {
  parserReady = await initParser();
}

/** Parses kernel C; never throws on bad C (tree-sitter makes ERROR nodes). */
export function parseKernelC(file: string, text: string, cat: Catalogue): ParsedFile {
  if (!parserReady) throw new Error('parseKernelC called before ensureParser()');
  const normalised = normaliseKernelSource(text, cat);
  const tree = parserReady.parse(normalised);
  if (!tree) throw new Error(`${file}: the parser returned no tree`);
  return { file, text, normalised, tree };
}

/**
 * Parses the new text of a file incrementally: the one range where the old
 * and new texts differ is given to tree-sitter, which reuses the rest of the
 * old tree. The old tree is deleted. `edit` is the normalised texts' range,
 * `textEnds` the texts' common prefix and suffix (commonEnds).
 */
export function reparseKernelC(prev: ParsedFile, text: string, cat: Catalogue): { parsed: ParsedFile; edit: TextEdit; textEnds: [number, number] } {
  if (!parserReady) throw new Error('reparseKernelC called before ensureParser()');
  const { normalised, run, ends } = normaliseEdited(prev.text, prev.normalised, prev.normaliserRun ?? null, text, cat);
  const edit = editBetween(prev.normalised, normalised);
  prev.tree.edit(edit);
  const tree = parserReady.parse(normalised, prev.tree);
  prev.tree.delete();
  if (!tree) throw new Error(`${prev.file}: the parser returned no tree`);
  return { parsed: { file: prev.file, text, normalised, tree, normaliserRun: run }, edit, textEnds: ends };
}

/** The single range where `a` and `b` differ (common prefix and suffix kept out). */
export function editBetween(a: string, b: string): TextEdit {
  const [p, s] = commonEnds(a, b);
  const start = pointAt(a, p);
  return {
    startIndex: p,
    oldEndIndex: a.length - s,
    newEndIndex: b.length - s,
    startPosition: start,
    oldEndPosition: pointAt(a, a.length - s, p, start),
    newEndPosition: pointAt(b, b.length - s, p, start),
  };
}

/** The (row, column) of `index`, counted on from a known point `from` at `at` (the texts agree before it). */
function pointAt(text: string, index: number, from = 0, at = { row: 0, column: 0 }): { row: number; column: number } {
  let row = at.row;
  let lineStart = from - at.column;
  for (let i = text.indexOf('\n', from); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}
