// lazy-mmu/break-before-make: a live valid page-table entry overwritten with
// an entry for another page (mk_pte(new_page, ...), pfn_pte(other_pfn, ...))
// without first clearing it and invalidating the TLB. arm64 requires
// valid -> invalid -> TLBI -> new valid when the output address changes;
// otherwise the CPU may use an amalgamation of the old and new descriptors
// or take a TLB conflict abort (seed 003: the HugeTLB vmemmap remap).
//
// Intraprocedural and built for precision: a write is reported only when the
// same function shows the entry live (its old value was read and used as a
// mapped page, tested present, or, for init_mm, tested not none; or the
// function itself made it valid) and the new value is built from a page or
// pfn that is not the old value's. A clear followed by a TLB flush makes the
// write the fix; a clear with no flush before the write is reported.
// Long (~580 lines) because the rule carries its own small evaluator (what
// makes an entry live, which page a new value maps) beside the rule itself.
import type { Node } from 'web-tree-sitter';
import { Catalogue } from '../catalogue/catalogue';
import { FunctionRef } from '../analysis/sourceCache';
import { Finding, RelatedLocation } from '../findings';
import { code, fitHead, place, sentence, shortText } from '../message';
import { accessPath, callArgs, calleeName, declaredName, position } from '../analysis/syntax';
import { preprocConditions } from '../analysis/callGuards';
import { conditionFields } from '../config/oracle';
import { LocalRule, runLocalRules } from './localRules';
import type { PlaceMove } from '../analysis/walk/localResume';
import { type HashedKey, hashedKey } from '../analysis/stateIdentity';

export const BBM_RULE = 'lazy-mmu/break-before-make' as const;

interface Ev {
  line: number;
  column: number;
  message: string;
}

type Val =
  /** An entry's value as read (stale: read before a later clear of that entry). */
  | { k: 'entry'; entry: string; stale: boolean; read: Ev }
  /** The page or pfn an entry's value maps. */
  | { k: 'page'; entry: string; read: Ev }
  /** An entry value built from the page an entry's value maps (the same page). */
  | { k: 'same'; entry: string }
  /** An entry value built from a page or pfn not taken from any entry read here. */
  | { k: 'new'; at: Ev; text: string; page: string }
  /** A known integer (flags such as `bool flush = false`). */
  | { k: 'const'; v: number };

interface EntryInfo {
  /** Why the entry is known valid now. */
  live?: Ev;
  /** The page expression of the value this function made it valid with. */
  livePage?: string;
  /** Its value was tested not none (valid for kernel mappings). */
  notNone?: Ev;
  /** Cleared with no TLB flush since; liveBefore: why it was valid before the clear. */
  cleared?: { at: Ev; liveBefore?: Ev; livePage?: string };
}

/**
 * One path's state. A path state is copied at every fork and statement of the
 * walk (pathState.ts), while most events write nothing here: a copy shares
 * the maps (and the key made of them) until one of the two writes
 * (`ownVars`, `info`...), as the interpreter's own maps do (cowMap.ts).
 */
class BState {
  private varsMap: Map<string, Val>;
  private entriesMap: Map<string, EntryInfo>;
  /** Whether the maps are this state's alone (else shared with a copy: copied before a write). */
  private varsOwned = true;
  private entriesOwned = true;
  /** key(), until a write. */
  private memo: string | undefined;
  /** hash()'s last answer, with the key it hashed (copied by clone). */
  private hashed: HashedKey | undefined;
  /** Values of the nodes of the expression last evaluated (not part of the identity). */
  nodeVals = new Map<number, Val>();

  constructor(from?: BState) {
    if (from) {
      this.varsMap = from.varsMap;
      this.entriesMap = from.entriesMap;
      from.varsOwned = from.entriesOwned = this.varsOwned = this.entriesOwned = false;
      this.memo = from.memo;
      this.hashed = from.hashed;
      this.nodeVals = from.nodeVals;
    } else {
      this.varsMap = new Map();
      this.entriesMap = new Map();
    }
  }

