// The #if condition the index records around a definition: nested groups are
// conjoined with their own `||` kept inside parentheses, so that
// `#ifdef A` / `#if defined(B) || defined(C)` is A && (B || C), not (A && B) || C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFile } from '../../engine/index/fileScan';
import { parseCond, show } from '../../engine/config/cond';

test('nested #if groups conjoin with their own || kept together', () => {
  const text = [
    '#ifdef CONFIG_A',
    '#if defined(CONFIG_B) || defined(CONFIG_C)',
    'static void nested(void)',
    '{',
    '\tcallee();',
    '}',
    '#endif',
    '#endif',
    '#if defined(CONFIG_D) || defined(CONFIG_E)',
    'static void single(void)',
    '{',
    '}',
    '#endif',
  ].join('\n');
  const scan = scanFile(Buffer.from(text));
  const cond = (name: string) => scan.functions.find((f) => f.name === name)!.condition;
  assert.equal(show(parseCond(cond('nested'))), 'CONFIG_A && (CONFIG_B || CONFIG_C)');
  assert.equal(show(parseCond(cond('single'))), 'CONFIG_D || CONFIG_E');
});
