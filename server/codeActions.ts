// Quick fixes: the fix the engine attached to each finding (the flush before
// a read after a write, the leave before an early exit), placed by the engine
// where it runs exactly on the flagged path.
import { CodeAction, CodeActionKind, Diagnostic, TextEdit } from 'vscode-languageserver/node';
import { SOURCE } from './convert';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Fix } from '../engine/findings';
import type { TextInsert } from '../engine/fixes/statementPlacement';

/** Whether an action of `kind` passes a request's `only` filter (LSP: a kind matches its prefixes). */
export function kindWanted(kind: string, only?: string[]): boolean {
  if (!only || !only.length) return true;
  return only.some((k) => k === CodeActionKind.Empty || kind === k || kind.startsWith(k + '.'));
}

/** Strips comments (enough to see which code precedes a place). */
function codeOf(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

/**
 * The fix the engine attached to the diagnostic (engine/fixes/statementPlacement.ts):
 * its inserts as edits. An insert of a call the text already holds right there
 * is left out (a diagnostic, or a client's copy of it, not yet refreshed after
 * the fix; a loop flushed before already, only its end needs one); none when
 * no call is left to insert.
 */
export function engineFix(uri: string, text: string, diag: Diagnostic): CodeAction | null {
  const data = diag.data as { fix?: Fix; fixLine?: number } | undefined;
  const fix = data?.fix;
  if (!fix || typeof fix.title !== 'string' || !Array.isArray(fix.inserts) || !fix.inserts.length) return null;
  // The diagnostic moved with edits above it since the fix was made: the fix moves with it.
  const delta = typeof data.fixLine === 'number' ? diag.range.start.line + 1 - data.fixLine : 0;
  const moved = fix.inserts.map((i) => ({ ...i, line: i.line + delta }));
  const doc = TextDocument.create(uri, 'c', 0, text);
  const lines = doc.lineCount;
  if (moved.some((i) => typeof i.text !== 'string' || !(i.line >= 1 && i.line <= lines) || !(i.column >= 1))) return null;
  // Where the text already holds an insert's call right before or after its place.
  const CALL = /\w+\([^()]*\);/;
  const present = (i: TextInsert) => {
    const call = CALL.exec(i.text)?.[0];
    if (!call) return false;
    const at = doc.offsetAt({ line: i.line - 1, character: i.column - 1 });
    const before = codeOf(text.slice(Math.max(0, at - 400), at)).replace(/[\s{]+$/, '');
    const after = codeOf(text.slice(at, at + 400)).replace(/^[\s{]+/, '');
    return before.endsWith(call) || after.startsWith(call);
  };
  const alone = (i: TextInsert) => CALL.test(i.text) && !/[{}]/.test(i.text);
  // Braces already put there: the fix was applied. A call alone already there is left out.
  if (moved.some((i) => !alone(i) && present(i))) return null;
  const inserts = moved.filter((i) => !(alone(i) && present(i)));
  if (!inserts.some((i) => CALL.test(i.text))) return null;
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
