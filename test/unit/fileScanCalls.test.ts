// The scan's call finder (engine/index/fileScan.ts callsIn) searches each `(`
// and reads the name before it, instead of matching every identifier with a
// regular expression (issue 15: the scan is the cold index's cost). Its answer
// is part of the index cache's format, so it must be exactly the regex's:
// checked on random text made of the bytes that matter (identifiers, digits,
// every blank JS's \s knows in Latin-1, parentheses, keywords, non-ASCII).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callsIn } from '../../engine/index/fileScan';

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'goto', 'typeof', '__typeof__', 'defined', '__attribute__', '_Static_assert', 'static_assert', 'alignof', '_Alignof', '__builtin_expect', 'asm', '__asm__', 'volatile', '__volatile__', 'int', 'long', 'char', 'void', 'unsigned', 'signed', 'short']);

/** What the scan did before: every identifier followed by blanks and `(`. */
function reference(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (!KEYWORDS.has(m[1])) out.add(m[1]);
  return [...out];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const PIECES = ['f', 'g_1', '_x', 'set_pte', '9', '1x', 'if', 'sizeof', 'while', '(', '(', ')', ' ', '\t', '\n', '\r', '\v', '\f', '\xa0', '\x85', '\xe9', ';', '{', '}', ',', '*', '->', '.', 'a b', '$'];

test('callsIn finds exactly what the regular expression found, on 3,000 random texts', () => {
  const r = rng(15);
  for (let k = 0; k < 3000; k++) {
    const len = 1 + Math.floor(r() * 40);
    let text = '';
    for (let i = 0; i < len; i++) text += PIECES[Math.floor(r() * PIECES.length)];
    assert.deepEqual(callsIn(text), reference(text), JSON.stringify(text));
    // A window of the text: names cut at its start are read as the regex reads the substring.
    const a = Math.floor(r() * text.length);
    const b = a + Math.floor(r() * (text.length - a + 1));
    assert.deepEqual(callsIn(text, a, b), reference(text.slice(a, b)), JSON.stringify([text, a, b]));
  }
});

test('callsIn on kernel-like code: calls in order of first use, keywords and casts left out', () => {
  const body = '{\n\tif (pte_none(*ptep))\n\t\treturn;\n\tset_pte_at(mm, addr, ptep, pte);\n\tx = (int)sizeof(y) + ptep_get (ptep) + pte_none(*ptep);\n\t0x1f(1);\n}';
  assert.deepEqual(callsIn(body), ['pte_none', 'set_pte_at', 'ptep_get']);
});
