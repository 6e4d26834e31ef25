// A name table kept across scans of an edited file (RescanNames, fileScan.ts):
// each scan must equal a scan with a fresh table, for edits that add, rename
// and remove definitions, calls and macro bodies; and a file scanned again
// makes no new names but those the edit typed (the work counted: the table's
// size), and the table is made afresh past its bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RescanNames, scanFile } from '../../engine/index/fileScan';

const entry = /\b(?:pte_t)\s*\*/;
function fileOf(n: number, extra = ''): string {
  const parts = ['#define WRAP(x) do { helper_m(x); } while (0)\n'];
  for (let f = 0; f < n; f++) parts.push(`#ifdef CONFIG_A${f % 3}\nstatic int fn${f}(pte_t *p)\n{\n\tcall_a${f % 7}(p);\n\tWRAP(p);${f === 5 ? extra : ''}\n\treturn g${f % 5}(p);\n}\n#endif\n`);
  return parts.join('');
}
const plain = (x: unknown) => JSON.parse(JSON.stringify(x));

test('scans with a kept table equal scans with a fresh one, edit after edit', () => {
  const kept = new RescanNames();
  let seed = 5;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const pieces = ['\tcpu_relax();\n', 'x', '(', ')', '{', '}', '\n#define M2(a) other(a)\n', '\n#if CONFIG_B\n', '\n#endif\n', 'static void added(void) { one(); }\n'];
  let text = fileOf(30);
  for (let k = 0; k < 200; k++) {
    const at = rand(text.length + 1);
    text = text.slice(0, at) + pieces[rand(pieces.length)] + text.slice(Math.min(text.length, at + rand(4)));
    const buf = Buffer.from(text, 'latin1');
    assert.deepEqual(plain(scanFile(buf, entry, kept)), plain(scanFile(buf, entry)));
  }
});

test('a file scanned again makes no new names but those the edit typed', () => {
  const kept = new RescanNames();
  const text = fileOf(40);
  scanFile(Buffer.from(text), entry, kept);
  const size = kept.table.names.length;
  scanFile(Buffer.from(text), entry, kept);
  assert.equal(kept.table.names.length, size);
  const typed = fileOf(40, '\n\tcpu_relax();');
  const a = scanFile(Buffer.from(typed), entry, kept);
  assert.equal(kept.table.names.length, size + 1);
  assert.ok(a.functions.find((f) => f.name === 'fn5')!.calls.includes('cpu_relax'));
  // Past the bound the table starts again (a name per version of an identifier typed accumulates).
  for (let k = 0; kept.table.names.length > size + 1 || k === 0; k++) scanFile(Buffer.from(fileOf(1, `\n\tname_${k}();`.repeat(500))), entry, kept);
  assert.ok(kept.table.names.length < 1000, `${kept.table.names.length}`);
});
