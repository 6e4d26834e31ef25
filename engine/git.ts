// git, driven for the change review (`check --base/--since`, `review`, the
// editor's "new since the branch's base"): every call is execFile with an
// argument list (no shell), and every temporary worktree is removed again,
// on error too (withWorktree). The worktrees live at a stable place per
// repository under the cache (<cache>/worktrees/<hash>/<slot>), so that the
// on-disk index and result caches, keyed by the root's path and then by
// content, are found again by the next review of the same repository.
import { execFile, execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export class GitError extends Error {}

/** Runs git in `cwd`; resolves with stdout, rejects with a GitError carrying git's own message. */
export function git(cwd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) {
        const said = String(stderr || stdout || '').trim();
        reject(new GitError(said || `git ${args[0]}: ${err.message}`));
      } else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** The top of the git work tree holding `dir`. */
export async function gitTopLevel(dir: string): Promise<string> {
  try {
    return fs.realpathSync((await git(dir, ['rev-parse', '--show-toplevel'])).trim());
  } catch (e) {
    throw new GitError(`${dir}: not in a git work tree (${(e as Error).message.split('\n')[0]})`);
  }
}

/** A revision's commit id; a clear error when it names none. */
export async function resolveCommit(repo: string, rev: string): Promise<string> {
  try {
    return (await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])).trim();
  } catch {
    throw new GitError(`${rev}: not a revision of ${repo}`);
  }
}

/** `--since REV`: the merge base of REV and HEAD. */
export async function mergeBase(repo: string, rev: string, head = 'HEAD'): Promise<string> {
  await resolveCommit(repo, rev);
  try {
    return (await git(repo, ['merge-base', rev, head])).trim();
  } catch {
    throw new GitError(`${rev} and ${head} have no common ancestor`);
  }
}

/** The branch's upstream, else origin's default branch, else main or master (the SCM's base for "since the branch's base"). */
export async function defaultBaseRef(repo: string): Promise<string | null> {
  for (const ref of ['@{upstream}', 'origin/HEAD', 'main', 'master']) {
    try {
      const id = (await git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
      if (id) return ref;
    } catch {
      // not there: the next one
    }
  }
  return null;
}

/** Claims a free worktree directory under the cache: a stable slot when one is free, else a fresh one. */
function claimDir(cacheBase: string, repo: string, purpose: string): string {
  const dir = path.join(cacheBase, 'worktrees', crypto.createHash('sha1').update(repo).digest('hex').slice(0, 12));
  fs.mkdirSync(dir, { recursive: true });
  for (let slot = 0; slot < 4; slot++) {
    const p = path.join(dir, `${purpose}-${slot}`);
    try {
      fs.mkdirSync(p); // fails when another review holds it (or one that crashed left it)
      return p;
    } catch {
      // taken
    }
  }
  return fs.mkdtempSync(path.join(dir, `${purpose}-`));
}

/** Removes a worktree made by withWorktree, whatever state it is in. */
async function removeWorktree(repo: string, dir: string): Promise<void> {
  try {
    await git(repo, ['worktree', 'remove', '--force', '--force', dir]);
  } catch {
    // not registered (add failed): the directory is removed below
  }
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    await git(repo, ['worktree', 'prune']);
  } catch {
    // nothing to prune
  }
}

const live = new Set<{ repo: string; dir: string }>();
let hooked = false;
/** An interrupted review removes its worktrees before the process ends. */
function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      for (const w of live) {
        try {
          execFileSync('git', ['worktree', 'remove', '--force', '--force', w.dir], { cwd: w.repo, stdio: 'ignore' });
        } catch {
          // removed below
        }
        fs.rmSync(w.dir, { recursive: true, force: true });
      }
      process.exit(130);
    });
}

/**
 * Runs `body` on a detached worktree of `commit` (a directory holding that
 * revision's files), then removes the worktree, also when `body` throws.
 */
export async function withWorktree<T>(repo: string, commit: string, cacheBase: string, purpose: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = claimDir(cacheBase, repo, purpose);
  const entry = { repo, dir };
  live.add(entry);
  hookSignals();
  try {
    await git(repo, ['worktree', 'add', '--detach', '--force', dir, commit]);
    return await body(dir);
  } finally {
    await removeWorktree(repo, dir);
    live.delete(entry);
  }
}

/** A mail series (mbox, `git format-patch` output) rather than a bare diff. */
export function isMailbox(text: string): boolean {
  return /^From [0-9a-f]{7,40} /m.test(text.split('\n', 1)[0] + '\n') || /^From: .+\n(.*\n)*?Subject: /m.test(text.slice(0, 4096));
}

/** The hunk headers of a patch by "file:old start line", the way git names a hunk that fails ("patch failed: mm/madvise.c:487"). */
function hunkHeaders(patch: string): Map<string, string> {
  const out = new Map<string, string>();
  let file = '';
  for (const line of patch.split('\n')) {
    const f = /^--- (?:a\/)?(\S+)/.exec(line);
    if (f) file = f[1];
    const h = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@.*$/.exec(line);
    if (h && file) out.set(`${file}:${h[1]}`, h[0].trim());
  }
  return out;
}

/** What git said about a patch that does not apply, hunk by hunk: "mm/madvise.c:487 (@@ -487,7 +487,7 @@ static int ...)". */
function failedHunks(message: string, patch: string): string[] {
  const headers = hunkHeaders(patch);
  const out: string[] = [];
  for (const m of message.matchAll(/patch failed: (\S+:\d+)/g)) out.push(headers.has(m[1]) ? `${m[1]} (${headers.get(m[1])})` : m[1]);
  for (const m of message.matchAll(/error: (\S+): (does not exist in index|No such file or directory|already exists in working directory)/g)) out.push(`${m[1]} (${m[2]})`);
  return [...new Set(out)];
}

/**
 * Applies a patch (bare diff: `git apply`) or a mail series (`git am`) in
 * `dir`. A patch that does not apply is a GitError naming the hunks git
 * could not place.
 */
export async function applyPatch(dir: string, patchFile: string): Promise<'am' | 'apply'> {
  const text = fs.readFileSync(patchFile, 'utf8');
  const how = isMailbox(text) ? 'am' : 'apply';
  const args =
    how === 'am'
      ? ['-c', 'user.name=lazymmu', '-c', 'user.email=lazymmu@localhost', 'am', '--keep-cr', path.resolve(patchFile)]
      : ['apply', '--index', '--whitespace=nowarn', path.resolve(patchFile)];
  try {
    await git(dir, args);
  } catch (e) {
    const said = (e as Error).message;
    const hunks = failedHunks(said, text);
    const first = said.split('\n').find((l) => /error|failed|conflict/i.test(l)) ?? said.split('\n')[0];
    throw new GitError(`${patchFile} does not apply${hunks.length ? ` at ${hunks.join(', ')}` : ''} (git ${how}: ${first.replace(/^error: /, '').trim()})`);
  }
  return how;
}