  get vars(): ReadonlyMap<string, Val> {
    return this.varsMap;
  }

  /** Read only: write through info() or deleteEntry(). */
  get entries(): ReadonlyMap<string, Readonly<EntryInfo>> {
    return this.entriesMap;
  }

  clone(): BState {
    return new BState(this);
  }

  /** The variables' map, to write. */
  ownVars(): Map<string, Val> {
    this.memo = undefined;
    if (!this.varsOwned) {
      this.varsMap = new Map(this.varsMap);
      this.varsOwned = true;
    }
    return this.varsMap;
  }

  private ownEntries(): Map<string, EntryInfo> {
    this.memo = undefined;
    if (!this.entriesOwned) {
      const e = new Map<string, EntryInfo>();
      for (const [k, v] of this.entriesMap) e.set(k, { ...v, cleared: v.cleared ? { ...v.cleared } : undefined });
      this.entriesMap = e;
      this.entriesOwned = true;
    }
    return this.entriesMap;
  }

  deleteEntry(entry: string): void {
    this.ownEntries().delete(entry);
  }

  hash(): number {
    return (this.hashed = hashedKey(this.key(), this.hashed)).hash;
  }

  // Built by hand: a JSON of the maps carried every event's message text,
  // and the key is built for every state at every join (the walker's hottest spot).
  key(): string {
    if (this.memo !== undefined) return this.memo;
    let out = '';
    for (const k of [...this.varsMap.keys()].sort()) out += `${k}=${valKey(this.varsMap.get(k)!)};`;
    out += '|';
    for (const k of [...this.entriesMap.keys()].sort()) {
      const i = this.entriesMap.get(k)!;
      const c = i.cleared;
      out += `${k}=${evKey(i.live)},${i.livePage ?? ''},${evKey(i.notNone)},${c ? `${evKey(c.at)}/${evKey(c.liveBefore)}/${c.livePage ?? ''}` : ''};`;
    }
    return (this.memo = out);
  }

  /** All it holds, messages too, each place through `move` (a run restarted after an edit: localResume.ts); null when one has none. */
  movedKey(move: PlaceMove): string | null {
    let ok = true;
    const at = (e?: Ev) => {
      if (!e) return '';
      const m = move(e.line, e.column);
      if (!m) ok = false;
      return JSON.stringify([m, e.message]);
    };
    const val = (v: Val): string => {
      switch (v.k) {
        case 'entry':
          return `e:${v.entry}:${v.stale}:${at(v.read)}`;
        case 'page':
          return `p:${v.entry}:${at(v.read)}`;
        case 'same':
          return `s:${v.entry}`;
        case 'new':
          return `n:${at(v.at)}:${JSON.stringify([v.page, v.text])}`;
        case 'const':
          return `c:${v.v}`;
      }
    };
    let out = '';
    for (const k of [...this.varsMap.keys()].sort()) out += `${k}=${val(this.varsMap.get(k)!)};`;
    out += '|';
    for (const k of [...this.entriesMap.keys()].sort()) {
      const i = this.entriesMap.get(k)!;
      const c = i.cleared;
      out += `${k}=${at(i.live)},${i.livePage ?? ''},${at(i.notNone)},${c ? `${at(c.at)}/${at(c.liveBefore)}/${c.livePage ?? ''}` : '-'};`;
    }
    return ok ? out : null;
  }

  /** The entry's information, to write (made when absent). */
  info(entry: string): EntryInfo {
    const m = this.ownEntries();
    let i = m.get(entry);
    if (!i) m.set(entry, (i = {}));
    return i;
  }
}

/** An event by its place (its message follows from the code there). */
const evKey = (e?: Ev) => (e ? `${e.line}.${e.column}` : '');

function valKey(v: Val): string {
  switch (v.k) {
    case 'entry':
      return `e:${v.entry}:${v.stale ? 1 : 0}:${evKey(v.read)}`;
    case 'page':
      return `p:${v.entry}:${evKey(v.read)}`;
    case 'same':
      return `s:${v.entry}`;
    case 'new':
      return `n:${evKey(v.at)}:${v.page}:${v.text}`;
    case 'const':
      return `c:${v.v}`;
  }
}

