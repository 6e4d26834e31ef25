// lazy-mmu/kernel-access-before-flush: inside a lazy MMU section a kernel
// mapping is made valid (set_pte_at(&init_mm, addr, ...), set_pte() on an
// entry looked up for a kernel address, set_memory_valid(), __kernel_map_pages(),
// apply_to_page_range(&init_mm, ...), vmap_*_range()), and memory at that
// address is accessed before the section is flushed, left or paused. From
// v6.16 arm64 defers the dsb(ishst); isb() that completes a valid kernel PTE
// write to flush/leave while in lazy mode, so the access may take a spurious
// translation fault.
//
// Only visible address links count: the same address variable, a pointer
// cast or offset from it, page_address(page) of the same page variable.
import type { Node } from 'web-tree-sitter';
import { Catalogue } from '../catalogue/catalogue';
import { FunctionRef } from '../analysis/sourceCache';
import { Finding, Impact, RelatedLocation } from '../findings';
import { code, fitHead, MessagePart, place, Sentence, sentence, shortText } from '../message';
import { TreeArchitectures, nameList } from '../architectures';
import { accessPath, callArgs, calleeName, position } from '../analysis/syntax';
import { preprocConditions } from '../analysis/callGuards';
import { conditionFields } from '../config/oracle';
import { LocalRule, runLocalRules } from './localRules';
import type { PlaceMove } from '../analysis/walk/localResume';
import { type HashedKey, hashedKey } from '../analysis/stateIdentity';

export const KAFB_RULE = 'lazy-mmu/kernel-access-before-flush' as const;

interface Ev {
  line: number;
  column: number;
  message: string;
}

interface Pending {
  at: Ev;
  api: string;
  nests: boolean;
  enter: Ev | null;
}

/**
 * One path's state. Copied at every fork and statement of the walk
 * (pathState.ts) while most events write nothing here: a copy shares the
 * maps (and the key made of them) until one of the two writes.
 */
class KState {
  private depth_ = 0;
  private paused_ = false;
  private enter_: Ev | null = null;
  /** Address roots ("var:addr", "page:page") made valid in this section and not flushed yet. */
  private pendingMap = new Map<string, Pending>();
  /** What a variable holds as an address: its root, or "kpte:<root>" for a kernel entry pointer. */
  private aliasesMap = new Map<string, string>();
  /** Whether the maps are this state's alone (else shared with a copy: copied before a write). */
  private owned = true;
  /** key(), until a write. */
  private memo: string | undefined;
  /** hash()'s last answer, with the key it hashed (copied by clone). */
  private hashed: HashedKey | undefined;

  get depth(): number {
    return this.depth_;
  }
  set depth(v: number) {
    this.memo = undefined;
    this.depth_ = v;
  }
  get paused(): boolean {
    return this.paused_;
  }
  set paused(v: boolean) {
    this.memo = undefined;
    this.paused_ = v;
  }
  get enter(): Ev | null {
    return this.enter_;
  }
  set enter(v: Ev | null) {
    this.memo = undefined;
    this.enter_ = v;
  }
  get pending(): ReadonlyMap<string, Pending> {
    return this.pendingMap;
  }
  get aliases(): ReadonlyMap<string, string> {
    return this.aliasesMap;
  }

  /** The maps, to write (copied first when shared). */
  own(): { pending: Map<string, Pending>; aliases: Map<string, string> } {
    this.memo = undefined;
    if (!this.owned) {
      this.pendingMap = new Map(this.pendingMap);
      this.aliasesMap = new Map(this.aliasesMap);
      this.owned = true;
    }
    return { pending: this.pendingMap, aliases: this.aliasesMap };
  }

  clone(): KState {
    const c = new KState();
    c.depth_ = this.depth_;
    c.paused_ = this.paused_;
    c.enter_ = this.enter_;
    c.pendingMap = this.pendingMap;
    c.aliasesMap = this.aliasesMap;
    c.owned = this.owned = false;
    c.memo = this.memo;
    c.hashed = this.hashed;
    return c;
  }

