// Loads the API catalogue (apis.json) and merges user additions into it.
// The analysis asks the catalogue what a call means; it never names an API itself.
import * as fs from 'fs';
import builtin from './apis.json';

export type LazyOp = 'enter' | 'leave' | 'flush' | 'pause' | 'resume';
export type ApiShape = 'legacy' | 'generic' | 'ranged' | 'arch-private';

export interface LazyModeApi {
  op: LazyOp;
  shape: ApiShape;
}

export interface EntryAccessApi {
  /** 0-based index of the argument that points at the entry. */
  ptrArg: number;
  /** When the argument is a struct, the member holding the entry pointer. */
  field?: string;
  /** For a writer: the kind of value it always leaves in the entry (a clear: none; a populate: table). */
  value?: EntryKind;
}

/** What an entry value can be, as far as the tests on it go (see analysis/entryValues.ts). */
export type EntryKind = 'none' | 'present' | 'table' | 'swap';

/** A test of an entry value (`pte_none`, `pmd_bad`...). */
export interface EntryTest {
  /** For break-before-make: true means the entry is empty ('none') or maps something ('valid'). */
  means?: 'none' | 'valid';
  /** The test's result on a value of each kind; kinds not listed are not decided. */
  on?: Partial<Record<EntryKind, boolean>>;
}

/** A writer storing a whole entry value (break-before-make). */
export interface EntrySetterApi {
  ptrArg: number;
  valueArg: number;
}

/** A call that makes an entry invalid; `flushes`: it also invalidates the TLB for it. */
export interface EntryClearerApi {
  ptrArg: number;
  flushes?: boolean;
}

/** A call that can make a kernel mapping valid (kernel-access-before-flush). */
export interface KernelMapperApi {
  /** The argument holding the mapped kernel address. */
  addrArg?: number;
  /** The argument holding the mapped struct page. */
  pageArg?: number;
  /** The argument pointing at a kernel entry (its address comes from a kernelEntryLookups call). */
  entryArg?: number;
  /** The argument that must be `&init_mm` for the mapping to be a kernel one. */
  mmArg?: number;
  /** The argument that unmaps when it is a literal 0. */
  enableArg?: number;
  /** The helper opens its own (nested) lazy MMU section. */
  nests?: boolean;
}

/** A call that accesses memory at pointer arguments or at struct page arguments. */
export interface MemoryToucherApi {
  ptrArgs?: number[];
  pageArgs?: number[];
}

/** A fact about the checked tree: fixed, or read from one of its files (see apis.json, lazyModeImplementationsComment). */
export type TreeFact = boolean | { file: string; pattern: string; otherwise: boolean };

/** One architecture's implementation of the lazy MMU mode, as data (apis.json: lazyModeImplementations). */
export interface LazyModeImplementation {
  /** As shown in messages: "x86 Xen PV". */
  name: string;
  /** Its arch/<arch>/ directory: code there runs only on it. */
  arch: string;
  present: TreeFact;
  /** Writers (catalogue names) whose store stays queued until the flush. */
  defers: string[];
  /** Those of them the implementation defines itself, which the others reach (named in messages). */
  hooks?: string[];
  nestingCrashes: TreeFact;
  disablesPreemption: TreeFact;
  defersKernelBarriers: TreeFact;
  highmemPageTables: TreeFact;
  /** Huge pages are never mapped at run time: a path that needs one of the catalogue's hugePageOptions does not run there. */
  noHugePages: TreeFact;
}

