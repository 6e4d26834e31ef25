// Fix safety on real kernel functions (issue 7): files of the Debian 6.12 tree
// that hold lazy MMU sections are copied at test time, each with the
// page-table headers it calls into, into a temp root of its own (a check of
// the whole tree costs seconds, and each fix needs one), indexed (arm64), and checked as they are
// and in variants made here, in memory (editor overlays):
//   - a section's leave call deleted (an unbalanced section: the engine's
//     "leave before this exit" fix), and
//   - a PTE read inserted right after a PTE write inside a section (a
//     read-after-write: the flush fix).
// Every code action the server would offer (server/convert.ts toDiagnostic +
// server/codeActions.ts codeActionsFor, as the language server does) is
// applied, and: the fixed text parses with no more ERROR/MISSING nodes than
// before; the only new lines are lazy-mode calls from the catalogue and every
// original line is still there, in order, unchanged; re-checking the fixed
// text no longer reports that diagnostic. The tree is read at test time;
// without it the test fails (kernelTree throws), it never skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Workspace } from '../../engine/workspace';
import { ensureParser, parseKernelC } from '../../engine/parse/cParser';
import { Finding } from '../../engine/findings';
import { toDiagnostic } from '../../server/convert';
import { codeActionsFor } from '../../server/codeActions';
import { kernelTree } from './kernelTree';
import { badNodes } from '../parseErrors';

/** Files with lazy MMU sections (the sections' functions are what the variants change). */
const FILES = ['mm/memory.c', 'mm/mprotect.c', 'mm/mremap.c', 'mm/madvise.c', 'mm/vmscan.c', 'mm/migrate_device.c', 'fs/proc/task_mmu.c', 'arch/powerpc/mm/book3s64/subpage_prot.c'];
/** Headers the sections call into (PTE accessors, the lazy MMU API), copied alongside. */
const CONTEXT = ['include/linux/pgtable.h', 'arch/arm64/include/asm/pgtable.h', 'include/linux/mm.h', 'arch/powerpc/include/asm/book3s/64/tlbflush-hash.h'];
/** Variants of each kind per file (keeps the test within its time budget). */
const PER_FILE = 2;

const ENTER = /^\s*(arch_enter_lazy_mmu_mode|lazy_mmu_mode_enable)\(\);/;
const LEAVE = /^\s*(arch_leave_lazy_mmu_mode|lazy_mmu_mode_disable)\(\);/;
/** A PTE writer call that is one whole statement on its line, and which argument is the entry pointer. */
const WRITERS: [RegExp, number][] = [
  [/^(\s*)set_pte_at\((.*)\);\s*$/, 2],
  [/^(\s*)set_ptes\((.*)\);\s*$/, 2],
  [/^(\s*)set_pte\((.*)\);\s*$/, 0],
  [/^(\s*)pte_clear\((.*)\);\s*$/, 2],
];

/** Top-level comma-separated arguments of a call's argument text. */
function args(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** 0-based [enter, leave] line pairs of sections (an enter, then the next leave line within 200 lines). */
function sections(lines: string[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!ENTER.test(lines[i])) continue;
    for (let j = i + 1; j < Math.min(lines.length, i + 200); j++) {
      if (ENTER.test(lines[j])) break;
      if (LEAVE.test(lines[j])) {
        out.push([i, j]);
        break;
      }
    }
  }
  return out;
}

