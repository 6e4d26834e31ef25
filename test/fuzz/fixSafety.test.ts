// Fix safety (issue 7, part 5; issue 13, point 1). Over every fixture: each
// code action the server offers for a finding only inserts text, the fixed
// text parses with no more ERROR/MISSING nodes than before, and re-checking
// the fixed text removes that diagnostic (one fewer finding of its rule).
// Over generated reads in every statement shape, nested at random
// (fixShapes.ts): the same, with no parse error at all, the read on the same
// path (the same ancestors but braces), and a flush right before each of the
// read's evaluations (notFlushed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Workspace } from '../../engine/workspace';
import { ensureParser, parseKernelC } from '../../engine/parse/cParser';
import { toDiagnostic } from '../../server/convert';
import { codeActionsFor } from '../../server/codeActions';
import { badNodes } from '../parseErrors';
import type { Node } from '../../engine/parse/cParser';
import { Rng } from './rng';
import { generateShapes, LEAVES, WRAPPERS } from './fixShapes';

const FIX_DIR = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

test('every offered fix only inserts, adds no parse error and removes its diagnostic', async () => {
  await ensureParser();
  let fixes = 0;
  for (const sub of fs.readdirSync(FIX_DIR)) {
    const src = path.join(FIX_DIR, sub);
    if (!fs.statSync(src).isDirectory()) continue;
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-fix-')));
    try {
      for (const f of fs.readdirSync(src)) if (/\.[ch]$/.test(f)) fs.copyFileSync(path.join(src, f), path.join(root, f));
      const ws = new Workspace({ root });
      ws.build();
      for (const f of fs.readdirSync(root).filter((x) => x.endsWith('.c'))) {
        const file = path.join(root, f);
        const text = fs.readFileSync(file, 'utf8');
        const uri = pathToFileURL(file).href;
        const { findings } = await ws.check([file]);
        const diags = findings.filter((x) => x.file === file).map(toDiagnostic);
        for (const action of codeActionsFor(uri, text, diags)) {
          const edits = action.edit!.changes![uri];
          const where = `${sub}/${f}: ${action.title}`;
          for (const e of edits) {
            assert.deepEqual(e.range.start, e.range.end, `${where}: not an insertion`);
          }
          const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'c', 1, text), edits);
          // Nothing else changed: removing the inserted text gives the original back.
          const ins = edits.map((e) => e.newText).join('');
          assert.equal(fixed.length, text.length + ins.length, where);
          const cat = ws.catalogue;
          const before = parseKernelC(file, text, cat).tree;
          const after = parseKernelC(file, fixed, cat).tree;
          try {
            assert.ok(badNodes(after.rootNode) <= badNodes(before.rootNode), `${where}: new parse errors`);
          } finally {
            before.delete();
            after.delete();
          }
          const rule = action.diagnostics![0].code;
          ws.setText(file, fixed);
          const again = (await ws.check([file])).findings.filter((x) => x.file === file && x.rule === rule).length;
          ws.setText(file, null);
          assert.ok(again < findings.filter((x) => x.file === file && x.rule === rule).length, `${where}: the ${rule} diagnostic stays`);
          fixes++;
        }
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  console.log(`fix safety: ${fixes} fixes applied and re-checked`);
  assert.ok(fixes >= 10, `only ${fixes} fixes offered`);
});

const FLUSH = 'arch_flush_lazy_mmu_mode';
const LISTS = new Set(['compound_statement', 'case_statement']);
const LOOPS = new Set(['while_statement', 'for_statement', 'do_statement']);
const same = (a: Node | null | undefined, b: Node) => !!a && a.id === b.id;

/** A flush statement, or a label whose statement is one (a jump to the label flushes too). */
function isFlush(n: Node | null | undefined): boolean {
  if (!n) return false;
  if (n.type === 'labeled_statement') return isFlush(n.namedChildren.filter((c) => c && c.type !== 'statement_identifier').pop());
  const call = n.type === 'expression_statement' ? n.namedChild(0) : null;
  return call?.type === 'call_expression' && call.childForFieldName('function')?.text === FLUSH;
}

const prevStatement = (n: Node) => {
  let p = n.previousNamedSibling;
  while (p?.type === 'comment') p = p.previousNamedSibling;
  return p;
};

/**
 * Why a read (in the fixed text) is not flushed right before each of its
 * evaluations, or null when it is: the statement holding it is preceded, in
 * the same statement list (so inside the same branch, loop body, case and
 * label), by a flush; a read in a loop's condition or update also has a flush
 * last in the loop's body (and before the loop, for a condition that runs first).
 */
function notFlushed(read: Node): string | null {
  let n = read;
  for (let p = n.parent; p; n = p, p = p.parent) {
    if (LOOPS.has(p.type) && !same(p.childForFieldName('body'), n)) {
      const part = ['initializer', 'condition', 'update'].find((f) => same(p!.childForFieldName(f), n));
      if (p.type === 'for_statement' && part === 'initializer') continue;
      const body = p.childForFieldName('body');
      const last = body?.type === 'compound_statement' ? body.namedChildren.filter((c) => c && c.type !== 'comment').pop() : null;
      if (!isFlush(last)) return `the ${p.type} ${part} is not flushed at the end of the body`;
      if (p.type === 'do_statement' || part === 'update') return null;
      continue;
    }
    const statement = /_statement$|^declaration$/.test(n.type) && n.type !== 'compound_statement';
    if (!statement) continue;
    if (!LISTS.has(p.type)) return `the ${n.type} holding the read is the body of a ${p.type} (no braces)`;
    return isFlush(prevStatement(n)) ? null : `no flush right before the ${n.type} holding the read`;
  }
  return 'no statement holds the read';
}

/**
 * The read's ancestors, braces and labels left out: the fix may add braces,
 * and a flush after a label takes the label (notFlushed holds it there).
 */
function pathOf(read: Node): string[] {
  const out: string[] = [];
  for (let p = read.parent; p; p = p.parent) if (p.type !== 'compound_statement' && p.type !== 'labeled_statement') out.push(p.type);
  return out;
}

/** The ptep_get call starting at `offset`. */
function readAt(root: Node, offset: number): Node | null {
  for (let n: Node | null = root.descendantForIndex(offset, offset); n; n = n.parent)
    if (n.type === 'call_expression' && n.startIndex === offset) return n;
  return null;
}

test('generated statement shapes (random nestings): each fix parses, only inserts, removes its diagnostic and flushes on the read path', async () => {
  await ensureParser();
  const rng = new Rng(0x13f1);
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-shapes-')));
  const fixedLeaves = new Map<string, number>();
  const fixedWrappers = new Map<string, number>();
  let unfixed = 0;
  let fixes = 0;
  try {
    for (let k = 0; k < 24; k++) {
      const file = path.join(root, `shapes${k}.c`);
      const { text, functions } = generateShapes(rng, 6, `fs${k}`);
      fs.writeFileSync(file, text);
      const ws = new Workspace({ root, arch: 'arm64' });
      ws.build();
      const uri = pathToFileURL(file).href;
      const cat = ws.catalogue;
      const before = parseKernelC(file, text, cat).tree;
      const doc = TextDocument.create(uri, 'c', 1, text);
      try {
        assert.equal(badNodes(before.rootNode), 0, `shapes${k}.c: the generated text parses`);
        const findings = (await ws.check([file])).findings.filter((f) => f.file === file);
        for (const fn of functions) {
          const raw = findings.filter((f) => f.function === fn.name && f.rule === 'lazy-mmu/read-after-write');
          const where = `${fn.name} (${fn.leaf} in ${fn.wrappers.join(' in ') || 'the section'}, seed file shapes${k}.c)`;
          assert.equal(raw.length, 1, `${where}: one read-after-write finding\n${text}`);
          if (fn.leaf === 'continue') {
            assert.equal(raw[0].fix, undefined, `${where}: a loop that continues has no single safe flush`);
            unfixed++;
          }
          const mine = findings.filter((f) => f.function === fn.name);
          for (const action of codeActionsFor(uri, text, mine.map(toDiagnostic))) {
            const diag = action.diagnostics![0];
            const w = `${where}: ${action.title}`;
            const edits = action.edit!.changes![uri];
            for (const e of edits) assert.deepEqual(e.range.start, e.range.end, `${w}: not an insertion`);
            const fixed = TextDocument.applyEdits(doc, edits);
            // Only insertions: removing the inserted texts gives the original back.
            let rebuilt = '';
            let from = 0;
            let shift = 0;
            for (const e of edits.map((x) => ({ off: doc.offsetAt(x.range.start), text: x.newText })).sort((a, b) => a.off - b.off)) {
              rebuilt += fixed.slice(from, e.off + shift);
              from = e.off + shift + e.text.length;
              shift += e.text.length;
            }
            assert.equal(rebuilt + fixed.slice(from), text, `${w}: something besides insertions changed`);
            const moved = (line: number, column: number) => {
              const off = doc.offsetAt({ line: line - 1, character: column - 1 });
              return off + edits.filter((e) => doc.offsetAt(e.range.start) <= off).reduce((s, e) => s + e.newText.length, 0);
            };
            const after = parseKernelC(file, fixed, cat).tree;
            try {
              assert.equal(badNodes(after.rootNode), 0, `${w}: the fixed text has parse errors\n${fixed}`);
              if (diag.code === 'lazy-mmu/read-after-write') {
                const r0 = readAt(before.rootNode, doc.offsetAt({ line: raw[0].line - 1, character: raw[0].column - 1 }));
                const r1 = readAt(after.rootNode, moved(raw[0].line, raw[0].column));
                assert.ok(r0 && r1, `${w}: the read is found before and after the fix`);
                assert.equal(r1.text, r0.text, `${w}: the read`);
                assert.deepEqual(pathOf(r1), pathOf(r0), `${w}: the read is on the same path\n${fixed}`);
                assert.equal(notFlushed(r1), null, `${w}: the flush does not run right before the read\n${fixed}`);
              }
            } finally {
              after.delete();
            }
            ws.setText(file, fixed);
            const again = (await ws.check([file])).findings.filter((f) => f.file === file && f.rule === diag.code);
            ws.setText(file, null);
            // No finding of the rule left on the flagged line (where the fix moved it).
            const line = TextDocument.create(uri, 'c', 2, fixed).positionAt(moved(diag.range.start.line + 1, diag.range.start.character + 1)).line + 1;
            const stays = again.filter((f) => f.line === line);
            assert.deepEqual(stays.map((f) => `${f.line}: ${f.rule}`), [], `${w}: the diagnostic stays\n${fixed}`);
            if (diag.code === 'lazy-mmu/read-after-write') {
              fixedLeaves.set(fn.leaf, (fixedLeaves.get(fn.leaf) ?? 0) + 1);
              for (const x of fn.wrappers) fixedWrappers.set(x, (fixedWrappers.get(x) ?? 0) + 1);
            }
            fixes++;
          }
        }
      } finally {
        before.delete();
        ws.setText(file, null);
        fs.rmSync(file);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  console.log(`shapes: ${fixes} fixes checked; flush fixes per read shape ${JSON.stringify(Object.fromEntries(fixedLeaves))}, per wrapper ${JSON.stringify(Object.fromEntries(fixedWrappers))}; ${unfixed} loops that continue left without a fix`);
  for (const l of LEAVES) if (l !== 'continue') assert.ok(fixedLeaves.get(l), `no flush fix checked for a read shaped ${l}`);
  for (const x of WRAPPERS) assert.ok(fixedWrappers.get(x), `no flush fix checked inside a ${x}`);
  assert.ok(unfixed > 0, 'no loop that continues generated');
});
