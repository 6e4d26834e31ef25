// locals.json as a LocalsTable keeps it (engine/store/packedLocals.ts): the
// entries that are a content hash alone written packed, the others as they
// are; each file's entry reads back what was put, asked in the order written
// or not; a delta replaces packed rows and adds files; a base of the unpacked
// form (an older build's) and a damaged packed part still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalsTable } from '../../engine/store/packedLocals';
import { deltaOf } from '../../engine/store/storeDelta';
import { writeStore } from '../../engine/store/storeFile';
import type { LocalsEntry } from '../../engine/store/keptLocals';
import type { Finding } from '../../engine/findings';

const hash = (i: number) => Buffer.from(`content ${i}`.padEnd(20, '.')).toString('base64');

/** A tree's verdicts: most files a hash alone, a few with a finding, a key read, a count left out. */
function verdicts(n: number): Map<string, LocalsEntry> {
  const m = new Map<string, LocalsEntry>();
  for (let i = 0; i < n; i++) {
    const file = `/t/dir${i % 7}/file ${i}.c`;
    if (i % 97 === 5) m.set(file, { hash: hash(i), findings: [{ rule: 'lazy-mmu/break-before-make', file, line: i } as unknown as Finding] });
    else if (i % 101 === 7) m.set(file, { hash: hash(i), names: ['set_pte_at'], fns: [], digest: 'd'.repeat(40), findings: [] });
    else if (i % 103 === 9) m.set(file, { hash: hash(i), findings: [], leftOut: 3 });
    else m.set(file, { hash: hash(i), findings: [] });
  }
  return m;
}

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-packedlocals-'));

function written(file: string, entries: Map<string, LocalsEntry>): void {
  const t = new LocalsTable(file, 'w', () => {});
  for (const [f, e] of entries) t.set(f, e);
  t.save();
}

test('local verdicts read back as put, asked in the order written and out of it; the hash-only entries are written packed', () => {
  const file = path.join(dir(), 'locals.json');
  const entries = verdicts(3000);
  written(file, entries);
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')).entries;
  const others = [...entries.values()].filter((e) => e.findings.length || e.names || e.leftOut).length;
  assert.equal(Object.keys(stored).length, 1 + others, 'one packed entry and the others as they are');
  const inOrder = new LocalsTable(file, 'w', () => {});
  for (const [f, e] of entries) assert.deepEqual(inOrder.get(f), e, f);
  const shuffled = [...entries].reverse();
  const outOfOrder = new LocalsTable(file, 'w', () => {});
  for (const [f, e] of shuffled) {
    assert.equal(outOfOrder.has(f), true);
    assert.deepEqual(outOfOrder.get(f), e, f);
  }
  assert.equal(outOfOrder.get('/t/not stored.c'), undefined);
  assert.equal(outOfOrder.has('/t/not stored.c'), false);
  assert.equal(outOfOrder.get(''), undefined, 'the packed entry\'s key is no file');
  assert.deepEqual(outOfOrder.namesOf('/t/dir0/file 7.c'), ['set_pte_at']);
});

test('a rerun\'s few changes are a delta that replaces packed rows and adds files; many rewrite the base, packed again', () => {
  const d = dir();
  const file = path.join(d, 'locals.json');
  const entries = verdicts(2000);
  written(file, entries);
  const base = fs.readFileSync(file);
  const t = new LocalsTable(file, 'w', () => {});
  const edited = '/t/dir1/file 1.c';
  const finding = { hash: hash(-1), findings: [{ rule: 'lazy-mmu/break-before-make', file: edited, line: 9 } as unknown as Finding] };
  t.set(edited, finding);
  t.set('/t/new.c', { hash: hash(-2), findings: [] });
  t.save();
  assert.ok(fs.readFileSync(file).equals(base), 'the base unchanged');
  assert.ok(fs.existsSync(deltaOf(file)));
  const back = new LocalsTable(file, 'w', () => {});
  for (const [f, e] of entries) assert.deepEqual(back.get(f), f === edited ? finding : e, f);
  assert.deepEqual(back.get('/t/new.c'), { hash: hash(-2), findings: [] });
  // Many changes: the whole base again, with the delta's and these entries.
  for (const [f] of [...entries].slice(0, 500)) back.set(f, { hash: hash(-3), findings: [] });
  back.save();
  assert.ok(!fs.existsSync(deltaOf(file)), 'the delta taken into the base');
  const whole = new LocalsTable(file, 'w', () => {});
  const changed = new Set([...entries.keys()].slice(0, 500));
  for (const [f, e] of entries) assert.deepEqual(whole.get(f), changed.has(f) ? { hash: hash(-3), findings: [] } : f === edited ? finding : e, f);
  assert.deepEqual(whole.get('/t/new.c'), { hash: hash(-2), findings: [] });
});

test('a base of the unpacked form reads every entry; a damaged packed part reads none of its files and nothing else is lost', () => {
  const file = path.join(dir(), 'locals.json');
  const entries = verdicts(300);
  writeStore(file, 'w', entries, 'json', { stamp: 'an older build' });
  const old = new LocalsTable(file, 'w', () => {});
  for (const [f, e] of entries) assert.deepEqual(old.get(f), e, f);
  // A malformed entry among them (an older file's, of a file no longer asked) is written back as it is, the rest packed.
  writeStore(file, 'w', new Map<string, unknown>([...entries, ['/t/malformed.c', { hash: 5 }]]), 'json', { stamp: 'an older build' });
  const mixed = new LocalsTable(file, 'w', () => {});
  for (const [f] of [...entries].slice(0, 100)) mixed.set(f, { hash: hash(-4), findings: [] });
  mixed.save();
  const rewritten = new LocalsTable(file, 'w', () => {});
  [...entries].slice(0, 120).forEach(([f, e], i) => assert.deepEqual(rewritten.get(f), i < 100 ? { hash: hash(-4), findings: [] } : e, f));
  assert.deepEqual(rewritten.get('/t/malformed.c'), { hash: 5 });
  written(file, entries);
  const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  stored.entries[''].hashes = stored.entries[''].hashes.slice(1);
  fs.writeFileSync(file, JSON.stringify(stored));
  const damaged = new LocalsTable(file, 'w', () => {});
  for (const [f, e] of entries) assert.deepEqual(damaged.get(f), e.findings.length || e.names || e.leftOut ? e : undefined, f);
});
