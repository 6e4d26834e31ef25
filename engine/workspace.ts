// A checked tree that lives on: the index and parsed files are kept between
// checks, and files can be given new text (an editor's unsaved buffer).
// The CLI makes one and checks once; the language server keeps one.
import * as fs from 'fs';
import * as path from 'path';
import { Finding, InputProblem } from './findings';
import { Catalogue, loadCatalogue } from './catalogue/catalogue';
import { WorkspaceIndex, looksBinary } from './index/workspaceIndex';
import { ensureParser } from './parse/cParser';
import { SourceCache } from './analysis/sourceCache';
import { Interpreter, ModeEvent, ReadHit, SectionCall } from './analysis/interpreter';
import { Reachability } from './index/reachability';
import { nestedSectionFindings } from './checkers/nestedSection';
import { allocInSectionFindings } from './checkers/allocInSection';
import { sleepInSectionFindings } from './checkers/sleepInSection';
import { pauseMisuseFindings, unbalancedFindings } from './checkers/unbalancedSection';
import { onePerPlace } from './checkers/sectionFinding';
import { breakBeforeMakeFindings, mayNeedBreakBeforeMake } from './checkers/breakBeforeMake';
import { kernelAccessBeforeFlushFindings, mayAccessBeforeFlush } from './checkers/kernelAccessBeforeFlush';
import { withDerivedApis } from './checkers/derivedApis';
import { readAfterWriteFinding } from './checkers/readAfterWrite';
import { isSuppressed } from './suppression';
import { SectionInfo, sectionInfoFor } from './sectionInfo';
import { KernelConfig } from './kernelConfig';

export interface WorkspaceOptions {
  root: string;
  arch?: string;
  extraApisFile?: string;
  catalogue?: Catalogue;
  /** A kernel .config: decides #ifdef CONFIG_* and IS_ENABLED(); findings needing a disabled option are dropped. */
  kernelConfig?: KernelConfig;
  /** Base directory of the on-disk index cache (see engine/index/indexCache.ts); no cache when absent. */
  cacheDir?: string;
}

export interface CheckResult {
  root: string;
  findings: Finding[];
  problems: InputProblem[];
}

/** Reads a source file as text, or explains why it cannot be analysed. */
export function readSource(file: string): { text: string } | { problem: string } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    return { problem: `cannot read: ${(e as Error).message}` };
  }
  if (looksBinary(buf)) return { problem: 'binary file (NUL bytes), not analysed' };
  return { text: buf.toString('utf8') };
}

export function isUnder(file: string, paths: string[]): boolean {
  return paths.some((p) => file === p || file.startsWith(p.endsWith(path.sep) ? p : p + path.sep));
}

export class Workspace {
  readonly root: string;
  readonly catalogue: Catalogue;
  readonly index: WorkspaceIndex;
  private overlays = new Map<string, string>();
  private readProblems = new Map<string, string>();
  private sources: SourceCache;
  readonly kernelConfig?: KernelConfig;

  constructor(opts: WorkspaceOptions) {
    this.kernelConfig = opts.kernelConfig;
    this.root = path.resolve(opts.root);
    this.catalogue = opts.catalogue ?? loadCatalogue(opts.extraApisFile);
    this.index = new WorkspaceIndex({ root: this.root, arch: opts.arch ?? 'arm64', catalogue: this.catalogue, cacheDir: opts.cacheDir });
    this.sources = new SourceCache(this.catalogue, (file) => this.textOf(file));
  }

  /** Indexes the tree (the cheap scan of every covered file). */
  build(): void {
    this.index.build();
  }

  private textOf(file: string): string | null {
    const o = this.overlays.get(file);
    if (o !== undefined) return o;
    const r = readSource(file);
    if ('problem' in r) {
      this.readProblems.set(file, r.problem);
      return null;
    }
    this.readProblems.delete(file);
    return r.text;
  }

