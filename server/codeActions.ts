// Quick fixes: for lazy-mmu/read-after-write, flush the pending writes just
// before the statement holding the read; for the others, the fix the engine
// attached to the finding (e.g. the leave before an early exit).
import { CodeAction, CodeActionKind, Diagnostic, TextEdit } from 'vscode-languageserver/node';
import { SOURCE } from './convert';
import type { LineInsertion } from '../engine/findings';

export const FLUSH = 'arch_flush_lazy_mmu_mode();';
const RULE = 'lazy-mmu/read-after-write';

/** Strips comments that end a line (enough to see how a statement line ends). */
function codeOf(line: string): string {
  return line
    .replace(/\/\*.*?\*\//g, '')
    .replace(/\/\/.*$/, '')
    .trim();
}

/** Does this line end a statement or block (so the next line starts a statement)? */
function endsStatement(line: string): boolean {
  const c = codeOf(line);
  return c === '' || c.startsWith('#') || /[;{}:]$/.test(c) || c.endsWith('*/');
}

/**
 * The 0-based line where the statement holding `line` starts: walks up over
 * continuation lines (a previous line that does not end a statement), a few at most.
 */
export function statementStart(lines: string[], line: number): number {
  let start = line;
  for (let steps = 0; steps < 12 && start > 0; steps++) {
    let prev = start - 1;
    while (prev >= 0 && lines[prev].trim() === '') prev--;
    if (prev < 0 || endsStatement(lines[prev])) break;
    start = prev;
  }
  return start;
}

export function flushFix(uri: string, text: string, diag: Diagnostic): CodeAction | null {
  const lines = text.split(/\r?\n/);
  const readLine = diag.range.start.line;
  if (readLine < 0 || readLine >= lines.length) return null;
  const at = statementStart(lines, readLine);
  let prev = at - 1;
  while (prev >= 0 && lines[prev].trim() === '') prev--;
  if (prev >= 0 && codeOf(lines[prev]) === FLUSH) return null;
  const indent = /^[ \t]*/.exec(lines[at])![0];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const edit = TextEdit.insert({ line: at, character: 0 }, `${indent}${FLUSH}${eol}`);
  return {
    title: 'Flush lazy MMU updates before this read (arch_flush_lazy_mmu_mode())',
    kind: CodeActionKind.QuickFix,
    isPreferred: true,
    diagnostics: [diag],
    edit: { changes: { [uri]: [edit] } },
  };
}

/** A fix the engine attached to the diagnostic: a new line before a line, with that line's indentation. */
export function engineFix(uri: string, text: string, diag: Diagnostic): CodeAction | null {
  const fix = (diag.data as { fix?: LineInsertion } | undefined)?.fix;
  if (!fix || typeof fix.title !== 'string') return null;
  const lines = text.split(/\r?\n/);
  const action = (edits: TextEdit[]): CodeAction => ({
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    isPreferred: true,
    diagnostics: [diag],
    edit: { changes: { [uri]: edits } },
  });
  if (Array.isArray(fix.inserts)) {
    const edits = fix.inserts
      .filter((i) => i.line >= 1 && i.line <= lines.length && typeof i.text === 'string')
      .map((i) => TextEdit.insert({ line: i.line - 1, character: Math.max(0, i.column - 1) }, i.text));
    // Idempotent: the exit already holds what the fix would put there.
    const first = fix.inserts[0];
    if (first && lines[first.line - 1]?.includes(first.text.trim())) return null;
    return edits.length === fix.inserts.length ? action(edits) : null;
  }
  if (typeof fix.beforeLine !== 'number' || typeof fix.text !== 'string') return null;
  const at = fix.beforeLine - 1;
  if (at < 0 || at >= lines.length) return null;
  let prev = at - 1;
  while (prev >= 0 && lines[prev].trim() === '') prev--;
  if (prev >= 0 && codeOf(lines[prev]) === fix.text) return null;
  const indent = /^[ \t]*/.exec(lines[at])![0];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return action([TextEdit.insert({ line: at, character: 0 }, `${indent}${fix.text}${eol}`)]);
}

export function codeActionsFor(uri: string, text: string, diagnostics: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  const seen = new Set<number>();
  for (const d of diagnostics) {
    if (d.source !== SOURCE) continue;
    const a = d.code === RULE ? flushFix(uri, text, d) : engineFix(uri, text, d);
    if (!a) continue;
    const line = (a.edit!.changes![uri][0] as TextEdit).range.start.line;
    if (seen.has(line)) continue;
    seen.add(line);
    out.push(a);
  }
  return out;
}