const READ_WRAPPERS = new Set(['READ_ONCE']);

const short = (text: string, max = 60) => shortText(text, max);

function ev(n: Node, message: string): Ev {
  return { line: n.startPosition.row + 1, column: n.startPosition.column + 1, message };
}

function refersTo(path: string, target: string): boolean {
  return path === target || path.startsWith(target + '->') || path.startsWith(target + '.');
}

/** Names declared in `fn` as pointers to entry types (parameters and locals). */
export function entryPointerNames(fn: Node, cat: Catalogue): Set<string> {
  const out = new Set<string>();
  const stack: Node[] = [fn];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'parameter_declaration' || n.type === 'declaration') {
      const t = n.childForFieldName('type')?.text.replace(/^(const|volatile)\s+/, '').trim();
      if (t && cat.entryPointerTypes.has(t))
        for (const d of n.childrenForFieldName('declarator')) {
          let x: Node | null = d;
          if (x?.type === 'init_declarator') x = x.childForFieldName('declarator');
          if (x?.type === 'pointer_declarator') {
            const name = declaredName(x);
            if (name) out.add(name);
          }
        }
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c) stack.push(c);
    }
  }
  return out;
}

class BbmChecker implements LocalRule<BState> {
  readonly findings = new Map<number, Finding>();
  private readonly entryPtrs: Set<string>;

  constructor(
    private readonly fn: FunctionRef,
    private readonly cat: Catalogue,
  ) {
    this.entryPtrs = entryPointerNames(fn.node, cat);
  }

  initial(): BState {
    return new BState();
  }

  wholeFunction(): string {
    return [...this.entryPtrs].sort().join(',');
  }

  expression(n: Node, s: BState): void {
    s.nodeVals = new Map();
    this.ev(n, s);
  }

  declaration(name: string, value: Node | null, _d: Node, s: BState): void {
    s.nodeVals = new Map();
    const v = value ? this.ev(value, s) : undefined;
    this.reassign(name, s);
    if (v) s.ownVars().set(name, v);
  }

  branch(n: Node, truth: boolean, s: BState): boolean {
    const known = s.nodeVals.get(n.id);
    if (known?.k === 'const') return (known.v !== 0) === truth;
    if (n.type !== 'call_expression') return true;
    const name = calleeName(n);
    const kind = name ? this.cat.entryTests.get(name)?.means : undefined;
    const arg = callArgs(n)[0];
    if (!kind || !arg) return true;
    const v = s.nodeVals.get(arg.id);
    if (v?.k !== 'entry') return true;
    const valid = kind === 'valid' ? truth : undefined;
    const none = kind === 'none' ? truth : undefined;
    if (v.stale) {
      const c = s.entries.get(v.entry)?.cleared;
      if (c && !c.liveBefore && valid) s.info(v.entry).cleared!.liveBefore = this.evidence(v, `${name}() being true`);
      return true;
    }
    const info = s.info(v.entry);
    if (valid === true) info.live = this.evidence(v, `${name}() being true`);
    else if (valid === false || none === true) {
      info.live = undefined;
      info.notNone = undefined;
    } else if (none === false) info.notNone = this.evidence(v, `!${name}()`);
    return true;
  }

  private evidence(v: { read: Ev }, how: string): Ev {
    return { line: v.read.line, column: v.read.column, message: `${v.read.message}; ${how} shows the entry valid` };
  }

  /** A pointer (or struct) variable gets a new value: forget what was known through it. */
  private reassign(target: string, s: BState): void {
    // Most assignments name nothing held here: the maps are written (and so copied) only when something goes.
    for (const k of [...s.entries.keys()]) if (refersTo(k, target)) s.deleteEntry(k);
    const gone = [...s.vars].filter(([k, v]) => ((v.k === 'entry' || v.k === 'page' || v.k === 'same') && refersTo(v.entry, target)) || refersTo(k, target));
    if (gone.length) {
      const vars = s.ownVars();
      for (const [k] of gone) vars.delete(k);
    }
  }

