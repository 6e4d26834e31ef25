// Function-like macros: expanded in place at a call (their body parsed with
// the arguments put in; every place inside is the call site), or read as a
// function of their parameters for surveys. Parsed trees live until the end
// of the check (clear), since their nodes are in use meanwhile.
import type { Node, Tree } from 'web-tree-sitter';
import type { Catalogue } from '../../catalogue/catalogue';
import type { MacroDefinition, WorkspaceIndex } from '../../index/workspaceIndex';
import { parseKernelC } from '../../parse/cParser';
import type { FunctionRef } from '../sourceCache';
import { MAX_EXPANSION_CHARS } from '../limits';

/** Puts macro arguments in place of the parameters (whole identifiers only). */
export function substituteMacroArgs(params: string[], body: string, args: string[]): string {
  const map = new Map<string, string>();
  params.forEach((p, i) => {
    if (p === '...' ) map.set('__VA_ARGS__', args.slice(i).join(', '));
    else if (p.endsWith('...')) map.set(p.slice(0, -3), args.slice(i).join(', '));
    else map.set(p, args[i] ?? '');
  });
  return body.replace(/\b[A-Za-z_]\w*\b/g, (w) => (map.has(w) ? `(${map.get(w)})` : w));
}

export class MacroExpansions {
  constructor(
    private readonly index: WorkspaceIndex,
    private readonly cat: Catalogue,
  ) {}

  private expansions = new Map<string, Node | null>();

  /** The parsed body of macro `name` with `args` put in (cached), or null when it cannot be expanded. */
  expansion(name: string, args: string[]): Node | null {
    const key = `${name}(${args.join('\u0000')})`;
    if (this.expansions.has(key)) return this.expansions.get(key)!;
    let body: Node | null = null;
    const m = this.index.macros(name).find((d) => {
      const variadic = d.params[d.params.length - 1] === '...' || /\.\.\.$/.test(d.params[d.params.length - 1] ?? '');
      return variadic ? args.length >= d.params.length - 1 : args.length === d.params.length;
    });
    const text = m && !m.body.includes('##') && !/(^|[^#])#\s*[A-Za-z_]/.test(m.body)
      ? substituteMacroArgs(m.params, m.body, args)
      : null;
    // Nested macros grow their text fast (abs() over __abs_choose_expr ...): past a size, not followed.
    if (text !== null && text.length <= MAX_EXPANSION_CHARS) {
      const parsed = parseKernelC(`<expansion of ${name}>`, `void __lazymmu_expansion__(void)\n{\n${text};\n}\n`, this.cat);
      this.trees.push(parsed.tree);
      const fn = parsed.tree.rootNode.namedChildren.find((c) => c?.type === 'function_definition');
      body = fn?.childForFieldName('body') ?? null;
    }
    this.expansions.set(key, body);
    return body;
  }

  private macroFunctions = new Map<string, FunctionRef | null>();

  /**
   * A function-like macro as a function of its parameters, for surveys
   * (`folio_remove_rmap_pte(folio, page, vma)` calls
   * folio_remove_rmap_ptes(folio, page, 1, vma) with what the caller's facts
   * say of its arguments). Parsed once per check; null for a body that pastes
   * or stringifies, or a variadic one. Places inside are the definition's line.
   */
  macroFunction(m: MacroDefinition): FunctionRef | null {
    const key = `macro\0${m.file}\0${m.name}#${m.line}`;
    if (this.macroFunctions.has(key)) return this.macroFunctions.get(key)!;
    let ref: FunctionRef | null = null;
    const pastes = m.body.includes('##') || /(^|[^#])#\s*[A-Za-z_]/.test(m.body);
    const variadic = m.params.some((p) => p.endsWith('...'));
    if (!pastes && !variadic && m.body.length <= MAX_EXPANSION_CHARS && m.params.every((p) => /^[A-Za-z_]\w*$/.test(p))) {
      const text = `void ${m.name}(${m.params.map((p) => `long ${p}`).join(', ') || 'void'})\n{\n${m.body};\n}\n`;
      const parsed = parseKernelC(`<macro ${m.name}>`, text, this.cat);
      this.trees.push(parsed.tree);
      const node = parsed.tree.rootNode.namedChildren.find((c) => c?.type === 'function_definition');
      if (node) ref = { file: m.file, name: m.name, node, key, place: { line: m.line, column: 1 } };
    }
    this.macroFunctions.set(key, ref);
    return ref;
  }

  /** Expansion trees stay alive as long as the interpreter (their nodes are in use). */
  private trees: Tree[] = [];

  /** Expansions are parsed per check (their trees are freed at its end). */
  clear(): void {
    for (const t of this.trees) t.delete();
    this.trees = [];
    this.expansions.clear();
    this.macroFunctions.clear();
  }
}
