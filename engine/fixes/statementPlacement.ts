// Where a fix's statement goes so that it runs exactly on the flagged path:
// right before every evaluation of a node (a read's flush, an exit's leave),
// and on no other path. Pure: tree-sitter nodes in, text insertions out;
// every rule that offers a fix places its statement here.
//
//   `x = ptep_get(p);` in a block, after a `case X:` or a label `out:`
//       the statement goes right before it (after the label, so jumps to the
//       label run it too), on its own line when the read starts its line;
//   the body of an `if`/`else`/`for`/`while`/`do` (or a macro loop) without
//       braces, or a labelled statement that is such a body: braces are added;
//   a read in an `if`/`switch` condition, a `return` expression, a
//       declaration's initializer, a `for` initializer: before that statement;
//   a read in a `while`/`for` condition: before the loop and at the end of
//       the body (the condition runs again after each pass); in a `for`
//       update or a `do ... while` condition: at the end of the body. A
//       `continue` of that loop would skip the end of the body: no fix then.
import type { Node } from '../parse/cParser';

/** A text put at a 1-based (line, column) of the user's text. */
export interface TextInsert {
  line: number;
  column: number;
  text: string;
}

/** Parents whose children are a list of statements run in order. */
const STATEMENT_LISTS = new Set(['compound_statement', 'case_statement', 'translation_unit', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef']);
/** Statements whose body (or labelled statement) is one statement, braces or not. */
const BODY_HOLDERS = new Set(['if_statement', 'else_clause', 'while_statement', 'for_statement', 'do_statement', 'labeled_statement', 'switch_statement']);
const LOOPS = new Set(['while_statement', 'for_statement', 'do_statement']);
const STATEMENTS = new Set([
  'expression_statement',
  'declaration',
  'return_statement',
  'if_statement',
  'switch_statement',
  'while_statement',
  'for_statement',
  'do_statement',
  'goto_statement',
  'break_statement',
  'continue_statement',
  'compound_statement',
  'labeled_statement',
]);

/** The file's lines as the tree holds them (the root may start after leading blank lines). */
class Lines {
  private readonly rows: string[];
  private readonly first: number;
  readonly eol: string;
  /** One split per parsed tree: a file with 10^5 findings would otherwise be split 10^5 times. */
  private static known = new WeakMap<object, Lines>();
  static of(n: Node): Lines {
    let l = Lines.known.get(n.tree);
    if (!l) Lines.known.set(n.tree, (l = new Lines(n)));
    return l;
  }
  private constructor(n: Node) {
    const root = n.tree.rootNode;
    this.first = root.startPosition.row;
    this.rows = root.text.split('\n');
    this.rows[0] = ' '.repeat(root.startPosition.column) + this.rows[0];
    this.eol = this.rows.length > 1 && this.rows[0].endsWith('\r') ? '\r\n' : '\n';
  }
  /** The whitespace a 0-based row starts with. */
  indent(row: number): string {
    return /^[ \t]*/.exec(this.rows[row - this.first] ?? '')![0];
  }
  /**
   * Where a node's line ends when only comments follow the node on it (so a
   * new line put after the node keeps them with it), else null.
   */
  endAfterComments(n: Node): [number, number] | null {
    const row = n.endPosition.row;
    const line = (this.rows[row - this.first] ?? '').replace(/\r$/, '');
    const rest = line.slice(n.endPosition.column);
    return /^\s*(\/\*((?!\*\/).)*\*\/\s*)*(\/\/.*)?$/.test(rest) ? [row, line.trimEnd().length] : null;
  }
  /** Only whitespace precedes this node on its line. */
  startsLine(n: Node): boolean {
    const line = this.rows[n.startPosition.row - this.first] ?? '';
    return line.slice(0, n.startPosition.column).trim() === '';
  }
}

const at = (row: number, column: number, text: string): TextInsert => ({ line: row + 1, column: column + 1, text });
const startOf = (n: Node, text: string) => at(n.startPosition.row, n.startPosition.column, text);
const endOf = (n: Node, text: string) => at(n.endPosition.row, n.endPosition.column, text);
const same = (a: Node | null | undefined, b: Node) => !!a && a.id === b.id;

/**
 * Inserts that run `stmt` (one C statement, e.g. `arch_flush_lazy_mmu_mode();`)
 * right before every evaluation of `node`, on its path only; null when no
 * single safe place exists (a loop condition whose loop `continue`s) or the
 * node is in no statement.
 */
export function placeBefore(node: Node, stmt: string): TextInsert[] | null {
  const lines = Lines.of(node);
  let child = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (LOOPS.has(p.type) && !same(p.childForFieldName('body'), child)) {
      // In a loop's header: which part runs when.
      const part = ['initializer', 'condition', 'update'].find((f) => same(p!.childForFieldName(f), child));
      if (p.type === 'for_statement' && part === 'initializer') return beforeStatement(p, stmt, lines);
      if (p.type === 'do_statement' || part === 'update') return atEndOfBody(p, stmt, lines, false);
      return atEndOfBody(p, stmt, lines, true);
    }
    if (STATEMENTS.has(child.type) && child.type !== 'compound_statement') return beforeStatement(child, stmt, lines);
    if (p.type === 'function_definition' || p.type === 'statement_expression') return null;
  }
  return null;
}

/** Inserts that run `stmt` last in `block` (a compound statement), before its closing brace. */
export function placeAtEnd(block: Node, stmt: string): TextInsert[] {
  const lines = Lines.of(block);
  const close = block.lastChild!;
  if (lines.startsLine(close)) {
    const first = block.namedChildren.find((c) => c && c.type !== 'comment');
    const inner = first && lines.startsLine(first) && first.startPosition.row > block.startPosition.row ? lines.indent(first.startPosition.row) : lines.indent(close.startPosition.row) + '\t';
    return [at(close.startPosition.row, 0, `${inner}${stmt}${lines.eol}`)];
  }
  return [startOf(close, `${stmt} `)];
}

/**
 * `stmt` right before statement `s`: in its list, after its label, or in new
 * braces around it; null where the parser did not make sense of what holds it.
 */
function beforeStatement(s: Node, stmt: string, lines: Lines): TextInsert[] | null {
  const p = s.parent!;
  const inList = STATEMENT_LISTS.has(p.type) || (p.type === 'labeled_statement' && STATEMENT_LISTS.has(p.parent?.type ?? ''));
  if (!inList) return BODY_HOLDERS.has(p.type) ? braced(s, stmt, null, lines) : null;
  if (lines.startsLine(s)) return [at(s.startPosition.row, 0, `${lines.indent(s.startPosition.row)}${stmt}${lines.eol}`)];
  return [startOf(s, `${stmt} `)];
}

/**
 * Braces around `s` (a body without them), with `pre` before it and `post`
 * after it. A body on its own line gets kernel-style braces: ` {` after the
 * head, the new statements on lines of their own, `}` under the head.
 */
function braced(s: Node, pre: string | null, post: string | null, lines: Lines): TextInsert[] {
  let head = s.previousSibling;
  while (head?.type === 'comment') head = head.previousSibling; // ` {` before a `//` comment, not inside it
  if (head && head.endPosition.row < s.startPosition.row && lines.startsLine(s)) {
    const ind = lines.indent(s.startPosition.row);
    const out = [endOf(head, ' {')];
    if (pre) out.push(at(s.startPosition.row, 0, `${ind}${pre}${lines.eol}`));
    const close = `${post ? `${lines.eol}${ind}${post}` : ''}${lines.eol}${lines.indent(s.parent!.startPosition.row)}}`;
    const lineEnd = lines.endAfterComments(s);
    out.push(lineEnd ? at(lineEnd[0], lineEnd[1], close) : endOf(s, close));
    return out;
  }
  return [startOf(s, pre ? `{ ${pre} ` : '{ '), endOf(s, `${post ? ` ${post}` : ''} }`)];
}

/**
 * A loop whose condition (or update) holds the node: `stmt` at the end of
 * the body, and before the loop too when the condition runs before the first
 * pass. Null when a `continue` of this loop skips the end of the body.
 */
function atEndOfBody(loop: Node, stmt: string, lines: Lines, alsoBefore: boolean): TextInsert[] | null {
  const body = loop.childForFieldName('body');
  if (!body || continues(body)) return null;
  const end = body.type === 'compound_statement' ? placeAtEnd(body, stmt) : braced(body, null, stmt, lines);
  if (!alsoBefore) return mergeInserts(end);
  const before = beforeStatement(loop, stmt, lines);
  // The body's inserts first: at a shared place (an unbraced loop's end) they close inside the loop's own braces.
  return before && mergeInserts([...end, ...before]);
}

/** Does `n` hold a `continue` that continues the loop around it (not one of a nested loop)? */
function continues(n: Node): boolean {
  if (n.type === 'continue_statement') return true;
  if (LOOPS.has(n.type)) return false;
  return n.namedChildren.some((c) => !!c && continues(c));
}

/** Inserts at one place joined in order (an editor applies same-place inserts in order; this makes it explicit). */
export function mergeInserts(ins: TextInsert[]): TextInsert[] {
  const out: TextInsert[] = [];
  for (const i of ins) {
    const prev = out.find((o) => o.line === i.line && o.column === i.column);
    if (prev) prev.text += i.text;
    else out.push({ ...i });
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}
