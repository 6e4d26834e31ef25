// The first check's sections count never goes back (issue 13, point 2 and
// its detail (d); server/checkProgress.ts FirstCheckProgress): when the run
// checking the open file is superseded by a newer one (an edit, a setting the
// client sends just after the open), the newer run goes on with the same
// progress instead of starting a new count, so the counts the client hears
// within one check state never decrease and end at N/N (every section of the
// tree). And a plain open is not superseded at all: the open file's first pass
// runs once (the lazymmu.showOnlyNewSince base, configured "off" after the
// index, asks for no recheck). Generated workspace: an open file of 1,000
// sections and three others of 1,000 (test/manySections.ts), so that each pass
// takes long enough to be interrupted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient } from './lspClient';
import { manySections } from '../manySections';
import { MAX_FINDINGS_PER_FILE } from '../../engine/inputBounds';

const OPEN_SECTIONS = 1000;
const OTHERS = 3;
const TOTAL = OPEN_SECTIONS * (OTHERS + 1);

function tree(): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-count-')));
  fs.writeFileSync(path.join(root, 'open.c'), manySections(OPEN_SECTIONS, 'open'));
  for (let i = 0; i < OTHERS; i++) fs.writeFileSync(path.join(root, `other${i}.c`), manySections(OPEN_SECTIONS, `other${i}`));
  return root;
}

type Event = { method: string; params: any };
const isSectionsBegin = (e: Event) => e.method === '$/progress' && e.params.value.kind === 'begin' && /checking/.test(e.params.value.title);
/** "k/N sections" of a report, as numbers. */
const countOf = (e: Event) => {
  const m = /^([\d,]+)\/([\d,]+) sections$/.exec(e.params.value.message ?? '');
  return m ? { done: Number(m[1].replace(/,/g, '')), total: Number(m[2].replace(/,/g, '')) } : null;
};

/** Starts a server on a fresh tree (own cache), opens open.c, runs `during`, waits for the final diagnostics of `version` and the checks' end. */
async function session(during: (c: LspClient, uri: string, text: string) => Promise<number>): Promise<{ client: LspClient; uri: string }> {
  const root = tree();
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-count-cache-'));
  const client = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: cache } });
  client.proc.once('exit', () => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });
  const file = path.join(root, 'open.c');
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, 'utf8');
  await client.initialize(root);
  await client.open(uri, text, 1);
  const version = await during(client, uri, text);
  await client.waitFor(`final diagnostics of version ${version}`, () => client.diagnosticsFor(uri, version), 150_000);
  await client.checksFinished(60_000);
  return { client, uri };
}

/** The sections progress of the (one) check state: checks one begin, counts that never decrease and end at TOTAL/TOTAL. */
function oneMonotoneCount(c: LspClient): { done: number; total: number }[] {
  const t = c.timeline;
  const begins = t.filter(isSectionsBegin);
  assert.equal(begins.length, 1, `one sections progress for the first check: ${JSON.stringify(begins)}`);
  const token = begins[0].params.token;
  const mine = t.map((e, i) => ({ e, i })).filter(({ e }) => e.method === '$/progress' && e.params.token === token);
  const end = mine.find(({ e }) => e.params.value.kind === 'end');
  assert.ok(end, 'the sections progress ends');
  // One check state: "checking" from before the count's begin until after its end.
  const states = t.map((e, i) => ({ e, i })).filter(({ e }) => e.method === 'lazymmu/checkState');
  const idle = states.find(({ e }) => !e.params.checking);
  assert.ok(states[0].e.params.checking && states[0].i < mine[0].i && idle && end!.i < idle.i, JSON.stringify(t.map((e) => e.method)));
  assert.equal(states.filter(({ e, i }) => !e.params.checking && i < idle!.i).length, 0);
  const counts = mine.map(({ e }) => (e.params.value.kind === 'report' ? countOf(e) : null)).filter((x): x is { done: number; total: number } => !!x);
  assert.ok(counts.length >= 3, JSON.stringify(counts));
  for (let i = 1; i < counts.length; i++) {
    assert.ok(counts[i].done >= counts[i - 1].done, `the count never goes back: ${JSON.stringify(counts)}`);
    assert.ok(counts[i].total >= counts[i - 1].total, `the total never shrinks: ${JSON.stringify(counts)}`);
  }
  assert.deepEqual(counts[counts.length - 1], { done: TOTAL, total: TOTAL });
  return counts;
}

const firstPasses = (c: LspClient) => c.logs.filter((l) => /phase: first diagnostics of open\.c/.test(l)).length;

test('a first check superseded by an edit and by a setting goes on with one count that never goes back', { timeout: 200_000 }, async () => {
  const { client, uri } = await session(async (c, uri, text) => {
    // Mid-way through the open file's first pass (a count below its sections), an edit and a new model.
    await c.waitFor('the first pass under way', () => c.timeline.some((e) => e.method === '$/progress' && (countOf(e)?.done ?? 0) > 0), 120_000);
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: text + '/* edited */\n' }] });
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lazymmu: { model: 'x86-xen-pv' } } });
    return 2;
  });
  try {
    // The first pass did run again (the superseded run's result was dropped), under the same count.
    assert.ok(firstPasses(client) >= 2, client.logs.join('\n'));
    oneMonotoneCount(client);
    // The final diagnostics of the edited file: one per section, up to the per-file bound.
    assert.equal(client.diagnosticsFor(uri, 2)!.diagnostics.filter((d) => d.code === 'lazy-mmu/read-after-write').length, MAX_FINDINGS_PER_FILE);
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
  }
});

test('a plain open is checked once: one first pass, one count to N/N', { timeout: 200_000 }, async () => {
  const { client, uri } = await session(async () => 1);
  try {
    assert.equal(firstPasses(client), 1, client.logs.join('\n'));
    oneMonotoneCount(client);
    assert.ok(client.diagnosticsFor(uri, 1)!.diagnostics.length > 0);
  } finally {
    await client.shutdown().catch(() => client.proc.kill());
  }
});
