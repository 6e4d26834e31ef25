// What one architecture's Kconfig says about each option (possible, always
// on, a debug option, why impossible), computed once per (tree, architecture)
// from the Kconfig files and kept on disk beside the index cache: reading and
// solving a whole tree's Kconfig costs ~0.5 s, loading the facts ~20 ms.
// The cached facts are checked against the size and mtime of every Kconfig
// file read, and against this build of lazymmu.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Atom } from './cond';
import { archSymbols, readKconfig } from './kconfig';
import { Possibility } from './possibility';

const POSSIBLE = 1;
const ALWAYS = 2;
const DEBUG = 4;
const BOOL = 8;

/** The solved facts, as stored. */
export interface ArchOptionFacts {
  arch: string;
  /** Option name (without CONFIG_) -> flags. */
  flags: Record<string, number>;
  /** Why each impossible option of this architecture's tree cannot be enabled. */
  why: Record<string, string>;
  /** Options defined only in other architectures' Kconfig files -> those files (a few). */
  elsewhere: Record<string, string[]>;
  /** `source` lines that could not be followed (then "defined elsewhere only" decides nothing). */
  unresolved: string[];
  /** Kconfig files read. */
  files: string[];
}

export class ArchOptions {
  private constructor(readonly facts: ArchOptionFacts) {}

  get arch(): string {
    return this.facts.arch;
  }

  /** Reads and solves the tree's Kconfig for `arch` (no cache). */
  static compute(root: string, arch: string): ArchOptions {
    const model = readKconfig(root, arch);
    const others = archSymbols(root);
    for (const s of model.symbols.keys()) others.delete(s);
    const p = new Possibility(model, others);
    const facts: ArchOptionFacts = { arch, flags: {}, why: {}, elsewhere: {}, unresolved: model.unresolved, files: model.files };
    for (const s of model.symbols.values()) {
      let f = 0;
      if (p.possible(s.name)) f |= POSSIBLE;
      if (p.always(s.name)) f |= ALWAYS;
      if (p.isDebug(s.name)) f |= DEBUG;
      if (s.type === 'bool') f |= BOOL;
      facts.flags[s.name] = f;
      if (!(f & POSSIBLE)) facts.why[s.name] = p.why(s.name);
    }
    for (const [s, files] of others) facts.elsewhere[s] = files.slice(0, 4);
    return new ArchOptions(facts);
  }

  /** The facts for (root, arch): from the disk cache under `cacheDir` when still valid, else computed (and stored). */
  static load(root: string, arch: string, cacheDir?: string): ArchOptions {
    if (!cacheDir) return ArchOptions.compute(root, arch);
    const file = path.join(cacheDir, 'kconfig', crypto.createHash('sha1').update(`${path.resolve(root)}\0${arch}`).digest('hex') + '.json');
    try {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { code: string; sig: string; facts: ArchOptionFacts };
      if (stored.code === codeSig() && stored.sig === filesSig(root, stored.facts.files)) return new ArchOptions(stored.facts);
    } catch {
      // absent or unreadable: compute
    }
    const opts = ArchOptions.compute(root, arch);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ code: codeSig(), sig: filesSig(root, opts.facts.files), facts: opts.facts }));
      fs.renameSync(tmp, file);
    } catch {
      // A cache that cannot be written only costs the next run time.
    }
    return opts;
  }

  private flags(sym: string): number | undefined {
    return Object.prototype.hasOwnProperty.call(this.facts.flags, sym) ? this.facts.flags[sym] : undefined;
  }

  /** Whether the option can be enabled; undefined when no Kconfig of any architecture declares it. */
  possible(sym: string): boolean | undefined {
    const f = this.flags(sym);
    if (f !== undefined) return (f & POSSIBLE) !== 0;
    if (this.facts.elsewhere[sym] && this.facts.unresolved.length === 0) return false;
    return undefined;
  }

  always(sym: string): boolean {
    return ((this.flags(sym) ?? 0) & ALWAYS) !== 0;
  }

  /** A debug option (defined in a Kconfig.debug file or under "Kernel hacking"). */
  isDebug(sym: string): boolean {
    return ((this.flags(sym) ?? 0) & DEBUG) !== 0;
  }

  /** Why the option cannot be enabled on this architecture. */
  why(sym: string): string {
    if (this.facts.why[sym]) return this.facts.why[sym];
    const where = this.facts.elsewhere[sym];
    if (where) return `CONFIG_${sym} is defined only for other architectures (${where.slice(0, 3).join(', ')}${where.length > 3 ? ', ...' : ''})`;
    return `CONFIG_${sym} can be enabled on ${this.arch}`;
  }

  /** What Kconfig says about an atom: true (always on), false (never), undefined (either). */
  readonly query = (a: Atom): boolean | undefined => {
    if (a.k !== 'cfg' && a.k !== 'cmp') return undefined;
    const p = this.possible(a.sym);
    if (p === false) return false;
    if (a.k === 'cmp') return undefined;
    if (a.form === 'module') return ((this.flags(a.sym) ?? 0) & BOOL) !== 0 ? false : undefined;
    return this.always(a.sym) ? true : undefined;
  };
}

/** This build of lazymmu (a cache written by another build is not trusted). */
function codeSig(): string {
  const files = [__filename];
  for (const m of ['./kconfig', './possibility', './cond']) {
    try {
      files.push(require.resolve(m));
    } catch {
      // bundled: __filename holds them all
    }
  }
  try {
    return files.map((f) => `${fs.statSync(f).size}:${fs.statSync(f).mtimeMs}`).join(',');
  } catch {
    return String(Math.random());
  }
}

function filesSig(root: string, files: string[]): string {
  const h = crypto.createHash('sha1');
  for (const f of files) {
    try {
      const st = fs.statSync(path.join(root, f));
      h.update(`${f}:${st.size}:${st.mtimeMs}\n`);
    } catch {
      h.update(`${f}:-\n`);
    }
  }
  return h.digest('hex');
}
