// The intraprocedural rules' verdicts (break-before-make,
// kernel-access-before-flush) kept in memory per definition while a
// Workspace lives: an editor's check per keystroke walks only the functions
// an edit touched. A verdict is reused while its function's text and the
// functions its derived APIs were looked up in stay the same (its places
// moved with edits elsewhere in its file). On disk, per file and per
// function, they are kept by store/keptLocals.ts; this module knows nothing
// of the store but the host's storedVerdict.
import type { Catalogue } from '../catalogue/catalogue';
import type { TreeArchitectures } from '../architectures';
import type { FunctionRef, SourceCache } from '../analysis/sourceCache';
import type { Definition, IndexDelta, WorkspaceIndex } from '../index/workspaceIndex';
import { Finding, findingPlaces, moveFinding } from '../findings';
import { MAX_PARSED_TEXT, MAX_SECTIONS_PER_FILE } from '../inputBounds';
import { LOCAL_RULES } from './index';
import { runLocalRules } from './localRules';
import { withDerivedApis } from './derivedApis';
import type { LocalTrace } from '../analysis/walk/localResume';
import { setsMeet } from '../setsMeet';

/** What the verdicts read of the Workspace they are kept for. */
export interface LocalVerdictsHost {
  catalogue: Catalogue;
  index: WorkspaceIndex;
  sources: SourceCache;
  architectures: TreeArchitectures;
  /** Whether a file is an editor's buffer (its walk keeps what a view needs: localRules.ts). */
  viewed(file: string): boolean;
  /** The length of a file's text, without reading it (a file past MAX_PARSED_TEXT is not walked). */
  sizeOf(file: string): number;
  /**
   * A function's verdict kept outside this Workspace (the analysis store's,
   * keyed by its text and place and what it read), asked before it is walked
   * the first time here; null when none holds.
   */
  storedVerdict?(def: Definition): { findings: Finding[]; names?: string[]; fns?: string[] } | null;
}

/** One function's verdict as this walk used it (walked, kept here, or stored): what a store keeps per function. */
export interface FunctionVerdict {
  name: string;
  line: number;
  findings: Finding[];
  deps: { names: Set<string>; fns: Set<string> };
}

/** One function's kept verdict and what it was computed from. */
interface Verdict {
  text: string;
  row: number;
  column: number;
  /** Names looked up and helpers read for the derived APIs (see withDerivedApis). */
  names: Set<string>;
  fns: Set<string>;
  /** The derived APIs, as JSON (derivedSignatures): when one of `names`/`fns` changes, the verdict holds if these come out the same. */
  derived: string;
  /**
   * The same without the calls inside the helpers (`via`, related locations
   * only): what the walk's paths depend on. A verdict whose findings name no
   * place outside its function (`ownOnly`) holds when only these came out the
   * same (an edit above a helper moved its calls' lines).
   */
  shape: string;
  stale: boolean;
  files: Set<string>;
  ownOnly: boolean;
  findings: Finding[];
}

/** A file's verdicts: its findings, what they read besides its text (store/keptLocals.ts keys them by it), functions left out. */
export interface FileVerdicts {
  findings: Finding[];
  deps: { names: Set<string>; fns: Set<string> };
  leftOut: number;
  /** Each function's verdict used (not those left out by the bound, nor those no rule can match). */
  functions: FunctionVerdict[];
}

export class LocalVerdicts {
  private readonly byDefinition = new Map<Definition, Verdict>();
  /**
   * The last walk of each function of an editor's buffer (FunctionRef.key),
   * which the next walk after an edit restarts from (analysis/walk/localResume.ts).
   */
  private readonly traces = new Map<string, LocalTrace>();
  /** Files whose functions were walked here (ofFile) since clear(): their verdicts are kept in memory across edits. */
  private readonly walkedFiles = new Set<string>();

  constructor(private readonly host: LocalVerdictsHost) {}

  /**
   * Whether `file`'s verdicts were made here: then ofFile answers from the
   * verdicts kept per function, cheaper after an edit than the analysis
   * store's key of the file's entry (~15 ms on mm/memory.c: every derived
   * API name's definitions serialised and hashed).
   */
  walked(file: string): boolean {
    return this.walkedFiles.has(file);
  }