  /** Gives a file new text (null: back to what is on disk) and re-indexes it. */
  setText(file: string, text: string | null): void {
    file = path.resolve(file);
    if (text === null) this.overlays.delete(file);
    else this.overlays.set(file, text);
    this.sources.invalidate(file);
    const t = this.textOf(file);
    if (t === null) this.index.removeFile(file);
    else this.index.addScan(file, Buffer.from(t));
  }

  /** Makes sure files named for checking are in the index even when outside the root. */
  private include(paths: string[]): void {
    const known = new Set(this.index.files());
    for (const p of paths) {
      if (known.has(p) || this.overlays.has(p)) continue;
      if (fs.existsSync(p) && fs.statSync(p).isFile()) {
        const t = this.textOf(p);
        if (t !== null) this.index.addScan(p, Buffer.from(t));
      }
    }
  }

  /**
   * Analyses every function that uses the lazy-mode API (where sections start
   * and end), following calls as the interpreter needs, then runs every
   * checker; reports what falls in `paths`.
   */
  async check(pathsIn: string[]): Promise<CheckResult> {
    const paths = pathsIn.map((p) => path.resolve(p));
    this.include(paths);
    await ensureParser();
    const interp = new Interpreter(this.index, this.catalogue, this.sources, this.kernelConfig);
    const inPaths = (f: Finding) => isUnder(f.file, paths);
    let findings: Finding[] = [];
    try {
      const hits: ReadHit[] = [];
      const events: ModeEvent[] = [];
      const calls: SectionCall[] = [];
      for (const user of this.index.lazyApiUsers()) {
        const ref = this.sources.functionAt(user.file, user.name, user.line);
        if (!ref) continue;
        const sum = interp.summarize(ref, { depth: 0, paused: 0 }, []);
        for (const h of sum.hits) hits.push(h);
        for (const e of sum.modeEvents) events.push(e);
        for (const c of sum.sectionCalls) calls.push(c);
        for (const f of [...unbalancedFindings(ref.name, sum), ...pauseMisuseFindings(ref.name, sum)]) findings.push(f);
      }
      findings.push(
        ...groupHitsByRead(hits.filter((h) => isUnder(h.read.file, paths))).map((g) => readAfterWriteFinding(g.hit, g.otherWrites)),
      );
      const here = calls.filter((c) => isUnder(c.at.file, paths));
      if (here.length || events.some((e) => isUnder(e.at.file, paths))) {
        const cat = this.catalogue;
        const enters = new Set([...cat.lazyMode].filter(([, v]) => v.op === 'enter').map(([k]) => k));
        findings.push(...nestedSectionFindings(events, here, new Reachability(this.index, enters, 24, cat.chainBarriers), this.sources));
        findings.push(...allocInSectionFindings(here, new Reachability(this.index, cat.pageTableAllocators, 3, cat.chainBarriers), this.sources, cat));
        findings.push(...sleepInSectionFindings(here, new Reachability(this.index, cat.sleepers, 2, cat.chainBarriers), this.sources, cat));
      }
      // The intraprocedural rules, on the functions of the PATHs whose calls can match.
      for (const file of this.index.files()) {
        if (!isUnder(file, paths)) continue;
        for (const def of this.index.functionsIn(file)) {
          // Functions that build a new entry value, or open a section, may reach a
          // setter or mapper through their helpers: those become APIs for this check.
          const maybe = def.calls.some((c) => this.catalogue.pteMakers.has(c) || this.catalogue.lazyMode.get(c)?.op === 'enter');
          const cat = maybe ? withDerivedApis(this.catalogue, this.index, this.sources, def.calls, file) : this.catalogue;
          const bbm = mayNeedBreakBeforeMake(def.calls, cat);
          const kafb = mayAccessBeforeFlush(def.calls, cat);
          if (!bbm && !kafb) continue;
          const ref = this.sources.functionAt(file, def.name, def.line);
          if (!ref) continue;
          if (bbm) for (const f of breakBeforeMakeFindings(ref, cat)) findings.push(f);
          if (kafb) for (const f of kernelAccessBeforeFlushFindings(ref, cat)) findings.push(f);
        }
      }
    } finally {
      interp.dispose();
    }
    findings = onePerPlace(findings.filter(inPaths)).filter((f) => !isSuppressed(f, this.textOf(f.file)));
    if (this.kernelConfig) findings = findings.filter((f) => !f.conditions.some((c) => this.kernelConfig!.decide(c) === false));
    findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
    const problems: InputProblem[] = this.index.problems.filter((p) => isUnder(p.file, paths));
    for (const p of paths) {
      const probe = fs.existsSync(p) && fs.statSync(p).isFile() ? this.textOf(p) : '';
      if (probe === null) problems.push({ file: p, message: this.readProblems.get(p) ?? 'cannot read' });
    }
    return { root: this.root, findings, problems };
  }