export interface Catalogue {
  lazyMode: Map<string, LazyModeApi>;
  writers: Map<string, EntryAccessApi>;
  readers: Map<string, EntryAccessApi>;
  entryPointerTypes: Set<string>;
  /** Struct types whose members hold entry pointers (struct vm_fault has ->pte). */
  entryHolderTypes: Set<string>;
  valueTransparent: Set<string>;
  attributeMacros: Set<string>;
  loopMacro: RegExp;
  blockMacros: Set<string>;
  errno: Map<string, number>;
  /** Functions a reachability chain does not pass through (other contexts, instrumentation). */
  chainBarriers: RegExp[];
  /** Files (globs relative to the tree) of test code: no chain passes through them. */
  testCodeFiles: string[];
  /** Rules bound to architectures: they judge only code those build (rule id -> arch names). */
  ruleArchitectures: Map<string, string[]>;
  /** Implementations of the lazy MMU mode (impact). */
  lazyModeImplementations: Map<string, LazyModeImplementation>;
  /** Page-table allocators (lazy-mmu/alloc-in-section). */
  pageTableAllocators: Set<string>;
  /** Calls that may sleep (lazy-mmu/sleep-in-section). */
  sleepers: Set<string>;
  /** Allocators taking gfp flags, and the flags with which they may sleep. */
  gfpAllocators: Set<string>;
  sleepingGfp: Set<string>;
  /** Break-before-make and kernel-access-before-flush (intraprocedural checkers). */
  entrySetters: Map<string, EntrySetterApi>;
  entryClearers: Map<string, EntryClearerApi>;
  /** Calls taking the page/pfn an entry value maps: name -> the entry value's argument. */
  entryDecoders: Map<string, number>;
  /** Tests of an entry value: what true means for break-before-make, and the result per kind of value. */
  entryTests: Map<string, EntryTest>;
  /** Value transforms that may change a value's kind (pmd_mkinvalid): the result's kind is unknown. */
  entryKindChangers: Set<string>;
  /** Calls building an entry value from a page or pfn: name -> that argument. */
  pteMakers: Map<string, number>;
  /** Calls turning a page into its pfn, folio, ... (the same page). */
  pageConversions: Set<string>;
  /** Calls returning their first argument's entry value with other bits (same page): pte_mkdirty, pte_wrprotect, ... */
  entryValueTransform: RegExp;
  tlbFlushers: Set<string>;
  kernelMappers: Map<string, KernelMapperApi>;
  /** Calls returning a pointer to the kernel entry of the address in argument N. */
  kernelEntryLookups: Map<string, number>;
  /** Calls returning a struct page's kernel address. */
  kernelAddressOf: Set<string>;
  memoryTouchers: Map<string, MemoryToucherApi>;
  /** Calls that do not return (BUG, panic): a path ends there. */
  noReturn: Set<string>;
  /** Calls that make the task atomic (a spinlock taken, preemption off), and those that end it. */
  atomicEnter: Set<string>;
  atomicLeave: Set<string>;
  /** Calls that stop the kernel when their first argument is true (BUG_ON): the path continues where it is false. */
  assertions: Set<string>;
  /** Calls that warn when their first argument is true (WARN_ON) and go on: a statement of one continues on both outcomes. */
  warnings: Set<string>;
  /** Options a path needs to map huge pages (an implementation with noHugePages never runs it). */
  hugePageOptions: Set<string>;
}

/** The shape a user's extra-APIs file may have: any subset of apis.json's sections. */
export interface CatalogueAdditions {
  lazyMode?: Record<string, LazyModeApi>;
  writers?: Record<string, EntryAccessApi>;
  readers?: Record<string, EntryAccessApi>;
  entryPointerTypes?: string[];
  /** Name lists the section checkers read (see apis.json). */
  pageTableAllocators?: string[];
  sleepers?: string[];
  gfpAllocators?: string[];
  sleepingGfp?: string[];
  tlbFlushers?: string[];
  noReturn?: string[];
  atomicEnter?: string[];
  atomicLeave?: string[];
  hugePageOptions?: string[];
  /** Regular expressions over function names. */
  chainBarriers?: string[];
  testCodeFiles?: string[];
  ruleArchitectures?: Record<string, string[]>;
  /** A new id adds an implementation (name and arch needed); a known one is extended (defers added to, facts replaced). */
  lazyModeImplementations?: Record<string, Partial<LazyModeImplementation>>;
}

/** Additions that are plain lists of C identifiers, merged into sets of the same name. */
const NAME_LISTS = ['pageTableAllocators', 'sleepers', 'gfpAllocators', 'sleepingGfp', 'tlbFlushers', 'noReturn', 'atomicEnter', 'atomicLeave', 'hugePageOptions'] as const;

export class CatalogueError extends Error {}

function mapOf<T>(rec: Record<string, T> | undefined): Map<string, T> {
  return new Map(Object.entries(rec ?? {}));
}

/** A JSON section as a map, without its "$comment". */
function sectionMap<T>(rec: unknown): Map<string, T> {
  const m = new Map(Object.entries((rec ?? {}) as Record<string, T>));
  for (const k of [...m.keys()]) if (k.startsWith('$')) m.delete(k);
  return m;
}

