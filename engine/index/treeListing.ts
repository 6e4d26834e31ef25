// Listing the files an index covers, and when asked with each one's size and
// mtime. A warm rerun compares every covered file's (size, mtime) with the
// index cache's (cachedRows.ts ListedStats): in JS that was readdir over the
// tree and one statSync per file, ~0.7 s of a kernel tree's rerun (47,000
// stats, node making a Stats and its four Dates for each; docs/perf/rerun11.md).
// With stats asked for, the listing is one `find` child process (GNU
// findutils: the walk and the stats in C, its output parsed here): the same
// files in the same order, and the same size and mtimeMs that statSync gives.
// When `find` is missing, is not GNU's (no -printf), or says anything on
// stderr (a folder it could not read), the listing is the JS walk, which
// says what it could not read; its stats are then unknown (NaN), and the
// caller stats the files itself.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import type { InputProblem } from '../findings';

/** Which folders and files a listing takes (the index's rules: workspaceIndex.ts). */
export interface ListingRules {
  /** A kernel tree: the top-level folders in `skippedTop` and other architectures' arch/ folders are not walked. */
  kernel: boolean;
  arch: string;
  skippedTop: ReadonlySet<string>;
  /** Names of the build files listed beside the C files. */
  buildFile: RegExp;
}

export interface TreeListing {
  /** The covered C files, absolute, sorted. */
  files: string[];
  /** By position in `files`: its size and mtimeMs as a stat gave them, NaN when not known. */
  size: Float64Array;
  mtimeMs: Float64Array;
  /** The build files (Makefile, Kbuild, Kconfig*) under the walked folders, absolute, sorted. */
  buildFiles: string[];
}

/**
 * The tree's covered files; with `withStats`, their sizes and mtimes too (by
 * `find` when it can: `findCommand` names it, tests name one that is missing).
 */
export function listTree(root: string, rules: ListingRules, problems: InputProblem[], withStats: boolean, findCommand = 'find'): TreeListing {
  return (withStats && process.platform !== 'win32' ? listByFind(root, rules, findCommand) : null) ?? walkTree(root, rules, problems);
}

