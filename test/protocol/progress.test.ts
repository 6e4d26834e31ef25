// Honest progress (issue 13, point 2; server/checkProgress.ts): what a client
// sees from the server while it indexes a tree and checks the open file, in
// the order the server sends it. Indexing reports files done / total with
// counts that only grow and end at the total; the first check reports
// sections analysed / total the same way; lazymmu/checkState says "checking"
// before the first diagnostics and "done" only after them (the status item
// shows "N findings" only then); the log (the Output channel) has the phase
// timings. A restart with the cache warm says the files came from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, FIXTURES, isProvisional } from './lspClient';

const FILLERS = 9000;
const SECTIONS = ['direct_ptep_get.c', 'callee_read.c', 'interproc_depth2.c', 'callback_write.c', 'generic_sections.c'];

/** A tree of many small files (so that indexing takes several steps) and a few with sections. */
function bigTree(): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-progress-')));
  for (let i = 0; i < FILLERS; i++) {
    const dir = path.join(root, `d${i % 30}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${i}.c`), `int filler_${i}(int x)\n{\n\treturn helper_${i % 7}(x) + ${i};\n}\n`);
  }
  for (const f of SECTIONS) fs.copyFileSync(path.join(FIXTURES, f), path.join(root, f));
  return root;
}

/** The $/progress values of the token whose begin has `title`, in order. */
function progressOf(c: LspClient, title: RegExp): any[] {
  // The last one: a run superseded by a newer one (the client's settings arrive after the open) ends its own progress early.
  const begin = [...c.timeline].reverse().find((e) => e.method === '$/progress' && e.params.value.kind === 'begin' && title.test(e.params.value.title));
  assert.ok(begin, `a progress titled ${title}: ${JSON.stringify(c.timeline.filter((e) => e.method === '$/progress'))}`);
  return c.timeline.filter((e) => e.method === '$/progress' && e.params.token === begin!.params.token).map((e) => e.params.value);
}

/** The "k/N what" counts of a progress's reports; checks they grow and end at N. */
function counts(values: any[], what: string): { done: number; total: number }[] {
  assert.equal(values[0].kind, 'begin');
  assert.equal(values[values.length - 1].kind, 'end');
  const out = values.filter((v) => v.kind === 'report').map((v) => {
    const m = new RegExp(`^([\\d,]+)/([\\d,]+) ${what}$`).exec(v.message);
    assert.ok(m, `a count of ${what}: ${JSON.stringify(v)}`);
    const n = (s: string) => Number(s.replace(/,/g, ''));
    return { done: n(m![1]), total: n(m![2]) };
  });
  assert.ok(out.length >= 2, JSON.stringify(values));
  for (let i = 1; i < out.length; i++) {
    assert.ok(out[i].done > out[i - 1].done, `counts grow: ${JSON.stringify(out)}`);
    // A total may grow (the first check counts the open file's sections, then the whole tree's), never shrink.
    assert.ok(out[i].total >= out[i - 1].total, `totals never shrink: ${JSON.stringify(out)}`);
  }
  assert.equal(out[out.length - 1].done, out[out.length - 1].total, `ends at the total: ${JSON.stringify(out)}`);
  return out;
}

test('indexing and the first check report moving counts; "checking" until the diagnostics are out; phase timings logged', { timeout: 170_000 }, async () => {
  const root = bigTree();
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-progress-cache-'));
  const env = { ...process.env, LAZYMMU_CACHE: cache };
  const uri = pathToFileURL(path.join(root, SECTIONS[0])).href;
  const text = fs.readFileSync(path.join(root, SECTIONS[0]), 'utf8');
  const run = async () => {
    const client = new LspClient({ env });
    await client.initialize(root);
    await client.open(uri, text, 1);
    const pub = await client.waitFor('diagnostics', () => client.diagnosticsFor(uri, 1), 150_000);
    await client.checksFinished(60_000);
    return { client, pub };
  };
  let client: LspClient | null = null;
  try {
    // Cold: every file scanned.
    ({ client } = await run());
    const files = counts(progressOf(client, /indexing/), 'files');
    assert.equal(files[0].total, FILLERS + SECTIONS.length);
    assert.ok(files.length >= 3, `several steps: ${JSON.stringify(files)}`);
    const sections = counts(progressOf(client, /checking/), 'sections');
    assert.ok(sections[sections.length - 1].total >= SECTIONS.length, JSON.stringify(sections));
    // The order a status item sees: checking, the diagnostics, then done (never a count while checking).
    const t = client.timeline;
    const at = (pred: (e: { method: string; params: any }) => boolean) => t.findIndex(pred);
    const checking = at((e) => e.method === 'lazymmu/checkState' && e.params.checking);
    // The final publish (a provisional one of the open file's own sections comes earlier: firstDiagnostics.test.ts).
    const published = at((e) => e.method === 'publishDiagnostics' && e.params.uri === uri && !isProvisional(e.params));
    const done = at((e) => e.method === 'lazymmu/checkState' && !e.params.checking);
    const sectionsEnd = t.findIndex((e) => e.method === '$/progress' && e.params.value.kind === 'end' && t.some((b) => b.method === '$/progress' && b.params.token === e.params.token && /checking/.test(b.params.value.title ?? '')));
    assert.ok(checking >= 0 && checking < published && published < done, JSON.stringify(t.map((e) => e.method + (e.params.checking !== undefined ? `:${e.params.checking}` : ''))));
    assert.ok(sectionsEnd < published, 'the sections progress ends before the final diagnostics');
    assert.ok(client.diagnosticsFor(uri, 1)!.diagnostics.some((d) => d.code === 'lazy-mmu/read-after-write'));
    const logs = client.logs.join('\n');
    assert.match(logs, new RegExp(`phase: index [\\d.]+ (s|ms) \\(${FILLERS + SECTIONS.length} files: 0 from the cache, ${FILLERS + SECTIONS.length} scanned`), logs);
    assert.match(logs, /phase: first check of direct_ptep_get\.c [\d.]+ (s|ms) \(\d+ findings\)/, logs);
    await client.shutdown();

    // Warm: the files come from the cache, and the counts still move to the total.
    ({ client } = await run());
    counts(progressOf(client, /indexing/), 'files');
    assert.match(client.logs.join('\n'), new RegExp(`phase: index [\\d.]+ (s|ms) \\(${FILLERS + SECTIONS.length} files: ${FILLERS + SECTIONS.length} from the cache, 0 scanned`));
  } finally {
    await client?.shutdown().catch(() => client?.proc.kill());
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
