// A store file written entry by entry (engine/store/storeFile.ts, issue 15
// point 5) reads back the entries it was given: JSON as the same one object
// JSON.stringify made of the whole (what other readers and the store tests
// parse), V8's form in frames (typed arrays kept as they are); a file of the
// old whole-object V8 form still reads; a truncated or foreign file is
// ignored with a message, never thrown; an unwritable place leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { STORE_VERSION, readStore, writeStore } from '../../engine/store/storeFile';
import { deltaOf, readWithDelta, writeWithDelta } from '../../engine/store/storeDelta';
import { serializeAligned } from '../../engine/alignedSerial';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-storefile-'));

/** Entries of the shapes the store keeps, with text JSON must escape, a key an object treats specially, and more bytes than one write. */
function jsonEntries(): Map<string, unknown> {
  const m = new Map<string, unknown>();
  m.set('mm/memory.c:copy_pte_range:1120', { deps: { fns: ['mm/memory.c#copy_pte_range'], names: ['set_pte_at'] }, digest: 'ab'.repeat(20), product: { hits: [{ line: 3, text: 'pte "quoted" \\ back\nslash' }] } });
  m.set('ünïcödé ☃ \u2028', [1, 2.5, null, true, 'x']);
  m.set('__proto__', { own: 'property' });
  m.set('42', 'an index-like key');
  m.set('empty', {});
  m.set('larger than one write', 'y'.repeat(1_200_000));
  for (let i = 0; i < 3000; i++) m.set(`bulk/${i}`, { i, text: 'x'.repeat(500) });
  return m;
}

test('a JSON store written entry by entry is the one object JSON.stringify makes, and reads back the same entries', () => {
  const d = dir();
  const file = path.join(d, 'sub', 'sections.json');
  const entries = jsonEntries();
  writeStore(file, 'world-1', entries);
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.length > 1 << 20, 'more than one chunk was written');
  const whole = JSON.stringify({ v: STORE_VERSION, world: 'world-1', entries: Object.fromEntries(entries) });
  assert.deepEqual(JSON.parse(text), JSON.parse(whole));
  const said: string[] = [];
  const back = readStore(file, 'world-1', (m) => said.push(m));
  assert.deepEqual(said, []);
  assert.deepEqual(new Map([...back].sort()), new Map([...entries].sort()));
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['sections.json'], 'no temporary file left');
});

test('an entry JSON leaves out (undefined) is left out of the file, as JSON.stringify of the whole did', () => {
  const file = path.join(dir(), 's.json');
  writeStore(file, 'w', new Map<string, unknown>([['a', 1], ['gone', undefined], ['b', 2]]));
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).entries, { a: 1, b: 2 });
  assert.deepEqual([...readStore(file, 'w', () => {})], [['a', 1], ['b', 2]]);
});

test('a V8 store in frames reads back typed arrays and nested values as they were written', () => {
  const file = path.join(dir(), 'searches.bin');
  const entries = new Map<string, unknown>();
  entries.set('enter-generic', { key: 'k1', answer: { ids: Int32Array.from({ length: 400_000 }, (_, i) => i * 7), dist: new Uint8Array([0, 1, 255]), names: ['a', 'b'] } });
  entries.set('sleep', { key: 'k2', answer: { ids: new Int32Array(0), weights: new Float64Array([0.5, -1]) } });
  writeStore(file, 'w', entries, 'v8');
  const said: string[] = [];
  const back = readStore<unknown>(file, 'w', (m) => said.push(m), 'v8');
  assert.deepEqual(said, []);
  assert.deepEqual(back, entries);
  assert.ok((back.get('enter-generic') as { answer: { ids: Int32Array } }).answer.ids instanceof Int32Array);
  // Another world's file: no entries, and nothing said (it is overwritten on save).
  const told: string[] = [];
  assert.equal(readStore(file, 'another world', (m) => told.push(m), 'v8').size, 0);
  assert.deepEqual(told, []);
});

