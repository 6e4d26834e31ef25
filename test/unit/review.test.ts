// Reviewing a change (issue 16): `check --base`, `--since` and `review`
// over small git repositories built at test time from
// test/fixtures/review (a standing hazard in rw_scan, a clean section in
// rw_clear), changed by patches that add a hazard, fix one, move code
// (lines shift, meaning does not) and rename the file. Each run's findings
// are asserted new / fixed / unchanged, the exit status counts only new ones,
// and no temporary worktree is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareFindings, LineReader, normaliseLine } from '../../engine/baseline';
import type { Finding } from '../../engine/findings';

const REPO = path.join(__dirname, '..', '..', '..');
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'review');
const CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-review-cache-'));

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
}

/** A git repository holding the fixture tree, one commit on main. */
function makeRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-review-'));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  return dir;
}

function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const p = path.join(dir, file);
  const text = fs.readFileSync(p, 'utf8');
  const out = text.replace(from, to);
  assert.notEqual(out, text, `edit of ${file} changed nothing`);
  fs.writeFileSync(p, out);
}

/** The fixture's changes, each as an edit of mm/walk.c. */
const ADD_HAZARD = (dir: string) =>
  edit(dir, 'mm/walk.c', /\tarch_leave_lazy_mmu_mode\(\);\n(\tpfn = pte_pfn\(ptep_get\(ptep\)\);\n)/, '$1\tarch_leave_lazy_mmu_mode();\n');
const FIX_HAZARD = (dir: string) => edit(dir, 'mm/walk.c', /(\t\tpfn = pte_pfn\(ptep_get\(p\)\);)/, '\t\tarch_flush_lazy_mmu_mode();\n$1');
const MOVE_CODE = (dir: string) =>
  edit(dir, 'mm/walk.c', 'static void rw_store', 'static int rw_unrelated(int a)\n{\n\t/* a new helper above: every line below shifts */\n\treturn a + 1;\n}\n\nstatic void rw_store');

function lazymmu(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, LAZYMMU_CACHE: CACHE } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Shown {
  state: string;
  rule: string;
  function: string;
  file: string;
  line: number;
}
function reviewJson(cwd: string, args: string[]): { status: number | null; shown: Shown[]; counts: { commit: string; new: number; fixed: number; unchanged: number }; stderr: string } {
  const r = lazymmu(cwd, [...args, '--format', 'json']);
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  return {
    status: r.status,
    stderr: r.stderr,
    counts: report.baseline,
    shown: report.diagnostics.map((d: any) => ({ state: d.baselineState, rule: d.rule, function: d.function, file: d.file, line: d.line })),
  };
}

