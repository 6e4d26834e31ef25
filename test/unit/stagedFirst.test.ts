// The first diagnostics a stage earlier (Workspace.checkOpenersFirst's
// `sectionsDone`, engine/partialIndex.ts checkBeforeIndex): what the section
// runs alone give (reads after writes, unbalanced and pause findings) is heard
// before the contextual searches and the local rules run; each of its findings
// is in the check's own result exactly as it is (the server publishes the stage
// first, then the whole result: a finding published first is never withdrawn
// by the pass's second publish). Fixture: test/fixtures/stagedFirst (a read
// after a helper's write, and a nested entry through another file's helper).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace, CheckResult } from '../../engine/workspace';
import { checkBeforeIndex } from '../../engine/partialIndex';
import { isProvisional } from '../../engine/provisional';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const at = (r: CheckResult) => r.findings.map((f) => `${f.rule}:${path.basename(f.file)}:${f.line}`);

test('before the index: the section runs\' read after write heard first, partial and provisional; the whole pass adds the nested entry', async () => {
  const root = path.join(FIXTURES, 'stagedFirst');
  const file = path.join(root, 'sf_open.c');
  const heard: CheckResult[] = [];
  const { result } = await checkBeforeIndex({ root, arch: 'arm64' }, [{ file, text: fs.readFileSync(file, 'utf8') }], { sectionsDone: (r) => void heard.push(r) });
  assert.equal(heard.length, 1);
  const [stage] = heard;
  assert.deepEqual(at(stage), ['lazy-mmu/read-after-write:sf_open.c:16']);
  assert.deepEqual(at(result), ['lazy-mmu/read-after-write:sf_open.c:16', 'lazy-mmu/nested-section:sf_open.c:26']);
  assert.ok(stage.partial && stage.partialIndex);
  for (const f of stage.findings) assert.equal(isProvisional(stage, f), true);
  // The stage's finding is the pass's own, field for field.
  assert.equal(JSON.stringify(stage.findings[0]), JSON.stringify(result.findings[0]));
});

// (tree: kernel-shaped, with Kconfig and Kbuild: the findings are judged by the configuration.)
for (const dir of ['stagedFirst', 'provisional', 'kafb', 'sections', 'raw', 'tree']) {
  test(`each finding of the section runs' stage is in the openers-first result as it is (fixtures/${dir})`, async () => {
    const root = path.join(FIXTURES, dir);
    let staged = 0;
    const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.c')).sort();
    for (const file of files.map((f) => path.join(root, f))) {
      const ws = new Workspace({ root });
      ws.build();
      const heard: CheckResult[] = [];
      const result = await ws.checkOpenersFirst([file], undefined, (r) => void heard.push(r));
      assert.equal(heard.length, 1, file);
      assert.equal(heard[0].partial, true);
      const whole = new Set(result.findings.map((f) => JSON.stringify(f)));
      for (const f of heard[0].findings) assert.ok(whole.has(JSON.stringify(f)), `${file}: ${JSON.stringify(f)}`);
      staged += heard[0].findings.length;
      // Finishing the stage changed nothing of the check's own (judging sets fields: it judged copies).
      const fresh = new Workspace({ root });
      fresh.build();
      assert.deepEqual(result.findings, (await fresh.checkOpenersFirst([file])).findings, file);
    }
    assert.ok(staged > 0, 'the fixtures have reads after writes');
  });
}
