// The aligned serial form (engine/alignedSerial.ts): what V8's form holds,
// read back with the typed arrays as views on the read buffer; another form
// or a damaged file refused, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v8 from 'v8';
import { deserializeAligned, isAligned, serializeAligned } from '../../engine/alignedSerial';

const sample = () => ({
  v: 5,
  text: 'name\u00e9s and \u4e2d',
  list: ['a', 'b', { nested: [1, 2.5, null, true] }],
  map: new Map([['k', new Int32Array([1, -2, 3])]]),
  // Odd lengths before wider arrays: each must still start at a multiple of its element size.
  bytes: new Uint8Array([1, 2, 3]),
  f64: new Float64Array([1.5, -0, Number.MAX_VALUE, NaN]),
  i16: new Int16Array([7, -7, 9]),
  big: new BigInt64Array([1n, -1n]),
  buf: Buffer.from('xyz'),
  empty: new Int32Array(0),
  // A view into the middle of a larger array: only its own bytes are written.
  part: new Uint32Array([10, 20, 30, 40]).subarray(1, 3),
});

test('aligned serial form: reads back what V8\'s form holds, each typed array a view on the read buffer at its alignment', () => {
  const bytes = Buffer.concat(serializeAligned(sample()));
  assert.ok(isAligned(bytes));
  const back = deserializeAligned(bytes) as ReturnType<typeof sample>;
  assert.deepEqual(v8.deserialize(v8.serialize(back)), v8.deserialize(v8.serialize(sample())));
  assert.ok(Buffer.isBuffer(back.buf));
  for (const view of [back.map.get('k')!, back.bytes, back.f64, back.i16, back.big, back.buf, back.part]) {
    assert.equal(view.buffer, bytes.buffer, 'a view, not a copy');
    assert.equal((view.byteOffset - bytes.byteOffset) % 8, 0);
  }
  assert.deepEqual([...back.part], [20, 30]);
});

test('aligned serial form: a buffer that does not start at a multiple of 8 is read from a copy, to the same values', () => {
  const bytes = Buffer.concat(serializeAligned(sample()));
  const shifted = Buffer.alloc(bytes.length + 3);
  bytes.copy(shifted, 3);
  const back = deserializeAligned(shifted.subarray(3)) as ReturnType<typeof sample>;
  assert.deepEqual(v8.deserialize(v8.serialize(back)), v8.deserialize(v8.serialize(sample())));
  assert.equal(back.f64.byteOffset % 8, 0);
});

test('aligned serial form: V8\'s plain form, a truncated file or arrays pointing outside it are refused with an error', () => {
  assert.equal(isAligned(v8.serialize(sample())), false);
  assert.throws(() => deserializeAligned(v8.serialize(sample())), /not the aligned/);
  assert.throws(() => deserializeAligned(Buffer.alloc(3)), /not the aligned/);
  const bytes = Buffer.concat(serializeAligned(sample()));
  // Every shorter prefix is refused (the last array, `part`, ends the file: no padding after it).
  for (let n = 0; n < bytes.length; n++) assert.throws(() => deserializeAligned(bytes.subarray(0, n)), Error, `cut at ${n}`);
  // Random damage: an error or some value, never a crash.
  for (let seed = 1; seed < 300; seed++) {
    const bad = Buffer.from(bytes);
    bad[20 + ((seed * 7919) % (bad.length - 20))] ^= 1 + (seed % 255);
    try {
      deserializeAligned(bad);
    } catch (e) {
      assert.ok(e instanceof Error);
    }
  }
});
