// The tree's listing kept beside its index cache (issue 15: a warm CLI rerun
// read all ~4,000 folders of a kernel tree again, ~0.2-0.5 s of its CPU, to
// find the same ~47,000 files; docs/perf/index14.md).
//
// For each folder the walk (workspaceIndex.ts listFiles) entered, the file
// keeps the folder's stat (inode, mtime, ctime) and what the walk took from
// it: its C files, build files and folders, after the walk's rules. The next
// walk stats a kept folder instead of reading it, and takes the kept entries
// when the stat is the kept one: creating, removing or renaming an entry
// sets the folder's mtime and ctime, and no program can set a ctime back (a
// tar that restores the folder's mtime still sets its ctime). A folder whose
// ctime is within RACY_MS before the kept listing was taken is read again:
// a change in the same tick of the file system's clock would leave its times
// as they were (git's "racy" entries, for the same reason). A file's own
// content is not a folder's business: every file is still stat'd (cachedRows.ts).
//
// The walk's rules depend on the root's kind (a kernel tree or not) and the
// architecture: a file of another kind or architecture is not used. A file
// that cannot be read or written only costs the reads.
import * as fs from 'fs';
import * as path from 'path';

/** What the walk took from one folder: its C files and its folders (each sorted; a folder's name ends with the separator), its build files. */
export interface FolderEntries {
  cFiles: string[];
  folders: string[];
  build: string[];
}

/** How long before the listing a folder's last change must be for its kept entries to be used. */
export const RACY_MS = 2000;

const FORMAT_VERSION = 1;

/** The rules the kept entries were taken under. */
export interface ListingRules {
  kernel: boolean;
  arch: string;
}

/** One kept folder: its path relative to the root, its stat, its entries. */
type KeptFolder = [rel: string, ino: number, mtimeMs: number, ctimeMs: number, cFiles: string[], folders: string[], build: string[]];

interface KeptFile extends ListingRules {
  v: number;
  /** When the walk that kept these folders began (ms since the epoch). */
  taken: number;
  folders: KeptFolder[];
}

export class KeptListing {
  /** The kept folders by relative path (from the file). */
  private readonly kept = new Map<string, KeptFolder>();
  /** When the kept listing was taken (-Infinity: nothing kept is trusted). */
  private readonly keptTaken: number;
  /** What this walk saw, in its order: each folder taken as kept or read again. */
  private readonly seen: KeptFolder[] = [];
  /** Folders read again by this walk (changed, racy, new, or no file). */
  private reread = 0;
  /** When this walk began: stats made after it are of changes up to it at least. */
  private readonly taken = Date.now();
  /** The stat of the folder entriesOf() last looked at, kept with its entries when they are read (record()). */
  private lastStat: fs.Stats | undefined;

  constructor(
    private readonly file: string,
    private readonly rules: ListingRules,
  ) {
    let taken = -Infinity;
    try {
      const k = JSON.parse(fs.readFileSync(file, 'utf8')) as KeptFile;
      if (k.v === FORMAT_VERSION && k.kernel === rules.kernel && k.arch === rules.arch && Array.isArray(k.folders) && typeof k.taken === 'number') {
        for (const f of k.folders) this.kept.set(f[0], f);
        taken = k.taken;
      }
    } catch {
      // No kept listing (or another form): every folder is read.
    }
    this.keptTaken = taken;
  }

  /**
   * The kept entries of folder `dir` (`rel` from the root) when its stat is
   * the kept one and old enough to trust; null when it must be read (its
   * stat is kept for record()).
   */
  entriesOf(dir: string, rel: string): FolderEntries | null {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir, { throwIfNoEntry: false });
    } catch {
      st = undefined;
    }
    this.lastStat = st;
    const k = this.kept.get(rel);
    if (!st || !k || k[1] !== st.ino || k[2] !== st.mtimeMs || k[3] !== st.ctimeMs || !(k[3] < this.keptTaken - KeptListing.racyMs)) return null;
    this.seen.push(k);
    return { cFiles: k[4], folders: k[5], build: k[6] };
  }

  /** The entries just read of the folder entriesOf() looked at last, kept with the stat it made (before the read). */
  record(rel: string, entries: FolderEntries): void {
    this.reread++;
    const st = this.lastStat;
    // A folder that could not be stat'd is kept under a stat no folder has: read again next time.
    this.seen.push([rel, st ? st.ino : -1, st ? st.mtimeMs : NaN, st ? st.ctimeMs : NaN, entries.cFiles, entries.folders, entries.build]);
  }

  /** After a whole walk: writes the listing it saw when it differs from the kept one (a folder read again, or one no longer there). */
  save(): void {
    if (!this.reread && this.seen.length === this.kept.size) return;
    const out: KeptFile = { v: FORMAT_VERSION, kernel: this.rules.kernel, arch: this.rules.arch, taken: this.taken, folders: this.seen };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify(out));
      fs.renameSync(tmp, this.file);
    } catch {
      // A listing that cannot be kept (read-only cache, full disk) only costs the next walk its reads.
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // Nothing left to do.
      }
    }
  }

  /** RACY_MS, but for tests (a fixture tree made a moment ago). */
  static racyMs = RACY_MS;
}
