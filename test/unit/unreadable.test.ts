// Unreadable files and directories (issue 7, bad input): the CLI runs as an
// unprivileged user (test/unit/unprivileged.ts) over a temp tree holding a
// good file with a finding, a file with mode 000 and a directory with mode
// 000. The unreadable ones are named once each with `cannot read`, the good
// file is still checked and its finding reported, and the exit status is 1
// (findings), or 2 when the only PATH given cannot be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, sandbox, unprivileged } from './unprivileged';

const GOOD = 'interproc_depth2.c';

test('unreadable files and directories are named, the rest is checked, the exit status says so', () => {
  const wrap = unprivileged();
  const sb = sandbox();
  try {
    fs.copyFileSync(path.join(REPO, 'test', 'fixtures', 'raw', GOOD), path.join(sb.tree, GOOD));
    fs.chmodSync(path.join(sb.tree, GOOD), 0o644);
    fs.writeFileSync(path.join(sb.tree, 'secret.c'), 'void secret(pte_t *pte) { arch_enter_lazy_mmu_mode(); }\n', { mode: 0o000 });
    fs.chmodSync(path.join(sb.tree, 'secret.c'), 0o000);
    fs.mkdirSync(path.join(sb.tree, 'locked'));
    fs.writeFileSync(path.join(sb.tree, 'locked', 'inner.c'), 'int inner;\n');
    fs.chmodSync(path.join(sb.tree, 'locked'), 0o000);
    const cli = (args: string[]) => {
      const argv = [...wrap, process.execPath, path.join(sb.app, 'bin', 'lazymmu.js'), 'check', '--root', sb.tree, ...args];
      return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: sb.env, timeout: 120_000 });
    };
    // The privilege drop works: the unprivileged process really cannot read the file.
    const probeArgv = [...wrap, process.execPath, '-e', `require('fs').readFileSync(${JSON.stringify(path.join(sb.tree, 'secret.c'))})`];
    const probe = spawnSync(probeArgv[0], probeArgv.slice(1), { encoding: 'utf8' });
    assert.match(probe.stderr, /EACCES/, `the test's user can read a mode-000 file: ${probe.stderr}`);

    // The whole tree: both unreadable things named once, the good finding reported, exit 1.
    const all = cli([sb.tree]);
    const show = `status ${all.status}\nstdout:\n${all.stdout}\nstderr:\n${all.stderr}`;
    assert.equal(all.error, undefined, String(all.error));
    assert.match(all.stdout, new RegExp(`^${GOOD.replace('.', '\\.')}:31:\\d+: warning: .*read-after-write`, 'm'), show);
    assert.equal(all.stderr.match(/^lazymmu: secret\.c: cannot read: EACCES/gm)?.length, 1, show);
    assert.match(all.stderr, /^lazymmu: locked: cannot read directory: EACCES/m, show);
    assert.doesNotMatch(all.stderr, /at .*\.js:\d+|TypeError|RangeError/, show);
    assert.equal(all.status, 1, show);

    // The unreadable file named as a PATH next to the good one: named once, exit 1.
    const both = cli([path.join(sb.tree, 'secret.c'), path.join(sb.tree, GOOD)]);
    const show2 = `status ${both.status}\nstdout:\n${both.stdout}\nstderr:\n${both.stderr}`;
    assert.equal(both.stderr.match(/^lazymmu: secret\.c: cannot read: EACCES/gm)?.length, 1, show2);
    assert.match(both.stdout, /read-after-write/, show2);
    assert.equal(both.status, 1, show2);

    // Only the unreadable file: nothing to report but the problem, exit 2.
    const alone = cli([path.join(sb.tree, 'secret.c')]);
    const show3 = `status ${alone.status}\nstdout:\n${alone.stdout}\nstderr:\n${alone.stderr}`;
    assert.match(alone.stderr, /^lazymmu: secret\.c: cannot read: EACCES/m, show3);
    assert.equal(alone.stdout, '', show3);
    assert.equal(alone.status, 2, show3);
  } finally {
    fs.chmodSync(path.join(sb.tree, 'locked'), 0o755);
    sb.dispose();
  }
});
