// A change reviewed on a real tree (issue 16): a git repository made at test
// time from part of the 6.12 tree (mm/ and include/linux/, enough for the
// madvise walker's chain to down_write()), then the change 6.12 undid
// brought back: 6.1's madvise_cold_or_pageout_pte_range() split the folio
// with the lazy MMU section still on (its leave came after the split); 6.12
// leaves the section first. The patch, written here from 6.12's text, moves
// the leave after split_folio(); the review reports the sleep it brings as
// new, and the revert of the patch as fixed. Nothing from the kernel is
// committed to this repository: the text is read from the trees at test time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kernelTree } from './kernelTree';
import { REPO } from './cliRun';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function review(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), ...args, '--root', '.', '--arch', 'x86', '--format', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  return { status: r.status, baseline: j.baseline, shown: j.diagnostics.map((d: any) => ({ state: d.baselineState, rule: d.rule, function: d.function, file: d.file, line: d.line, message: d.message })) };
}

/** The body of `fn` in a C file's text (from its name to the closing brace at column 0). */
function body(text: string, fn: string): string {
  const at = text.search(new RegExp(`^static int ${fn}\\(`, 'm'));
  assert.ok(at >= 0, `${fn} not found`);
  return text.slice(at, text.indexOf('\n}\n', at));
}

// 6.12: leave, unlock, split. 6.1's shape: unlock, split, leave.
const LEAVE_FIRST = /(\t+)arch_leave_lazy_mmu_mode\(\);\n(\t+pte_unmap_unlock\(start_pte, ptl\);\n\t+start_pte = NULL;\n\t+err = split_folio\(folio\);\n)/;

test('6.1 split the folio inside the madvise section; 6.12 leaves it first (the shape the patch brings back)', () => {
  const old = body(fs.readFileSync(path.join(kernelTree('6.1'), 'mm/madvise.c'), 'utf8'), 'madvise_cold_or_pageout_pte_range');
  const enter = old.indexOf('arch_enter_lazy_mmu_mode()');
  const split61 = old.indexOf('split_huge_page(page)', enter);
  assert.ok(enter >= 0 && split61 > enter && split61 < old.indexOf('arch_leave_lazy_mmu_mode()', enter));
  const now = body(fs.readFileSync(path.join(kernelTree('6.12'), 'mm/madvise.c'), 'utf8'), 'madvise_cold_or_pageout_pte_range');
  assert.match(now, LEAVE_FIRST);
});

test('6.12 madvise: bringing back the split inside the section is new; its revert is fixed', () => {
  const tree = kernelTree('6.12');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-review612-'));
  try {
    fs.cpSync(path.join(tree, 'mm'), path.join(dir, 'mm'), { recursive: true });
    fs.cpSync(path.join(tree, 'include', 'linux'), path.join(dir, 'include', 'linux'), { recursive: true });
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v6.12 mm/ and include/linux/');

    // The patch: in the cold/pageout walker (the first of the two such splits), leave after the split.
    const file = path.join(dir, 'mm/madvise.c');
    const text = fs.readFileSync(file, 'utf8');
    const fnAt = text.indexOf('static int madvise_cold_or_pageout_pte_range(');
    const m = LEAVE_FIRST.exec(text.slice(fnAt));
    assert.ok(m && fnAt >= 0);
    const at = fnAt + m.index;
    fs.writeFileSync(file, text.slice(0, at) + m[2] + `${m[1]}arch_leave_lazy_mmu_mode();\n` + text.slice(at + m[0].length));
    const splitLine = fs.readFileSync(file, 'utf8').split('\n').findIndex((l, i) => i > text.slice(0, at).split('\n').length - 1 && l.includes('err = split_folio(folio);')) + 1;

    // The working tree against the base: the sleep the patch brings is new, nothing else moves.
    let r = review(dir, ['check', '--base', 'HEAD', 'mm/madvise.c']);
    assert.equal(r.status, 1);
    const fresh = r.shown.filter((s: any) => s.state === 'new');
    assert.equal(fresh.length, 1, JSON.stringify(r.shown));
    assert.equal(fresh[0].rule, 'lazy-mmu/sleep-in-section');
    assert.equal(fresh[0].function, 'madvise_cold_or_pageout_pte_range');
    assert.equal(fresh[0].line, splitLine);
    assert.match(fresh[0].message, /split_folio\(\)/);
    assert.equal(r.baseline.fixed, 0);

    // As a mail to review: the same, from a patch applied in a worktree.
    git(dir, 'commit', '-qam', 'mm: madvise: split the folio inside the section again');
    const mbox = path.join(dir, '..', `${path.basename(dir)}.mbox`);
    fs.writeFileSync(mbox, git(dir, 'format-patch', '--stdout', '-1'));
    git(dir, 'checkout', '-q', 'HEAD~1');
    r = review(dir, ['review', mbox, 'mm/madvise.c']);
    assert.deepEqual(r.shown.filter((s: any) => s.state !== 'unchanged').map((s: any) => [s.state, s.rule, s.line]), [['new', 'lazy-mmu/sleep-in-section', splitLine]]);
    fs.rmSync(mbox);

    // Its revert: fixed.
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'revert', '--no-edit', 'HEAD');
    r = review(dir, ['check', '--base', 'HEAD~1', 'mm/madvise.c']);
    assert.equal(r.status, 0);
    assert.deepEqual(r.shown.filter((s: any) => s.state !== 'unchanged').map((s: any) => [s.state, s.rule, s.function, s.line]), [['fixed', 'lazy-mmu/sleep-in-section', 'madvise_cold_or_pageout_pte_range', splitLine]]);
    assert.equal(git(dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1, 'no worktree left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