  /** The local rules on every function of `file` (at most MAX_SECTIONS_PER_FILE whose calls can match: inputBounds.ts). */
  ofFile(file: string): FileVerdicts {
    const findings: Finding[] = [];
    const deps = { names: new Set<string>(), fns: new Set<string>() };
    const budget = { left: MAX_SECTIONS_PER_FILE, leftOut: 0 };
    const functions: FunctionVerdict[] = [];
    this.walkedFiles.add(file);
    // Too large to parse (inputBounds.ts; said with its sections): no function of it can be walked.
    const cat = this.host.catalogue;
    if (this.host.sizeOf(file) <= MAX_PARSED_TEXT)
      for (const def of this.host.index.functionsIn(file) as Definition[]) {
        // Most functions of a tree: no rule looks at them, so nothing is walked or kept (a verdict kept
        // while its calls were others, before an edit, goes: as ofFunction would drop it).
        if (!mayBeJudged(def.calls, cat)) {
          this.byDefinition.delete(def);
          continue;
        }
        for (const f of this.ofFunction(def, budget, functions)) findings.push(f);
      }
    for (const v of functions) for (const [from, to] of [[v.deps.names, deps.names], [v.deps.fns, deps.fns]]) for (const x of from) to.add(x);
    return { findings, deps, leftOut: budget.leftOut, functions };
  }

  /**
   * After `file` was indexed again: verdicts of removed definitions go, those
   * naming places in the file outside their function go, those derived from a
   * changed name or function are checked again when next asked for.
   */
  afterIndexChange(file: string, delta: IndexDelta, changedFunctions: Set<string>): void {
    const names = delta.changedNames;
    for (const d of delta.removed) this.byDefinition.delete(d as Definition);
    for (const [k, e] of this.byDefinition) {
      if (e.files.has(file) && !e.ownOnly) this.byDefinition.delete(k);
      else if (setsMeet(e.names, names) || setsMeet(e.fns, changedFunctions)) e.stale = true;
    }
  }

  /** Lets go of every verdict (a new index, or the analysis released). */
  clear(): void {
    this.byDefinition.clear();
    this.traces.clear();
    this.walkedFiles.clear();
  }

  /**
   * The intraprocedural rules on one function. Functions that build a new
   * entry value, or open a section, may reach a setter or mapper through
   * their helpers: those become APIs for the check (withDerivedApis). Kept
   * per definition until the function moves or changes, or a name or helper
   * it was derived from changes, or (when a finding names places outside the
   * function) its file is edited.
   */
  private ofFunction(def: Definition, budget: { left: number; leftOut: number }, used: FunctionVerdict[]): Finding[] {
    const { index, sources, architectures } = this.host;
    // At most MAX_SECTIONS_PER_FILE functions of a file whose calls can match, in line order (inputBounds.ts).
    const cat0 = this.host.catalogue;
    const maybe = makesOrOpens(def.calls, cat0);
    // Every function here may be judged (mayBeJudged): each counts against the file's budget.
    if (budget.left <= 0) {
      budget.leftOut++;
      return [];
    }
    budget.left--;
    const known = this.byDefinition.get(def);
    const use = (findings: Finding[], names: Set<string>, fns: Set<string>) => {
      used.push({ name: def.name, line: def.line, findings, deps: { names, fns } });
      return findings;
    };
    // The same text gives the same verdict wherever the function moved: findings whose places are all
    // inside it move with it (messages hold places, not line numbers); others are reused only in place.
    const holds = (fn: FunctionRef | null) =>
      !!known &&
      (fn
        ? fn.node.text === known.text &&
          (!known.findings.length || fn.node.startPosition.row === known.row || (known.ownOnly && fn.node.startPosition.column === known.column))
        : !known.text);
    const moved = (fn: FunctionRef | null): Finding[] => {
      const k = known!;
      const row = fn?.node.startPosition.row;
      if (row !== undefined && row !== k.row && k.findings.length) {
        const d = row - k.row;
        k.findings = k.findings.map((f) => moveFinding(f, def.file, (line, column) => [line + d, column]));
        k.row = row;
      }
      return k.findings;
    };
    if (known && !known.stale) {
      const fn = known.text ? sources.functionAt(def.file, def.name, def.line) : null;
      if (holds(fn)) return use(moved(fn), known.names, known.fns);
    }
    // Not walked in this Workspace yet: its stored verdict, if one holds (an editor's buffer's walk keeps more: not stored).
    const stored = known || this.host.viewed(def.file) ? null : this.host.storedVerdict?.(def);
    if (stored) return use(stored.findings, new Set(stored.names), new Set(stored.fns));
    const deps = { names: new Set<string>([def.name]), fns: new Set<string>() };

    const cat = maybe ? withDerivedApis(cat0, index, sources, def.calls, def.file, deps) : cat0;
    const { derived, shape } = maybe ? derivedSignatures(cat, cat0) : { derived: '', shape: '' };
    // Rules bound to an architecture judge only code it builds (not another arch/ directory).
    const rules = LOCAL_RULES.filter((r) => r.mayFind(def.calls, cat) && architectures.judges(r.rule, def.file));
    const fn = rules.length ? sources.functionAt(def.file, def.name, def.line) : null;
    // A name or helper it was derived from changed, but the derived APIs came out the same: the verdict holds.
    // Findings with no place outside the function hold too when only the helpers' call places moved (none is in them).
    if (known && known.stale && (known.derived === derived || (known.ownOnly && known.shape === shape)) && holds(fn)) {
      Object.assign(known, deps, { stale: false, derived, shape });
      return use(moved(fn), known.names, known.fns);
    }
    const findings: Finding[] = [];
    // The local rules that can match, together on one walk of the function.
    if (fn) {
      const viewed = this.host.viewed(fn.file);
      // A function being edited is walked from where the edit begins (its last walk kept: localResume.ts).
      const restart = viewed
        ? { prev: this.traces.get(fn.key) ?? null, tag: `${derived}\n${rules.map((r) => r.rule).join(',')}`, keep: (t: LocalTrace) => this.traces.set(fn.key, t) }
        : undefined;
      findings.push(...runLocalRules(fn, cat, rules.map((r) => r.make(fn, cat, architectures)), viewed, restart));
    }
    // The prefilter alone on a function's own calls is cheaper than remembering it (a whole tree has ~10^5 functions).
    if (!maybe && !fn) {
      this.byDefinition.delete(def);
      return findings;
    }
    const [first, last] = fn ? [fn.node.startPosition.row + 1, fn.node.endPosition.row + 1] : [0, 0];
    const ownOnly = findings.every((f) => findingPlaces(f).every((p) => p.file === def.file && p.line >= first && p.line <= last));
    const files = new Set(findings.flatMap((f) => findingPlaces(f).map((p) => p.file)));
    const column = fn ? fn.node.startPosition.column : 0;
    this.byDefinition.set(def, { text: fn ? fn.node.text : '', row: first - 1, column, ...deps, derived, shape, stale: false, files, ownOnly, findings });
    return use(findings, deps.names, deps.fns);
  }
}

