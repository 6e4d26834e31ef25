// Lets the local rules (break-before-make, kernel-access-before-flush) see
// through helpers: a function that passes its own parameters straight to a
// catalogue entry setter or kernel mapper (`my_map(addr) { set_pte_at(&init_mm,
// addr, ...); }`) becomes, for this check, a setter or mapper itself, a few
// levels deep. Each derived API carries the calls inside the helpers as
// related locations, one per hop.
import type { Node } from 'web-tree-sitter';
import { Catalogue, EntrySetterApi, KernelMapperApi } from '../catalogue/catalogue';
import { RelatedLocation } from '../findings';
import { WorkspaceIndex } from '../index/workspaceIndex';
import { SourceCache } from '../analysis/sourceCache';
import { parameterNames, unwrap } from '../analysis/syntax';

const DEPTH = 3;

type Via = { via?: RelatedLocation[] };
export type DerivedMapper = KernelMapperApi & Via;
export type DerivedSetter = EntrySetterApi & Via;

function callsTo(fn: Node, callee: string): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [fn];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'call_expression' && n.childForFieldName('function')?.text === callee) out.push(n);
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return out;
}

/** Maps the argument positions `fields` of a call to the helper's parameter positions; null when one is not a plain parameter. */
function mapArgs<T extends object>(
  api: T,
  fields: (keyof T)[],
  args: Node[],
  params: (string | null)[],
  special: (field: keyof T, arg: Node) => 'drop' | 'keep' | null = () => null,
): T | null {
  const out = { ...api };
  for (const f of fields) {
    const idx = api[f] as unknown as number | undefined;
    if (idx === undefined) continue;
    const arg = args[idx];
    if (!arg) return null;
    const sp = special(f, arg);
    if (sp === 'drop') {
      delete out[f];
      continue;
    }
    const i = params.indexOf(unwrap(arg).text);
    if (i < 0) return null;
    (out as Record<keyof T, unknown>)[f] = i;
  }
  return out;
}

/**
 * A catalogue extended with the helpers, reachable from `names` within a few
 * calls, that forward their parameters to a setter or a mapper.
 */
export function withDerivedApis(
  cat: Catalogue,
  index: WorkspaceIndex,
  sources: SourceCache,
  names: Iterable<string>,
  fromFile: string,
  /** Collects what the answer depends on: names looked up in the index, and functions whose text was read. */
  deps?: { names: Set<string>; fns: Set<string> },
): Catalogue {
  const mappers = new Map<string, DerivedMapper>(cat.kernelMappers);
  const setters = new Map<string, DerivedSetter>(cat.entrySetters);
  const seen = new Map<string, boolean>();

  const derive = (name: string, depth: number): boolean => {
    deps?.names.add(name);
    if (mappers.has(name) || setters.has(name)) return true;
    if (depth <= 0 || cat.lazyMode.has(name)) return false;
    const known = seen.get(name);
    if (known !== undefined) return known;
    seen.set(name, false); // recursion: not (yet) an API
    let found = false;
    for (const def of index.resolve(name, fromFile).slice(0, 2)) {
      for (const c of def.calls) {
        if (c === name || !derive(c, depth - 1)) continue;
        const ref = sources.functionAt(def.file, def.name, def.line);
        if (!ref) continue;
        deps?.fns.add(ref.key);
        const params = parameterNames(ref.node);
        for (const call of callsTo(ref.node, c)) {
          const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a);
          const hop: RelatedLocation = {
            file: def.file,
            line: call.startPosition.row + 1,
            column: call.startPosition.column + 1,
            message: `${name}() calls ${c}() here with its own arguments`,
          };
          const m = mappers.get(c);
          if (m && !mappers.has(name)) {
            const d = mapArgs<DerivedMapper>(m, ['addrArg', 'pageArg', 'entryArg', 'enableArg', 'mmArg'], args, params, (f, a) =>
              f === 'mmArg' && a.text.replace(/\s+/g, '') === '&init_mm' ? 'drop' : null,
            );
            if (d) {
              mappers.set(name, { ...d, via: [hop, ...(m.via ?? [])] });
              found = true;
            }
          }
          const s = setters.get(c);
          if (s && !setters.has(name)) {
            const d = mapArgs<DerivedSetter>(s, ['ptrArg', 'valueArg'], args, params);
            if (d) {
              setters.set(name, { ...d, via: [hop, ...(s.via ?? [])] });
              found = true;
            }
          }
        }
      }
    }
    seen.set(name, found);
    return found;
  };

  for (const n of names) derive(n, DEPTH);
  return { ...cat, kernelMappers: mappers, entrySetters: setters };
}
