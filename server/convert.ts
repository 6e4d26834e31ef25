// Engine findings → LSP diagnostics. The engine's positions are 1-based; LSP's are 0-based.
// The severity is the shown one: a finding that breaks only the API contract
// is one level lower than a hazard, one the API allows is a Hint. The message
// is rendered here from the engine's parts (places as "line N" in this file,
// "file.c:N" in another; every place is also a related location).
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Diagnostic, DiagnosticSeverity, DiagnosticRelatedInformation } from 'vscode-languageserver/node';
import { shownSeverity } from '../engine/findings';
import type { Finding, Severity } from '../engine/findings';
import { renderMessage } from '../engine/message';

export const SOURCE = 'lazymmu';

/** The rule's documentation page, shipped with the extension (dist/../docs/rules). */
export function ruleDocUri(rule: string, extensionRoot = path.join(__dirname, '..')): string {
  return pathToFileURL(path.join(extensionRoot, 'docs', 'rules', `${rule.replace(/\//g, '-')}.md`)).href;
}

export function severity(s: Severity): DiagnosticSeverity {
  switch (s) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'hint':
      return DiagnosticSeverity.Hint;
    default:
      return DiagnosticSeverity.Information;
  }
}

const zero = (n: number) => Math.max(0, n - 1);

export function toDiagnostic(f: Finding): Diagnostic {
  const start = { line: zero(f.line), character: zero(f.column) };
  let end = { line: zero(f.endLine), character: zero(f.endColumn) };
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) end = start;
  const relatedInformation: DiagnosticRelatedInformation[] = f.related.map((r) => {
    const pos = { line: zero(r.line), character: zero(r.column) };
    return { location: { uri: pathToFileURL(r.file).href, range: { start: pos, end: pos } }, message: r.message };
  });
  const text = renderMessage(f.message, { near: f.file });
  const d: Diagnostic = {
    range: { start, end },
    severity: severity(shownSeverity(f)),
    code: f.rule,
    codeDescription: { href: ruleDocUri(f.rule) },
    source: SOURCE,
    message: f.conditions.length ? `${text} [when ${f.conditions.join(' && ')}]` : text,
  };
  if (relatedInformation.length) d.relatedInformation = relatedInformation;
  // The engine's fix travels with the diagnostic and comes back in codeAction requests,
  // with the line it was made for (an editor moves the range, not the data, on edits above).
  d.data = { impact: f.impact, ...(f.latent ? { latent: f.latent } : {}), ...(f.fix ? { fix: f.fix, fixLine: f.line } : {}) };
  return d;
}