export function builtinCatalogue(): Catalogue {
  const b = builtin as unknown as CatalogueAdditions & {
    valueTransparent: string[];
    attributeMacros: string[];
    loopMacroPattern: string;
    blockMacros: string[];
    errno: Record<string, number>;
  };
  return {
    lazyMode: mapOf(b.lazyMode),
    writers: sectionMap(b.writers),
    readers: sectionMap(b.readers),
    entryPointerTypes: new Set(b.entryPointerTypes),
    entryHolderTypes: new Set((b as any).entryHolderTypes ?? []),
    valueTransparent: new Set(b.valueTransparent),
    attributeMacros: new Set(b.attributeMacros),
    loopMacro: new RegExp(b.loopMacroPattern),
    blockMacros: new Set(b.blockMacros),
    errno: mapOf(b.errno),
    entrySetters: sectionMap((b as any).entrySetters),
    entryClearers: sectionMap((b as any).entryClearers),
    entryDecoders: sectionMap((b as any).entryDecoders),
    entryTests: sectionMap((b as any).entryTests),
    pteMakers: sectionMap((b as any).pteMakers),
    pageConversions: new Set((b as any).pageConversions ?? []),
    entryValueTransform: new RegExp((b as any).entryValueTransformPattern ?? '^$'),
    tlbFlushers: new Set((b as any).tlbFlushers ?? []),
    kernelMappers: sectionMap((b as any).kernelMappers),
    kernelEntryLookups: sectionMap((b as any).kernelEntryLookups),
    kernelAddressOf: new Set((b as any).kernelAddressOf ?? []),
    memoryTouchers: sectionMap((b as any).memoryTouchers),
    noReturn: new Set((b as any).noReturn ?? []),
    atomicEnter: new Set((b as any).atomicEnter ?? []),
    hugePageOptions: new Set((b as any).hugePageOptions ?? []),
    atomicLeave: new Set((b as any).atomicLeave ?? []),
    assertions: new Set((b as any).assertions ?? []),
    warnings: new Set((b as any).warnings ?? []),
    entryKindChangers: new Set((b as any).entryKindChangers ?? []),
    chainBarriers: ((b as any).chainBarriers ?? []).map((r: string) => new RegExp(r)),
    testCodeFiles: [...(b.testCodeFiles ?? [])],
    ruleArchitectures: sectionMap(b.ruleArchitectures),
    lazyModeImplementations: sectionMap(b.lazyModeImplementations),
    pageTableAllocators: new Set((b as any).pageTableAllocators ?? []),
    sleepers: new Set((b as any).sleepers ?? []),
    gfpAllocators: new Set((b as any).gfpAllocators ?? []),
    sleepingGfp: new Set((b as any).sleepingGfp ?? []),
  };
}

const ENTRY_KIND_NAMES: EntryKind[] = ['none', 'present', 'table', 'swap'];
const LAZY_OPS: LazyOp[] = ['enter', 'leave', 'flush', 'pause', 'resume'];
const SHAPES: ApiShape[] = ['legacy', 'generic', 'ranged', 'arch-private'];

