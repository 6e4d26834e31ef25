// The language server's idle write of the analysis store (server/idleWrite.ts)
// makes the searches' serial forms one per turn of the event loop (~0.5 s of
// CPU each on 6.12, ~2 s for the four after the first check), and stops when
// a check was asked for meanwhile: a keystroke typed once the write began
// waits for one slice, not the whole write; the rest is made at the next
// idle moment. Asserted on the slices themselves (no timing): a check asked
// for between two slices stops the write there, the next write goes on from
// where it stopped, and a write nobody interrupts makes every slice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inSlices } from '../../server/idleWrite';

test('a write in slices gives way to a check asked for between two slices, and the next write goes on from there', async () => {
  const left = ['enter-legacy', 'enter-generic', 'alloc', 'sleep'];
  const made: string[] = [];
  const step = () => {
    const k = left.shift();
    if (k !== undefined) made.push(k);
    return k !== undefined;
  };
  // A keystroke arrives while the second slice is being made.
  let asked = false;
  setImmediate(() => (asked = true));
  assert.equal(await inSlices(step, () => asked), false, 'the write stopped for the check');
  assert.ok(made.length < 4, `it stopped before the last slice (made ${made.join(', ')})`);
  assert.ok(made.length >= 1);
  // The next idle moment: nothing asked for, the rest is made, each slice once.
  assert.equal(await inSlices(step, () => false), true);
  assert.deepEqual(made, ['enter-legacy', 'enter-generic', 'alloc', 'sleep']);
});
