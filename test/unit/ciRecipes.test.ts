// The CI recipes in the README (docs/ci/*.yml, quoted there verbatim) run as
// written: the test makes a "pull request" (a clone of an origin whose main
// has a standing hazard, a topic branch bringing another), puts this
// checkout where the recipes expect lazymmu (.lazymmu, a link: the recipes'
// own clone-and-build lines are the only ones not run), and runs each
// recipe's check commands with bash and the variables the CI service sets.
// The SARIF written must hold the new finding only, and the job must fail;
// on a branch that brings nothing, it must pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.join(__dirname, '..', '..', '..');
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'review');
const CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-ci-cache-'));

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
}

/** A clone of an origin (main: the fixture tree) on a topic branch; `change` edits it for the pull request. */
function pullRequest(change: (dir: string) => void): string {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-ci-'));
  const seed = path.join(top, 'seed');
  fs.cpSync(FIXTURE, seed, { recursive: true });
  git(seed, 'init', '-q');
  git(seed, 'add', '.');
  git(seed, 'commit', '-qm', 'base');
  git(top, 'clone', '-q', '--bare', seed, 'origin.git');
  git(top, 'clone', '-q', 'origin.git', 'work');
  const dir = path.join(top, 'work');
  git(dir, 'checkout', '-qb', 'topic');
  change(dir);
  git(dir, 'commit', '-qam', 'the pull request');
  fs.symlinkSync(REPO, path.join(dir, '.lazymmu'));
  return dir;
}

const BRING_HAZARD = (dir: string) => {
  const f = path.join(dir, 'mm/walk.c');
  const t = fs.readFileSync(f, 'utf8');
  const out = t.replace(/\tarch_leave_lazy_mmu_mode\(\);\n(\tpfn = pte_pfn\(ptep_get\(ptep\)\);\n)/, '$1\tarch_leave_lazy_mmu_mode();\n');
  assert.notEqual(out, t);
  fs.writeFileSync(f, out);
};
const HARMLESS = (dir: string) => fs.appendFileSync(path.join(dir, 'mm/walk.c'), '\n/* a comment */\n');

/** The lines of a YAML block scalar (`run: |`) under the step named `name`. */
function githubRun(yml: string, name: string): string {
  const lines = yml.split('\n');
  const at = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  assert.ok(at >= 0, `no step ${name}`);
  const run = lines.findIndex((l, i) => i > at && /^\s+run: \|$/.test(l));
  const indent = lines[run + 1].match(/^\s*/)![0];
  const out: string[] = [];
  for (let i = run + 1; i < lines.length && lines[i].startsWith(indent); i++) out.push(lines[i].slice(indent.length));
  return out.join('\n');
}

/** The `script:` items of a GitLab job, but the lines that fetch and build lazymmu itself. */
function gitlabScript(yml: string): string {
  const lines = yml.split('\n');
  const at = lines.findIndex((l) => l.trim() === 'script:');
  const out: string[] = [];
  for (let i = at + 1; i < lines.length && /^\s+- /.test(lines[i]); i++) {
    const cmd = lines[i].replace(/^\s+- /, '');
    if (!/\.lazymmu\b/.test(cmd) || /bin\/lazymmu\.js/.test(cmd)) out.push(cmd);
  }
  return out.join('\n');
}

function bash(dir: string, script: string, env: Record<string, string>) {
  return spawnSync('bash', ['-e', '-c', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, LAZYMMU_CACHE: CACHE, ...env } });
}

function sarifResults(dir: string): { state: string; fn: string }[] {
  const log = JSON.parse(fs.readFileSync(path.join(dir, 'lazymmu.sarif'), 'utf8'));
  return log.runs[0].results.map((r: any) => ({ state: r.baselineState, fn: r.properties.function }));
}

const GITHUB = fs.readFileSync(path.join(REPO, 'docs/ci/github-actions.yml'), 'utf8');
const GITLAB = fs.readFileSync(path.join(REPO, 'docs/ci/gitlab-ci.yml'), 'utf8');

test('the README quotes both recipes as they are in docs/ci/', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  assert.ok(readme.includes('```yaml\n' + GITHUB + '```'), 'README: GitHub Actions recipe differs from docs/ci/github-actions.yml');
  assert.ok(readme.includes('```yaml\n' + GITLAB + '```'), 'README: GitLab recipe differs from docs/ci/gitlab-ci.yml');
});

test('GitHub Actions recipe: a pull request bringing a hazard uploads it as new and fails; a harmless one passes', () => {
  const script = githubRun(GITHUB, 'Check what the pull request brings');
  assert.match(script, /--since "origin\/\$GITHUB_BASE_REF"/);
  const failing = pullRequest(BRING_HAZARD);
  const out = path.join(failing, '..', 'github-output');
  const r = bash(failing, script, { GITHUB_BASE_REF: 'main', GITHUB_OUTPUT: out });
  assert.equal(r.status, 0, r.stderr); // the step itself passes so that the upload runs ...
  assert.equal(fs.readFileSync(out, 'utf8'), 'status=1\n'); // ... and the last step fails on it
  assert.deepEqual(sarifResults(failing), [{ state: 'new', fn: 'rw_clear' }]);
  const passing = pullRequest(HARMLESS);
  const out2 = path.join(passing, '..', 'github-output');
  assert.equal(bash(passing, script, { GITHUB_BASE_REF: 'main', GITHUB_OUTPUT: out2 }).status, 0);
  assert.equal(fs.readFileSync(out2, 'utf8'), 'status=0\n');
  assert.deepEqual(sarifResults(passing), []);
});

test('GitLab recipe: a merge request bringing a hazard fails with it in the SARIF artifact; a harmless one passes', () => {
  const script = gitlabScript(GITLAB);
  assert.match(script, /git fetch origin/);
  const failing = pullRequest(BRING_HAZARD);
  const r = bash(failing, script, { CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main' });
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(sarifResults(failing), [{ state: 'new', fn: 'rw_clear' }]);
  const passing = pullRequest(HARMLESS);
  assert.equal(bash(passing, script, { CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main' }).status, 0);
  assert.deepEqual(sarifResults(passing), []);
});