/** Checks a user's additions; returns a list of readable problems (empty when fine). */
export function validateAdditions(raw: unknown): string[] {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return ['expected a JSON object'];
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    const known = ['lazyMode', 'writers', 'readers', 'entryPointerTypes', 'chainBarriers', 'testCodeFiles', 'ruleArchitectures', 'lazyModeImplementations', ...NAME_LISTS];
    if (key !== '$comment' && !known.includes(key)) problems.push(`unknown section "${key}" (known: ${known.join(', ')})`);
  }
  const isIdent = (s: string) => /^[A-Za-z_]\w*$/.test(s);
  if (r.lazyMode !== undefined) {
    if (typeof r.lazyMode !== 'object' || r.lazyMode === null) problems.push('lazyMode must be an object');
    else
      for (const [name, v] of Object.entries(r.lazyMode as Record<string, any>)) {
        if (!isIdent(name)) problems.push(`lazyMode: "${name}" is not a C identifier`);
        if (!v || !LAZY_OPS.includes(v.op)) problems.push(`lazyMode.${name}.op must be one of ${LAZY_OPS.join(', ')}`);
        if (v && v.shape !== undefined && !SHAPES.includes(v.shape))
          problems.push(`lazyMode.${name}.shape must be one of ${SHAPES.join(', ')}`);
      }
  }
  for (const section of ['writers', 'readers'] as const) {
    const s = r[section];
    if (s === undefined) continue;
    if (typeof s !== 'object' || s === null) {
      problems.push(`${section} must be an object`);
      continue;
    }
    for (const [name, v] of Object.entries(s as Record<string, any>)) {
      if (!isIdent(name)) problems.push(`${section}: "${name}" is not a C identifier`);
      if (!v || !Number.isInteger(v.ptrArg) || v.ptrArg < 0 || v.ptrArg > 15)
        problems.push(`${section}.${name}.ptrArg must be an argument index from 0 to 15`);
      if (v && v.field !== undefined && (typeof v.field !== 'string' || !isIdent(v.field)))
        problems.push(`${section}.${name}.field must be a member name`);
      if (v && v.value !== undefined && (section !== 'writers' || !ENTRY_KIND_NAMES.includes(v.value)))
        problems.push(`${section}.${name}.value: only a writer has one, one of ${ENTRY_KIND_NAMES.join(', ')}`);
    }
  }
  for (const list of NAME_LISTS) {
    const v = r[list];
    if (v !== undefined && (!Array.isArray(v) || !v.every((t) => typeof t === 'string' && isIdent(t))))
      problems.push(`${list} must be a list of C identifiers`);
  }
  if (r.chainBarriers !== undefined) {
    if (!Array.isArray(r.chainBarriers)) problems.push('chainBarriers must be a list of regular expressions');
    else
      for (const re of r.chainBarriers) {
        try {
          new RegExp(String(re));
        } catch (e) {
          problems.push(`chainBarriers: ${JSON.stringify(re)} is not a regular expression (${(e as Error).message})`);
        }
      }
  }
  if (r.testCodeFiles !== undefined && (!Array.isArray(r.testCodeFiles) || !r.testCodeFiles.every((g) => typeof g === 'string' && g.trim() !== '')))
    problems.push('testCodeFiles must be a list of glob patterns');
  if (r.ruleArchitectures !== undefined) {
    if (typeof r.ruleArchitectures !== 'object' || r.ruleArchitectures === null || Array.isArray(r.ruleArchitectures))
      problems.push('ruleArchitectures must be an object: rule id -> list of architectures');
    else
      for (const [rule, v] of Object.entries(r.ruleArchitectures as Record<string, unknown>))
        if (!Array.isArray(v) || !v.every((a) => typeof a === 'string' && isIdent(a))) problems.push(`ruleArchitectures.${rule} must be a list of architecture names`);
  }
  if (r.lazyModeImplementations !== undefined) {
    if (typeof r.lazyModeImplementations !== 'object' || r.lazyModeImplementations === null || Array.isArray(r.lazyModeImplementations))
      problems.push('lazyModeImplementations must be an object: id -> implementation');
    else
      for (const [id, v] of Object.entries(r.lazyModeImplementations as Record<string, any>))
        problems.push(...implementationProblems(id, v, BUILTIN_IMPLEMENTATIONS.has(id)));
  }
  if (r.entryPointerTypes !== undefined) {
    if (!Array.isArray(r.entryPointerTypes) || !r.entryPointerTypes.every((t) => typeof t === 'string' && isIdent(t)))
      problems.push('entryPointerTypes must be a list of type names');
  }
  return problems;
}

export function withAdditions(base: Catalogue, add: CatalogueAdditions): Catalogue {
  const c: Catalogue = {
    ...base,
    lazyMode: new Map(base.lazyMode),
    writers: new Map(base.writers),
    readers: new Map(base.readers),
    entryPointerTypes: new Set(base.entryPointerTypes),
  };
  for (const [k, v] of Object.entries(add.lazyMode ?? {})) c.lazyMode.set(k, { op: v.op, shape: v.shape ?? 'arch-private' });
  for (const [k, v] of Object.entries(add.writers ?? {})) c.writers.set(k, v);
  for (const [k, v] of Object.entries(add.readers ?? {})) c.readers.set(k, v);
  for (const t of add.entryPointerTypes ?? []) c.entryPointerTypes.add(t);
  for (const list of NAME_LISTS) {
    const extra = add[list];
    if (extra?.length) c[list] = new Set([...c[list], ...extra]);
  }
  if (add.testCodeFiles?.length) c.testCodeFiles = [...c.testCodeFiles, ...add.testCodeFiles];
  if (add.ruleArchitectures) c.ruleArchitectures = new Map([...c.ruleArchitectures, ...Object.entries(add.ruleArchitectures)]);
  if (add.lazyModeImplementations) {
    c.lazyModeImplementations = new Map(c.lazyModeImplementations);
    for (const [id, v] of Object.entries(add.lazyModeImplementations)) {
      const old = c.lazyModeImplementations.get(id);
      // An existing implementation is extended (its writers gain the new ones, the facts given replace its own).
      c.lazyModeImplementations.set(
        id,
        old ? { ...old, ...v, defers: [...old.defers, ...(v.defers ?? [])], hooks: [...(old.hooks ?? []), ...(v.hooks ?? [])] } : withImplementationDefaults(v),
      );
    }
  }
  if (add.chainBarriers?.length) c.chainBarriers = [...c.chainBarriers, ...add.chainBarriers.map((r) => new RegExp(r))];
  return c;
}

