// Issue 13 point 5, through the real protocol: the hover on a section's enter
// call lists the writes its callees make (by argument text and the callee's
// parameter name), each callee once with all its lines, chains shortened to
// their ends, places as file links with #L<line>, and a bounded list; after an
// edit the hover is the new text's.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';

const F = 'hover_section.c';
const SRC = fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'editor', F), 'utf8');
const lineOf = (t: string, needle: string, from = 0) => t.split('\n').findIndex((l, i) => i >= from && l.includes(needle));
let client: LspClient;
let root: string;
let uri: string;

before(async () => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(require('os').tmpdir(), 'lazymmu-hover-')));
  fs.writeFileSync(path.join(root, F), SRC);
  uri = pathToFileURL(path.join(root, F)).href;
  client = new LspClient();
  await client.initialize(root);
  await client.open(uri, SRC);
});

after(async () => {
  if (client) assert.equal(await client.shutdown(), 0);
  fs.rmSync(root, { recursive: true, force: true });
});

const hover = async (line: number, character = 3): Promise<string> => {
  const h: any = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  assert.ok(h, `a hover at line ${line + 1}`);
  return h.contents.value;
};
const section = (md: string, title: string) => md.split(`**${title}**`)[1]?.split('\n\n**')[0] ?? '';

test('the section writes through its callee: entries by argument text and parameter name, with links', async () => {
  const enter = lineOf(SRC, 'arch_enter_lazy_mmu_mode');
  const md = await hover(enter);
  const link = (n: number) => `[line ${n}](${uri}#L${n})`;
  const writes = section(md, 'Writes');
  assert.ok(writes.includes(`${link(22)}: \`hs_set()\` writes \`pte\` (its \`ptep\`)`), writes);
  assert.ok(writes.includes(`${link(23)}: \`hs_set()\` writes \`pte + 1\` (its \`ptep\`)`), writes);
  assert.doesNotMatch(md, /argument \d/, 'parameters are named');
  const calls = section(md, 'Calls while batching');
  assert.equal(calls.split('`hs_set()` (').length - 1, 1, `hs_set listed once:\n${calls}`);
  assert.ok(calls.includes(`\`hs_set()\` (lines [22](${uri}#L22), [23](${uri}#L23))`), calls);
  assert.match(calls, /may sleep: `hs_c1\(\)` → … 4 more … → `might_sleep\(\)`/);
  assert.doesNotMatch(calls, /hs_c3/, 'the chain middle is counted, not listed');
  assert.ok(md.includes(`(${link(21)}) to \`arch_leave_lazy_mmu_mode()\` (${link(27)})`), 'the section ends are links');
});

test('a section of many calls gives a bounded hover', async () => {
  const enter = lineOf(SRC, 'arch_enter_lazy_mmu_mode', lineOf(SRC, 'void hs_many'));
  const md = await hover(enter);
  const calls = section(md, 'Calls while batching');
  assert.equal((calls.match(/^- `hs_n\d+\(\)`/gm) ?? []).length, 12);
  assert.match(calls, /- … and 8 more/);
  assert.ok(md.length < 6000);
});

test('the same hover twice is the same; after an edit it is the new text\'s', async () => {
  const enter = lineOf(SRC, 'arch_enter_lazy_mmu_mode');
  const a = await hover(enter);
  assert.equal(await hover(enter, 6), a);
  const edited = SRC.replace('\ths_set(mm, addr + 1, pte + 1, val);\n', '\t(void)val;\n');
  await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
  const b = await hover(enter);
  assert.doesNotMatch(section(b, 'Writes'), /pte \+ 1/);
  assert.match(section(b, 'Calls while batching'), /`hs_set\(\)` \(\[line 22\]/);
});
