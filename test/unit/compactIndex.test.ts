// The index's compact maps answer what the maps of arrays they replaced
// answered. Definitions by name (engine/index/namedDefinitions.ts): the same
// definitions in the same order after any adds and removals. The callers map
// (engine/index/callersMap.ts): the same callers in the same order (the call
// graph's searches visit them in it, so the order reaches which chain a
// finding shows), after a build and after any sequence of re-indexing edits
// (callers added at the end, removed where they were); and on a real index,
// an edited file's callers are those a fresh index of the same text has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CallersMap, Caller } from '../../engine/index/callersMap';
import { NamedDefinitions } from '../../engine/index/namedDefinitions';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { loadCatalogue } from '../../engine/catalogue/catalogue';

/** The old representation: one array per name, grown by push, an element spliced out on removal, the name gone when its last caller is. */
class ArraysMap {
  m = new Map<string, Caller[]>();
  constructor(callers: Caller[]) {
    for (const c of callers) for (const n of c.calls) this.add(n, c);
  }
  add(n: string, c: Caller) {
    const a = this.m.get(n);
    if (a) a.push(c);
    else this.m.set(n, [c]);
  }
  remove(n: string, c: Caller) {
    const a = this.m.get(n);
    const i = a ? a.indexOf(c) : -1;
    if (!a || i < 0) return;
    if (a.length === 1) this.m.delete(n);
    else a.splice(i, 1);
  }
}

/** A small deterministic generator (no Math.random: a failure must replay). */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n);
}

test('after a build and after random edits the compact map gives the same callers in the same order', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = rng(seed);
    const names = Array.from({ length: 30 }, (_, i) => `f${i}`);
    const callers: Caller[] = Array.from({ length: 60 }, (_, i) => ({ name: names[i % 30], file: `f${i % 7}.c`, calls: [...new Set(Array.from({ length: r(6) }, () => names[r(30)]))] }));
    const compact = new CallersMap(callers);
    const old = new ArraysMap(callers);
    const same = (when: string) => {
      for (const n of [...names, 'never_called']) assert.deepEqual(compact.get(n), old.m.get(n), `${when}: callers of ${n} (seed ${seed})`);
    };
    same('built');
    for (let step = 0; step < 80; step++) {
      const c = callers[r(callers.length)];
      const n = names[r(30)];
      if (r(2)) {
        compact.add(n, c);
        old.add(n, c);
      } else {
        compact.remove(n, c);
        old.remove(n, c);
      }
      same(`step ${step}`);
    }
  }
});

test('asked a few names (peek) before it is built (a one-check process), the map answers by passes with the same callers in the same order, across edits', () => {
  for (let seed = 1; seed <= 20; seed++) {
    for (const passes of [1, 4, 1000]) {
      const r = rng(seed);
      const names = Array.from({ length: 30 }, (_, i) => `f${i}`);
      const callers: Caller[] = Array.from({ length: 60 }, (_, i) => ({ name: names[i % 30], file: `f${i % 7}.c`, calls: Array.from({ length: r(6) }, () => names[r(30)]) }));
      const lazy = new CallersMap(callers, passes);
      const old = new ArraysMap(callers);
      const asked = (n: string, when: string) => assert.deepEqual(lazy.peek(n), old.m.get(n), `${when}: callers of ${n} (seed ${seed}, ${passes} passes)`);
      for (let step = 0; step < 80; step++) {
        const c = callers[r(callers.length)];
        const n = names[r(30)];
        // As WorkspaceIndex.merge does: the definition's calls are replaced before the map hears of it,
        // so a pass must read the calls the map was made from, not the caller's calls now.
        if (r(2)) {
          c.calls = [...c.calls, n];
          lazy.add(n, c);
          old.add(n, c);
        } else {
          c.calls = c.calls.filter((x) => x !== n);
          lazy.remove(n, c);
          old.remove(n, c);
        }
        asked(names[r(30)], `step ${step}`);
      }
      for (const n of [...names, 'never_called']) asked(n, 'at the end');
      assert.equal(lazy.compiled, passes < 31, `built once more names were asked than passes allow (${passes})`);
      // get() (the searches' bulk asks) builds it at once, with the same answers.
      for (const n of [...names, 'never_called']) assert.deepEqual(lazy.get(n), old.m.get(n), `get ${n} (seed ${seed}, ${passes} passes)`);
      assert.equal(lazy.compiled, true);
    }
  }
});

test('definitions by name: the same definitions in the same order as one array per name, after random adds and removals', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = rng(seed);
    const defs = Array.from({ length: 40 }, (_, i) => ({ name: `n${i % 7}`, id: i }));
    const compact = new NamedDefinitions<{ name: string; id: number }>();
    const old = new ArraysMap([]);
    for (let step = 0; step < 200; step++) {
      const d = defs[r(defs.length)];
      if (r(3)) {
        compact.add(d.name, d);
        old.add(d.name, d as unknown as Caller);
      } else {
        compact.remove(d.name, d);
        old.remove(d.name, d as unknown as Caller);
      }
      for (let n = 0; n < 8; n++) assert.deepEqual(compact.get(`n${n}`), old.m.get(`n${n}`), `n${n} at step ${step} (seed ${seed})`);
    }
  }
});

test('an array handed out is the caller\'s: changing it changes nothing in the map', () => {
  const a: Caller = { name: 'a', file: 'a.c', calls: ['x'] };
  const b: Caller = { name: 'b', file: 'a.c', calls: ['x'] };
  const m = new CallersMap([a, b]);
  m.get('x')!.pop();
  assert.deepEqual(m.get('x'), [a, b]);
  m.remove('x', a);
  m.get('x')!.push(a);
  assert.deepEqual(m.get('x'), [b]);
  m.remove('x', b);
  assert.equal(m.get('x'), undefined);
});

test('on an index, the callers after an edit are those of a fresh index of the edited text', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-callers-'));
  const a = path.join(root, 'a.c');
  const b = path.join(root, 'b.c');
  fs.writeFileSync(a, 'void helper(void) { flush(); }\nvoid top(void) { helper(); flush(); }\n');
  fs.writeFileSync(b, 'void other(void) { helper(); }\n#define WRAP(x) helper()\n');
  const catalogue = loadCatalogue();
  const edited = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
  edited.build();
  const names = (idx: WorkspaceIndex, n: string) => (idx.callersByName().get(n) ?? []).map((d) => `${path.basename(d.file)}:${d.name}`).sort();
  assert.deepEqual(names(edited, 'helper'), ['a.c:top', 'b.c:WRAP', 'b.c:other']);
  const text = 'void helper(void) { }\nvoid top(void) { flush(); }\nvoid third(void) { helper(); flush(); }\n';
  edited.addScan(a, Buffer.from(text));
  fs.writeFileSync(a, text);
  const fresh = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
  fresh.build();
  for (const n of ['helper', 'flush', 'top', 'third'])
    assert.deepEqual(names(edited, n), names(fresh, n), `callers of ${n}`);
  assert.deepEqual(names(edited, 'flush'), ['a.c:third', 'a.c:top']);
});
