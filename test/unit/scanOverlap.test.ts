// What the main thread does while the scan threads scan a cold tree: work
// that needs no scan is done then instead of after the scan, and a check must
// give the same findings as one where nothing overlaps (one thread).
// The tree is test/fixtures/kconfig/tree (Kconfig, Kbuild, findings an
// architecture's configuration decides) with enough small files beside it for
// the scan to use threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import type { BuildStats } from '../../engine/index/workspaceIndex';

const FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'kconfig', 'tree');

/** The fixture tree and 600 files of small functions (scan threads need 400 files or more). */
function treeWithFiller(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-overlap-'));
  fs.cpSync(FIXTURE, root, { recursive: true });
  for (let i = 0; i < 600; i++) {
    const f = path.join(root, 'filler', `d${i % 6}`, `f${i}.c`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, `static int filler_${i}(int x)\n{\n\treturn x + ${i};\n}\n`);
  }
  return root;
}

async function checkWith(workers: string, root: string, arch: string): Promise<{ out: string; build: BuildStats }> {
  const prev = process.env.LAZYMMU_SCAN_WORKERS;
  process.env.LAZYMMU_SCAN_WORKERS = workers;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-overlap-cache-'));
  try {
    let build: BuildStats | null = null;
    const r = await checkTree({ root, arch, paths: [root], cacheDir, observe: (ws) => (build = ws.index.lastBuild) });
    assert.ok(build);
    return { out: JSON.stringify({ findings: r.findings, configuration: r.configuration, problems: r.problems }), build };
  } finally {
    if (prev === undefined) delete process.env.LAZYMMU_SCAN_WORKERS;
    else process.env.LAZYMMU_SCAN_WORKERS = prev;
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

test('cold check with scan threads: the configuration is read during the scan, the findings are those of one thread', async () => {
  const root = treeWithFiller();
  try {
    for (const arch of ['arm64', 'x86']) {
      const threads = await checkWith('2', root, arch);
      const alone = await checkWith('0', root, arch);
      assert.equal(threads.build.workers, 2, 'two scan threads');
      assert.equal(threads.build.configDuringScan, true, `${arch}: Kconfig and Kbuild read while the threads scanned`);
      assert.equal(alone.build.workers, 0);
      assert.equal(alone.build.configDuringScan, false, 'one thread: nothing to overlap');
      assert.ok(JSON.parse(threads.out).findings.length > 0, 'the fixture has findings');
      assert.equal(threads.out, alone.out, `${arch}: same findings, configuration and problems`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
