// Where quick fixes go, shape by shape (issue 13, point 1): for each flagged
// line of test/fixtures/fixes/*.c, the text the offered fix produces (the
// lines it changed, exactly as the user sees them after applying it), and
// that re-checking the fixed text no longer reports that line. The
// fixtures' markers say which lines are flagged. The property test
// (test/fuzz/fixSafety.test.ts) covers random nestings of the same shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Workspace } from '../../engine/workspace';
import { RULES } from '../../engine/findings';
import { toDiagnostic } from '../../server/convert';
import { codeActionsFor } from '../../server/codeActions';
import { compareWithExpectations, formatFindings, parseExpectations } from '../fixtureExpectations';

const DIR = path.join(__dirname, '../../../test/fixtures/fixes');
const F = 'arch_flush_lazy_mmu_mode();';
const L = 'arch_leave_lazy_mmu_mode();';
const RAW = '/* expect: read-after-write */';
const UB = '/* expect: unbalanced-section */';

/** Flagged line -> the lines the fix changed (null: no fix offered, and why). */
const EXPECTED: Record<string, Record<number, string[] | null>> = {
  'read_shapes.c': {
    // The unbraced if/else on one line: each body braced with its own flush.
    18: [`\tif (err == -EAGAIN) { ${F} val = ptep_get(pte); } else { ${F} val = ptep_get(pte); } ${RAW}`],
    // Bodies on their own lines: kernel-style braces, the comment kept with its statement.
    30: ['\tif (k) {', `\t\t${F}`, `\t\tval = ptep_get(pte); ${RAW}`, '\t}'],
    32: ['\telse {', `\t\t${F}`, `\t\tval = ptep_get(pte); ${RAW}`, '\t}'],
    44: ['\tfor (i = 0; i < n; i++) {', `\t\t${F}`, `\t\tret += pte_val(ptep_get(pte)); ${RAW}`, '\t}'],
    47: ['\twhile (n--) {', `\t\t${F}`, `\t\tret += pte_val(ptep_get(pte)); ${RAW}`, '\t}'],
    50: ['\tdo {', `\t\t${F}`, `\t\tret += pte_val(ptep_get(pte)); ${RAW}`, '\t}'],
    64: ['\tlist_for_each_entry(page, head, lru) {', `\t\t${F}`, `\t\tret += pte_val(ptep_get(pte)); ${RAW}`, '\t}'],
    // After the case label, not before it (that line belongs to the case above).
    76: [`\tcase 1: ${F} val = ptep_get(pte); ${RAW}`],
    79: [`\t\t${F}`],
    // After the goto label: jumps to it flush too.
    98: [`again:\t${F} val = ptep_get(pte); ${RAW}`],
    103: [`\t${F}`],
    // Conditions: before the if / switch; an `else if` gets braces.
    114: [`\t${F}`],
    119: [`\telse { ${F} if (pte_none(ptep_get(pte))) ${RAW}`, '\t\tret = -ENOENT; }'],
    122: [`\t${F}`],
    // A while condition: before the loop and at the end of the body.
    137: [`\t${F}`, `\twhile (pte_none(ptep_get(pte))) { ${RAW}`, '\t\tset_pte_at(mm, addr, pte, entry);', '\t\tn++;', `\t\t${F}`],
    // for: the initializer before the loop; the condition before it and after each pass; the update after each pass.
    152: [`\t${F}`],
    154: [`\t${F}`, `\tfor (i = 0; !pte_none(ptep_get(pte)); i++) { ${RAW}`, '\t\tset_pte_at(mm, addr, pte, entry);', `\t\t${F}`, '\t}'],
    156: [`\tfor (i = 0; i < n; i++, val = ptep_get(pte)) { ${RAW}`, '\t\tset_pte_at(mm, addr, pte, entry);', `\t\t${F}`, '\t}'],
    // do ... while: the condition runs after the body only.
    170: [`\t\t${F}`],
    // A continue would skip the flush at the end of the body: no fix rather than a wrong one.
    181: null,
    // A return expression and a declaration's initializer.
    194: [`\t${F}`],
    200: [`\t\t${F}`],
  },
  'exit_shapes.c': {
    12: [`\tif (k) set_pte(ptep, __pte(1)); else { ${L} return -EINVAL; } ${UB}`],
    21: [`\tcase 1: ${L} return -EBUSY; ${UB}`],
    37: [`bad:\t${L} return -EINVAL; ${UB}`],
    47: ['\t\tif (pte_none(ptep[i])) {', `\t\t\t${L}`, `\t\t\treturn -ENOENT; ${UB}`, '\t\t}'],
  },
};

