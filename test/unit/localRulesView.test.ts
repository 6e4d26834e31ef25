// The local rules (break-before-make, kernel-access-before-flush) of a file
// open in an editor read its functions through a syntax view
// (engine/analysis/syntaxView.ts), as the interprocedural runs do: an edit
// runs the edited function's local rules again, and their paths read the
// same nodes again. The findings must be exactly those of the file read from
// disk (the CLI's way, no view), before and after edits typed into the
// functions, and the view must have answered repeated reads itself (its
// counter, not a timing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { syntaxViewReads } from '../../engine/analysis/interpreter';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');

/** The findings of `dir` with `texts` on disk, checked as the CLI does (no document open), places named as in `dir`. */
async function fromDisk(dir: string, texts: Map<string, string>): Promise<unknown> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-local-view-'));
  try {
    for (const [f, t] of texts) fs.writeFileSync(path.join(tmp, f), t);
    const ws = new Workspace({ root: tmp, arch: 'arm64' });
    ws.build();
    const r0 = { ...syntaxViewReads };
    const findings = (await ws.check([tmp])).findings;
    assert.deepEqual(syntaxViewReads, r0, 'a check without open documents reads no syntax through a view');
    return JSON.parse(JSON.stringify(findings).split(JSON.stringify(tmp).slice(1, -1)).join(JSON.stringify(dir).slice(1, -1)));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

for (const sub of ['bbm', 'kafb']) {
  test(`local rules of open files read through a view (${sub}): findings equal the files read from disk, before and after edits`, async () => {
    const dir = path.join(FIXTURES, sub);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.c')).sort();
    const texts = new Map(files.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
    const ws = new Workspace({ root: dir, arch: 'arm64' });
    ws.build();
    for (const [f, t] of texts) ws.setText(path.join(dir, f), t);
    const r0 = { ...syntaxViewReads };
    const opened = (await ws.check([dir])).findings;
    assert.ok(opened.length >= 5, `the ${sub} fixtures have their findings (${opened.length})`);
    assert.deepEqual(opened, await fromDisk(dir, texts), 'opened, unedited');
    assert.ok(syntaxViewReads.made > r0.made, 'the local runs of open files read through the view');
    assert.ok(syntaxViewReads.answered > syntaxViewReads.made - r0.made, 'the view answered repeated reads itself');

    // In each file in turn, a statement typed after its first statement line (re-running that function's local rules), then undone.
    for (const f of files) {
      const lines = texts.get(f)!.split('\n');
      const at = lines.findIndex((l) => /^\t+\S.*;\s*$/.test(l));
      if (at < 0) continue;
      const edited = [...lines.slice(0, at + 1), '\tcpu_relax();', ...lines.slice(at + 1)];
      const now = new Map(texts);
      now.set(f, edited.join('\n'));
      ws.setText(path.join(dir, f), now.get(f)!);
      assert.deepEqual((await ws.check([dir])).findings, await fromDisk(dir, now), `${f} edited`);
      ws.setText(path.join(dir, f), texts.get(f)!);
    }
    assert.deepEqual((await ws.check([dir])).findings, opened, 'every edit undone');
  });
}
