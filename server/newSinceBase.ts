// lazymmu.showOnlyNewSince: the editor shows only the findings a branch
// brings (issue 16, point 4). The base is the merge base of HEAD with the
// branch's upstream (or origin's default branch, main, master: "mergeBase")
// or with a revision the setting names. The base's whole tree is checked once
// in a temporary worktree (engine/git.ts; removed when its findings' keys are
// taken), and each open document's findings are then held against those keys
// (engine/baseline.ts), its unsaved text included. The client hears the state
// (lazymmu/newSinceBase) for its status item.
import * as fs from 'fs';
import * as path from 'path';
import { checkTree } from '../engine/check';
import { keyCounts, LineReader, newAgainst } from '../engine/baseline';
import { defaultBaseRef, gitTopLevel, mergeBase, withWorktree } from '../engine/git';
import type { Finding } from '../engine/findings';
import type { PinnedConfig } from '../engine/config/oracle';

export const NEW_SINCE_NOTIFICATION = 'lazymmu/newSinceBase';

export type BaseState =
  | { state: 'off' }
  | { state: 'computing'; ref: string }
  | { state: 'ready'; ref: string; commit: string }
  | { state: 'error'; message: string };

export interface BaseCheckOptions {
  root: string;
  arch: string;
  extraApisFile?: string;
  pinnedConfig?: PinnedConfig;
  cacheDir?: string;
  /** The settings' selection, applied to the base as to the working tree. */
  select: (fs: Finding[]) => Finding[];
}

export class NewSinceBase {
  private current: BaseState = { state: 'off' };
  private keys: Map<string, number> | null = null;
  /** The (setting, engine settings) the keys were computed for; a newer request wins. */
  private wanted = '';

  constructor(private readonly told: (s: BaseState) => void, private readonly log: (m: string) => void) {}

  get state(): BaseState {
    return this.current;
  }

  private set(s: BaseState): void {
    this.current = s;
    this.told(s);
  }

  /**
   * Takes the setting ("off", "mergeBase" or a revision) and the engine's
   * options; computes the base's keys again when either changed. Resolves
   * when they are ready (or failed); true when the shown findings may change.
   */
  async configure(setting: string, opts: BaseCheckOptions, engineKey: string): Promise<boolean> {
    const key = `${setting}\0${engineKey}`;
    if (key === this.wanted) return false;
    this.wanted = key;
    // Turning it off changes the shown findings only if a base was filtering them (not on the first
    // configure after an index: a recheck then would supersede the open file's first check).
    const filtered = this.keys !== null;
    this.keys = null;
    if (setting === 'off') {
      this.set({ state: 'off' });
      return filtered;
    }
    try {
      const repo = await gitTopLevel(opts.root);
      const ref = setting === 'mergeBase' ? await defaultBaseRef(repo) : setting;
      if (!ref) throw new Error('no upstream, origin/HEAD, main or master to take the merge base with');
      this.set({ state: 'computing', ref });
      const commit = await mergeBase(repo, ref);
      const root = fs.realpathSync(opts.root);
      const keys = await withWorktree(repo, commit, opts.cacheDir ?? path.join(repo, '.git'), 'editor-base', async (dir) => {
        const baseRoot = path.join(dir, path.relative(repo, root));
        if (!fs.existsSync(baseRoot)) return new Map<string, number>();
        const r = await checkTree({ root: baseRoot, arch: opts.arch, paths: [baseRoot], extraApisFile: opts.extraApisFile, pinnedConfig: opts.pinnedConfig, cacheDir: opts.cacheDir, cacheSeed: root });
        return keyCounts(opts.select(r.findings), new LineReader());
      });
      if (this.wanted !== key) return false; // a newer setting came in meanwhile
      this.keys = keys;
      this.log(`showing only findings new since ${commit.slice(0, 12)} (merge base with ${ref}); the base has ${[...keys.values()].reduce((a, b) => a + b, 0)}`);
      this.set({ state: 'ready', ref, commit });
    } catch (e) {
      if (this.wanted !== key) return false;
      this.log(`lazymmu.showOnlyNewSince: ${(e as Error).message}; showing every finding`);
      this.set({ state: 'error', message: (e as Error).message });
    }
    return true;
  }

  /** The findings to show: all unless a base is ready, then only those it does not have. */
  filter(findings: Finding[], texts: (file: string) => string | undefined): Finding[] {
    if (!this.keys) return findings;
    return newAgainst(findings, new LineReader(texts), this.keys);
  }
}