/** The lines of `after` that differ from `before` (common leading and trailing lines left out). */
function changedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let q = 0;
  while (q < a.length - p && q < b.length - p && a[a.length - 1 - q] === b[b.length - 1 - q]) q++;
  return b.slice(p, b.length - q);
}

for (const name of Object.keys(EXPECTED)) {
  test(`fix placement: ${name}`, async () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-place-')));
    try {
      fs.copyFileSync(path.join(DIR, name), path.join(root, name));
      const file = path.join(root, name);
      const text = fs.readFileSync(file, 'utf8');
      const uri = pathToFileURL(file).href;
      const ws = new Workspace({ root, arch: 'arm64' });
      ws.build();
      const findings = (await ws.check([file])).findings.filter((f) => f.file === file);
      const problems = RULES.flatMap((r) => compareWithExpectations(findings, parseExpectations(text, name), r));
      assert.deepEqual(problems, [], `${name}:\n${problems.join('\n')}\n${formatFindings(findings)}`);
      const flagged = findings.filter((f) => f.rule === 'lazy-mmu/read-after-write' || f.rule === 'lazy-mmu/unbalanced-section');
      assert.deepEqual(
        flagged.map((f) => f.line).sort((x, y) => x - y),
        Object.keys(EXPECTED[name]).map(Number),
        'every flagged line has its expected fix here',
      );
      for (const f of flagged) {
        const expected = EXPECTED[name][f.line];
        const actions = codeActionsFor(uri, text, [toDiagnostic(f)]);
        if (expected === null) {
          assert.deepEqual(actions, [], `line ${f.line}: no fix offered`);
          continue;
        }
        assert.equal(actions.length, 1, `line ${f.line}: one fix`);
        const edits = actions[0].edit!.changes![uri];
        const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'c', 1, text), edits);
        assert.deepEqual(changedLines(text, fixed), expected, `line ${f.line}: the fixed text`);
        ws.setText(file, fixed);
        const again = (await ws.check([file])).findings.filter((x) => x.file === file && x.rule === f.rule);
        ws.setText(file, null);
        // The flagged line moved down by the new lines inserted before it; nothing of its rule is left there.
        const doc = TextDocument.create(uri, 'c', 1, text);
        const readAt = doc.offsetAt({ line: f.line - 1, character: f.column - 1 });
        const shift = edits.filter((e) => doc.offsetAt(e.range.start) <= readAt).reduce((n, e) => n + (e.newText.match(/\n/g)?.length ?? 0), 0);
        const stillThere = again.filter((x) => x.line === f.line + shift);
        assert.deepEqual(stillThere.map((x) => x.line), [], `line ${f.line}: the ${f.rule} diagnostic stays after the fix`);
        assert.ok(again.length < flagged.filter((x) => x.rule === f.rule).length, `line ${f.line}: one ${f.rule} finding fewer after the fix`);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
}

test('a code action leaves out a call the text already holds, follows a diagnostic moved by edits above it, and is not offered twice', async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-place-')));
  try {
    const name = 'read_shapes.c';
    fs.copyFileSync(path.join(DIR, name), path.join(root, name));
    const file = path.join(root, name);
    const text = fs.readFileSync(file, 'utf8');
    const uri = pathToFileURL(file).href;
    const ws = new Workspace({ root, arch: 'arm64' });
    ws.build();
    const findings = (await ws.check([file])).findings.filter((f) => f.file === file);
    const diag = (line: number) => toDiagnostic(findings.find((f) => f.line === line && f.rule === 'lazy-mmu/read-after-write')!);
    const apply = (t: string, d: ReturnType<typeof toDiagnostic>) => {
      const a = codeActionsFor(uri, t, [d]);
      assert.equal(a.length, 1);
      return { fixed: TextDocument.applyEdits(TextDocument.create(uri, 'c', 1, t), a[0].edit!.changes![uri]), edits: a[0].edit!.changes![uri] };
    };
    // Asked again after the fix with the diagnostic not yet refreshed (its range moved by the editor
    // with the lines inserted above it, its data as it was): nothing more, braces or not.
    for (const line of [18, 30, 114, 137, 154]) {
      const d = diag(line);
      const { fixed, edits } = apply(text, d);
      const doc = TextDocument.create(uri, 'c', 1, text);
      const readAt = doc.offsetAt(d.range.start);
      const down = edits.filter((e) => doc.offsetAt(e.range.start) <= readAt).reduce((n, e) => n + (e.newText.match(/\n/g)?.length ?? 0), 0);
      const stale = { ...d, range: { start: { ...d.range.start, line: d.range.start.line + down }, end: { ...d.range.end, line: d.range.end.line + down } } };
      assert.deepEqual(codeActionsFor(uri, fixed, [stale]), [], `line ${line}: offered again after the fix`);
    }
    // The while condition of line 137 with a flush already before the loop, and a line added above:
    // the editor moved the diagnostic's range, the fix's data is as it was made; only the end of the body is left.
    const lines = text.split('\n');
    const shifted = [...lines.slice(0, 136), `\t${F}`, ...lines.slice(136)].join('\n');
    const d = diag(137);
    const moved = { ...d, range: { start: { line: 137, character: d.range.start.character }, end: { line: 137, character: d.range.end.character } } };
    const { fixed, edits } = apply(shifted, moved);
    assert.equal(edits.length, 1, 'one insert: the end of the loop body');
    assert.deepEqual(changedLines(shifted, fixed), [`\t\t${F}`]);
    assert.equal(fixed.split('\n')[141], '\t}', 'flushed last in the loop body');
    // The engine's own finding on that text, re-checked, offers the same.
    ws.setText(file, shifted);
    const again = (await ws.check([file])).findings.find((f) => f.file === file && f.line === 138 && f.rule === 'lazy-mmu/read-after-write');
    ws.setText(file, null);
    assert.ok(again, 'the read in the condition is still flagged (the write in the body reaches it)');
    assert.equal(apply(shifted, toDiagnostic(again)).fixed, fixed);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a file with CRLF line ends gets CRLF in the new lines of every fix', async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-place-')));
  try {
    const name = 'read_shapes.c';
    const file = path.join(root, name);
    const text = fs.readFileSync(path.join(DIR, name), 'utf8').replace(/\n/g, '\r\n');
    fs.writeFileSync(file, text);
    const uri = pathToFileURL(file).href;
    const ws = new Workspace({ root, arch: 'arm64' });
    ws.build();
    const findings = (await ws.check([file])).findings.filter((f) => f.file === file);
    const actions = codeActionsFor(uri, text, findings.map(toDiagnostic));
    assert.equal(actions.length, Object.values(EXPECTED[name]).filter((x) => x !== null).length, 'the same fixes as with LF');
    for (const a of actions)
      for (const e of a.edit!.changes![uri]) assert.doesNotMatch(e.newText, /(^|[^\r])\n/, `${a.title} at line ${e.range.start.line + 1}: a bare LF`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