  /** All it holds, messages too, each place through `move` (a run restarted after an edit: localResume.ts); null when one has none. */
  movedKey(move: PlaceMove): string | null {
    let ok = true;
    const at = (e: Ev | null) => {
      if (!e) return null;
      const m = move(e.line, e.column);
      if (!m) ok = false;
      return [m, e.message];
    };
    const sort = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
    const pending = sort(this.pendingMap).map(([k, p]) => [k, at(p.at), p.api, p.nests, at(p.enter)]);
    const out = JSON.stringify([this.depth_, this.paused_, at(this.enter_), pending, sort(this.aliasesMap)]);
    return ok ? out : null;
  }

  hash(): number {
    return (this.hashed = hashedKey(this.key(), this.hashed)).hash;
  }

  key(): string {
    if (this.memo !== undefined) return this.memo;
    const sort = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
    return (this.memo = JSON.stringify([this.depth_, this.paused_, this.enter_, sort(this.pendingMap), sort(this.aliasesMap)]));
  }
}

function ev(n: Node, message: string): Ev {
  return { line: n.startPosition.row + 1, column: n.startPosition.column + 1, message };
}

function opOf(n: Node): string | undefined {
  return n.childForFieldName('operator')?.text ?? n.child(0)?.text;
}

function rootName(root: string): string {
  return root.replace(/^(var|page):/, '');
}

class KafbChecker implements LocalRule<KState> {
  readonly findings = new Map<number, Finding>();

  constructor(
    private readonly fn: FunctionRef,
    private readonly cat: Catalogue,
    private readonly arch?: TreeArchitectures,
  ) {}

  initial(): KState {
    return new KState();
  }
  expression(n: Node, s: KState): void {
    this.ev(n, s);
  }
  declaration(name: string, value: Node | null, _d: Node, s: KState): void {
    const r = value ? this.ev(value, s) : undefined;
    this.reassign(name, s);
    if (r && r !== `var:${name}`) s.own().aliases.set(name, r);
  }
  branch(): boolean {
    return true;
  }

  private reassign(target: string, s: KState): void {
    // Most assignments name nothing held here: the maps are written (and so copied) only when something goes.
    if (!s.pending.has(`var:${target}`) && !s.pending.has(`page:${target}`) && !s.aliases.has(target)) return;
    const w = s.own();
    w.pending.delete(`var:${target}`);
    w.pending.delete(`page:${target}`);
    w.aliases.delete(target);
  }

  /** Evaluates `n`; returns the address root of its value, if any. */
  private ev(n: Node, s: KState): string | undefined {
    switch (n.type) {
      case 'parenthesized_expression':
        return n.namedChildCount === 1 ? this.ev(n.namedChild(0)!, s) : this.children(n, s);
      case 'cast_expression': {
        const v = n.childForFieldName('value');
        return v ? this.ev(v, s) : undefined;
      }
      case 'identifier':
        return s.aliases.get(n.text) ?? `var:${n.text}`;
      case 'field_expression': {
        const arg = n.childForFieldName('argument');
        const r = arg ? this.ev(arg, s) : undefined;
        const op =
          n.childForFieldName('operator')?.text ??
          (arg && n.text.slice(arg.text.length).trimStart().startsWith('->') ? '->' : '.');
        if (op === '->') this.touch(r, n, sentence`the access ${code(short(n.text))}`, s);
        const p = accessPath(n);
        return p ? (s.aliases.get(p) ?? `var:${p}`) : undefined;
      }
      case 'pointer_expression': {
        const arg = n.childForFieldName('argument');
        if (!arg) return undefined;
        if (opOf(n) === '&') return undefined;
        const r = this.ev(arg, s);
        this.touch(r, n, sentence`the access ${code(short(n.text))}`, s);
        return undefined;
      }
      case 'subscript_expression': {
        const arg = n.childForFieldName('argument');
        const r = arg ? this.ev(arg, s) : undefined;
        const idx = n.childForFieldName('index');
        if (idx) this.ev(idx, s);
        this.touch(r, n, sentence`the access ${code(short(n.text))}`, s);
        return undefined;
      }
      case 'binary_expression': {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        const lr = l ? this.ev(l, s) : undefined;
        if (r) this.ev(r, s);
        const op = n.childForFieldName('operator')?.text;
        return (op === '+' || op === '-') && lr && !lr.startsWith('kpte:') ? lr : undefined;
      }
      case 'assignment_expression':
        return this.assignment(n, s);
      case 'update_expression': {
        const arg = n.childForFieldName('argument');
        const p = arg ? accessPath(arg) : null;
        if (p) this.reassign(p, s);
        return undefined;
      }
      case 'comma_expression': {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (l) this.ev(l, s);
        return r ? this.ev(r, s) : undefined;
      }
      case 'call_expression':
        return this.call(n, s);
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
        return undefined;
      default:
        return this.children(n, s);
    }
  }

