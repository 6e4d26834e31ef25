// A user's extra-APIs file (the `lazymmu.extraApis` setting, `--extra-apis`):
// its sections checked into readable problems, then merged into a catalogue.
import builtin from './apis.json';
import type { ApiShape, Catalogue, CatalogueAdditions, EntryKind, LazyModeImplementation, LazyOp } from './catalogue';

/** Additions that are plain lists of C identifiers, merged into sets of the same name. */
const NAME_LISTS = ['pageTableAllocators', 'sleepers', 'gfpAllocators', 'sleepingGfp', 'tlbFlushers', 'noReturn', 'atomicEnter', 'atomicLeave', 'hugePageOptions'] as const;

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
