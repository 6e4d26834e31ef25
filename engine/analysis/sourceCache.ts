// Parsed files, on demand: only files holding functions the analysis visits
// are parsed. Texts come from a reader so that the language server can supply
// unsaved editor contents.
import type { Node } from 'web-tree-sitter';
import { Catalogue } from '../catalogue/catalogue';
import { parseKernelC, ParsedFile } from '../parse/cParser';
import { functionName } from './syntax';

export interface FunctionRef {
  file: string;
  name: string;
  node: Node;
}

interface Entry {
  parsed: ParsedFile;
  functions: Map<string, Node[]>;
}

export type TextReader = (file: string) => string | null;

export class SourceCache {
  private files = new Map<string, Entry | null>();

  constructor(
    private readonly cat: Catalogue,
    private readonly read: TextReader,
  ) {}

  private entry(file: string): Entry | null {
    if (this.files.has(file)) return this.files.get(file)!;
    const text = this.read(file);
    let e: Entry | null = null;
    if (text !== null) {
      const parsed = parseKernelC(file, text, this.cat);
      const functions = new Map<string, Node[]>();
      collectFunctions(parsed.tree.rootNode, functions);
      e = { parsed, functions };
    }
    this.files.set(file, e);
    return e;
  }

  /** The definition of `name` in `file` nearest to 1-based `line`. */
  functionAt(file: string, name: string, line: number): FunctionRef | null {
    const nodes = this.entry(file)?.functions.get(name);
    if (!nodes?.length) return null;
    let best = nodes[0];
    for (const n of nodes)
      if (Math.abs(n.startPosition.row + 1 - line) < Math.abs(best.startPosition.row + 1 - line)) best = n;
    return { file, name, node: best };
  }

  allFunctions(file: string): FunctionRef[] {
    const e = this.entry(file);
    if (!e) return [];
    const out: FunctionRef[] = [];
    for (const [name, nodes] of e.functions) for (const node of nodes) out.push({ file, name, node });
    return out;
  }

  invalidate(file: string): void {
    const e = this.files.get(file);
    e?.parsed.tree.delete();
    this.files.delete(file);
  }

  clear(): void {
    for (const f of [...this.files.keys()]) this.invalidate(f);
  }
}

/** Function definitions anywhere outside other functions' bodies (including under #if). */
function collectFunctions(n: Node, out: Map<string, Node[]>): void {
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === 'function_definition') {
      const name = functionName(c);
      if (name) {
        const a = out.get(name);
        if (a) a.push(c);
        else out.set(name, [c]);
      }
    } else if (c.type !== 'compound_statement') collectFunctions(c, out);
  }
}