/** The listing with stats by one `find` process; null when it cannot be had that way (see the header). */
export function listByFind(root: string, rules: ListingRules, findCommand = 'find'): TreeListing | null {
  // Started in the root, so that the prunes name folders by relative path (no glob character of the root's path to escape).
  const glob = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');
  const pruned = ['-name', '.*', '-o', '-name', 'node_modules'];
  if (rules.kernel) {
    for (const top of rules.skippedTop) pruned.push('-o', '-path', `./${glob(top)}`);
    pruned.push('-o', '(', '-path', './arch/*', '!', '-path', './arch/*/*', '!', '-name', glob(rules.arch), ')');
  }
  // Per regular file: size, mtime (seconds and nanoseconds), the path from the root; NUL-ended (a name may hold anything else).
  const args = ['.', '-mindepth', '1', '(', '-type', 'd', '(', ...pruned, ')', ')', '-prune', '-o', '-type', 'f', '-printf', '%s %T@ %P\\0'];
  let out: Buffer;
  try {
    const r = spawnSync(findCommand, args, { cwd: root, maxBuffer: Infinity, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error || r.status !== 0 || r.stderr.length) return null;
    out = r.stdout;
  } catch {
    return null;
  }
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  const records = out.toString('utf8').split('\0');
  const cFiles: string[] = [];
  const byFile = new Map<string, number>();
  const sizes: number[] = [];
  const mtimes: number[] = [];
  const buildFiles: string[] = [];
  // The last record is what follows the last NUL: empty.
  for (let k = 0; k < records.length - 1; k++) {
    const rec = records[k];
    const s1 = rec.indexOf(' ');
    const s2 = rec.indexOf(' ', s1 + 1);
    if (s1 < 0 || s2 < 0) return null;
    const rel = rec.slice(s2 + 1);
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (name.endsWith('.c') || name.endsWith('.h')) {
      const file = prefix + (path.sep === '/' ? rel : rel.split('/').join(path.sep));
      byFile.set(file, sizes.length);
      cFiles.push(file);
      sizes.push(Number(rec.slice(0, s1)));
      mtimes.push(mtimeMsOf(rec.slice(s1 + 1, s2)));
    } else if (rules.buildFile.test(name)) buildFiles.push(prefix + rel);
  }
  // Sorted as the walk's listing is (code units); each file's stats found again by its path.
  cFiles.sort();
  const size = new Float64Array(cFiles.length);
  const mtimeMs = new Float64Array(cFiles.length);
  for (let pos = 0; pos < cFiles.length; pos++) {
    const k = byFile.get(cFiles[pos])!;
    size[pos] = sizes[k];
    mtimeMs[pos] = mtimes[k];
  }
  return { files: cFiles, size, mtimeMs, buildFiles: buildFiles.sort() };
}

/**
 * find's `%T@` (seconds, a point, then the nanoseconds' 9 digits and a 0) as
 * node's Stats.mtimeMs makes it from the same (seconds, nanoseconds): sec *
 * 1000 + nsec / 1e6, the same double. NaN for any other shape (a time before
 * 1970): the caller stats that file itself.
 */
function mtimeMsOf(t: string): number {
  const m = /^(\d+)\.(\d{9})\d*$/.exec(t);
  return m ? Number(m[1]) * 1000 + Number(m[2]) / 1e6 : NaN;
}

/**
 * The listing by readdir, no stats (symlinks are not followed). Paths are
 * made by concatenation, each directory's relative path carried down the
 * walk: path.join and path.relative on every entry were half the listing of
 * a kernel tree. The root is resolved (no `.` or `..` parts), and names from
 * readdir hold no separator, so the strings are the ones join and relative gave.
 */
export function walkTree(root: string, rules: ListingRules, problems: InputProblem[]): TreeListing {
  const out: string[] = [];
  const build: string[] = [];
  const sep = path.sep;
  // `rel`: the directory relative to the root ('' for the root); `depth`: its number of parts.
  const walk = (dir: string, rel: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      problems.push({ file: dir, message: `cannot read directory: ${(e as Error).message}` });
      return;
    }
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    const relPrefix = rel ? rel + sep : '';
    // C files and folders (each with a separator after its name), each sorted, then merged: a folder's
    // files come where its paths sort, so the listing comes out sorted (readdir's order is a hash's:
    // sorting ~47,000 paths at the end was a third of the listing).
    const cFiles: string[] = [];
    const folders: string[] = [];
    for (const e of entries) {
      const name = e.name;
      if (e.isDirectory()) {
        if (rules.kernel && depth === 0 && rules.skippedTop.has(name)) continue;
        if (rules.kernel && depth === 1 && rel === 'arch' && name !== rules.arch) continue;
        if (name === 'node_modules' || name.startsWith('.')) continue;
        folders.push(name + sep);
      } else if (e.isFile()) {
        // The index's covers() for a C file under this walk: the folders it leaves out are the ones the walk
        // does not enter (no skipped top-level name ends in .c or .h), so no relative path is made per file.
        if (name.endsWith('.c') || name.endsWith('.h')) cFiles.push(name);
        else if (rules.buildFile.test(name)) build.push(prefix + name);
      }
    }
    cFiles.sort();
    folders.sort();
    let f = 0;
    for (const folder of folders) {
      while (f < cFiles.length && cFiles[f] < folder) out.push(prefix + cFiles[f++]);
      const name = folder.slice(0, -sep.length);
      walk(prefix + name, relPrefix + name, depth + 1);
    }
    while (f < cFiles.length) out.push(prefix + cFiles[f++]);
  };
  walk(root, '', 0);
  // Sorted already (above): this only costs a pass over it, and keeps the order whatever the walk does.
  out.sort();
  return { files: out, size: new Float64Array(out.length).fill(NaN), mtimeMs: new Float64Array(out.length).fill(NaN), buildFiles: build.sort() };
}
