// The configuration oracle of one (tree, architecture): a pinned .config when
// given, else what the architecture's Kconfig makes possible, and which files
// its Kbuild Makefiles build. It decides the interpreter's #if/IS_ENABLED()
// branches, which definitions are callees at all (a definition under an
// impossible #if, or in a file never built, is none), and which findings
// stand, are dropped, or are latent.
//
// A distribution's configuration (--kernel-config debian) decides every option
// but the debug options it leaves off: maintainers run the same kernel with
// debugging turned on, so a finding that needs one stays and says so.
import * as fs from 'fs';
import * as path from 'path';
import { Atom, Cond, TRUE, and, conjuncts, fold, isFalse, isSwitch, parseCond, reduce, relax, show } from './cond';
import { ArchOptions } from './archOptions';
import { Kbuild } from './kbuild';
import { KernelConfig } from './kernelConfig';

export interface PinnedConfig {
  /** A user's .config pins everything; a distribution's leaves its debug options possible. */
  kind: 'file' | 'distribution';
  file: string;
  /** How it is named in the output: the file, or "Debian linux-config-6.12 6.12.117-1~deb12u1 (config.arm64_none_arm64)". */
  label: string;
  values: KernelConfig;
}

/** An option a finding needs, as data for the front ends. */
export interface OptionNeed {
  option: string;
  /** Defined in a Kconfig.debug file or under "Kernel hacking". */
  debug: boolean;
  /** Its value in the pinned configuration, when one is given ('n' when it leaves the option off). */
  configured?: string;
}

/** Which configuration decided: for the summary line, the JSON field, the SARIF run property, the server log. */
export interface ConfigurationInfo {
  arch: string;
  /** The tree's Kconfig was read for the architecture. */
  kconfig: boolean;
  pinned?: { kind: 'file' | 'distribution'; file: string; label: string };
  text: string;
}

export class ConfigOracle {
  private options: ArchOptions | null | undefined;
  private readonly kbuild: Kbuild | null;
  private fileMemo = new Map<string, Cond>();
  /** Viability by file and by #if text, apart: a joined key was a new string to hash on every callee lookup. */
  private fileViable = new Map<string, boolean>();
  private condViable = new Map<string, boolean>();
  /** Milliseconds spent reading Kconfig (or its cache), for --stats. */
  kconfigMs = 0;

  constructor(
    readonly root: string,
    readonly arch: string,
    readonly pinned?: PinnedConfig,
    private readonly cacheDir?: string,
  ) {
    this.root = path.resolve(root);
    this.kbuild = hasKconfig(this.root) ? new Kbuild(this.root, arch) : null;
  }

  /** The architecture's Kconfig facts (read on first use), or null when the tree has no Kconfig. */
  archOptions(): ArchOptions | null {
    if (this.options === undefined) {
      const t = Date.now();
      this.options = hasKconfig(this.root) ? ArchOptions.load(this.root, this.arch, this.cacheDir) : null;
      this.kconfigMs += Date.now() - t;
    }
    return this.options;
  }

  /**
   * Reads now what the first lookups after an index build read, for a thread
   * waiting for the scan workers (~2 s of a kernel tree's cold run otherwise
   * on the analysis's thread after the scan): the Kconfig facts here, and
   * each file's Kbuild condition as its scan arrives (prepareFile). Every
   * answer is the same whenever read.
   */
  prepareForLookups(): void {
    if (this.active) this.archOptions();
  }

  /** Whether the file can be built, read now: called for a file that defines something (a lookup may ask). */
  prepareFile(file: string): void {
    if (this.active && file.endsWith('.c')) this.viable(file, '');
  }

  /** Whether the oracle can decide anything (a Kconfig tree or a pinned .config). */
  get active(): boolean {
    return !!this.pinned || !!this.kbuild;
  }

  private pinnedDecides(a: Atom): boolean | undefined {
    const p = this.pinned;
    if (!p) return undefined;
    const v = p.values.query(a);
    if (v === false && p.kind === 'distribution' && a.k === 'cfg' && this.archOptions()?.isDebug(a.sym)) return undefined;
    return v;
  }

  /** What the configuration says about one atom. */
  readonly query = (a: Atom): boolean | undefined => {
    const pinned = this.pinnedDecides(a);
    if (pinned !== undefined) return pinned;
    return this.archOptions()?.query(a);
  };

  decide(c: string | Cond): boolean | undefined {
    if (!this.active) return undefined;
    return fold(typeof c === 'string' ? parseCond(c) : c, this.query);
  }

  /** The condition with what the configuration decides put in: true, false, or what is left. */
  reduce(c: Cond): Cond {
    return this.active ? reduce(c, this.query) : c;
  }

  /** The condition under which the file is built (true for headers, unknown files and trees without Kbuild). */
  fileCondition(file: string): Cond {
    if (!this.kbuild) return TRUE;
    let c = this.fileMemo.get(file);
    if (!c) {
      const rel = this.relative(file);
      c = rel.startsWith('..') || path.isAbsolute(rel) ? TRUE : this.kbuild.fileCondition(rel);
      this.fileMemo.set(file, c);
    }
    return c;
  }

