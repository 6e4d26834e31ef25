// Code actions that move or annotate rather than fix: "Go to the write" from a
// flagged read (the server asks the client to show the place, LSP's
// window/showDocument, so any client that runs commands gets it), and
// "Suppress with a reason", the comment engine/suppression.ts honours.
import * as path from 'path';
import { pathToFileURL } from 'url';
import { CodeAction, Connection, Diagnostic, TextEdit } from 'vscode-languageserver/node';
import { SOURCE } from './convert';
import type { FindingStore } from './simulatorRequests';
import { kindWanted } from './codeActions';
import { suppressionComment } from '../engine/suppression';

/** The server command behind "Go to the write": args [file URI, 0-based line, 0-based character]. */
export const GO_TO_COMMAND = 'lazymmu.goToLocation';
/** The client command that inserts a snippet (VS Code: the reason is a placeholder to type over): args [uri, position, snippet]. */
export const INSERT_SNIPPET_COMMAND = 'lazymmu.insertSnippet';
export const GO_TO_KIND = 'quickfix.lazymmu.goToWrite';
export const SUPPRESS_KIND = 'quickfix.lazymmu.suppress';
/** What a client without snippets gets where the reason goes (still a reason, so it is honoured: the user is to replace it). */
export const REASON_PLACEHOLDER = 'why this is safe';

/** "Go to the write": for a flagged read, the place the entry was written (the write chain's last hop). */
export function goToWriteActions(store: FindingStore, uri: string, diagnostics: Diagnostic[], only?: string[]): CodeAction[] {
  if (!kindWanted(GO_TO_KIND, only)) return [];
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== SOURCE || d.code !== 'lazy-mmu/read-after-write') continue;
    const f = store.find(uri, { uri, range: d.range });
    if (!f || f.line !== d.range.start.line + 1 || f.rule !== d.code) continue;
    const w = f.related[f.related.length - 1];
    if (!w) continue;
    const where = path.resolve(w.file) === path.resolve(f.file) ? `line ${w.line}` : `${path.basename(w.file)}:${w.line}`;
    const callee = /^(\w+)\(\)/.exec(w.message)?.[1];
    out.push({
      title: `Go to the write${callee ? ` (${callee}(), ${where})` : ` (${where})`}`,
      kind: GO_TO_KIND,
      diagnostics: [d],
      command: { title: 'Go to the write', command: GO_TO_COMMAND, arguments: [pathToFileURL(w.file).href, w.line - 1, Math.max(0, w.column - 1)] },
    });
  }
  return out;
}

/** The short rule name a suppression names (what isSuppressed matches). */
const shortRule = (rule: string) => rule.replace(/^lazy-mmu\//, '');

/**
 * "Suppress with a reason": the comment on its own line right above the
 * flagged line, indented like it (the line above is one isSuppressed reads).
 * With `snippet`, a command for the client to insert it with the reason as a
 * placeholder; else a plain edit with a reason the user is to replace.
 */
export function suppressActions(uri: string, text: string, diagnostics: Diagnostic[], snippet: boolean, only?: string[]): CodeAction[] {
  if (!kindWanted(SUPPRESS_KIND, only)) return [];
  const lines = text.split('\n');
  const out: CodeAction[] = [];
  const seen = new Set<string>();
  for (const d of diagnostics) {
    if (d.source !== SOURCE || typeof d.code !== 'string') continue;
    const line = d.range.start.line;
    if (line < 0 || line >= lines.length) continue;
    const rule = shortRule(d.code);
    if (seen.has(`${line}:${rule}`)) continue;
    seen.add(`${line}:${rule}`);
    const indent = /^[ \t]*/.exec(lines[line])![0];
    // Inside a macro body every line continues with a backslash; so must the comment's.
    const cont = line > 0 && /\\\s*$/.test(lines[line - 1]) ? ' \\' : '';
    const at = { line, character: 0 };
    const title = `Suppress ${rule} here with a reason (lazymmu)`;
    if (snippet) {
      const body = suppressionComment(rule, '\u0000').replace(/[$}\\]/g, (m) => '\\' + m).replace('\u0000', `\${1:${REASON_PLACEHOLDER}}`);
      out.push({ title, kind: SUPPRESS_KIND, diagnostics: [d], command: { title, command: INSERT_SNIPPET_COMMAND, arguments: [uri, at, `${indent}${body}${cont.replace(/\\/g, '\\\\')}\n`] } });
    } else {
      out.push({ title, kind: SUPPRESS_KIND, diagnostics: [d], edit: { changes: { [uri]: [TextEdit.insert(at, `${indent}${suppressionComment(rule, REASON_PLACEHOLDER)}${cont}\n`)] } } });
    }
  }
  return out;
}

/** Runs the server's commands (workspace/executeCommand). */
export function registerNavigation(connection: Connection, log: (m: string) => void): void {
  connection.onExecuteCommand(async (p) => {
    if (p.command !== GO_TO_COMMAND) return null;
    const [uri, line, character] = p.arguments ?? [];
    if (typeof uri !== 'string' || typeof line !== 'number' || typeof character !== 'number') return null;
    const pos = { line, character };
    try {
      await connection.window.showDocument({ uri, takeFocus: true, selection: { start: pos, end: pos } });
    } catch (e) {
      log(`showDocument ${uri}: ${(e as Error).message}`);
    }
    return null;
  });
}
