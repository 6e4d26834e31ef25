// The hover after a window reload (issue 13 point 5, "answered from the kept
// summaries without a visible Loading… on a warm workspace"; issue 15 point 2):
// the first server, once its first check is done, keeps the hover answers of
// the open file's sections in the analysis store (engine/store/keptSections.ts);
// a second server on the same cache answers a hover on the section's enter
// asked at once, before its first check has finished, from the store, with the
// section's writes made through a callee in another file, and the same text a
// Workspace computing it itself gives. After an edit of that callee on disk the
// kept answer is not used: the third server computes it, and the text shows
// the edit. Workspace: test/fixtures/keptHover/ and two generated files of
// sections (test/manySections.ts), so a check has work to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';
import { manySections } from '../manySections';
import { Workspace } from '../../engine/workspace';
import { sectionHover } from '../../server/hover';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'keptHover');
const OPEN = 'kh_open.c';
const SRC = fs.readFileSync(path.join(FIXTURE, OPEN), 'utf8');
const enterLine = SRC.split('\n').findIndex((l) => l.includes('arch_enter_lazy_mmu_mode'));
const section = (md: string, title: string) => md.split(`**${title}**`)[1]?.split('\n\n**')[0] ?? '';
const FROM_STORE = `hover on line ${enterLine + 1} of ${OPEN}: from the analysis store`;

/** One server on `cache`: open the file, ask the hover at once, wait for the checks to end. */
async function session(root: string, cache: string) {
  const uri = pathToFileURL(path.join(root, OPEN)).href;
  const client = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cache } });
  try {
    await client.initialize(root);
    await client.open(uri, SRC, 1);
    const h: any = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: enterLine, character: 3 } });
    // What the server had said when the answer came: the checks finished yet or not.
    const answeredAt = client.timeline.length;
    await client.waitFor('final diagnostics', () => client.diagnosticsFor(uri, 1), 150_000);
    await client.checksFinished(60_000);
    const idleAt = client.timeline.findIndex((e) => e.method === 'lazymmu/checkState' && !e.params.checking);
    // The logs as read after the shutdown below: the first check's products for a reload are kept when the
    // checks are idle, or at the latest at shutdown (server/idleWrite.ts).
    return { md: h?.contents?.value as string | undefined, answeredAt, idleAt, get logs() { return client.logs.join('\n'); }, uri };
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
  }
}

/** The hover text a Workspace without any cache computes itself after a check. */
async function computed(root: string): Promise<string> {
  const ws = new Workspace({ root, arch: 'arm64' });
  await ws.buildAsync(() => {});
  const file = path.join(root, OPEN);
  await ws.check([file]);
  const info = await ws.sectionAt(file, enterLine + 1);
  assert.ok(info, 'the Workspace finds the section');
  return sectionHover(info);
}

test('after a reload the hover on a section is read from the analysis store before the first check ends; an edit elsewhere computes it again', { timeout: 400_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-hover-')));
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(root, f));
  for (let i = 0; i < 2; i++) fs.writeFileSync(path.join(root, `other${i}.c`), manySections(300, `other${i}`));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-kept-hover-cache-'));
  try {
    const fill = await session(root, cache);
    assert.ok(!fill.logs.includes(FROM_STORE), 'an empty cache keeps nothing yet');
    assert.match(fill.logs, /phase: hover answers of 1 open files kept/);

    const reload = await session(root, cache);
    assert.ok(reload.logs.includes(FROM_STORE), reload.logs);
    assert.ok(reload.idleAt >= 0, 'the checks ended');
    assert.ok(reload.answeredAt <= reload.idleAt, `the hover was answered before the first check ended (${reload.answeredAt} <= ${reload.idleAt})`);
    const md = reload.md ?? '';
    const link = (n: number) => `[line ${n}](${reload.uri}#L${n})`;
    // The section's write is made by the callee kh_set() in kh_helpers.c.
    assert.ok(section(md, 'Writes').includes(`${link(15)}: \`kh_set()\` writes \`dst\` (its \`ptep\`), left unflushed`), md);
    assert.ok(!section(md, 'Writes').includes('kh_note()'), md);
    assert.equal(md, await computed(root), 'the kept text is the text computed afresh');

    // kh_note() now writes its entry: the kept answer (keyed by every file's content) no longer holds.
    const helpers = path.join(root, 'kh_helpers.c');
    fs.writeFileSync(helpers, fs.readFileSync(helpers, 'utf8').replace('(void)ptep;', 'set_pte(ptep, *ptep);'));
    const edited = await session(root, cache);
    assert.ok(!edited.logs.includes(FROM_STORE), 'the kept answer is not used after the edit');
    const md2 = edited.md ?? '';
    assert.ok(section(md2, 'Writes').includes(`${link(16)}: \`kh_note()\` writes \`dst + 1\` (its \`ptep\`), left unflushed`), md2);
    assert.equal(md2, await computed(root));
    // Kept again for the edited tree by that server's first check.
    assert.match(edited.logs, /phase: hover answers of 1 open files kept/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