const FACTS = ['present', 'nestingCrashes', 'disablesPreemption', 'defersKernelBarriers', 'highmemPageTables', 'noHugePages'] as const;

/** Ids of the builtin implementations: an addition under one of them extends it. */
const BUILTIN_IMPLEMENTATIONS = new Set(Object.keys((builtin as { lazyModeImplementations?: object }).lazyModeImplementations ?? {}));

function implementationProblems(id: string, v: any, known: boolean): string[] {
  const out: string[] = [];
  const at = `lazyModeImplementations.${id}`;
  if (!v || typeof v !== 'object') return [`${at} must be an object`];
  if ((!known || v.name !== undefined) && (typeof v.name !== 'string' || !v.name.trim())) out.push(`${at}.name must be a non-empty string`);
  if ((!known || v.arch !== undefined) && (typeof v.arch !== 'string' || !/^[A-Za-z_]\w*$/.test(v.arch)))
    out.push(`${at}.arch must be an architecture name (its arch/ directory)`);
  for (const list of ['defers', 'hooks'])
    if (v[list] !== undefined && (!Array.isArray(v[list]) || !v[list].every((t: unknown) => typeof t === 'string' && /^[A-Za-z_]\w*$/.test(t))))
      out.push(`${at}.${list} must be a list of C identifiers`);
  for (const f of FACTS) {
    const x = v[f];
    if (x === undefined || typeof x === 'boolean') continue;
    if (!x || typeof x !== 'object' || typeof x.file !== 'string' || typeof x.pattern !== 'string' || typeof x.otherwise !== 'boolean') {
      out.push(`${at}.${f} must be true, false or {file, pattern, otherwise}`);
      continue;
    }
    try {
      new RegExp(x.pattern);
    } catch (e) {
      out.push(`${at}.${f}.pattern is not a regular expression (${(e as Error).message})`);
    }
  }
  return out;
}

/** An implementation from a user's file: facts it leaves out are false, present is true. */
function withImplementationDefaults(v: Partial<LazyModeImplementation>): LazyModeImplementation {
  return {
    name: v.name!,
    arch: v.arch!,
    present: v.present ?? true,
    defers: v.defers ?? [],
    hooks: v.hooks ?? [],
    nestingCrashes: v.nestingCrashes ?? false,
    disablesPreemption: v.disablesPreemption ?? false,
    defersKernelBarriers: v.defersKernelBarriers ?? false,
    highmemPageTables: v.highmemPageTables ?? false,
    noHugePages: v.noHugePages ?? false,
  };
}

/** Reads a user additions file; throws CatalogueError with a readable message when it is bad. */
export function loadCatalogue(extraApisFile?: string): Catalogue {
  const base = builtinCatalogue();
  if (!extraApisFile) return base;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(extraApisFile, 'utf8'));
  } catch (e) {
    throw new CatalogueError(`${extraApisFile}: cannot read the extra APIs file: ${(e as Error).message}`);
  }
  const problems = validateAdditions(raw);
  if (problems.length) throw new CatalogueError(`${extraApisFile}: ${problems.join('; ')}`);
  return withAdditions(base, raw as CatalogueAdditions);
}

/** Every name the catalogue gives a meaning to (for cheap relevance scans). */
export function catalogueNames(c: Catalogue): Set<string> {
  return new Set([...c.lazyMode.keys(), ...c.writers.keys(), ...c.readers.keys()]);
}
