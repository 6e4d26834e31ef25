// A check from scratch to compare an edited Workspace with: a new Workspace
// over a temp folder holding the edited text on disk (no editor overlay), its
// findings' places named as the fixture folder's, so they compare equal to
// those of the Workspace edited in place over the fixture.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';

/**
 * The findings (as JSON values) of a fresh Workspace over a folder holding only `file` with `text`,
 * renamed into `root`. `during` runs around the check (e.g. to see what the check did).
 */
export async function freshFindings(root: string, file: string, text: string, during?: (check: () => Promise<unknown>) => Promise<unknown>): Promise<unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-fresh-'));
  try {
    fs.writeFileSync(path.join(dir, file), text);
    const ws = new Workspace({ root: dir });
    ws.build();
    const check = async () => (await ws.check([dir])).findings;
    const findings = during ? await during(check) : await check();
    return JSON.parse(JSON.stringify(findings).split(JSON.stringify(dir).slice(1, -1)).join(JSON.stringify(root).slice(1, -1)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
