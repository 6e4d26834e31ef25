// What the code does with a page-table entry it read: the consequence of a
// stale read, derived from the syntax around the read, the same way for every
// function. Three uses matter: an assertion on it (WARN_ON*, VM_WARN_ON*,
// BUG_ON: a stale value can trip it), an entry test in that assertion (which
// says what the code expects the fresh value to be: present, not none), and a
// call it is handed to (the stale value is used as if fresh).
import type { Node } from 'web-tree-sitter';
import { Catalogue } from '../catalogue/catalogue';
import { accessPath } from '../analysis/syntax';
import { callArgs, calleeName } from '../analysis/syntax';

export interface ReadUse {
  /** The entry pointer read through ("src_pte"). */
  entry: string | null;
  /** An assertion the value (or a test of it) feeds: "VM_WARN_ON_ONCE". */
  assertion?: string;
  /** What the assertion expects of a fresh value, from a negated entry test in it: "present", "none". */
  expected?: 'present' | 'none';
  /** A call the value is handed to afterwards: "copy_present_ptes". */
  passedTo?: string;
}

const ASSERTION = /^(VM_)?(WARN|BUG)(_ON)?(_ONCE)?$/;
/** Statements looked at after an assignment of the value, for its next uses. */
const LOOKAHEAD = 12;

function isAssertion(name: string | null, cat: Catalogue): name is string {
  return !!name && (ASSERTION.test(name) || cat.assertions.has(name));
}

/** The entry a read node reads: a reader's pointer argument, the operand of `*`, or an indexed entry (`pte[i]`). */
function entryOf(read: Node, cat: Catalogue): string | null {
  if (read.type === 'call_expression') {
    const name = calleeName(read);
    const r = name ? cat.readers.get(name) : undefined;
    const a = r ? callArgs(read)[r.ptrArg] : undefined;
    if (a) return a.text.replace(/\s+/g, ' ');
    if (name === 'READ_ONCE') {
      const x = callArgs(read)[0];
      return x?.type === 'pointer_expression' ? (x.childForFieldName('argument')?.text ?? null) : null;
    }
    return null;
  }
  if (read.type === 'pointer_expression') return read.childForFieldName('argument')?.text.replace(/\s+/g, ' ') ?? null;
  if (read.type === 'subscript_expression') return read.text.replace(/\s+/g, ' ');
  return null;
}

/** Climbs from an expression to the assertion or call it feeds in its own statement. */
function climb(n: Node, cat: Catalogue, use: ReadUse): Node | null {
  let negated = false;
  let test: 'present' | 'none' | undefined;
  let cur: Node = n;
  for (let p = n.parent; p; cur = p, p = p.parent) {
    if (p.type === 'parenthesized_expression' || p.type === 'argument_list') continue;
    if (p.type === 'unary_expression' && p.child(0)?.text === '!') {
      negated = !negated;
      continue;
    }
    if (p.type === 'call_expression') {
      const name = calleeName(p);
      const kind = name ? cat.entryTests.get(name)?.means : undefined;
      if (kind && !test) {
        test = kind === 'valid' ? 'present' : 'none';
        negated = false;
        continue;
      }
      if (isAssertion(name, cat)) {
        use.assertion ??= name;
        // WARN_ON(!pte_present(v)): the code expects a fresh value to be present.
        if (test && negated) use.expected ??= test;
        return null;
      }
      if (name && (cat.valueTransparent.has(name) || name === 'READ_ONCE')) continue;
      if (name && !use.passedTo) use.passedTo = name;
      return null;
    }
    if (p.type === 'init_declarator' || (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === cur.id)) return p;
    return null;
  }
  return null;
}

/** The variable an assignment or declaration gives the value to. */
function assignedName(n: Node): string | null {
  const target = n.type === 'init_declarator' ? n.childForFieldName('declarator') : n.childForFieldName('left');
  return target ? accessPath(target) : null;
}

/**
 * The statements after the one holding `n`, in its block and then in the
 * blocks around it (the code that runs next when no branch is taken), at
 * most LOOKAHEAD of them, within the function.
 */
function followingStatements(n: Node): Node[] {
  const out: Node[] = [];
  let stmt: Node = n;
  for (;;) {
    while (stmt.parent && stmt.parent.type !== 'compound_statement') {
      if (stmt.parent.type === 'function_definition') return out;
      stmt = stmt.parent;
    }
    const block = stmt.parent;
    if (!block) return out;
    const all = block.namedChildren.filter((c): c is Node => !!c);
    const i = all.findIndex((c) => c.id === stmt.id);
    for (const c of all.slice(i + 1)) {
      if (out.length >= LOOKAHEAD) return out;
      out.push(c);
    }
    stmt = block;
  }
}

function identifiersNamed(n: Node, name: string): Node[] {
  const out: Node[] = [];
  const stack = [n];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.type === 'identifier' && x.text === name) out.push(x);
    for (const c of x.namedChildren) if (c) stack.push(c);
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

/** What the code around `read` (a reader call or a `*p`) does with the value read. */
export function readUse(read: Node, cat: Catalogue): ReadUse {
  const use: ReadUse = { entry: entryOf(read, cat) };
  const assigned = climb(read, cat, use);
  const name = assigned ? assignedName(assigned) : null;
  if (!name) return use;
  // Its next uses, until it is assigned again.
  for (const st of followingStatements(assigned!)) {
    for (const id of identifiersNamed(st, name)) {
      const p = id.parent;
      if (p?.type === 'assignment_expression' && p.childForFieldName('left')?.id === id.id) return use;
      climb(id, cat, use);
      if (use.passedTo) return use;
    }
  }
  return use;
}
