// `lazymmu check --replay --export-litmus DIR` on a real finding (linux-6.12
// copy_pte_range, seed 001): every arm64 model's replay is written as a
// herd7 litmus test that our own reader reads back to the same verdict.
// (herd7 itself runs on exported files only in `npm run fidelity`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { kernelTree } from '../realtree/kernelTree';
import { simulate } from '../../engine/simulator';
import { readLitmus } from '../../engine/simulator/litmus';

const REPO = path.resolve(__dirname, '../../..');

test('check --replay --export-litmus writes a readable herd7 test per arm64 model for a real finding', () => {
  const tree = kernelTree('6.12');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-export-'));
  const r = spawnSync(
    process.execPath,
    [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--format', 'json', '--root', tree, '--replay', '--export-litmus', dir, path.join(tree, 'mm/memory.c')],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  const d = report.diagnostics.find((x: { rule: string; function: string }) => x.rule === 'lazy-mmu/read-after-write' && x.function === 'copy_pte_range');
  assert.ok(d && d.replay, 'the finding is replayed');
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(`read-after-write-mm_memory.c_${d.line}-`));
  const arm64 = Object.keys(d.replay).filter((m) => m.startsWith('arm64'));
  assert.deepEqual(files.map((f) => f.replace(/^.*-(arm64-[a-z0-9.-]+)\.litmus$/, '$1')).sort(), arm64.sort());
  for (const f of files) {
    const model = f.replace(/^.*-(arm64-[a-z0-9.-]+)\.litmus$/, '$1');
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    assert.match(text, /^AArch64 \S+/);
    assert.match(text, /under the kernel model arm64/);
    const back = readLitmus(text, f);
    assert.deepEqual(back.errors, [], f);
    assert.equal(back.cannotExpress, undefined, f);
    assert.equal(simulate(back.scenario!, 'arm64-eager').verdict, d.replay[model].verdict, `${f}: the exported test answers as the replay`);
  }
  assert.match(r.stderr, /lazymmu: wrote .*\.litmus/);
});

test('--export-litmus without --replay is a usage error', () => {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--root', REPO, '--export-litmus', os.tmpdir(), path.join(REPO, 'examples')], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--export-litmus needs --replay/);
});
