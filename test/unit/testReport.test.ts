// `npm test` reports every test it ran (test/reportFlush.ts): a file of many
// quick tests, run under the test script's own runner flags, is reported
// whole, three times over. Without the preload node 20 lost some of the last
// verdicts in most such runs (1,970 and 1,981 of 2,000 reported here) and
// still passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '../../..');
const TESTS = 2000;

test('npm test reports every verdict of a file whose tests end quickly under --test-force-exit', () => {
  const script: string = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).scripts.test;
  // The script's node flags, up to the list of test files.
  const flags = script.replace(/^node /, '').split(' $(')[0].split(' ');
  assert.ok(flags.includes('--test-force-exit') && flags.includes('--require'), script);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-test-report-'));
  try {
    const file = path.join(dir, 'many.test.js');
    const body = Array.from({ length: TESTS }, (_, i) => `test('t${i}', () => {});`).join('\n');
    fs.writeFileSync(file, `const { test } = require('node:test');\n${body}\n`);
    for (let run = 0; run < 3; run++) {
      // A runner of its own, not a test file's child reporting to ours.
      const env = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      const r = spawnSync(process.execPath, [...flags, file], { cwd: REPO, env, encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^# tests ${TESTS}$`, 'm'), `run ${run + 1}: ${/^# tests \d+$/m.exec(r.stdout)?.[0]}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
