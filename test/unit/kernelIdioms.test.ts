// The kernel idioms rewritten before parsing (engine/parse/kernelIdioms.ts):
// attribute macros blanked, iterator and block macros in statement position
// turned into `while`/`if`, everything else left as it is, at the same length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseKernelSource } from '../../engine/parse/kernelIdioms';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';

const cat = builtinCatalogue();

test('attribute macros are blanked; a word of the same length and first letter is left alone', () => {
  const attr = [...cat.attributeMacros].find((w) => w.length > 3)!;
  // Same length, same first character, another word: the shape test alone must not blank it.
  const twin = attr[0] + 'z'.repeat(attr.length - 1);
  assert.ok(!cat.attributeMacros.has(twin));
  const text = `static ${attr} int f(void)\n{\n\tint ${twin} = 1;\n\treturn ${twin};\n}\n`;
  const out = normaliseKernelSource(text, cat);
  assert.equal(out.length, text.length);
  assert.equal(out, text.replace(attr, ' '.repeat(attr.length)));
});

test('iterator and block macros become while/if in statement position only: after ; { } ) : else do', () => {
  const loop = 'list_for_each_entry';
  const block = [...cat.blockMacros][0];
  const text =
    `void f(void)\n{\n\t${loop}(p, h, l) g(p);\n` +
    `\tif (x) a(); else ${loop}(p, h, l) g(p);\n` +
    `\tdo ${loop}(p, h, l) g(p); while (0);\n` +
    `\t${block}(m) { g(p); }\n` +
    `\ty = ${loop}(p, h, l);\n` +
    `\tmy_do ${loop}(p, h, l);\n}\n`;
  const out = normaliseKernelSource(text, cat);
  assert.equal(out.length, text.length);
  const lines = out.split('\n');
  const w = 'while'.padEnd(loop.length, ' ');
  assert.equal(lines[2], `\t${w}(p, h, l) g(p);`);
  assert.equal(lines[3], `\tif (x) a(); else ${w}(p, h, l) g(p);`);
  assert.equal(lines[4], `\tdo ${w}(p, h, l) g(p); while (0);`);
  assert.equal(lines[5], `\t${'if'.padEnd(block.length, ' ')}(m) { g(p); }`);
  // An expression, and a word that merely ends in "do": not statement positions.
  assert.equal(lines[6], `\ty = ${loop}(p, h, l);`);
  assert.equal(lines[7], `\tmy_do ${loop}(p, h, l);`);
});
