// Fix safety (issue 7, part 5), over every fixture: each code action the
// server offers for a finding is a pure insertion of whole lines, the fixed
// text parses with no more ERROR/MISSING nodes than before, and re-checking
// the fixed text removes that diagnostic (one fewer finding of its rule).
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

const FIX_DIR = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

test('every offered fix inserts whole lines, adds no parse error and removes its diagnostic', async () => {
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
