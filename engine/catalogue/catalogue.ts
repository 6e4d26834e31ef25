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
}

/** The shape a user's extra-APIs file may have: any subset of apis.json's sections. */
export interface CatalogueAdditions {
  lazyMode?: Record<string, LazyModeApi>;
  writers?: Record<string, EntryAccessApi>;
  readers?: Record<string, EntryAccessApi>;
  entryPointerTypes?: string[];
}

export class CatalogueError extends Error {}

function mapOf<T>(rec: Record<string, T> | undefined): Map<string, T> {
  return new Map(Object.entries(rec ?? {}));
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
    if (!['lazyMode', 'writers', 'readers', 'entryPointerTypes', '$comment'].includes(key)) {
      problems.push(`unknown section "${key}" (known: lazyMode, writers, readers, entryPointerTypes)`);
    }
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
