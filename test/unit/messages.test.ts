// Findings' messages (engine/message.ts): places and names are data, rendered
// at the edge; the first sentence is short and the whole bounded, on every
// fixture; read-after-write names a write that defers and says what the
// stale value does; a finding moves with its function's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { Workspace } from '../../engine/workspace';
import { Finding, RULES } from '../../engine/findings';
import { code, HEAD_LIMIT, MESSAGE_LIMIT, moveMessage, place, renderMessage, renderSentence, sentence } from '../../engine/message';
import { compareWithExpectations, formatFindings, parseExpectations } from '../fixtureExpectations';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');
const DIR = path.join(FIXTURES, 'messages');

/** What every message must be: places as data, a short first sentence, a bounded length. */
export function messageProblems(f: Finding): string[] {
  const out: string[] = [];
  const where = `${path.basename(f.file)}:${f.line} ${f.rule}`;
  for (const s of f.message) for (const p of s) if (typeof p === 'string' && /\bline \d/.test(p)) out.push(`${where}: a line number typed into the text: ${p}`);
  for (const r of f.related) if (/\bline \d/.test(r.message)) out.push(`${where}: a line number typed into a related message: ${r.message}`);
  const head = renderSentence(f.message[0]);
  if (head.length > HEAD_LIMIT) out.push(`${where}: first sentence of ${head.length} characters: ${head}`);
  const all = renderMessage(f.message);
  if (all.length > MESSAGE_LIMIT) out.push(`${where}: message of ${all.length} characters: ${all}`);
  if (/\.$/.test(head)) out.push(`${where}: the first sentence ends with a period`);
  return out;
}

const text = (f: Finding) => renderMessage(f.message, { near: f.file });

test('rendering: places are "line N" in the same file and "file:N" in another; code between backticks; front ends choose', () => {
  const m = [sentence`stale read of ${code('src_pte')}: written by ${code('set_pte_at()')} (${place({ file: '/t/mm/memory.c', line: 905, column: 3 })})`, ['Flush first']];
  assert.equal(renderMessage(m, { near: '/t/mm/memory.c' }), 'stale read of `src_pte`: written by `set_pte_at()` (line 905). Flush first');
  assert.equal(renderMessage(m, { near: '/t/include/linux/mm_inline.h' }), 'stale read of `src_pte`: written by `set_pte_at()` (memory.c:905). Flush first');
  assert.equal(renderMessage(m, { place: (p) => `[${p.line}]`, code: (c) => `'${c}'` }), "stale read of 'src_pte': written by 'set_pte_at()' ([905]). Flush first");
  const moved = moveMessage(m, (p) => ({ ...p, line: p.line + 2 }));
  assert.equal(renderMessage(moved, { near: '/t/mm/memory.c' }), 'stale read of `src_pte`: written by `set_pte_at()` (line 907). Flush first');
});

test('messages fixtures: the findings marked, with their impact', async () => {
  const problems: string[] = [];
  const all: Finding[] = [];
  for (const f of fs.readdirSync(DIR).filter((x) => x.endsWith('.c'))) {
    const file = path.join(DIR, f);
    const r = await checkTree({ root: DIR, paths: [file] });
    all.push(...r.findings);
    const exps = parseExpectations(fs.readFileSync(file, 'utf8'), f);
    for (const rule of RULES) problems.push(...compareWithExpectations(r.findings, exps, rule).map((p) => `${f}: ${p}`));
  }
  assert.deepEqual(problems, [], `${problems.join('\n')}\n${formatFindings(all)}`);
});

test('read-after-write names the write x86 Xen PV queues (through its hook), counts the other, and says what the stale value does', async () => {
  const file = path.join(DIR, 'deferring_write.c');
  const r = await checkTree({ root: DIR, paths: [file] });
  const [zap, exchange] = r.findings.filter((f) => f.rule === 'lazy-mmu/read-after-write').sort((a, b) => a.line - b.line);
  assert.ok(zap && exchange, formatFindings(r.findings));
  // Not ptep_get_and_clear(), an immediate exchange on every implementation, though its path is as short.
  assert.match(text(zap), /^stale read of `pte`: written by `clear_not_present_full_ptes\(\)` \(line \d+\)\. /);
  assert.match(text(zap), /On x86 Xen PV the write \(through `pte_clear\(\)`\) is still queued, so the read returns the old, non-empty entry, which can trip `WARN_ON_ONCE\(\)`/);
  assert.match(text(zap), /1 other write reaches this read/);
  assert.deepEqual(zap.impact, { kind: 'hazard', architectures: ['x86 Xen PV'] });
  assert.match(text(exchange), /No implementation in this tree queues `ptep_get_and_clear\(\)` on this path/);
  assert.deepEqual(exchange.impact, { kind: 'contract', architectures: [] });
  // The write's place is data: the related hop at that place carries the same line.
  const placeOf = zap.message[0].find((p) => typeof p !== 'string' && 'place' in p) as { place: { line: number } };
  assert.ok(zap.related.some((h) => h.line === placeOf.place.line && /clear_not_present_full_ptes/.test(h.message)), JSON.stringify(zap.related));
});

test('read-after-write: a stale entry that an assertion expects present, then handed on', async () => {
  const file = path.join(DIR, 'stale_use.c');
  const r = await checkTree({ root: DIR, paths: [file] });
  const d = r.findings.find((f) => f.rule === 'lazy-mmu/read-after-write');
  assert.ok(d, formatFindings(r.findings));
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const call = lines.findIndex((l) => /ret = su_restore\(/.test(l)) + 1;
  assert.equal(renderSentence(d.message[0], { near: d.file }), `stale read of \`src\`: written by \`set_pte_at()\` via \`su_restore()\` (line ${call})`);
  assert.match(text(d), /returns the old, non-present entry, which can trip `VM_WARN_ON_ONCE\(\)` and is passed to `su_copy_present\(\)`/);
});

test('every fixture finding: places as data, first sentence within the limit, whole message bounded', async () => {
  const problems: string[] = [];
  let n = 0;
  for (const dir of ['raw', 'sections', 'bbm', 'kafb', 'across', 'messages', 'tree']) {
    const root = path.join(FIXTURES, dir);
    const r = await checkTree({ root, paths: [root] });
    n += r.findings.length;
    for (const f of r.findings) problems.push(...messageProblems(f));
  }
  assert.ok(n > 50, `findings checked: ${n}`);
  assert.deepEqual(problems, []);
});

test('a break-before-make finding moves with its function when lines are added above it (same findings as a fresh check)', async () => {
  const root = path.join(FIXTURES, 'bbm');
  const file = path.join(root, 'vmemmap_remap.c');
  const ws = new Workspace({ root });
  ws.build();
  const before = (await ws.check([file])).findings;
  assert.ok(before.length >= 2);
  const edited = '/* three\n * new\n * lines */\n' + fs.readFileSync(file, 'utf8');
  ws.setText(file, edited);
  const after = (await ws.check([file])).findings;
  assert.deepEqual(
    after.map((f) => [f.line, f.related.map((r) => r.line)]),
    before.map((f) => [f.line + 3, f.related.map((r) => r.line + 3)]),
  );
  assert.deepEqual(after.map(text), before.map((f) => text(f).replace(/line (\d+)/g, (_, l) => `line ${Number(l) + 3}`)));
  const fresh = new Workspace({ root });
  fresh.build();
  fresh.setText(file, edited);
  assert.deepEqual(after, (await fresh.check([file])).findings);
});
