// The interpreter's work bounds, in one place. Every input ends (fuzz tests
// assert the work counter, never time): past a bound the rest is skipped and
// the summary is marked not clean (never carried to another check).
export const MAX_STATES = 48;
export const MAX_LOOP_ITER = 6;
export const MAX_CALL_DEPTH = 12;
export const MAX_GOTO_RESTARTS = 6;
export const MAX_EXPANSION_CHARS = 2000;
// Work per function run (statements x states). Loops (6 iterations) nested in
// loops and switches multiply: a fuzzed body of nested loops ran for minutes
// (issue 7, fuzz seed 208). Past the budget the rest of the body is skipped
// (no effect), so every input ends; real kernel functions use far less.
export const MAX_FUNCTION_STEPS = 200_000;
// Work per analysis root (an opener and every callee summarised for it):
// many (enable depth, pause) contexts of a small call DAG are each summarised
// once, and their number multiplies (issue 7, generated fuzz seed 20250 hung).
export const MAX_ROOT_STEPS = 600_000;
export const MAX_NESTING = 200;
// A callee's return values taken one by one (each a path of the caller's):
// past this many, the value is unknown (the paths would multiply for little).
export const MAX_RETURN_VALUES = 4;
/**
 * A deterministic work counter (statements executed x states carried), read by
 * the fuzz tests to assert a per-input work bound without timing anything.
 */
export const interpreterWork = { steps: 0 };
/** How many surveyed records one call site keeps (one per distinct binding of its arguments). */
export const MAX_SURVEY_BINDINGS = 4;
/** Expressions one survey evaluates at most (x states). */
export const MAX_SURVEY_EXPRESSIONS = 100_000;
