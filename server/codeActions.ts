// Quick fixes: the fix the engine attached to each finding (the flush before
// a read after a write, the leave before an early exit), placed by the engine
// where it runs exactly on the flagged path.
import { CodeAction, CodeActionKind, Diagnostic, TextEdit } from 'vscode-languageserver/node';
import { SOURCE } from './convert';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Fix } from '../engine/findings';

/** Strips comments (enough to see which code precedes a place). */
function codeOf(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

/**
 * The fix the engine attached to the diagnostic (engine/fixes/statementPlacement.ts):
 * its inserts as edits. None when the text already holds the statement right
 * where the first insert goes, before or after it (a diagnostic, or a client's
 * copy of it, not yet refreshed after the fix).
 */
export function engineFix(uri: string, text: string, diag: Diagnostic): CodeAction | null {
  const data = diag.data as { fix?: Fix; fixLine?: number } | undefined;
  const fix = data?.fix;
  if (!fix || typeof fix.title !== 'string' || !Array.isArray(fix.inserts) || !fix.inserts.length) return null;
  // The diagnostic moved with edits above it since the fix was made: the fix moves with it.
  const delta = typeof data.fixLine === 'number' ? diag.range.start.line + 1 - data.fixLine : 0;
  const inserts = fix.inserts.map((i) => ({ ...i, line: i.line + delta }));
  const doc = TextDocument.create(uri, 'c', 0, text);
  const lines = doc.lineCount;
  if (inserts.some((i) => typeof i.text !== 'string' || !(i.line >= 1 && i.line <= lines) || !(i.column >= 1))) return null;
  const call = /\w+\([^()]*\);/.exec(inserts.map((i) => i.text).join(''))?.[0];
  const first = doc.offsetAt({ line: inserts[0].line - 1, character: inserts[0].column - 1 });
  const before = codeOf(text.slice(Math.max(0, first - 400), first)).replace(/[\s{]+$/, '');
  const after = codeOf(text.slice(first, first + 400)).replace(/^[\s{]+/, '');
  if (call && (before.endsWith(call) || after.startsWith(call))) return null;
  return {
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    isPreferred: true,
    diagnostics: [diag],
    edit: { changes: { [uri]: inserts.map((i) => TextEdit.insert({ line: i.line - 1, character: i.column - 1 }, i.text)) } },
  };
}

export function codeActionsFor(uri: string, text: string, diagnostics: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  const seen = new Set<number>();
  for (const d of diagnostics) {
    if (d.source !== SOURCE) continue;
    const a = engineFix(uri, text, d);
    if (!a) continue;
    const line = (a.edit!.changes![uri][0] as TextEdit).range.start.line;
    if (seen.has(line)) continue;
    seen.add(line);
    out.push(a);
  }
  return out;
}