/** Only the repository itself is a worktree: every temporary one was removed. */
function assertNoWorktreesLeft(dir: string): void {
  const list = git(dir, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '));
  assert.deepEqual(list, [`worktree ${fs.realpathSync(dir)}`]);
  const left = path.join(CACHE, 'worktrees');
  if (fs.existsSync(left)) for (const d of fs.readdirSync(left)) assert.deepEqual(fs.readdirSync(path.join(left, d)), [], 'a worktree directory was left');
}

test('check --base: a patch that brings a hazard reports it new (text: only new, exit 1); the standing one is unchanged', () => {
  const dir = makeRepo();
  ADD_HAZARD(dir);
  const text = lazymmu(dir, ['check', '--base', 'HEAD', '.']);
  assert.equal(text.status, 1, text.stderr);
  const lines = text.stdout.split('\n').filter((l) => /: (warning|error|note): .*\[/.test(l) && !/: note: /.test(l));
  assert.equal(lines.length, 1, text.stdout);
  assert.match(lines[0], /^mm\/walk\.c:\d+:\d+: warning: stale read of `ptep`.*\[new, lazy-mmu\/read-after-write/);
  assert.match(text.stdout, /against [0-9a-f]{12}: 1 new, 0 fixed, 1 unchanged/);
  const j = reviewJson(dir, ['check', '--base', 'HEAD', '.']);
  assert.deepEqual(
    j.shown.map((s) => [s.state, s.function]).sort(),
    [
      ['new', 'rw_clear'],
      ['unchanged', 'rw_scan'],
    ],
  );
  assert.deepEqual(j.counts, { commit: git(dir, 'rev-parse', 'HEAD').trim(), new: 1, fixed: 0, unchanged: 1 });
  assertNoWorktreesLeft(dir);
});

test('check --base: a fix is reported fixed, at the base revision\'s line, and the check passes', () => {
  const dir = makeRepo();
  const baseLine = fs.readFileSync(path.join(dir, 'mm/walk.c'), 'utf8').split('\n').findIndex((l) => l.includes('pfn = pte_pfn(ptep_get(p));')) + 1;
  FIX_HAZARD(dir);
  MOVE_CODE(dir); // the fixed finding keeps the base's line although the working tree's lines moved
  const text = lazymmu(dir, ['check', '--base', 'HEAD', '.']);
  assert.equal(text.status, 0, text.stdout + text.stderr);
  assert.doesNotMatch(text.stdout, /warning:/, 'text shows only new findings by default');
  assert.match(text.stdout, /0 new, 1 fixed, 0 unchanged/);
  const shownFixed = lazymmu(dir, ['check', '--base', 'HEAD', '--show', 'fixed', '.']);
  assert.match(shownFixed.stdout, new RegExp(`^mm/walk\\.c:${baseLine}:\\d+: warning: .*\\[fixed in [0-9a-f]{12}, lazy-mmu/read-after-write`, 'm'));
  const j = reviewJson(dir, ['check', '--base', 'HEAD', '.']);
  assert.deepEqual(j.shown, [{ state: 'fixed', rule: 'lazy-mmu/read-after-write', function: 'rw_scan', file: 'mm/walk.c', line: baseLine }]);
  assertNoWorktreesLeft(dir);
});

test('moving code (every line shifts) and renaming the file change nothing: unchanged, exit 0', () => {
  const dir = makeRepo();
  MOVE_CODE(dir);
  let j = reviewJson(dir, ['check', '--base', 'HEAD', '.']);
  assert.equal(j.status, 0);
  assert.deepEqual(j.shown.map((s) => s.state), ['unchanged']);
  // The finding's line did move: it was matched by its code, not its line.
  const before = reviewJson(dir, ['check', '--base', 'HEAD', '--show', 'unchanged', '.']);
  const moved = fs.readFileSync(path.join(dir, 'mm/walk.c'), 'utf8').split('\n').findIndex((l) => l.includes('pfn = pte_pfn(ptep_get(p));')) + 1;
  assert.equal(before.shown[0].line, moved);
  assert.equal(moved, 26 + 6);
  git(dir, 'commit', '-qam', 'move');
  git(dir, 'mv', 'mm/walk.c', 'mm/pagewalk.c');
  j = reviewJson(dir, ['check', '--base', 'HEAD~1', '.']);
  assert.equal(j.status, 0);
  assert.deepEqual(j.shown.map((s) => [s.state, s.file]), [['unchanged', 'mm/pagewalk.c']]);
  assertNoWorktreesLeft(dir);
});

test('--since: only what the branch brings, not what main gained since it forked', () => {
  const dir = makeRepo();
  git(dir, 'checkout', '-qb', 'topic');
  ADD_HAZARD(dir);
  git(dir, 'commit', '-qam', 'topic: hazard in rw_clear');
  git(dir, 'checkout', '-q', 'main');
  // main gains a hazard of its own in another file after the fork.
  fs.writeFileSync(path.join(dir, 'mm/other.c'), fs.readFileSync(path.join(dir, 'mm/walk.c'), 'utf8').replace(/rw_/g, 'oth_'));
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'main: another file');
  git(dir, 'checkout', '-q', 'topic');
  const since = reviewJson(dir, ['check', '--since', 'main', '.']);
  assert.equal(since.status, 1);
  assert.deepEqual(since.shown.map((s) => [s.state, s.function]).sort(), [['new', 'rw_clear'], ['unchanged', 'rw_scan']]);
  assert.equal(since.counts.commit, git(dir, 'merge-base', 'main', 'topic').trim());
  // Against main itself, main's file is missing from the branch: its finding is "fixed".
  const base = reviewJson(dir, ['check', '--base', 'main', '.']);
  assert.deepEqual(base.shown.filter((s) => s.state === 'fixed').map((s) => s.function), ['oth_scan']);
  assertNoWorktreesLeft(dir);
});

test('review: a mail series (git am) and a bare diff (git apply) are applied in a worktree; the user\'s tree is not touched', () => {
  const dir = makeRepo();
  ADD_HAZARD(dir);
  FIX_HAZARD(dir);
  git(dir, 'commit', '-qam', 'mm: move the leave, flush in rw_scan');
  const mbox = path.join(dir, '..', path.basename(dir) + '.mbox');
  fs.writeFileSync(mbox, git(dir, 'format-patch', '--stdout', '-1'));
  const diff = path.join(dir, '..', path.basename(dir) + '.diff');
  fs.writeFileSync(diff, git(dir, 'diff', 'HEAD~1', 'HEAD'));
  git(dir, 'reset', '-q', '--hard', 'HEAD~1');
  const headBefore = git(dir, 'rev-parse', 'HEAD');
  for (const patch of [mbox, diff]) {
    const j = reviewJson(os.tmpdir(), ['review', patch, '--tree', dir]);
    assert.equal(j.status, 1, j.stderr);
    assert.deepEqual(j.shown.map((s) => [s.state, s.function, s.file]).sort(), [['fixed', 'rw_scan', 'mm/walk.c'], ['new', 'rw_clear', 'mm/walk.c']], patch);
    assert.equal(git(dir, 'status', '--porcelain'), '');
    assert.equal(git(dir, 'rev-parse', 'HEAD'), headBefore);
    assertNoWorktreesLeft(dir);
  }
  // The revert of the series: the hazard it brought is fixed, the one it fixed is back.
  const revert = path.join(dir, '..', path.basename(dir) + '.revert.diff');
  git(dir, 'apply', diff);
  git(dir, 'commit', '-qam', 'apply');
  fs.writeFileSync(revert, git(dir, 'diff', 'HEAD', 'HEAD~1'));
  const r = reviewJson(dir, ['review', revert]);
  assert.deepEqual(r.shown.map((s) => [s.state, s.function]).sort(), [['fixed', 'rw_clear'], ['new', 'rw_scan']]);
});

test('review: a patch that does not apply is an error naming the hunk (exit 2), and leaves no worktree', () => {
  const dir = makeRepo();
  ADD_HAZARD(dir);
  const diff = path.join(dir, '..', path.basename(dir) + '.stale.diff');
  fs.writeFileSync(diff, git(dir, 'diff'));
  git(dir, 'commit', '-qam', 'to mail');
  const mbox = path.join(dir, '..', path.basename(dir) + '.stale.mbox');
  fs.writeFileSync(mbox, git(dir, 'format-patch', '--stdout', '-1'));
  git(dir, 'reset', '-q', '--hard', 'HEAD~1');
  edit(dir, 'mm/walk.c', '\tpte_clear(mm, addr, ptep);\n', '\tptep_get_and_clear(mm, addr, ptep);\n');
  git(dir, 'commit', '-qam', 'conflicting');
  for (const [patch, how] of [[diff, 'apply'], [mbox, 'am']]) {
    const r = lazymmu(dir, ['review', patch]);
    assert.equal(r.status, 2, r.stdout);
    // The hunk by its place and its header (with the function git names there), and what git said.
    assert.match(r.stderr, new RegExp(`^lazymmu: .*\\.stale\\.${how === 'am' ? 'mbox' : 'diff'} does not apply at mm/walk\\.c:\\d+ \\(@@ -\\d+,\\d+ \\+\\d+,\\d+ @@ static unsigned long rw_clear\\(.*\\) \\(git ${how}: patch failed`, 'm'));
    assert.doesNotMatch(r.stderr, /usage:/);
    assert.equal(git(dir, 'status', '--porcelain'), '');
    assertNoWorktreesLeft(dir);
  }
  // Bytes that are no patch at all: the same clear error, nothing left behind.
  const junk = path.join(dir, '..', path.basename(dir) + '.junk');
  fs.writeFileSync(junk, Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 97 + 13) % 256)));
  const j = lazymmu(dir, ['review', junk]);
  assert.equal(j.status, 2);
  assert.match(j.stderr, /\.junk does not apply \(git apply: /);
  assertNoWorktreesLeft(dir);
  const notRepo = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-norepo-'));
  fs.cpSync(FIXTURE, notRepo, { recursive: true });
  const n = lazymmu(notRepo, ['check', '--base', 'HEAD', '.']);
  assert.equal(n.status, 2);
  assert.match(n.stderr, /not in a git work tree/);
  const bad = lazymmu(dir, ['check', '--base', 'no-such-branch', '.']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no-such-branch: not a revision/);
  assert.equal(lazymmu(dir, ['check', '--show', 'new', '.']).status, 2, '--show without a base is a usage error');
});

