// `lazymmu/lastCheck`: what the edits before a document's last published
// check changed in the program as the analysis sees it
// (Workspace.lastCheckChanges: a call-graph search, an edited function's
// summary or survey), for the edit bench (scripts/benchEdits.ts), which
// reports the edits that changed the program apart from the ordinary ones.
// Compared only when asked (a keystroke's check does not pay for it), and
// only for the version whose diagnostics were last published: after a newer
// check the answer is null.
import { Connection } from 'vscode-languageserver/node';
import type { Workspace } from '../engine/workspace';

export interface LastCheckChanges {
  version: number;
  searches: boolean;
  summaries: string[];
  surveys: string[];
}

/** Per document: the Workspace, version and check (Workspace.checkSerial) of its last published check. */
export class LastChecks {
  private readonly last = new Map<string, { ws: Workspace; version: number; serial: number }>();

  /** Right after the check whose diagnostics are published (before any other check can begin). */
  published(uri: string, ws: Workspace, version: number): void {
    this.last.set(uri, { ws, version, serial: ws.checkSerial });
  }

  forget(uri: string): void {
    this.last.delete(uri);
  }

  register(connection: Connection): void {
    connection.onRequest('lazymmu/lastCheck', (p: { uri: string; version: number }): LastCheckChanges | null => {
      const l = this.last.get(p.uri);
      if (!l || l.version !== p.version || l.ws.checkSerial !== l.serial) return null;
      return { version: l.version, ...l.ws.lastCheckChanges() };
    });
  }
}