  private ev(n: Node, s: BState): Val | undefined {
    const v = this.ev1(n, s);
    if (v) s.nodeVals.set(n.id, v);
    return v;
  }

  private ev1(n: Node, s: BState): Val | undefined {
    switch (n.type) {
      case 'parenthesized_expression':
        return n.namedChildCount === 1 ? this.ev(n.namedChild(0)!, s) : this.evChildren(n, s);
      case 'cast_expression': {
        const v = n.childForFieldName('value');
        return v ? this.ev(v, s) : undefined;
      }
      case 'identifier':
        return s.vars.get(n.text);
      case 'number_literal': {
        const v = Number(n.text.replace(/[uUlL]+$/, ''));
        return Number.isFinite(v) ? { k: 'const', v } : undefined;
      }
      case 'true':
        return { k: 'const', v: 1 };
      case 'false':
        return { k: 'const', v: 0 };
      case 'field_expression': {
        const p = accessPath(n);
        if (p && s.vars.has(p)) return s.vars.get(p);
        this.evChildren(n, s);
        return undefined;
      }
      case 'pointer_expression': {
        const arg = n.childForFieldName('argument');
        if (!arg) return undefined;
        this.ev(arg, s);
        const op = n.childForFieldName('operator')?.text ?? n.child(0)?.text;
        const p = accessPath(arg);
        if (op === '*' && p && this.entryPtrs.has(p)) return this.readEntry(p, n, `*${p}`, s);
        return undefined;
      }
      case 'call_expression':
        return this.call(n, s);
      case 'assignment_expression':
        return this.assignment(n, s);
      case 'update_expression': {
        const arg = n.childForFieldName('argument');
        if (arg) {
          this.ev(arg, s);
          const p = accessPath(arg);
          if (p) this.reassign(p, s);
        }
        return undefined;
      }
      case 'comma_expression': {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (l) this.ev(l, s);
        return r ? this.ev(r, s) : undefined;
      }
      case 'conditional_expression': {
        const c = n.childForFieldName('condition');
        if (c) this.ev(c, s);
        const a = n.childForFieldName('consequence');
        const b = n.childForFieldName('alternative');
        const va = a ? this.ev(a, s) : undefined;
        const vb = b ? this.ev(b, s) : undefined;
        return va?.k === 'new' && vb?.k === 'new' ? va : undefined;
      }
      default:
        this.evChildren(n, s);
        return undefined;
    }
  }

  private evChildren(n: Node, s: BState): undefined {
    for (const c of n.namedChildren) if (c && c.type !== 'comment') this.ev(c, s);
    return undefined;
  }

  private readEntry(entry: string, at: Node, text: string, s: BState): Val | undefined {
    if (s.entries.get(entry)?.cleared) return undefined; // reads back the cleared (none) value
    return { k: 'entry', entry, stale: false, read: ev(at, `${short(text)} reads the entry`) };
  }

  private assignment(n: Node, s: BState): Val | undefined {
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    const op = n.childForFieldName('operator')?.text ?? '=';
    if (!left || !right) return this.evChildren(n, s);
    const v = this.ev(right, s);
    if (left.type === 'pointer_expression') {
      // `*ptep = value`: a raw store of a whole entry.
      const arg = left.childForFieldName('argument');
      if (arg) this.ev(arg, s);
      const p = arg ? accessPath(arg) : null;
      if (p && this.entryPtrs.has(p) && op === '=') this.store(p, op === '=' ? v : undefined, n, `*${p} =`, null, s);
      return v;
    }
    if (left.type !== 'identifier' && left.type !== 'field_expression') this.ev(left, s);
    const target = accessPath(left);
    if (!target) return undefined;
    this.reassign(target, s);
    if (op === '=' && v) s.ownVars().set(target, v);
    return op === '=' ? v : undefined;
  }

