// The statement an edit changed, taken from the two parse trees of a
// function: the brick the memo narrowed to the edited statement starts from
// (docs/perf/memo2.md; docs/design/editing.md, "Why the run does not restart
// from the edited statement"). Used by scripts/restartShare.ts (section 4) to
// measure what that memo would reuse; it moves to engine/analysis/walk/ when
// the memo itself uses it.
//
// The two trees are walked down together from the function's body while
// exactly one statement differs (text or node type) among siblings whose
// others are equal: the smallest statement whose text or shape differs. In a
// sequence (a block, a case, an #if's branch) a statement typed or taken out
// is an insertion or a removal at an index, every other statement the same.
// Anything else (the declarator changed, two statements differ, a statement
// and a condition both differ) is no single edited statement: the memo then
// runs the whole function, which is exact.
import type { Node } from 'web-tree-sitter';

export type EditedStatement =
  /** The two texts are the same. */
  | { kind: 'same' }
  /** `added`, new child `index` of sequence `parent` (the new tree's); the old statement there, if any, is `oldNext` (its input is the boundary's). */
  | { kind: 'inserted'; parent: Node; index: number; added: Node; oldNext: Node | null }
  /** `removed`, old child `index` of sequence `parent` (the old tree's); the new statement there, if any, is `newNext`. */
  | { kind: 'removed'; parent: Node; index: number; removed: Node; newNext: Node | null }
  /** Statement `old` became `now` (both walked by the interpreter's exec). */
  | { kind: 'replaced'; old: Node; now: Node };

/** Nodes whose named children the statement walker runs in order, each a statement (walk/statements.ts execSeq). */
const SEQUENCES = new Set(['compound_statement', 'case_statement', 'preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef', 'preproc_else']);

/** Whether the statement walker's exec is called on `n` when its parent is walked (walk/statements.ts execNode). */
function isStatement(n: Node): boolean {
  const t = n.type;
  return t.endsWith('_statement') || t === 'declaration' || t === 'comment' || t.startsWith('preproc_') || t === 'else_clause';
}

function kids(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => !!c);
}

/** Same text and node type: what the walk of a sibling depends on (places aside, moved with the edit). */
function sameNode(a: Node, b: Node): boolean {
  return a.type === b.type && a.text === b.text && a.hasError === b.hasError;
}

/** The edited statement between two parses of one function (`fn0` old, `fn1` new), or null: no single one (run the whole). */
export function editedStatement(fn0: Node, fn1: Node): EditedStatement | null {
  if (fn0.text === fn1.text) return { kind: 'same' };
  const b0 = fn0.childForFieldName('body');
  const b1 = fn1.childForFieldName('body');
  if (!b0 || !b1) return null;
  // Everything but the body the same: the parameters, the declarator, the return type.
  if (fn0.text.slice(0, b0.startIndex - fn0.startIndex) !== fn1.text.slice(0, b1.startIndex - fn1.startIndex)) return null;
  return within(b0, b1);
}

/** `a` and `b` differ and are statements of the same type: the edited statement inside them, or themselves. */
function within(a: Node, b: Node): EditedStatement | null {
  const ca = kids(a);
  const cb = kids(b);
  if (SEQUENCES.has(a.type) && Math.abs(ca.length - cb.length) === 1) {
    const [long, short] = ca.length > cb.length ? [ca, cb] : [cb, ca];
    let p = 0;
    while (p < short.length && sameNode(long[p], short[p])) p++;
    let s = 0;
    while (s < short.length - p && sameNode(long[long.length - 1 - s], short[short.length - 1 - s])) s++;
    if (p + s === short.length && isStatement(long[p])) {
      if (long === cb) return { kind: 'inserted', parent: b, index: p, added: cb[p], oldNext: ca[p] ?? null };
      return { kind: 'removed', parent: a, index: p, removed: ca[p], newNext: cb[p] ?? null };
    }
    return { kind: 'replaced', old: a, now: b };
  }
  if (ca.length !== cb.length) return { kind: 'replaced', old: a, now: b };
  const differ: number[] = [];
  for (let i = 0; i < ca.length; i++) if (!sameNode(ca[i], cb[i])) differ.push(i);
  // The text differs only between named children (a comma, a brace, a space), or in several: this statement.
  if (differ.length !== 1) return { kind: 'replaced', old: a, now: b };
  const [x, y] = [ca[differ[0]], cb[differ[0]]];
  if (!isStatement(x) || !isStatement(y)) return { kind: 'replaced', old: a, now: b };
  // An else_clause is not walked itself: its statement is.
  if (x.type === 'else_clause' || y.type === 'else_clause') {
    const r = x.type === y.type ? within(x, y) : null;
    return r && !(r.kind === 'replaced' && r.old.type === 'else_clause') ? r : { kind: 'replaced', old: a, now: b };
  }
  if (x.type !== y.type) return { kind: 'replaced', old: x, now: y };
  return within(x, y);
}
