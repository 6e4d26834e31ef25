// .lzmmu scenario files as a language (issue 13 point 7): live diagnostics
// from the scenario parser (parse errors, unknown names) on every change,
// without simulating; a hover on an operation saying what it lowers to on the
// current model (lazymmu.model); completion of operation names, declared
// pages and entries, and the file's keywords. Everything comes from the
// simulator's public API (engine/simulator), nothing is parsed twice here.
import { CompletionItem, CompletionItemKind, Diagnostic, DiagnosticSeverity, MarkupKind, Hover, Position } from 'vscode-languageserver/node';
import { getModel, OPS, parseScenario } from '../engine/simulator';
import { declaredNames } from '../engine/simulator/scenarioLexer';
import { loweringOf } from '../engine/simulator/lowering';

/** The diagnostics' source: not `lazymmu`, so they are not counted or fixed as findings. */
export const SCENARIO_SOURCE = 'lzmmu';
/** Top-level keywords and step words of the language (docs/scenario-language.md). */
const KEYWORDS = ['name', 'expect', 'page', 'entry', 'cpu', 'exists', 'forall', 'interrupt', 'valid', 'invalid', 'user', 'kernel'];

export const isScenario = (languageId: string, uri: string): boolean => languageId === 'lzmmu' || /\.lzmmu$/i.test(uri);

/** The word (identifier) around a 0-based position, and where it starts and ends. */
function wordAt(text: string, p: Position): { word: string; start: number; end: number } | null {
  const line = text.split('\n')[p.line];
  if (line === undefined) return null;
  let a = Math.min(p.character, line.length);
  let b = a;
  while (a > 0 && /\w/.test(line[a - 1])) a--;
  while (b < line.length && /\w/.test(line[b])) b++;
  // In a line comment (`#`, `//`): no word (a location `@file:line` holds no '#').
  const comment = line.search(/#|\/\//);
  if (comment >= 0 && comment < a) return null;
  return a < b ? { word: line.slice(a, b), start: a, end: b } : null;
}

export function scenarioDiagnostics(text: string, fileName: string): Diagnostic[] {
  const lines = text.split('\n');
  return parseScenario(text, fileName).errors.map((e) => {
    const line = Math.max(0, e.line - 1);
    const col = Math.max(0, e.col - 1);
    // The token at the error (a word, else one character) is underlined.
    const rest = (lines[line] ?? '').slice(col);
    const len = /^\w+/.exec(rest)?.[0].length ?? (rest.length ? 1 : 0);
    return {
      range: { start: { line, character: col }, end: { line, character: col + len } },
      severity: DiagnosticSeverity.Error,
      source: SCENARIO_SOURCE,
      message: e.message,
    };
  });
}

/** Hover on an operation: its meaning, and for a kernel operation the rules the model runs; on a declared name, its declaration. */
export function scenarioHover(text: string, p: Position, modelName: string): Hover | null {
  const w = wordAt(text, p);
  if (!w) return null;
  const range = { start: { line: p.line, character: w.start }, end: { line: p.line, character: w.end } };
  const spec = OPS[w.word];
  const md = (value: string): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range });
  if (spec) {
    const out = [`**${w.word}** (${spec.level === 'kernel' ? 'kernel operation' : 'arm64 instruction'}${spec.canonical ? `, same as \`${spec.canonical}\`` : ''}): ${spec.doc}`];
    const model = getModel(modelName);
    if (spec.level === 'arch') out.push('', 'Executed as written on every model.');
    else if (model) {
      const rules = loweringOf(w.word, model);
      out.push('', `On **${model.name}** (lazymmu.model) it lowers to:`, '');
      if (!rules?.length) out.push('- nothing (no effect on this model)');
      else
        for (const r of rules) {
          const acts = r.do.length ? r.do.map((a) => `\`${a}\``).join(', ') : 'nothing';
          out.push(`- ${r.when ? `when \`${r.when}\`` : rules.length > 1 ? 'otherwise' : 'always'}: ${acts}`);
        }
    }
    return md(out.join('\n'));
  }
  const decl = declaredNames(text).find((d) => d.name === w.word);
  if (decl) {
    const line = text.split('\n')[decl.line - 1]?.trim().replace(/\s*#.*$/, '') ?? '';
    return md(`${decl.kind} \`${decl.name}\`, declared on line ${decl.line}: \`${line.replace(/`/g, "'")}\``);
  }
  return null;
}

export function scenarioCompletion(text: string): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const [name, spec] of Object.entries(OPS)) {
    items.push({ label: name, kind: CompletionItemKind.Function, detail: `${spec.level} operation`, documentation: spec.doc });
  }
  const seen = new Set<string>();
  for (const d of declaredNames(text)) {
    if (seen.has(d.name)) continue;
    seen.add(d.name);
    items.push({ label: d.name, kind: CompletionItemKind.Variable, detail: `${d.kind} (line ${d.line})` });
  }
  for (const k of KEYWORDS) items.push({ label: k, kind: CompletionItemKind.Keyword });
  return items;
}
