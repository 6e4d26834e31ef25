// What the checked tree's architectures do in lazy MMU mode, and which code
// runs where. The facts are data (catalogue: lazyModeImplementations,
// ruleArchitectures, testCodeFiles); this module reads the tree's files the
// probes name, once, and answers the checkers' questions: which
// implementations are present, which of them misbehave on a path, whether a
// rule judges a file, whether a file is test code.
import * as fs from 'fs';
import * as path from 'path';
import { Minimatch } from 'minimatch';
import { Catalogue, LazyModeImplementation, TreeFact } from './catalogue/catalogue';
import { Cond } from './config/cond';
import { isKernelTree } from './index/workspaceIndex';

/** An implementation present in the tree, its facts decided. */
export interface Implementation {
  id: string;
  name: string;
  arch: string;
  defers: Set<string>;
  hooks: Set<string>;
  nestingCrashes: boolean;
  disablesPreemption: boolean;
  defersKernelBarriers: boolean;
  highmemPageTables: boolean;
  noHugePages: boolean;
}

type BoolFact = Exclude<keyof LazyModeImplementation, 'name' | 'arch' | 'defers' | 'hooks' | 'present'>;

export class TreeArchitectures {
  private readonly kernel: boolean;
  private present: Implementation[] | null = null;
  private readonly texts = new Map<string, string | null>();
  private readonly testCache = new Map<string, boolean>();
  /** The catalogue's test-code globs compiled once (compiling them again for each of the tree's files was a cost). */
  private testGlobs: Minimatch[] | null = null;

  /** The root with a trailing separator: files under it start with this. */
  private readonly rootPrefix: string;

  constructor(
    readonly root: string,
    private readonly cat: Catalogue,
  ) {
    this.kernel = isKernelTree(root);
    this.rootPrefix = path.isAbsolute(root) && path.normalize(root) === root && path.sep === '/' ? root.replace(/\/+$/, '') + '/' : '\0';
  }

  /** The implementations the tree has (all facts decided once, from the tree's files). */
  implementations(): Implementation[] {
    if (this.present) return this.present;
    const out: Implementation[] = [];
    for (const [id, d] of this.cat.lazyModeImplementations) {
      if (!this.decide(d.present)) continue;
      // A fact an implementation does not state is false.
      const fact = (k: BoolFact) => (d[k] === undefined ? false : this.decide(d[k]));
      out.push({
        id,
        name: d.name,
        arch: d.arch,
        defers: new Set(d.defers),
        hooks: new Set(d.hooks ?? []),
        nestingCrashes: fact('nestingCrashes'),
        disablesPreemption: fact('disablesPreemption'),
        defersKernelBarriers: fact('defersKernelBarriers'),
        highmemPageTables: fact('highmemPageTables'),
        noHugePages: fact('noHugePages'),
      });
    }
    return (this.present = out);
  }

  private decide(f: TreeFact): boolean {
    if (typeof f === 'boolean') return f;
    if (!this.kernel) return f.otherwise;
    let text = this.texts.get(f.file);
    if (text === undefined) {
      try {
        text = fs.readFileSync(path.join(this.root, f.file), 'utf8');
      } catch {
        text = null;
      }
      this.texts.set(f.file, text);
    }
    if (text === null) return false;
    try {
      return new RegExp(f.pattern).test(text);
    } catch {
      return false;
    }
  }

  /** The tree-relative path with forward slashes, or null outside the root. */
  private rel(file: string): string | null {
    const r = path.relative(this.root, file);
    return !r || r.startsWith('..') || path.isAbsolute(r) ? null : r.split(path.sep).join('/');
  }

  /** The architecture whose arch/ directory holds `file` (null for generic code). */
  archOf(file: string): string | null {
    // Asked for every file of every path of every hit (readAfterWrite's ranking, each check after an edit):
    // an indexed file (absolute, normalised, under the root) outside arch/ is told without path.relative's strings.
    const under = this.rootPrefix.length;
    if (file.startsWith(this.rootPrefix) && !file.startsWith('arch/', under) && plainPath(file)) return null;
    const r = this.rel(file);
    const m = r ? /^arch\/([^/]+)\//.exec(r) : null;
    return m ? m[1] : null;
  }

  /** Whether code in all of `files` can run on `arch`: none of them is in another architecture's arch/ directory. */
  canRunOn(files: Iterable<string>, arch: string): boolean {
    for (const f of files) {
      const a = this.archOf(f);
      if (a && a !== arch) return false;
    }
    return true;
  }

  /** Whether `rule` judges `file` (rules bound to architectures judge only code those build). */
  judges(rule: string, file: string): boolean {
    const archs = this.cat.ruleArchitectures.get(rule);
    if (!archs) return true;
    const a = this.archOf(file);
    return !a || archs.includes(a);
  }

  /** The architectures a rule is about (ruleArchitectures), or null for rules about the mode itself. */
  ruleArchitectures(rule: string): string[] | null {
    return this.cat.ruleArchitectures.get(rule) ?? null;
  }

  /**
   * The present implementations for which `misbehaves` holds and that can
   * run the path: code in all of `files`, under its conditions `conds` (a
   * path that needs huge pages does not run where they are never mapped).
   */
  misbehaving(files: Iterable<string>, misbehaves: (i: Implementation) => boolean, conds: Cond[] = []): Implementation[] {
    const fs_ = [...files];
    const huge = conds.some((c) => c.k === 'cfg' && this.cat.hugePageOptions.has(`CONFIG_${c.sym}`));
    return this.implementations().filter((i) => misbehaves(i) && this.canRunOn(fs_, i.arch) && !(huge && i.noHugePages));
  }

  /**
   * The architecture whose own code the path runs through (a file under its
   * arch/ directory), or null for a path of generic code only. Such a path
   * runs on that architecture alone, and its code may rely on what that
   * architecture's implementation of the mode does: the generic contract
   * ("generic code may not sleep", "read hazards must be removed") is not
   * its rule, only what the implementation really does.
   */
  ownCodeOf(files: Iterable<string>): string | null {
    for (const f of files) {
      const a = this.archOf(f);
      if (a) return a;
    }
    return null;
  }

  /** Whether `file` is test code (catalogue testCodeFiles): never part of a chain. */
  isTestCode(file: string): boolean {
    let v = this.testCache.get(file);
    if (v === undefined) {
      const r = this.rel(file) ?? file.split(path.sep).join('/');
      this.testGlobs ??= this.cat.testCodeFiles.map((g) => new Minimatch(g, { dot: true, matchBase: !g.includes('/') }));
      v = this.testGlobs.some((m) => m.match(r));
      this.testCache.set(file, v);
    }
    return v;
  }
}

/** A path path.relative would not rewrite: no empty, `.` or `..` segment (so its text under the root is its relative path). */
function plainPath(file: string): boolean {
  return !file.includes('//') && !file.includes('/./') && !file.includes('/../') && !file.endsWith('/.') && !file.endsWith('/..');
}

/** "x86 Xen PV", "powerpc hash and sparc64", "a, b and c". */
export function nameList(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
