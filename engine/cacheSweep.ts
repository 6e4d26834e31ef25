// The cache base (~/.cache/lazymmu or $LAZYMMU_CACHE) holds, per checked
// root, an index folder (index/<hash>/), an analysis-store folder
// (analysis/<hash>/) and whole-check results (results/<key>.json). A root
// that is gone (a deleted worktree or checkout, a test's temporary tree)
// would leave them behind for ever: a kernel tree's index alone is hundreds
// of megabytes. This sweep removes what belongs to roots that no longer
// exist, at most once a day, after a run's own work is out. Everything here
// is a cache: removing too much costs one cold run, never a finding.
import * as fs from 'fs';
import * as path from 'path';

/** The file in an index or analysis folder that names the root it belongs to. */
const OWNER_FILE = 'root.txt';
/** Touched by each sweep: the next waits for everyDays. */
const STAMP_FILE = 'swept';
const DAY_MS = 24 * 3600 * 1000;

/** Records which root a cache folder belongs to (once; the folder must exist). */
export function noteOwner(dir: string, root: string): void {
  const f = path.join(dir, OWNER_FILE);
  try {
    if (!fs.existsSync(f)) fs.writeFileSync(f, path.resolve(root));
  } catch {
    // Without the record the folder is only swept when old (ownerlessDays).
  }
}

export interface SweepOptions {
  /** Sweep at most this often (days); 0 sweeps now. */
  everyDays?: number;
  /** Folders written before roots were recorded, and stored results, are removed once this old (by mtime). */
  ownerlessDays?: number;
  now?: number;
}

export interface SweepResult {
  /** What was removed (paths under the cache base). */
  removed: string[];
  /** What was looked at and kept. */
  kept: number;
}

/** Removes the cache entries of roots that are gone; null when the last sweep is recent. */
export function sweepCache(base: string, opts: SweepOptions = {}): SweepResult | null {
  const now = opts.now ?? Date.now();
  const every = (opts.everyDays ?? 1) * DAY_MS;
  const ownerless = (opts.ownerlessDays ?? 14) * DAY_MS;
  const stamp = path.join(base, STAMP_FILE);
  try {
    if (every > 0 && now - fs.statSync(stamp).mtimeMs < every) return null;
  } catch {
    // No stamp yet: sweep.
  }
  try {
    fs.mkdirSync(base, { recursive: true });
    fs.writeFileSync(stamp, '');
  } catch {
    return null; // A cache base we cannot write holds nothing of ours to remove.
  }
  const out: SweepResult = { removed: [], kept: 0 };
  const old = (st: fs.Stats) => now - st.mtimeMs > ownerless;
  const verdict = (p: string, gone: boolean) => {
    if (!gone) return void out.kept++;
    try {
      fs.rmSync(p, { recursive: true, force: true });
      out.removed.push(path.relative(base, p));
    } catch {
      out.kept++;
    }
  };
  for (const kind of ['index', 'analysis']) {
    for (const d of entries(path.join(base, kind))) {
      const st = statOf(d);
      if (!st?.isDirectory()) continue;
      const root = readOwner(d);
      verdict(d, root !== null ? !fs.existsSync(root) : old(st));
    }
  }
  for (const f of entries(path.join(base, 'results'))) {
    const st = statOf(f);
    if (!st?.isFile() || !f.endsWith('.json')) continue;
    // A result is one run's answer for one tree content: an old one is rarely asked again.
    const root = resultRoot(f);
    verdict(f, old(st) || (root !== null && !fs.existsSync(root)));
  }
  return out;
}

function entries(dir: string): string[] {
  try {
    return fs.readdirSync(dir).map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

function statOf(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function readOwner(dir: string): string | null {
  try {
    const r = fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8');
    return path.isAbsolute(r) ? r : null;
  } catch {
    return null;
  }
}

/** A stored result starts with its root ({"root":"..."}): read only that much. */
function resultRoot(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const m = /^\{"root":("(?:[^"\\]|\\.)*")/.exec(buf.subarray(0, n).toString('utf8'));
    const root = m ? (JSON.parse(m[1]) as string) : null;
    return root && path.isAbsolute(root) ? root : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
