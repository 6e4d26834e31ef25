// "Simulate on arm64" code lenses: one on each flagged read, one on the enter
// of each section such a read is in (the finding's path[0]).
import * as path from 'path';
import { fileURLToPath } from 'url';
import { CodeLens } from 'vscode-languageserver/node';
import type { Finding } from '../engine/findings';

const COMMAND = 'lazymmu.simulateDiagnostic';

function sameFile(a: string, uri: string): boolean {
  try {
    return path.resolve(a) === path.resolve(fileURLToPath(uri));
  } catch {
    return false;
  }
}

export function codeLensesFor(uri: string, findings: Finding[]): CodeLens[] {
  const lenses: CodeLens[] = [];
  const enters = new Set<number>();
  for (const f of findings) {
    if (f.rule !== 'lazy-mmu/read-after-write' || !f.path?.length) continue;
    const at = { line: f.line - 1, character: f.column - 1 };
    const range = { start: { line: at.line, character: 0 }, end: { line: at.line, character: 0 } };
    lenses.push({ range, command: { title: 'Simulate on arm64', command: COMMAND, arguments: [uri, at] } });
    const enter = f.path[0];
    if (enter && sameFile(enter.file, uri) && !enters.has(enter.line) && enter.line !== f.line) {
      enters.add(enter.line);
      const r = { start: { line: enter.line - 1, character: 0 }, end: { line: enter.line - 1, character: 0 } };
      lenses.push({ range: r, command: { title: 'Simulate this section on arm64', command: COMMAND, arguments: [uri, at] } });
    }
  }
  return lenses;
}