  private children(n: Node, s: KState): undefined {
    for (const c of n.namedChildren) if (c && c.type !== 'comment') this.ev(c, s);
    return undefined;
  }

  private assignment(n: Node, s: KState): string | undefined {
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (!left || !right) return this.children(n, s);
    const r = this.ev(right, s);
    if (left.type === 'identifier' || (left.type === 'field_expression' && !left.text.includes('->'))) {
      const t = accessPath(left);
      if (t) {
        this.reassign(t, s);
        if (r && opOf(n) === '=' && r !== `var:${t}`) s.own().aliases.set(t, r);
      }
      return r;
    }
    this.ev(left, s); // *p = v, p[i] = v, p->f = v: an access through p
    return r;
  }

  private call(n: Node, s: KState): string | undefined {
    const name = calleeName(n);
    const args = callArgs(n);
    if (!name) return this.children(n, s);
    const cat = this.cat;
    const mode = cat.lazyMode.get(name);
    if (mode) {
      switch (mode.op) {
        case 'enter':
          if (s.depth === 0 && !s.paused) s.enter = ev(n, `${name}() starts the lazy MMU section here`);
          s.depth++;
          break;
        case 'resume':
          s.paused = false;
          break;
        case 'leave':
          s.depth = Math.max(0, s.depth - 1);
          if (s.pending.size) s.own().pending.clear();
          if (s.depth === 0) s.enter = null;
          break;
        case 'flush':
          if (s.pending.size) s.own().pending.clear();
          break;
        case 'pause':
          s.paused = true;
          if (s.pending.size) s.own().pending.clear();
          break;
      }
      args.forEach((a) => this.ev(a, s));
      return undefined;
    }
    if (cat.kernelAddressOf.has(name)) {
      const p = args[0] ? accessPath(args[0]) : null;
      args.forEach((a) => this.ev(a, s));
      return p ? `page:${s.aliases.get(p)?.startsWith('page:') ? rootName(s.aliases.get(p)!) : p}` : undefined;
    }
    const vals = args.map((a) => this.ev(a, s));
    if (cat.valueTransparent.has(name) || name === 'READ_ONCE' || name === 'WRITE_ONCE') return vals[0];
    const lookup = cat.kernelEntryLookups.get(name);
    if (lookup !== undefined) {
      const r = vals[lookup];
      return r && !r.startsWith('kpte:') ? `kpte:${r}` : undefined;
    }
    const mapper = cat.kernelMappers.get(name);
    if (mapper) {
      const inSection = s.depth > 0 && !s.paused;
      const kernel = mapper.mmArg === undefined || args[mapper.mmArg]?.text.replace(/\s+/g, '') === '&init_mm';
      const unmaps = mapper.enableArg !== undefined && /^(0|false)$/.test(args[mapper.enableArg]?.text.trim() ?? '');
      let root: string | undefined;
      if (mapper.addrArg !== undefined) root = vals[mapper.addrArg];
      else if (mapper.pageArg !== undefined) {
        const p = args[mapper.pageArg] ? accessPath(args[mapper.pageArg]) : null;
        root = p ? `page:${p}` : undefined;
      } else if (mapper.entryArg !== undefined) {
        const r = vals[mapper.entryArg];
        root = r?.startsWith('kpte:') ? r.slice(5) : undefined;
      }
      if (inSection && kernel && !unmaps && root && !root.startsWith('kpte:')) {
        const msg = mapper.nests
          ? `${name}() makes the kernel mapping of ${rootName(root)} valid here, in its own nested lazy MMU section`
          : `${name}() makes the kernel mapping of ${rootName(root)} valid here; its barriers are deferred to the flush or leave`;
        s.own().pending.set(root, { at: ev(n, msg), api: name, nests: !!mapper.nests, enter: s.enter });
      }
      return undefined;
    }
    const toucher = cat.memoryTouchers.get(name);
    if (toucher) {
      for (const i of toucher.ptrArgs ?? []) this.touch(vals[i], n, [code(`${name}()`)], s);
      for (const i of toucher.pageArgs ?? []) {
        const p = args[i] ? accessPath(args[i]) : null;
        if (p) this.touch(`page:${p}`, n, [code(`${name}()`)], s);
      }
    }
    return undefined;
  }

