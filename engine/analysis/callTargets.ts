// Where a section opener's pointer parameter gets its value. An opener such
// as apply_to_pte_range() calls its parameter `fn` inside its section, and is
// analysed with `fn` unknown; the functions `fn` can be are named several
// calls up (apply_to_page_range(&init_mm, addr, size, kasan_populate_vmalloc_pte,
// ...)). This walks up through the callers (by name, from the index): where a
// caller passes its own parameter, on up; where it passes a function name or
// the address of an initialized global (an ops struct), a binding; anything
// else leaves the search incomplete. Bounded.
import type { Node } from 'web-tree-sitter';
import { WorkspaceIndex, Definition } from '../index/workspaceIndex';
import { SourceCache, relativePlace, absolutePlace } from './sourceCache';
import { Hop } from './pathState';
import { Fact, factKey } from './values';
import { parameterNames, unwrap } from './syntax';

/** One value a pointer parameter is given, and the calls that give it: the one naming it first, down to the call into the opener. */
export interface RootBinding {
  fact: Fact;
  origin: Hop[];
}

export interface BindingSearch {
  bindings: RootBinding[];
  /** Every caller was followed to a binding (no unknown value, no bound hit). */
  complete: boolean;
}

/** How far up (calls) and how wide (caller functions, bindings) the search goes. */
const MAX_UP = 8;
const MAX_CALLERS = 96;
const MAX_BINDINGS = 48;

/** What an argument is, as plain data (kept per text of the caller's file). */
type ArgKind = { kind: 'param'; index: number } | { kind: 'name'; name: string } | { kind: 'addr'; name: string } | { kind: 'null' } | { kind: 'other' };

interface CallSite {
  line: number;
  column: number;
  /** The arguments' texts, and what each is. */
  texts: string[];
  arg: ArgKind[];
}

export interface BindingResolver {
  /** `&name` seen from `file`: a global with an initializer, a function, or some object. */
  addrFact(name: string, file: string): Fact;
  isFunction(name: string, file: string): boolean;
}

export function bindingsOf(index: WorkspaceIndex, sources: SourceCache, resolve: BindingResolver, root: Definition, param: number): BindingSearch {
  const out = new Map<string, RootBinding>();
  let complete = true;
  const seen = new Set<string>();
  let callers = 0;
  const queue: { def: Definition; param: number; below: Hop[] }[] = [{ def: root, param, below: [] }];
  const callersByName = index.callersByName();
  for (let item = queue.shift(); item; item = queue.shift()) {
    const { def, below } = item;
    const k = `${def.file}:${def.line}:${item.param}`;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const c of callersByName.get(def.name) ?? []) {
      if ('params' in c) {
        complete = false; // a macro wraps the call: not followed
        continue;
      }
      const caller = c as Definition;
      if (!index.resolve(def.name, caller.file).some((d) => d.file === def.file && d.line === def.line)) continue;
      if (++callers > MAX_CALLERS) return { bindings: [...out.values()], complete: false };
      for (const site of callSites(sources, caller, def.name)) {
        const arg = site.arg[item.param];
        const hop = (what: string): Hop => ({
          file: caller.file,
          line: site.line,
          column: site.column,
          endLine: site.line,
          endColumn: site.column + def.name.length,
          message: `${caller.name}() passes ${what} to ${def.name}()`,
        });
        const bind = (fact: Fact, what: string) => {
          const key = factKey(fact);
          if (!out.has(key)) out.set(key, { fact, origin: [hop(what), ...below] });
          if (out.size > MAX_BINDINGS) complete = false;
        };
        if (!arg) complete = false;
        else if (arg.kind === 'param') {
          if (below.length + 1 >= MAX_UP) complete = false;
          else queue.push({ def: caller, param: arg.index, below: [hop(`its ${site.texts[item.param]}`), ...below] });
        } else if (arg.kind === 'name') {
          if (resolve.isFunction(arg.name, caller.file)) bind({ kind: 'fn', names: [arg.name], files: [caller.file] }, arg.name);
          else complete = false;
        } else if (arg.kind === 'addr') {
          const f = resolve.addrFact(arg.name, caller.file);
          if (f.kind === 'nonnull') complete = false;
          else bind(f, `&${arg.name}`);
        } else if (arg.kind === 'other') complete = false;
        // NULL: no call is made through it.
      }
    }
  }
  return { bindings: [...out.values()], complete };
}

/** How many times a caller's body was walked for its call sites (tests: an edit elsewhere in its file walks none again). */
export const callSiteWalks = { count: 0 };

/**
 * The calls to `callee` inside `caller`, with their arguments classified:
 * made once per text of the caller (an edit elsewhere in its file keeps
 * them; mm/memory.c's callers of apply_to_pte_range were walked again at
 * every keystroke), places kept relative to the caller's start.
 */
function callSites(sources: SourceCache, caller: Definition, callee: string): CallSite[] {
  const ref = sources.functionAt(caller.file, caller.name, caller.line);
  if (!ref) return [];
  const found = sources.rememberInFunction(ref, `call-sites\0${callee}`, () => {
    callSiteWalks.count++;
    const params = parameterNames(ref.node);
    const locals = declaredLocals(ref.node);
    const out: (Omit<CallSite, 'line' | 'column'> & { at: { row: number; column: number } })[] = [];
    const stack: Node[] = [ref.node];
    for (let n = stack.pop(); n; n = stack.pop()) {
      if (n.type === 'call_expression' && n.childForFieldName('function')?.text === callee) {
        const args = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a);
        out.push({
          at: relativePlace(ref, n.startPosition.row + 1, n.startPosition.column + 1),
          texts: args.map((a) => a.text.replace(/\s+/g, ' ')),
          arg: args.map((a) => classify(a, params, locals)),
        });
      }
      for (const c of n.namedChildren) if (c) stack.push(c);
    }
    return out.sort((a, b) => a.at.row - b.at.row || a.at.column - b.at.column);
  });
  return found.map(({ at, texts, arg }) => ({ ...absolutePlace(ref, at), texts, arg }));
}

function classify(a: Node, params: (string | null)[], locals: Set<string>): ArgKind {
  const n = unwrap(a);
  if (n.type === 'null' || (n.type === 'number_literal' && /^0+[uUlL]*$/.test(n.text)) || n.text === 'NULL') return { kind: 'null' };
  if (n.type === 'identifier') {
    const i = params.indexOf(n.text);
    if (i >= 0) return { kind: 'param', index: i };
    return locals.has(n.text) ? { kind: 'other' } : { kind: 'name', name: n.text };
  }
  if (n.type === 'pointer_expression' && n.child(0)?.text === '&') {
    const x = n.childForFieldName('argument');
    if (x?.type === 'identifier' && !locals.has(x.text) && !params.includes(x.text)) return { kind: 'addr', name: x.text };
  }
  return { kind: 'other' };
}

function declaredLocals(fn: Node): Set<string> {
  const out = new Set<string>();
  const stack: Node[] = [fn.childForFieldName('body') ?? fn];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === 'declaration')
      for (const d of n.childrenForFieldName('declarator')) {
        let x: Node | null = d;
        while (x && x.type !== 'identifier') x = x.childForFieldName('declarator') ?? (x.type === 'parenthesized_declarator' ? x.namedChild(0) : null);
        if (x) out.add(x.text);
      }
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return out;
}
