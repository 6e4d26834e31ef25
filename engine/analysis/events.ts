// What the one statement walker tells the rules that ride on it. A rule with
// a state of its own on each path (break-before-make, kernel-access-before-
// flush) is a PathListener: its state is a slot of the shared PathState
// (cloned, keyed and bounded with it, see pathState.ts), and the walk calls
// it at each event below, on each path, in the walk's order. The events are a
// closed list; a listener reacts to those it needs (CSA's check::* callbacks,
// Smatch's hooks with set_state(my_id, ...)):
//
//   expression   a full expression evaluated for its effect: an expression
//                statement, a for loop's init or update, the operand of a
//                return or switch, the left of a comma in a condition
//   declaration  `T name = value;` (value null without an initializer)
//   branch       a path takes a leaf of a statement's condition (if, loop,
//                assertion) as true or false; the listener may say the path
//                cannot go on
//
// Conditions inside an expression (`a ? b : c`, `x = p && q`) are the
// listener's to read within the expression event; macro bodies and callees
// emit nothing (listeners are local to one body: the run is `local`).
//
// The interprocedural rules are not listeners: what they read (records.ts:
// reads after write, mode events, calls made while batching) is part of each
// callee's summary, memoised and carried across checks, and gathered per
// root over the summaries it used (summaries/store.ts records()); a listener
// on one walk would not see a carried summary's records. They are made at
// one place each (eval/expressions.ts readEntry, eval/calls.ts, summaries/
// apply.ts) and read by the rules listed in checkers/index.ts.
import type { Node } from 'web-tree-sitter';
import type { PathSlot } from './pathState';

export type WalkEvent = 'expression' | 'declaration' | 'branch';

/** A rule riding on the walk with a state per path; `S` is its slot. */
export interface PathListener<S extends PathSlot = PathSlot> {
  /** The slot a path starts the function with. */
  initial(): S;
  /** `expression`: evaluates `n` on one path, in evaluation order, mutating `s`. */
  expression(n: Node, s: S): void;
  /** `declaration`: evaluates the value (null: none) and binds `name`. */
  declaration(name: string, value: Node | null, declarator: Node, s: S): void;
  /** `branch`: the path (already past `expression` of `n`) takes `n` as `truth`; false: it cannot. */
  branch(n: Node, truth: boolean, s: S): boolean;
}