/** The return statement fitting the function around `line` (found by its definition's first line), or null. */
function returnOf(lines: string[], line: number): string | null {
  for (let i = line; i >= 0; i--) {
    const m = /^(?:static\s+|inline\s+|noinline\s+|__always_inline\s+)*([\w\s]*?\w)\s*(\*?)\s*\w+\(/.exec(lines[i]);
    if (!m || /^\s/.test(lines[i])) continue;
    if (/\bstruct\b/.test(m[1]) && !m[2]) return null; // returns a struct by value
    return m[1].split(/\s+/).pop() === 'void' && !m[2] ? 'return;' : 'return 0;';
  }
  return null;
}

interface Variant {
  name: string;
  text: string;
}

/** The file as it is, and in-memory variants of its sections. */
function variants(file: string, text: string): Variant[] {
  const lines = text.split('\n');
  const out: Variant[] = [{ name: `${file} as in the tree`, text }];
  const secs = sections(lines);
  // Unbalanced: the first section's leave deleted (no exit leaves it: a finding, maybe no fix).
  for (const [, leave] of secs.slice(0, 1)) {
    out.push({ name: `${file}: leave on line ${leave + 1} deleted`, text: [...lines.slice(0, leave), ...lines.slice(leave + 1)].join('\n') });
  }
  // Unbalanced: an early return right after the enter (other paths still leave:
  // the "leave before this exit" fix), braceless and in braces.
  for (const [k, [enter]] of secs.slice(0, PER_FILE).entries()) {
    const ret = returnOf(lines, enter);
    if (!ret) continue;
    const ind = /^\s*/.exec(lines[enter])![0];
    const early = k % 2 === 0 ? [`${ind}if (need_resched())`, `${ind}\t${ret}`] : [`${ind}if (need_resched()) {`, `${ind}\t${ret}`, `${ind}}`];
    out.push({ name: `${file}: early ${ret} after the enter on line ${enter + 1}${k % 2 ? ' (braced)' : ''}`, text: [...lines.slice(0, enter + 1), ...early, ...lines.slice(enter + 1)].join('\n') });
  }
  // Read-after-write: a read of the entry just written, inside a section.
  let raw = 0;
  for (const [enter, leave] of secs) {
    if (raw >= PER_FILE) break;
    for (let i = enter + 1; i < leave && raw < PER_FILE; i++) {
      for (const [re, argNo] of WRITERS) {
        const m = re.exec(lines[i]);
        if (!m) continue;
        const ptr = args(m[2])[argNo];
        if (!ptr || !/^[\w>.\-+ ]+$/.test(ptr)) continue;
        const read = `${m[1]}(void)ptep_get(${ptr});`;
        out.push({ name: `${file}: ptep_get(${ptr}) inserted after line ${i + 1}`, text: [...lines.slice(0, i + 1), read, ...lines.slice(i + 1)].join('\n') });
        raw++;
        break;
      }
    }
  }
  return out;
}

/**
 * The text each insertion put into `fixed`, checked to be all that changed:
 * removing them from `fixed` gives `before` back exactly.
 */
function insertedTexts(doc: TextDocument, fixed: string, edits: { range: { start: { line: number; character: number } }; newText: string }[]): string[] {
  const at = edits.map((e) => ({ off: doc.offsetAt(e.range.start), text: e.newText })).sort((x, y) => x.off - y.off);
  let rebuilt = '';
  let from = 0;
  let shift = 0;
  for (const e of at) {
    rebuilt += fixed.slice(from, e.off + shift);
    assert.equal(fixed.slice(e.off + shift, e.off + shift + e.text.length), e.text, 'the inserted text is not where it was inserted');
    from = e.off + shift + e.text.length;
    shift += e.text.length;
  }
  rebuilt += fixed.slice(from);
  assert.ok(rebuilt === doc.getText(), 'the fixed text without the insertions differs from the original');
  return at.map((e) => e.text);
}

test('6.12: every offered fix on real kernel functions parses, changes nothing else, and removes its diagnostic', { timeout: 240_000 }, async (t) => {
  const tree = kernelTree('6.12');
  await ensureParser();
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-fix612-')));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  let lazyCalls = new Set<string>();
  const byRule: Record<string, number> = {};
  let variantsChecked = 0;
  let treeFindingsWithFix = 0;
  let othersMoved = 0;
  for (const rel of FILES) {
    // One root per file (the file and the headers): a check analyses every section
    // of its root, so each fix's re-check costs this file's sections only.
    const root = path.join(base, String(FILES.indexOf(rel)));
    for (const r of [rel, ...CONTEXT]) {
      fs.mkdirSync(path.dirname(path.join(root, r)), { recursive: true });
      fs.copyFileSync(path.join(tree, r), path.join(root, r));
    }
    const ws = new Workspace({ root, arch: 'arm64' });
    ws.build();
    lazyCalls = new Set(ws.catalogue.lazyMode.keys());
    const file = path.join(root, rel);
    const uri = pathToFileURL(file).href;
    const original = fs.readFileSync(file, 'utf8');
    const vs = variants(rel, original);
    assert.ok(vs.length >= 2, `${rel}: no lazy MMU sections found to vary`);
    for (const v of vs) {
      variantsChecked++;
      ws.setText(file, v.text);
      const mine = (r: { findings: Finding[] }) => r.findings.filter((f) => f.file === file);
      const findings = mine(await ws.check([file]));
      const diags = findings.map(toDiagnostic);
      const actions = codeActionsFor(uri, v.text, diags);
      if (v.text === original) treeFindingsWithFix += actions.length;
      for (const action of actions) {
        const where = `${v.name}: ${action.title} (line ${action.diagnostics![0].range.start.line + 1})`;
        const edits = action.edit!.changes![uri];
        for (const e of edits) assert.deepEqual(e.range.start, e.range.end, `${where}: not an insertion`);
        const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'c', 1, v.text), edits);
        // Nothing else changed, and what was inserted is lazy-mode calls (and the braces around a braceless exit).
        const inserted = insertedTexts(TextDocument.create(uri, 'c', 1, v.text), fixed, edits);
        for (const ins of inserted) {
          const calls = [...ins.matchAll(/(\w+)\(\);/g)].map((m) => m[1]);
          assert.match(ins, /^[\s{}]*(\w+\(\);[\s{}]*)*$/, `${where}: inserted ${JSON.stringify(ins)}`);
          for (const c of calls) assert.ok(lazyCalls.has(c), `${where}: inserted a call to ${c}()`);
        }
        assert.ok(inserted.join('').match(/\w+\(\);/), `${where}: no lazy-mode call inserted`);
        const before = parseKernelC(file, v.text, ws.catalogue).tree;
        const after = parseKernelC(file, fixed, ws.catalogue).tree;
        try {
          assert.ok(badNodes(after.rootNode) <= badNodes(before.rootNode), `${where}: new parse errors`);
        } finally {
          before.delete();
          after.delete();
        }
        // The diagnostic is gone: no finding of its rule on its line (shifted by the lines inserted above it).
        const diag = action.diagnostics![0];
        const rule = String(diag.code);
        const line = diag.range.start.line;
        const shift = edits.filter((e) => e.range.start.line <= line).reduce((n, e) => n + (e.newText.match(/\n/g)?.length ?? 0), 0);
        ws.setText(file, fixed);
        const again = mine(await ws.check([file]));
        ws.setText(file, v.text);
        const same = again.filter((f) => f.rule === rule && f.line - 1 === line + shift);
        assert.deepEqual(same.map((f) => `${f.line}: ${f.message}`), [], `${where}: the ${rule} diagnostic stays`);
        // Other findings of the rule may move (a flush changes which paths the interpreter
        // keeps apart in an unbalanced variant); they are counted, not asserted.
        if (again.filter((f) => f.rule === rule).length >= findings.filter((f) => f.rule === rule).length) othersMoved++;
        byRule[rule] = (byRule[rule] ?? 0) + 1;
      }
    }
    ws.setText(file, null);
  }
  const total = Object.values(byRule).reduce((a, b) => a + b, 0);
  console.log(`real-tree fix safety: ${FILES.length} files, ${variantsChecked} texts checked, ${total} fixes applied and re-checked (${treeFindingsWithFix} on the tree's own findings; ${othersMoved} where another finding of the rule appeared): ${JSON.stringify(byRule)}`);
  assert.ok(treeFindingsWithFix >= 1, "a fix on a finding the tree itself has (mm/memory.c's reads after writes)");
  assert.ok((byRule['lazy-mmu/read-after-write'] ?? 0) >= 5, `read-after-write fixes: ${JSON.stringify(byRule)}`);
  assert.ok((byRule['lazy-mmu/unbalanced-section'] ?? 0) >= 5, `unbalanced-section fixes: ${JSON.stringify(byRule)}`);
});