/**
 * Whether any local rule may judge a function with these calls: it may make
 * or derive an entry value or open a section, or a rule's own prefilter says
 * so. Loops, no closures: asked of every function of the tree (~10^6 on 7.2).
 * First one look-up per call in the names one of which each of those needs
 * (judgedCallNames): ~0.1% of a tree's functions call one, and the three
 * predicates' own scans were ~0.26 s of a 6.12 run's local rules.
 */
export function mayBeJudged(calls: string[], cat: Catalogue): boolean {
  const needed = judgedCallNames(cat);
  let any = false;
  for (const c of calls)
    if (needed.has(c)) {
      any = true;
      break;
    }
  if (!any) return false;
  if (makesOrOpens(calls, cat)) return true;
  for (const r of LOCAL_RULES) if (r.mayFind(calls, cat)) return true;
  return false;
}

/** By catalogue (catalogues are not changed once made: withDerivedApis makes a new one). */
const judgedNames = new WeakMap<Catalogue, Set<string>>();

/**
 * The names a function must call one of for mayBeJudged to hold: the entry
 * makers and section openers (makesOrOpens) and each rule's needsOneOf.
 */
export function judgedCallNames(cat: Catalogue): Set<string> {
  let s = judgedNames.get(cat);
  if (!s) {
    s = new Set(cat.pteMakers.keys());
    for (const [name, api] of cat.lazyMode) if (api.op === 'enter') s.add(name);
    for (const r of LOCAL_RULES) for (const name of r.needsOneOf(cat)) s.add(name);
    judgedNames.set(cat, s);
  }
  return s;
}

/** Whether the calls make an entry value or open a section: helpers may then lead to more APIs (withDerivedApis). */
function makesOrOpens(calls: string[], cat: Catalogue): boolean {
  for (const c of calls) if (cat.pteMakers.has(c) || cat.lazyMode.get(c)?.op === 'enter') return true;
  return false;
}

/**
 * The APIs withDerivedApis added to the catalogue (helpers forwarding to a
 * setter or mapper), as JSON: with the calls inside the helpers (`derived`)
 * and without them (`shape`; the same string when no API was derived).
 */
function derivedSignatures(cat: Catalogue, base: Catalogue): { derived: string; shape: string } {
  const added = <T>(m: Map<string, T>, b: Map<string, T>) => [...m].filter(([k]) => !b.has(k));
  const lists = [added(cat.kernelMappers, base.kernelMappers), added(cat.entrySetters, base.entrySetters)];
  const derived = JSON.stringify(lists);
  if (!lists.some((l) => l.length)) return { derived, shape: derived };
  const bare = lists.map((l) => l.map(([k, v]) => [k, { ...v, via: undefined }]));
  return { derived, shape: JSON.stringify(bare) };
}