test('SARIF carries baselineState new / absent / unchanged', () => {
  const dir = makeRepo();
  fs.writeFileSync(path.join(dir, 'mm/other.c'), fs.readFileSync(path.join(FIXTURE, 'mm/walk.c'), 'utf8').replace(/rw_/g, 'oth_'));
  git(dir, 'add', 'mm/other.c');
  git(dir, 'commit', '-qm', 'other');
  ADD_HAZARD(dir);
  FIX_HAZARD(dir);
  edit(dir, 'mm/other.c', 'static void oth_store', '/* shifted */\nstatic void oth_store');
  const r = lazymmu(dir, ['check', '--base', 'HEAD', '--format', 'sarif', '.']);
  assert.equal(r.status, 1);
  const run = JSON.parse(r.stdout).runs[0];
  const states = run.results.map((x: any) => `${x.baselineState} ${x.properties.function} ${x.locations[0].physicalLocation.artifactLocation.uri}`).sort();
  assert.deepEqual(states, ['absent rw_scan mm/walk.c', 'new rw_clear mm/walk.c', 'unchanged oth_scan mm/other.c']);
  assert.equal(run.properties.baselineCommit, git(dir, 'rev-parse', 'HEAD').trim());
  // --show new: what a code-scanning upload of a pull request wants.
  const onlyNew = JSON.parse(lazymmu(dir, ['check', '--base', 'HEAD', '--format', 'sarif', '--show', 'new', '.']).stdout).runs[0].results;
  assert.deepEqual(onlyNew.map((x: any) => x.baselineState), ['new']);
});