test('a V8 store\'s typed arrays are read as views on their frame\'s buffer, not copies', () => {
  const file = path.join(dir(), 'searches.bin');
  const nodes = Int32Array.from({ length: 1001 }, (_, i) => i - 500);
  const steps = Float64Array.from({ length: 333 }, (_, i) => i / 3);
  writeStore(file, 'w', new Map<string, unknown>([['sleep', { key: 'k', answer: { names: ['a'], nodes, steps, tail: new Uint8Array([9]) } }]]), 'v8');
  const back = readStore<{ answer: { nodes: Int32Array; steps: Float64Array; tail: Uint8Array } }>(file, 'w', () => {}, 'v8').get('sleep')!.answer;
  assert.deepEqual([back.nodes, back.steps, back.tail], [nodes, steps, new Uint8Array([9])]);
  // One buffer (the frame's) under all three: none was copied out of it.
  assert.equal(back.nodes.buffer, back.steps.buffer);
  assert.equal(back.nodes.buffer, back.tail.buffer);
});

test('a V8 store whose frames are in the previous (plain V8) form is not read, and nothing is said: it is an older build\'s', () => {
  const file = path.join(dir(), 'searches.bin');
  const frame = (value: unknown) => {
    const b = v8.serialize(value);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length, 0);
    return Buffer.concat([len, b]);
  };
  fs.writeFileSync(file, Buffer.concat([Buffer.from('lazymmu-store-frames-1\n'), frame({ v: STORE_VERSION, world: 'w' }), frame(['alloc', { key: 'k', answer: { ids: new Int32Array([3, 4]) } }])]));
  const said: string[] = [];
  assert.equal(readStore(file, 'w', (m) => said.push(m), 'v8').size, 0);
  assert.deepEqual(said, []);
  // Written again in the current form, and read.
  writeStore(file, 'w', new Map([['alloc', { key: 'k', answer: { ids: new Int32Array([3, 4]) } }]]), 'v8');
  assert.deepEqual(readStore(file, 'w', () => {}, 'v8'), new Map([['alloc', { key: 'k', answer: { ids: new Int32Array([3, 4]) } }]]));
});

test('a V8 store of the older whole-object form is still read', () => {
  const file = path.join(dir(), 'searches.bin');
  fs.writeFileSync(file, v8.serialize({ v: STORE_VERSION, world: 'w', entries: { alloc: { key: 'k', answer: { ids: new Int32Array([3, 4]) } } } }));
  assert.deepEqual(readStore(file, 'w', () => {}, 'v8'), new Map([['alloc', { key: 'k', answer: { ids: new Int32Array([3, 4]) } }]]));
});