  /**
   * The tree-relative path with '/' separators, as path.relative gives it. A
   * listed file is under the root already, its path normal: then a slice
   * (path.relative resolves both paths, ~20 us a file on a kernel tree).
   */
  private relative(file: string): string {
    const under = file.startsWith(this.root) && file[this.root.length] === path.sep ? file.slice(this.root.length + 1) : null;
    if (under !== null && !NOT_NORMAL.test(under)) return path.sep === '/' ? under : under.split(path.sep).join('/');
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  /** Whether the architecture can build the file: false with the reason, else built. */
  builds(file: string): { built: true } | { built: false; why: string } {
    const c = this.fileCondition(file);
    const v = fold(c, this.query);
    if (v !== false) return { built: true };
    const rel = path.relative(this.root, file).split(path.sep).join('/');
    if (isFalse(c)) return { built: false, why: `${rel} is another architecture's code (${rel.split('/').slice(0, 2).join('/')}/)` };
    return { built: false, why: `${rel} is built only when ${show(c)}: ${this.whyNot(c)}` };
  }

  /**
   * Whether a definition can be a callee: its #if condition can hold and its
   * file can be built. Remembered per file and per condition.
   */
  viable(file: string, condition: string): boolean {
    if (!this.active) return true;
    if (condition) {
      let c = this.condViable.get(condition);
      if (c === undefined) this.condViable.set(condition, (c = fold(parseCond(condition), this.query) !== false));
      if (!c) return false;
    }
    let f = this.fileViable.get(file);
    if (f === undefined) this.fileViable.set(file, (f = fold(this.fileCondition(file), this.query) !== false));
    return f;
  }

  /** Why a condition the configuration rules out cannot hold, in a sentence. */
  whyNot(c: Cond): string {
    const opts = this.archOptions();
    const reasons: string[] = [];
    const seen = new Set<string>();
    // Positive atoms that cannot hold, negated atoms that always hold.
    const visit = (x: Cond, neg: boolean) => {
      if (x.k === 'not') return visit(x.x, !neg);
      if (x.k === 'and' || x.k === 'or') return x.xs.forEach((y) => visit(y, neg));
      if (x.k !== 'cfg' && x.k !== 'cmp') return;
      const v = this.query(x);
      if (v === undefined || v === !neg || seen.has(x.sym)) return;
      seen.add(x.sym);
      const pinned = this.pinnedDecides(x);
      if (pinned !== undefined) reasons.push(`CONFIG_${x.sym} is ${neg ? 'set' : 'not set'} in ${this.pinned!.label}`);
      else if (neg) reasons.push(`${this.arch} always has CONFIG_${x.sym}`);
      else reasons.push(opts ? opts.why(x.sym) : `CONFIG_${x.sym} cannot be enabled`);
    };
    visit(c, false);
    return reasons.length ? reasons.join('; ') : `${show(c)} cannot hold on ${this.arch}`;
  }

  /** The options a condition needs on (positive occurrences the configuration leaves open or pins). */
  needs(c: Cond): OptionNeed[] {
    const out = new Map<string, OptionNeed>();
    const visit = (x: Cond, neg: boolean) => {
      if (x.k === 'not') return visit(x.x, !neg);
      if (x.k === 'and' || x.k === 'or') return x.xs.forEach((y) => visit(y, neg));
      if (x.k !== 'cfg' || neg || out.has(x.sym)) return;
      const need: OptionNeed = { option: `CONFIG_${x.sym}`, debug: !!this.archOptions()?.isDebug(x.sym) };
      if (this.pinned) need.configured = this.pinned.values.value(x.sym);
      out.set(x.sym, need);
    };
    visit(c, false);
    return [...out.values()];
  }

  /** Which configuration decides, for the output. */
  info(): ConfigurationInfo {
    const kconfig = !!this.kbuild;
    const p = this.pinned;
    const base = kconfig ? `the tree's Kconfig and Kbuild for ${this.arch}` : `no Kconfig in the tree`;
    let text: string;
    if (!p) text = kconfig ? `${base}: options ${this.arch} can never enable are off, files it never builds are left out; no .config pinned` : `${base}; no .config pinned`;
    else if (p.kind === 'distribution') text = `${p.label}, with ${base}; debug options it leaves off stay possible and findings needing them say so`;
    else text = `${p.label} (every option pinned), with ${base}`;
    return { arch: this.arch, kconfig, ...(p ? { pinned: { kind: p.kind, file: p.file, label: p.label } } : {}), text };
  }
}

/** A path part path.relative would resolve: empty, `.` or `..` (either separator). */
const NOT_NORMAL = /(^|[\\/])\.{0,2}([\\/]|$)/;

function hasKconfig(root: string): boolean {
  try {
    return fs.statSync(path.join(root, 'Kconfig')).isFile();
  } catch {
    return false;
  }
}

/**
 * A finding's condition fields from a path's conjuncts: configuration options
 * and runtime switches only, simplified (no comments, no repeats), as data and
 * as text (one string per conjunct).
 */
export function conditionFields(conds: Cond[]): { conditions: string[]; condition?: Cond } {
  const c = relax(and(...conds), isSwitch);
  const parts = conjuncts(c);
  return parts.length ? { conditions: parts.map(show), condition: c } : { conditions: [] };
}