test('matching is a multiset per rule, function and code: line numbers and blanks do not matter, counts do', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-baseline-'));
  const a = path.join(dir, 'a.c');
  const b = path.join(dir, 'b.c');
  fs.writeFileSync(a, 'x\n\tfoo(p);\n\tfoo(p);\n');
  fs.writeFileSync(b, '\n\n\n\tfoo( p ); /* why */\n');
  const f = (file: string, line: number): Finding =>
    ({ rule: 'lazy-mmu/read-after-write', function: 'fn', file, line, column: 1, endLine: line, endColumn: 2, severity: 'warning', message: [], impact: { kind: 'hazard', architectures: [] }, related: [], conditions: [] }) as Finding;
  const c = compareFindings([f(a, 2), f(a, 3)], new LineReader(), [f(b, 4)], new LineReader());
  assert.deepEqual(c.map((x) => [x.state, x.finding.line]), [['unchanged', 4], ['absent', 3]]);
  assert.equal(normaliseLine('  if (x)   /* c */ y = *p ; // z'), 'if(x)y=*p;');
  assert.notEqual(normaliseLine('y = a + b;'), normaliseLine('y = a - b;'));
  const other = { ...f(b, 4), function: 'other' };
  assert.deepEqual(compareFindings([f(a, 2)], new LineReader(), [other], new LineReader()).map((x) => x.state), ['new', 'absent']);
});