test('a truncated or foreign V8 store is ignored with a message; another version is said as such', () => {
  const d = dir();
  const file = path.join(d, 'searches.bin');
  writeStore(file, 'w', new Map([['a', { x: new Int32Array(1000) }], ['b', { y: 1 }]]), 'v8');
  const full = fs.readFileSync(file);
  const said: string[] = [];
  for (const cut of [full.length - 1, full.length - 3000, 30]) {
    fs.writeFileSync(file, full.subarray(0, cut));
    assert.equal(readStore(file, 'w', (m) => said.push(m), 'v8').size, 0);
  }
  fs.writeFileSync(file, 'not a serialized value');
  assert.equal(readStore(file, 'w', (m) => said.push(m), 'v8').size, 0);
  assert.equal(said.length, 4, said.join('\n'));
  for (const m of said) assert.match(m, /analysis store .*searches\.bin: unreadable .*ignored/);
  said.length = 0;
  // A frame file of another version (its header frame replaced): said, and its entries not used.
  writeStore(file, 'w', new Map([['a', 1]]), 'v8');
  const text = fs.readFileSync(file);
  const at = text.indexOf(Buffer.concat(serializeAligned({ v: STORE_VERSION, world: 'w' })));
  assert.ok(at > 4, 'the header frame follows the magic');
  const head = Buffer.concat(serializeAligned({ v: STORE_VERSION + 1, world: 'w' }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length, 0);
  fs.writeFileSync(file, Buffer.concat([text.subarray(0, at - 4), len, head]));
  assert.equal(readStore(file, 'w', (m) => said.push(m), 'v8').size, 0);
  assert.deepEqual(said, [`analysis store searches.bin: version ${STORE_VERSION + 1}, not ${STORE_VERSION}: ignored`]);
});

test('a store that cannot be written leaves the old file and no temporary file', () => {
  const d = dir();
  const file = path.join(d, 'sections.json');
  writeStore(file, 'w', new Map([['a', 1]]));
  // A value JSON cannot write (a cycle) fails in the middle of the file: the old one stays whole.
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  writeStore(file, 'w', new Map<string, unknown>([['b', 2], ['c', cyclic]]));
  assert.deepEqual([...readStore(file, 'w', () => {})], [['a', 1]]);
  assert.deepEqual(fs.readdirSync(d), ['sections.json']);
  // A folder where the file's folder should be: nothing thrown.
  const blocked = path.join(d, 'sections.json', 'x.json');
  assert.doesNotThrow(() => writeStore(blocked, 'w', new Map([['a', 1]])));
});

test('a store kept as a base and a delta reads back what the whole form holds; a delta of another base is not read; many changes rewrite the base', () => {
  for (const format of ['json', 'v8'] as const) {
    const d = dir();
    const file = path.join(d, `locals.${format}`);
    const made = readWithDelta<unknown>(file, 'w', (m) => assert.fail(m), format);
    for (let i = 0; i < 200; i++) made.entries.set(`f${i}`, { i, findings: [] });
    for (let i = 0; i < 200; i++) made.changed.add(`f${i}`);
    writeWithDelta(file, 'w', made, format);
    assert.ok(!fs.existsSync(deltaOf(file)), 'the first save writes the base');
    const base = fs.readFileSync(file);

    // A few entries changed, one added, one removed: a delta, the base untouched.
    const next = readWithDelta<unknown>(file, 'w', (m) => assert.fail(m), format);
    for (const [k, e] of [['f3', { i: 3, findings: ['x'] }], ['new', { i: -1 }]] as const) (next.entries.set(k, e), next.changed.add(k));
    next.entries.delete('f7');
    next.changed.add('f7');
    writeWithDelta(file, 'w', next, format);
    assert.deepEqual(fs.readFileSync(file), base);
    assert.ok(fs.existsSync(deltaOf(file)));
    const whole = path.join(d, `whole.${format}`);
    writeStore(whole, 'w', next.entries, format);
    const read = readWithDelta<unknown>(file, 'w', (m) => assert.fail(m), format);
    assert.deepEqual([...read.entries].sort(), [...readStore(whole, 'w', (m) => assert.fail(m), format)].sort(), 'base + delta = the whole form');
    assert.deepEqual([...read.changed].sort(), ['f3', 'f7', 'new'], 'the next save writes them again');

    // The base rewritten by another process (another stamp): the old delta is not applied to it.
    const other = readWithDelta<unknown>(file, 'w', (m) => assert.fail(m), format);
    other.stamp = null;
    writeWithDelta(file, 'w', other, format);
    writeStore(deltaOf(file), 'w', new Map([['f3', { stale: true }]]), format, { base: 'another stamp', removed: ['f0'] });
    const stale = readWithDelta<unknown>(file, 'w', (m) => assert.fail(m), format);
    assert.deepEqual(stale.entries.get('f3'), { i: 3, findings: ['x'] });
    assert.ok(stale.entries.has('f0'));

    // Most entries changed: the whole base again, the delta removed.
    for (let i = 0; i < 200; i++) stale.changed.add(`f${i}`);
    writeWithDelta(file, 'w', stale, format);
    assert.ok(!fs.existsSync(deltaOf(file)));
    assert.deepEqual([...readStore(file, 'w', (m) => assert.fail(m), format)].sort(), [...stale.entries].sort());
    fs.rmSync(d, { recursive: true, force: true });
  }
});
