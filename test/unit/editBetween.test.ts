// editBetween (parse/cParser.ts) compares texts a block at a time; the range
// it gives must be the one a character-by-character compare gives (the
// common prefix and suffix kept out), points included, for edits anywhere:
// at block boundaries, at either end, overlapping repeats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editBetween } from '../../engine/parse/cParser';

function naive(a: string, b: string) {
  let p = 0;
  const max = Math.min(a.length, b.length);
  while (p < max && a[p] === b[p]) p++;
  let s = 0;
  while (s < max - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const point = (t: string, i: number) => {
    const before = t.slice(0, i).split('\n');
    return { row: before.length - 1, column: before[before.length - 1].length };
  };
  return { startIndex: p, oldEndIndex: a.length - s, newEndIndex: b.length - s, startPosition: point(a, p), oldEndPosition: point(a, a.length - s), newEndPosition: point(b, b.length - s) };
}

test('editBetween gives the range and points a character compare gives', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const line = (i: number) => (i % 7 === 0 ? '\n' : `\tx${i % 13} = f(y);\n`);
  const base = Array.from({ length: 2500 }, (_, i) => line(i)).join('');
  const pieces = ['', 'a', '\n', '\tcpu_relax();\n', 'x1', base.slice(0, 5000)];
  for (let k = 0; k < 400; k++) {
    const at = [0, base.length, 4096, 4095, 8192 + 511, rand(base.length)][k % 6];
    const cut = Math.min(base.length, at + [0, 1, 9, 600, 5000][rand(5)]);
    const edited = base.slice(0, at) + pieces[rand(pieces.length)] + base.slice(cut);
    for (const [a, b] of [[base, edited], [edited, base]]) assert.deepEqual(editBetween(a, b), naive(a, b), `edit ${k} at ${at}`);
  }
  assert.deepEqual(editBetween(base, base), naive(base, base));
  assert.deepEqual(editBetween('', 'abc'), naive('', 'abc'));
  assert.deepEqual(editBetween('aaaa', 'aa'), naive('aaaa', 'aa'));
});