  /**
   * The lazy MMU section whose enter or leave call is on 1-based `line` of
   * `file`: what it writes, reads and calls (with each callee's effect), from
   * the interpreter's summary of the function holding it. Read-only.
   */
  async sectionAt(fileIn: string, line: number): Promise<SectionInfo | null> {
    const file = path.resolve(fileIn);
    this.include([file]);
    await ensureParser();
    const def = this.index
      .functionsIn(file)
      .map((d) => this.sources.functionAt(file, d.name, d.line))
      .find((r) => r && r.node.startPosition.row + 1 <= line && line <= r.node.endPosition.row + 1);
    if (!def) return null;
    const interp = new Interpreter(this.index, this.catalogue, this.sources, this.kernelConfig);
    try {
      const cat = this.catalogue;
      const reaches = new Map<string, Reachability>();
      const reach = (kind: 'enter' | 'alloc' | 'sleep'): Reachability => {
        let r = reaches.get(kind);
        if (!r) {
          const enters = new Set([...cat.lazyMode].filter(([, v]) => v.op === 'enter').map(([k]) => k));
          r =
            kind === 'enter'
              ? new Reachability(this.index, enters, 24, cat.chainBarriers)
              : kind === 'alloc'
                ? new Reachability(this.index, cat.pageTableAllocators, 3, cat.chainBarriers)
                : new Reachability(this.index, cat.sleepers, 2, cat.chainBarriers);
          reaches.set(kind, r);
        }
        return r;
      };
      return sectionInfoFor(def, line, { cat, interp, reach });
    } finally {
      interp.dispose();
    }
  }
}

/**
 * One finding per read (per line): several writes can reach the same read (different
 * writers, different paths); the one with fewest conditions, then the shortest
 * chain, is shown and the others are counted, so one read is one diagnostic.
 */
function groupHitsByRead(all: ReadHit[]): { hit: ReadHit; otherWrites: number }[] {
  const at = (h: { file: string; line: number; column: number }) => `${h.file}:${h.line}:${h.column}`;
  const len = (h: ReadHit) => h.write.chain.length + h.readChain.length;
  const groups = new Map<string, { best: ReadHit; writes: Set<string> }>();
  for (const h of all) {
    const leaf = h.write.chain[h.write.chain.length - 1];
    // Per line: a macro's argument read and the same read inside its expansion are one.
    const k = `${h.read.file}:${h.read.line}`;
    const g = groups.get(k);
    if (!g) {
      groups.set(k, { best: h, writes: new Set([leaf ? at(leaf) : '']) });
      continue;
    }
    g.writes.add(leaf ? at(leaf) : '');
    const p = g.best;
    const tie = h.conds.length === p.conds.length && len(h) === len(p) && h.read.column > p.read.column;
    if (h.conds.length < p.conds.length || (h.conds.length === p.conds.length && len(h) < len(p)) || tie) g.best = h;
  }
  return [...groups.values()].map((g) => ({ hit: g.best, otherWrites: g.writes.size - 1 }));
}
