// The docs a newcomer reads first point at what exists (scripts/docPaths.js):
// ARCHITECTURE.md, BENCHMARKS.md, README.md and docs/design/ name modules and
// files by path, and a module moved or renamed must show here, not in a
// reader's fruitless search. A written doc with a broken link and a path to a
// module that does not exist is refused, naming both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.join(__dirname, '..', '..', '..');
const SCRIPT = path.join(REPO, 'scripts', 'docPaths.js');

function run(...docs: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...docs], { cwd: REPO, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('every link and repository path in the architecture, benchmark and design docs resolves', () => {
  const r = run();
  assert.equal(r.status, 0, r.out.split('\n').filter((l) => /broken link|no such path/.test(l)).join('\n'));
});

test('a doc with a broken link or a path to a missing module is refused, naming them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-docpaths-'));
  const doc = path.join(dir, 'bad.md');
  fs.writeFileSync(doc, 'See [the scan](../nowhere/scan.md), `engine/index/fileScan.ts` and `engine/index/noSuchScan.ts`.\n');
  const r = run(doc);
  assert.equal(r.status, 1);
  assert.match(r.out, /broken link: \.\.\/nowhere\/scan\.md/);
  assert.match(r.out, /no such path: engine\/index\/noSuchScan\.ts/);
  assert.doesNotMatch(r.out, /fileScan\.ts/);
  fs.rmSync(dir, { recursive: true, force: true });
});