  private call(n: Node, s: BState): Val | undefined {
    const name = calleeName(n);
    const args = callArgs(n);
    if (!name) {
      this.evChildren(n, s);
      return undefined;
    }
    const vals = args.map((a) => this.ev(a, s));
    const cat = this.cat;
    if (cat.valueTransparent.has(name) || READ_WRAPPERS.has(name)) return vals[0];
    const reader = cat.readers.get(name);
    if (reader && !reader.field) {
      const a = args[reader.ptrArg];
      const p = a ? accessPath(a) : null;
      return p ? this.readEntry(p, n, n.text, s) : undefined;
    }
    const clearer = cat.entryClearers.get(name);
    if (clearer) {
      const a = args[clearer.ptrArg];
      const p = a ? accessPath(a) : null;
      if (!p) return undefined;
      const info = s.info(p);
      const liveBefore = info.live ?? info.notNone;
      const at = ev(n, `${name}() clears the entry here, with no TLB flush before the new value is written`);
      info.cleared = clearer.flushes ? undefined : { at, liveBefore, livePage: info.live ? info.livePage : undefined };
      info.live = undefined;
      info.livePage = undefined;
      info.notNone = undefined;
      const stale = [...s.vars].filter(([, v]) => v.k === 'entry' && v.entry === p && !v.stale);
      if (stale.length) {
        const vars = s.ownVars();
        for (const [k, v] of stale) vars.set(k, { ...(v as Extract<Val, { k: 'entry' }>), stale: true });
      }
      return { k: 'entry', entry: p, stale: true, read: ev(n, `${name}() reads the old entry`) };
    }
    if (cat.tlbFlushers.has(name)) {
      for (const [k, info] of s.entries) if (info.cleared) s.info(k).cleared = undefined;
      return undefined;
    }
    const dec = cat.entryDecoders.get(name);
    if (dec !== undefined) {
      const v = vals[dec];
      if (v?.k !== 'entry') return undefined;
      if (!v.stale) s.info(v.entry).live = this.evidence(v, `${name}()`);
      else {
        const c = s.entries.get(v.entry)?.cleared;
        if (c && !c.liveBefore) s.info(v.entry).cleared!.liveBefore = this.evidence(v, `${name}()`);
      }
      return { k: 'page', entry: v.entry, read: v.read };
    }
    if (cat.pageConversions.has(name)) return vals[0]?.k === 'page' ? vals[0] : undefined;
    const pageArg = cat.pteMakers.get(name);
    if (pageArg !== undefined) {
      const pv = vals[pageArg];
      if (pv?.k === 'page') return { k: 'same', entry: pv.entry };
      const pa = args[pageArg];
      const page = (pa?.text ?? '?').replace(/\s+/g, '');
      return { k: 'new', at: ev(n, `${name}() builds the new value from ${short(pa?.text ?? '?', 40)}`), text: short(n.text), page };
    }
    const setter = cat.entrySetters.get(name);
    if (setter) {
      const a = args[setter.ptrArg];
      const p = a ? accessPath(a) : null;
      if (p) {
        const mm = setter.ptrArg >= 2 ? args[0]?.text.replace(/\s+/g, '') : undefined;
        this.store(p, vals[setter.valueArg], n, `${name}()`, mm ?? null, s, (setter as { via?: RelatedLocation[] }).via);
      }
      return undefined;
    }
    if (cat.entryValueTransform.test(name)) {
      const v = vals[0];
      return v && v.k !== 'page' && v.k !== 'const' ? v : undefined;
    }
    // Any other call may change what it is given the address of (`&pvmw`).
    for (const a of args) {
      if (a.type === 'pointer_expression' && (a.childForFieldName('operator')?.text ?? a.child(0)?.text) === '&') {
        const arg = a.childForFieldName('argument');
        const p = arg ? accessPath(arg) : null;
        if (p) this.reassign(p, s);
      }
    }
    return undefined;
  }

