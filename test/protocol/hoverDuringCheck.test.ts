// The hover does not wait for the first check (issue 13, point 5, detail (a)):
// after an index the first check of a large tree takes long; it pauses at every
// section (and between its later phases), and a hover on an enter call is
// answered in such a pause, computed for the one section by an interpreter of
// its own (Workspace.sectionAt), with the section's writes. The hover asked
// again after the check (from the check's own summaries) says the same, and
// the check's answer is the CLI's (the hover changed nothing it computed).
// Workspace: test/fixtures/editor/hover_section.c (open) and 8 generated files
// of 1,000 sections (test/manySections.ts), so the check is still under way
// when the hover is asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';
import { manySections } from '../manySections';

const F = 'hover_section.c';
const SRC = fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'editor', F), 'utf8');
const OTHERS = 8;
const enterLine = SRC.split('\n').findIndex((l) => l.includes('arch_enter_lazy_mmu_mode'));
const section = (md: string, title: string) => md.split(`**${title}**`)[1]?.split('\n\n**')[0] ?? '';

test('a hover during the first check is answered before the check ends, with the section\'s writes', { timeout: 200_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-hover-check-')));
  fs.writeFileSync(path.join(root, F), SRC);
  for (let i = 0; i < OTHERS; i++) fs.writeFileSync(path.join(root, `other${i}.c`), manySections(1000, `other${i}`));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-hover-check-cache-'));
  const uri = pathToFileURL(path.join(root, F)).href;
  const client = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cache } });
  try {
    await client.initialize(root);
    await client.open(uri, SRC, 1);
    // The whole tree's pass under way: a sections count past the open file's own, short of its total.
    await client.waitFor(
      'the whole check under way',
      () =>
        client.timeline.some((e) => {
          const m = e.method === '$/progress' && /^([\d,]+)\/([\d,]+) sections$/.exec(e.params.value.message ?? '');
          return m && Number(m[2].replace(/,/g, '')) > 1000 && Number(m[1].replace(/,/g, '')) < Number(m[2].replace(/,/g, ''));
        }),
      150_000,
    );
    const h: any = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: enterLine, character: 3 } });
    // Answered while the check was still under way: no final publish for the file yet, the checks not finished.
    const finalYet = !!client.diagnosticsFor(uri, 1);
    const idleYet = client.timeline.some((e) => e.method === 'lazymmu/checkState' && !e.params.checking);
    assert.ok(!finalYet && !idleYet, `the hover came before the check ended: ${JSON.stringify(client.timeline.map((e) => e.method))}`);
    assert.ok(h, 'a hover');
    const md: string = h.contents.value;
    const link = (n: number) => `[line ${n}](${uri}#L${n})`;
    const writes = section(md, 'Writes');
    assert.ok(writes.includes(`${link(22)}: \`hs_set()\` writes \`pte\` (its \`ptep\`)`), md);
    assert.ok(writes.includes(`${link(23)}: \`hs_set()\` writes \`pte + 1\` (its \`ptep\`)`), md);

    const final = await client.waitFor('final diagnostics', () => client.diagnosticsFor(uri, 1), 150_000);
    await client.checksFinished(60_000);
    // Asked again (the hover cache cleared by a settings notification), from the check's summaries: the same text.
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    const again: any = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: enterLine, character: 3 } });
    assert.equal(again?.contents.value, md);
    // The check's answer is the CLI's for the file.
    const cli = JSON.parse(spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--root', root, '--arch', 'arm64', '--format', 'json', path.join(root, F)], { encoding: 'utf8' }).stdout);
    const key = (rule: string, line: number, column: number, message: string) => `${rule} ${line}:${column} ${message}`;
    assert.deepEqual(
      final.diagnostics.map((d: any) => key(d.code, d.range.start.line + 1, d.range.start.character + 1, d.message)).sort(),
      cli.diagnostics.map((d: any) => key(d.rule, d.line, d.column, d.message)).sort(),
    );
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
