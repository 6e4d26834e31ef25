// What the search for an opener's pointer-parameter bindings read
// (analysis/callTargets.ts: apply_to_pte_range()'s `fn`, bound by its
// callers), recorded as it reads it, so that the opener's stored product is
// keyed by that instead of by every file of the tree (issue 15 point 2: with
// the tree in its key, an edit anywhere analysed it again in every rerun).
//
// The search reads, through the views given here:
// - the callers of each name it walks up from (the callers map): the call
//   graph's digest keys them (`graph`), and each caller's region (`fns`):
//   its call sites' arguments are read from its text;
// - the index's answer for each name it resolves (`names`);
// - the global initializers of the callers' files, for `&global` arguments
//   (`globals`: their text outside the bodies).
// The views offer only what the search uses: should it read anything else of
// the index or the resolver, it fails loudly here rather than go unkeyed.
import type { Definition, MacroDefinition, WorkspaceIndex } from '../index/workspaceIndex';
import type { BindingResolver } from '../analysis/callTargets';
import type { Fact } from '../analysis/values';
import type { Deps } from './contentKeys';

type Caller = Definition | MacroDefinition;

export class BindingReads {
  private readonly names = new Set<string>();
  private readonly globals = new Set<string>();
  private readonly callers = new Set<Caller>();

  constructor(private readonly index: WorkspaceIndex) {}

  /** The index as the search sees it: its callers by name and its resolution, each read recorded. */
  indexView(): WorkspaceIndex {
    const index = this.index;
    const view = {
      callersByName: () => {
        const map = index.callersByName();
        return {
          get: (name: string): Caller[] | undefined => {
            this.names.add(name);
            // A few names: answered without building the whole map while it is not built (callersMap.ts).
            const found = map.peek(name);
            for (const c of found ?? []) this.callers.add(c);
            return found;
          },
        };
      },
      resolve: (name: string, file: string): Definition[] => {
        this.names.add(name);
        return index.resolve(name, file);
      },
    };
    return view as unknown as WorkspaceIndex;
  }

  /** The resolver as the search sees it (the interpreter's answers, recorded: outside a summary its frames record nothing). */
  resolverView(resolve: BindingResolver): BindingResolver {
    return {
      addrFact: (name: string, file: string): Fact => {
        this.names.add(name);
        this.globals.add(file);
        return resolve.addrFact(name, file);
      },
      isFunction: (name: string, file: string): boolean => {
        this.names.add(name);
        return resolve.isFunction(name, file);
      },
    };
  }

  /** What was read, as an opener's deps add it (openerDeps). */
  deps(): Pick<Deps, 'fns' | 'names' | 'globals'> & { files: string[]; graph: true } {
    const fns = new Set<string>();
    const files = new Set<string>();
    for (const c of this.callers) {
      if ('params' in c) continue; // a macro: its text is not read (the search stops there), its place is the graph's
      files.add(c.file);
      // The interpreter's key of a function read: its region when its name is defined once in its file (ContentKeys.fnDigest);
      // a rank other than 0 keys the whole file.
      const once = this.index.definitionsIn(c.file, c.name).length === 1;
      fns.add(`${c.file}\0${c.name}#${once ? 0 : 1}`);
    }
    return { fns: [...fns], names: [...this.names], globals: [...this.globals], files: [...files], graph: true };
  }
}