  /** A whole-entry store of `v` to `entry` at `n`. */
  private store(entry: string, v: Val | undefined, n: Node, what: string, mm: string | null, s: BState, via?: RelatedLocation[]): void {
    const info = s.info(entry);
    if (v?.k === 'new') {
      const shown = info.live ?? (mm === '&init_mm' ? info.notNone : undefined);
      // Written again from the very page expression it was made valid with: the same page.
      if (shown) {
        if (!(info.live && info.livePage === v.page)) this.report(n, entry, v, what, shown, null, via);
      } else if (info.cleared?.liveBefore && info.cleared.livePage !== v.page)
        this.report(n, entry, v, what, info.cleared.liveBefore, info.cleared.at, via);
    }
    info.cleared = undefined;
    info.notNone = undefined;
    const valid = v && v.k !== 'const';
    info.live = valid ? ev(n, `${what} makes the entry valid here`) : undefined;
    info.livePage = valid && v.k === 'new' ? v.page : undefined;
  }

  private report(
    n: Node,
    entry: string,
    v: Extract<Val, { k: 'new' }>,
    what: string,
    live: Ev,
    clearedAt: Ev | null,
    via: RelatedLocation[] = [],
  ): void {
    if (this.findings.has(n.id)) return;
    const file = this.fn.file;
    const rel = (e: Ev): RelatedLocation => ({ file, line: e.line, column: e.column, message: e.message });
    const related = [rel(live)];
    if (clearedAt) related.push(rel(clearedAt));
    if (v.at.line !== n.startPosition.row + 1 || clearedAt) related.push(rel(v.at));
    related.push(...via);
    const at = { file, line: live.line, column: live.column };
    const head = clearedAt
      ? fitHead(
          sentence`${code(what)} maps ${code(entry)} to another page (${code(v.text)}) after a clear not flushed from the TLB (${place({ file, ...clearedAt })})`,
          sentence`${code(what)} maps ${code(entry)} to another page after a clear not flushed from the TLB (${place({ file, ...clearedAt })})`,
        )
      : fitHead(
          sentence`${code(what)} maps the live entry ${code(entry)} to another page (${code(v.text)}), valid since ${place(at)}`,
          sentence`${code(what)} maps the live entry ${code(entry)} to another page, valid since ${place(at)}`,
        );
    const archs = this.cat.ruleArchitectures.get(BBM_RULE) ?? ['arm64'];
    this.findings.set(n.id, {
      rule: BBM_RULE,
      severity: 'warning',
      file,
      ...position(n),
      function: this.fn.name,
      message: [
        head,
        sentence`${archs.join(', ')} requires break-before-make when a valid entry's output address changes (valid, invalid, TLB invalidate, new valid): the CPU may otherwise use a mix of old and new or take a TLB conflict abort`,
        sentence`Clear the entry, flush the TLB for the address, then write the new value`,
      ],
      // The rule is the architecture's own requirement: breaking it is a hazard there.
      impact: { kind: 'hazard', architectures: archs },
      related,
      ...conditionFields(preprocConditions(n)),
    });
  }
}

/** Break-before-make findings in one function body. Pure; never throws on bad C. */
export function breakBeforeMakeFindings(fn: FunctionRef, cat: Catalogue): Finding[] {
  return runLocalRules(fn, cat, [breakBeforeMakeRule(fn, cat)]);
}

/** The rule as a listener on the one walker (checkers/index.ts runs it with the other local rules). */
export function breakBeforeMakeRule(fn: FunctionRef, cat: Catalogue): LocalRule {
  return new BbmChecker(fn, cat);
}

/** Cheap prefilter on the names a function calls: a finding needs an entry setter and a value maker. */
export function mayNeedBreakBeforeMake(calls: string[], cat: Catalogue): boolean {
  let setter = false;
  let maker = false;
  for (const c of calls) {
    if (cat.entrySetters.has(c)) setter = true;
    if (cat.pteMakers.has(c)) maker = true;
  }
  return setter && maker;
}
