// The C front end: web-tree-sitter with the tree-sitter-c WASM grammar.
// One parser per process, created on first use.
import * as fs from 'fs';
import * as path from 'path';
import { Parser, Language, Tree, Node } from 'web-tree-sitter';
import { Catalogue } from '../catalogue/catalogue';
import { normaliseKernelSource } from './kernelIdioms';

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
    const runtime = locateWasm('tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm');
    await Parser.init({ locateFile: () => runtime });
    const lang = await Language.load(locateWasm('tree-sitter-c.wasm', 'tree-sitter-c/tree-sitter-c.wasm'));
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
  tree: Tree;
}

let parserReady: Parser | null = null;

/** Call once before parsing (loads the WASM). */
export async function ensureParser(): Promise<void> {
  parserReady = await initParser();
}

/** Parses kernel C; never throws on bad C (tree-sitter makes ERROR nodes). */
export function parseKernelC(file: string, text: string, cat: Catalogue): ParsedFile {
  if (!parserReady) throw new Error('parseKernelC called before ensureParser()');
  const tree = parserReady.parse(normaliseKernelSource(text, cat));
  if (!tree) throw new Error(`${file}: the parser returned no tree`);
  return { file, text, tree };
}
