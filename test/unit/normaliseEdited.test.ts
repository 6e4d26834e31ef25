// The normaliser resumed after an edit (normaliseEdited, parse/kernelIdioms.ts)
// must give what a whole run over the edited text gives, for edits of any
// kind (opening a comment or a string, breaking a macro's parentheses across
// lines, a preprocessor line's continuation), chained as an editor's edits
// are; and an edit that leaves the state after it as it was must go over a
// few lines, not the whole text (the work counted, not timed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseEdited, normaliseKernelSource, NormaliserRun } from '../../engine/parse/kernelIdioms';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';

const cat = builtinCatalogue();
const attr = [...cat.attributeMacros].find((w) => w.length > 3)!;
const block = [...cat.blockMacros][0];
const loop = 'list_for_each_entry';

function fileOf(functions: number): string {
  const parts: string[] = ['#include <x.h>\n#define M(a) \\\n\tdo { } while (0)\n'];
  for (let f = 0; f < functions; f++)
    parts.push(
      `static ${attr} int f${f}(struct p *p)\n{\n\tint x = 0; /* a\n comment */\n` +
        `\t${loop}(p, h,\n\t\tl) {\n\t\tx++;\n\t}\n` +
        `\tif (x) a(); else ${loop}(p, h, l) g(p);\n` +
        `\t${block}(m) { g("s(;", '{'); }\n#if X\n\tx = y; // c\n#endif\n\treturn x;\n}\n`,
    );
  return parts.join('');
}

/** Edits `text` as a chain of runs; checks each result against a whole run. */
function chain(start: string, edits: ((t: string) => string)[]): NormaliserRun[] {
  let text = start;
  let out = normaliseKernelSource(text, cat);
  let run: NormaliserRun | null = null;
  const runs: NormaliserRun[] = [];
  for (const edit of edits) {
    const next = edit(text);
    const r = normaliseEdited(text, out, run, next, cat);
    assert.equal(r.normalised, normaliseKernelSource(next, cat), `after the edit to ${JSON.stringify(next.slice(0, 0))}...`);
    text = next;
    out = r.normalised;
    run = r.run;
    runs.push(r.run);
  }
  return runs;
}

test('random edits, chained: each resumed run gives the whole run\'s text', () => {
  let seed = 11;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const pieces = ['', '\n', '(', ')', '"', "'", '/*', '*/', '//', '#', '\\\n', ';', '{', '}', ' else ', ' do ', attr, `${attr}(x)`, loop, `${loop}(`, block, `\n\t${loop}(p, h, l) g(p);\n`, 'x', '\tcpu_relax();\n'];
  const edits = Array.from({ length: 600 }, () => (t: string) => {
    const at = rand(t.length + 1);
    const cut = Math.min(t.length, at + [0, 0, 1, 3, 40][rand(5)]);
    return t.slice(0, at) + pieces[rand(pieces.length)] + t.slice(cut);
  });
  chain(fileOf(12), edits);
});

test('a line typed into a function and taken out goes over a few lines, not the file', () => {
  const text = fileOf(200);
  const at = text.indexOf('\treturn x;', text.length >> 1);
  const typed = (t: string) => t.slice(0, at) + '\tcpu_relax();\n' + t.slice(at);
  const [first, typedIn, takenOut] = chain(text, [(t) => t, typed, () => text]);
  // The first edit of a file is a whole run; the next ones resume.
  assert.equal(first.scanned, text.length);
  for (const r of [typedIn, takenOut]) assert.ok(r.scanned < 200, `scanned ${r.scanned} of ${text.length}`);
});

test('an edit that changes the state after it goes on until the state is the last run\'s again', () => {
  const text = fileOf(50);
  const at = text.indexOf('\tint x = 0;', text.length >> 1);
  // A comment opened before a statement: the run goes on past the comment's end, a line later.
  const [, opened] = chain(text, [(t) => t, (t) => t.slice(0, at) + '/* ' + t.slice(at)]);
  const closed = text.indexOf('comment */', at) + 10;
  assert.ok(opened.scanned > closed - at && opened.scanned < 200, `scanned ${opened.scanned}`);
  // One never closed: everything after it changes, the run goes to the end.
  const [, unclosed] = chain(text, [(t) => t, (t) => t.slice(0, at) + '/* ' + t.slice(at).replace(/\*\//g, '*.')]);
  assert.equal(unclosed.scanned, text.length + 3 - (text.lastIndexOf('\n', at) + 1));
  // A macro's parentheses broken on a later line: the macro line before the edit is read again.
  const macro = text.indexOf(`\t${loop}(p, h,\n`, text.length >> 1);
  const close = text.indexOf('l) {', macro);
  const runs = chain(text, [(t) => t, (t) => t.slice(0, close + 1) + t.slice(close + 2)]);
  assert.ok(runs[1].scanned < 400 && runs[1].scanned > close - macro, `scanned ${runs[1].scanned}`);
});
