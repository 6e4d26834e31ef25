// A change reviewed: the tree checked at a base revision and as changed, the
// findings compared (baseline.ts). The base is a temporary git worktree
// (git.ts) at a stable place under the cache, so its index and result caches
// are reused by the next review; a worktree's index is also seeded from the
// user's tree's cache (same relative path, same content: the scan is
// reused). The changed tree is the working tree (`check --base`) or a second
// worktree with a patch applied (`review`).
import * as fs from 'fs';
import * as path from 'path';
import { checkTree, CheckOptions, CheckResult } from './check';
import { compareFindings, ComparedFinding, LineReader, relocateFinding } from './baseline';
import { applyPatch, gitTopLevel, resolveCommit, withWorktree } from './git';
import { Finding } from './findings';
import { defaultCacheBase } from './index/indexCache';

export interface ChangeResult {
  /** The working tree's check (problems, configuration, indirect calls); findings are in `compared`. */
  head: CheckResult;
  /** Input problems of the base's check (shown apart: they do not fail the review). */
  baseProblems: CheckResult['problems'];
  /** The base commit (full id). */
  baseCommit: string;
  /** Every finding of either side with its state; places in the user's tree (`root`). */
  compared: ComparedFinding[];
}

export interface ChangeOptions extends CheckOptions {
  /** Which findings count (the CLI's --min-impact and --allowed-nesting), applied to both sides before matching. */
  select?: (fs: Finding[]) => Finding[];
}

/** `root` and `paths` (inside `repo`) as the same places under `dir`, a worktree of the repository. */
function under(opts: CheckOptions, repo: string, dir: string): { root: string; paths: string[] } {
  const to = (p: string) => path.join(dir, path.relative(repo, p));
  return { root: to(opts.root), paths: opts.paths.map(to) };
}

/**
 * Checks one side; paths that do not exist there (a file the change adds or
 * deletes) are left out. `seed`: the user's tree, whose index cache gives
 * the worktree the scans of the files it has unchanged.
 */
async function checkSide(opts: ChangeOptions, root: string, paths: string[], seed: string): Promise<CheckResult> {
  const present = paths.filter((p) => fs.existsSync(p));
  if (!present.length || !fs.existsSync(root)) return { root, findings: [], problems: [] };
  const r = await checkTree({ ...opts, root, paths: present, cacheSeed: seed });
  r.findings = opts.select ? opts.select(r.findings) : r.findings;
  return r;
}

function compare(opts: ChangeOptions, base: { result: CheckResult; dir: string }, head: { result: CheckResult; dir: string }, repo: string, baseCommit: string): ChangeResult {
  const compared = compareFindings(base.result.findings, new LineReader(), head.result.findings, new LineReader());
  // Places are shown in the user's tree: both sides' worktrees map onto it.
  for (const c of compared) {
    const from = c.state === 'absent' ? base.dir : head.dir;
    if (from !== repo) c.finding = relocateFinding(c.finding, from, repo);
  }
  const headResult = { ...head.result, root: opts.root, findings: [], problems: head.result.problems.map((p) => ({ ...p, file: head.dir === repo ? p.file : path.join(repo, path.relative(head.dir, p.file)) })) };
  return { head: headResult, baseProblems: base.result.problems, baseCommit, compared };
}

/**
 * `check --base REV`: the working tree against REV. `opts.root` and
 * `opts.paths` are in the working tree, which must be a git work tree.
 */
export async function checkAgainstBase(opts: ChangeOptions, rev: string): Promise<ChangeResult> {
  const repo = await gitTopLevel(opts.root);
  const real = { ...opts, root: fs.realpathSync(opts.root), paths: opts.paths.map((p) => fs.realpathSync(p)) };
  const baseCommit = await resolveCommit(repo, rev);
  const cacheBase = opts.cacheDir ?? defaultCacheBase();
  const head = await checkTree({ ...real });
  head.findings = opts.select ? opts.select(head.findings) : head.findings;
  return withWorktree(repo, baseCommit, cacheBase, 'base', async (dir) => {
    const b = under(real, repo, dir);
    const base = await checkSide(real, b.root, b.paths, real.root);
    return compare(real, { result: base, dir }, { result: head, dir: repo }, repo, baseCommit);
  });
}

/**
 * `review PATCH`: the tree's HEAD against HEAD with the patch (or mail
 * series) applied, both in temporary worktrees; the user's files are not
 * touched. Places are shown in the user's tree (`opts.root`).
 */
export async function reviewPatch(opts: ChangeOptions, patchFile: string): Promise<ChangeResult & { applied: 'am' | 'apply' }> {
  const repo = await gitTopLevel(opts.root);
  const real = { ...opts, root: fs.realpathSync(opts.root), paths: opts.paths.map((p) => path.resolve(fs.realpathSync(path.dirname(p)), path.basename(p))) };
  const baseCommit = await resolveCommit(repo, 'HEAD');
  const cacheBase = opts.cacheDir ?? defaultCacheBase();
  return withWorktree(repo, baseCommit, cacheBase, 'patched', async (patched) => {
    const applied = await applyPatch(patched, patchFile);
    const h = under(real, repo, patched);
    const head = await checkSide(real, h.root, h.paths, real.root);
    return withWorktree(repo, baseCommit, cacheBase, 'base', async (dir) => {
      const b = under(real, repo, dir);
      const base = await checkSide(real, b.root, b.paths, real.root);
      return { ...compare(real, { result: base, dir }, { result: head, dir: patched }, repo, baseCommit), applied };
    });
  });
}
