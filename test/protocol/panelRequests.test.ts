// The server side of the simulation panel (issue 13, point 4), through the
// real protocol: a replay says where the stale read is reachable and where
// not and names the model where it bites (not the first model, nor
// lazymmu.model when it does not bite there); its witness walks through the
// call-chain hops between the enter, the write and the read; "apply the fix
// and simulate again" edits the document through workspace/applyEdit (the
// quick fix's edit) and answers the fixed path's replay; a scenario's answer
// carries its name, condition, summary and biting model.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient, REPO, tempWorkspace } from './lspClient';
import { DEFAULT_MODEL } from '../../engine/simulator';

const F = 'chain_read.c';
let client: LspClient;
let root: string;
let uri: string;
let doc: TextDocument;
/** The edits the server asked the client to apply. */
const applied: any[] = [];

before(async () => {
  root = tempWorkspace([]);
  fs.copyFileSync(path.join(REPO, 'test/fixtures/panel', F), path.join(root, F));
  uri = pathToFileURL(path.join(root, F)).href;
  client = new LspClient();
  // The client side of workspace/applyEdit: the edit goes into the open document, which is sent back as a change.
  client.conn.onRequest('workspace/applyEdit', (p: any) => {
    applied.push(p);
    const edits = p.edit.changes?.[uri] ?? [];
    change(TextDocument.applyEdits(doc, edits));
    return { applied: true };
  });
  await client.initialize(root);
  const text = fs.readFileSync(path.join(root, F), 'utf8');
  doc = TextDocument.create(uri, 'c', 1, text);
  await client.open(uri, text);
});

after(async () => {
  if (client) assert.equal(await client.shutdown(), 0);
  fs.rmSync(root, { recursive: true, force: true });
});

const lineOf = (text: string, re: RegExp) => text.split('\n').findIndex((l) => re.test(l)) + 1;

/** Sends the document's new text as the client would. */
function change(text: string): void {
  doc = TextDocument.create(uri, 'c', doc.version + 1, text);
  void client.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: doc.version }, contentChanges: [{ text }] });
}

async function readDiagnostic(): Promise<any> {
  const ds = (await client.waitFor('diagnostics', () => client.diagnosticsFor(uri, doc.version))).diagnostics;
  const d = ds.find((x: any) => x.code === 'lazy-mmu/read-after-write');
  assert.ok(d, JSON.stringify(ds));
  return d;
}

test('a replay says where the stale read is reachable and opens on the model where it bites', async () => {
  const d = await readDiagnostic();
  const r: any = await client.conn.sendRequest('lazymmu/replayDiagnostic', { uri, range: d.range });
  assert.equal(r.error, undefined, r.error);
  // Not lazymmu.model (the default, where it cannot happen) and not the first model: Xen PV, where it does.
  assert.notEqual(Object.keys(r.replay)[0], 'x86-xen-pv');
  assert.equal(r.model, 'x86-xen-pv');
  assert.equal(r.preferred, DEFAULT_MODEL, 'lazymmu.model (the default) was the starting point');
  assert.equal(r.replay[r.model].exists, true);
  assert.equal(r.summary.outcome, 'stale read');
  assert.deepEqual(r.summary.possible, [{ arch: 'x86', models: ['x86-xen-pv'], whole: true }]);
  const impossible = r.summary.impossible.flatMap((g: any) => g.models);
  assert.deepEqual(impossible.sort(), Object.keys(r.replay).filter((m) => m !== 'x86-xen-pv').sort());
  assert.ok(r.summary.impossible.some((g: any) => g.arch === 'arm64' && g.whole), 'all arm64 models are one group');
  assert.deepEqual(r.summary.unknown, []);
  // The panel is offered the fix.
  assert.match(r.fix.title, /arch_flush_lazy_mmu_mode/);
  // The model the user looks at is the starting point; where the stale read cannot happen, it does not win.
  const asked: any = await client.conn.sendRequest('lazymmu/replayDiagnostic', { uri, range: d.range, model: 's390' });
  assert.equal(asked.preferred, 's390');
  assert.equal(asked.model, 'x86-xen-pv');
});

