// Loads the API catalogue (apis.json) and merges user additions into it
// (checked and merged by catalogueAdditions.ts).
// The analysis asks the catalogue what a call means; it never names an API itself.
import * as fs from 'fs';
import builtin from './apis.json';
import { validateAdditions, withAdditions } from './catalogueAdditions';

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