  private touch(root: string | undefined, n: Node, what: MessagePart[], s: KState): void {
    if (!root) return;
    const p = s.pending.get(root);
    if (!p || this.findings.has(n.id)) return;
    const file = this.fn.file;
    const rel = (e: Ev): RelatedLocation => ({ file, line: e.line, column: e.column, message: e.message });
    // A mapping made inside helpers (derived mappers) shows each call down to the real one.
    const hops = (this.cat.kernelMappers.get(p.api) as { via?: RelatedLocation[] } | undefined)?.via ?? [];
    const related = [...(p.enter ? [rel(p.enter)] : []), rel(p.at), ...hops];
    const via = root.startsWith('page:') ? sentence`the page ${code(rootName(root))}` : [code(rootName(root))];
    const mapped = { file, line: p.at.line, column: p.at.column };
    const head = fitHead(
      sentence`${what} accesses ${via} before any flush; ${code(`${p.api}()`)} made it a valid kernel mapping at ${place(mapped)}`,
      sentence`${what} accesses ${via} before the flush of its new kernel mapping (${place(mapped)})`,
    );
    // A hazard where the tree's arm64 defers the barriers of a kernel PTE write (from v6.16).
    const bad = this.arch ? this.arch.misbehaving([file], (i) => i.defersKernelBarriers) : [];
    const names = bad.map((i) => i.name);
    const impact: Impact = bad.length ? { kind: 'hazard', architectures: names } : { kind: 'contract', architectures: [] };
    const why: Sentence = bad.length
      ? sentence`${nameList(names)} defers the dsb(ishst); isb() of a valid kernel PTE write to the flush: the access may take a spurious translation fault`
      : sentence`No implementation in this tree defers the barriers of a kernel PTE write; arm64 from v6.16 does, and the access may then fault`;
    const nested: Sentence = p.nests
      ? sentence`It is mapped in a nested section: it faults only where that inner leave does not flush`
      : [];
    this.findings.set(n.id, {
      rule: KAFB_RULE,
      severity: p.nests ? 'info' : 'warning',
      file,
      ...position(n),
      function: this.fn.name,
      message: [head, why, nested, sentence`Flush first (${code('arch_flush_lazy_mmu_mode()')}) or map outside the section`],
      impact,
      related,
      ...conditionFields(preprocConditions(n)),
      // For the simulator: enter, the mapping made valid (inner section when the helper nests), the access.
      path: [
        ...(p.enter ? [{ op: 'arch_enter_lazy_mmu_mode', file, line: p.enter.line, column: p.enter.column }] : []),
        { op: p.nests ? 'alloc_page' : 'set_pte_at', file, line: p.at.line, column: p.at.column },
        { op: 'store', file, line: position(n).line, column: position(n).column },
      ],
    });
  }
}

const short = (text: string, max = 40) => shortText(text, max);

/** Kernel-access-before-flush findings in one function body. Pure; never throws on bad C. */
export function kernelAccessBeforeFlushFindings(fn: FunctionRef, cat: Catalogue, arch?: TreeArchitectures): Finding[] {
  return runLocalRules(fn, cat, [kernelAccessBeforeFlushRule(fn, cat, arch)]);
}

/** The rule as a listener on the one walker (checkers/index.ts runs it with the other local rules). */
export function kernelAccessBeforeFlushRule(fn: FunctionRef, cat: Catalogue, arch?: TreeArchitectures): LocalRule {
  return new KafbChecker(fn, cat, arch);
}

/** Cheap prefilter on the names a function calls: a finding needs a section opener and a kernel mapper. */
export function mayAccessBeforeFlush(calls: string[], cat: Catalogue): boolean {
  let enters = false;
  let maps = false;
  for (const c of calls) {
    const m = cat.lazyMode.get(c);
    if (m && (m.op === 'enter' || m.op === 'resume')) enters = true;
    if (cat.kernelMappers.has(c)) maps = true;
  }
  return enters && maps;
}