test('the witness goes through the call-chain hops between the enter, the write and the read', async () => {
  const d = await readDiagnostic();
  const r: any = await client.conn.sendRequest('lazymmu/replayDiagnostic', { uri, range: d.range });
  const text = doc.getText();
  const steps = r.replay['x86-xen-pv'].steps.filter((s: any) => s.file);
  const seq = steps.map((s: any) => `${s.kind}:${s.line}`);
  assert.deepEqual(seq, [
    `kernel:${lineOf(text, /arch_enter_lazy_mmu_mode\(\)/)}`,
    `call:${lineOf(text, /^\t\tpnl_refresh\(/)}`,
    `call:${lineOf(text, /^\tpnl_store\(/)}`,
    `kernel:${lineOf(text, /set_pte_at\(/)}`,
    `kernel:${d.range.start.line + 1}`,
  ]);
  const hops = steps.filter((s: any) => s.kind === 'call');
  assert.match(hops[0].operation, /pnl_refresh\(\)/);
  assert.match(hops[1].operation, /pnl_store\(\)/);
  // A call changes no machine state: the hop carries the state of the step before it.
  const all = r.replay['x86-xen-pv'].steps;
  const i = all.indexOf(all.find((s: any) => s.kind === 'call'));
  assert.deepEqual(all[i].state, all[i - 1].state);
});

test('a fix is not applied to text that changed since the check (its places would be stale)', async () => {
  const d = await readDiagnostic();
  const original = doc.getText();
  change(`/* a line typed above */\n${original}`);
  // The request comes before the re-check of the new text (the server checks an edit after a delay).
  const r: any = await client.conn.sendRequest('lazymmu/applyFixAndReplay', { uri, range: d.range });
  assert.match(r.error, /changed since it was checked/);
  assert.equal(applied.length, 0, 'nothing was edited');
  change(original);
  await readDiagnostic();
});

test('apply the fix and simulate again: the document gets the flush, the fixed path cannot read stale anywhere', async () => {
  const d = await readDiagnostic();
  const before = doc.getText();
  const r: any = await client.conn.sendRequest('lazymmu/applyFixAndReplay', { uri, range: d.range, model: 'x86-xen-pv' });
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.applied, true);
  // The quick fix's edit, through workspace/applyEdit: the flush on its own line right before the read.
  assert.equal(applied.length, 1);
  const lines = doc.getText().split('\n');
  const read = d.range.start.line;
  assert.equal(lines[read], '\t\tarch_flush_lazy_mmu_mode();');
  assert.equal(lines[read + 1], before.split('\n')[read]);
  assert.equal(lines.length, before.split('\n').length + 1);
  // The fixed path: the flush runs between the write and the read; no model can read the stale entry.
  for (const [m, x] of Object.entries<any>(r.replay)) assert.equal(x.exists, false, m);
  assert.deepEqual(r.summary.possible, []);
  assert.equal(r.model, 'x86-xen-pv', 'the model the user looked at stays shown');
  const ops = r.replay['x86-xen-pv'].steps.filter((s: any) => s.kind === 'kernel').map((s: any) => `${s.operation.split('(')[0]}:${s.line}`);
  assert.deepEqual(ops.slice(-2), [`arch_flush_lazy_mmu_mode:${read + 1}`, `r0 = ptep_get:${read + 2}`], 'the steps name the fixed text\'s lines');
  // And the analysis agrees: the re-checked document has no read-after-write left.
  const after = await client.waitFor('fixed diagnostics', () => client.diagnosticsFor(uri, doc.version));
  assert.deepEqual(after.diagnostics.filter((x: any) => x.code === 'lazy-mmu/read-after-write'), []);
  // Nothing left to fix there: a second request is answered as data, and edits nothing.
  const again: any = await client.conn.sendRequest('lazymmu/applyFixAndReplay', { uri, range: d.range });
  assert.match(again.error, /no lazymmu finding|no fix/);
  assert.equal(applied.length, 1);
});

test('a scenario answers its name, its condition, where it holds and the model to open on', async () => {
  const text = fs.readFileSync(path.join(REPO, 'test/simulator/scenarios/copy_pte_range_raw.lzmmu'), 'utf8');
  const r: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text, model: 'all' });
  assert.equal(r.name, 'copy_pte_range read after write');
  assert.equal(r.condition, 'exists P0:r0 = invalid(a, user)');
  assert.equal(r.model, 'x86-xen-pv');
  assert.deepEqual(r.summary.possible.flatMap((g: any) => g.models), ['x86-xen-pv']);
  assert.equal(r.summary.outcome, 'P0:r0 = invalid(a, user)', 'the summary names what the condition asks for');
  const lines = r.results['x86-xen-pv'].witness.filter((s: any) => s.kind === 'kernel').map((s: any) => s.scenarioLine);
  assert.deepEqual(lines, [9, 10, 11, 12], 'each kernel step knows its scenario line');
});
