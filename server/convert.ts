// Engine findings → LSP diagnostics. The engine's positions are 1-based; LSP's are 0-based.
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Diagnostic, DiagnosticSeverity, DiagnosticRelatedInformation } from 'vscode-languageserver/node';
import type { Finding, Severity } from '../engine/findings';

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
  const d: Diagnostic = {
    range: { start, end },
    severity: severity(f.severity),
    code: f.rule,
    codeDescription: { href: ruleDocUri(f.rule) },
    source: SOURCE,
    message: f.conditions.length ? `${f.message} [when ${f.conditions.join(' && ')}]` : f.message,
  };
  if (relatedInformation.length) d.relatedInformation = relatedInformation;
  // The engine's fix travels with the diagnostic and comes back in codeAction requests.
  if (f.fix) d.data = { fix: f.fix };
  return d;
}
