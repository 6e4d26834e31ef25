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
  /** Tests of an entry value: true means empty ('none') or mapping something ('valid'). */
  entryTests: Map<string, 'none' | 'valid'>;
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
  /** Regular expressions over function names. */
  chainBarriers?: string[];
}

/** Additions that are plain lists of C identifiers, merged into sets of the same name. */
const NAME_LISTS = ['pageTableAllocators', 'sleepers', 'gfpAllocators', 'sleepingGfp', 'tlbFlushers', 'noReturn', 'atomicEnter', 'atomicLeave'] as const;

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
    writers: mapOf(b.writers),
    readers: mapOf(b.readers),
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
    atomicLeave: new Set((b as any).atomicLeave ?? []),
    assertions: new Set((b as any).assertions ?? []),
    chainBarriers: ((b as any).chainBarriers ?? []).map((r: string) => new RegExp(r)),
    pageTableAllocators: new Set((b as any).pageTableAllocators ?? []),
    sleepers: new Set((b as any).sleepers ?? []),
    gfpAllocators: new Set((b as any).gfpAllocators ?? []),
    sleepingGfp: new Set((b as any).sleepingGfp ?? []),
  };
}

const LAZY_OPS: LazyOp[] = ['enter', 'leave', 'flush', 'pause', 'resume'];
const SHAPES: ApiShape[] = ['legacy', 'generic', 'ranged', 'arch-private'];

/** Checks a user's additions; returns a list of readable problems (empty when fine). */
export function validateAdditions(raw: unknown): string[] {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return ['expected a JSON object'];
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    const known = ['lazyMode', 'writers', 'readers', 'entryPointerTypes', 'chainBarriers', ...NAME_LISTS];
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
  if (add.chainBarriers?.length) c.chainBarriers = [...c.chainBarriers, ...add.chainBarriers.map((r) => new RegExp(r))];
  return c;
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
