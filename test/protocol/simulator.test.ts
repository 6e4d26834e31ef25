// The simulator requests, code lenses and the "Simulate on arm64" code action,
// through the real protocol (the bundled server on stdio).
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, tempWorkspace, expectedLines } from './lspClient';
import { DEFAULT_MODEL } from '../../engine/simulator';

let client: LspClient;
let root: string;
const F = 'direct_ptep_get.c';
const uriOf = (f: string) => pathToFileURL(path.join(root, f)).href;

before(async () => {
  root = tempWorkspace([F]);
  client = new LspClient();
  const init = await client.initialize(root);
  assert.ok(init.capabilities.codeLensProvider, 'codeLensProvider advertised');
  await client.open(uriOf(F), fs.readFileSync(path.join(root, F), 'utf8'));
});

after(async () => {
  if (client) assert.equal(await client.shutdown(), 0);
  fs.rmSync(root, { recursive: true, force: true });
});

async function diagnostics(): Promise<any[]> {
  return (await client.waitFor('diagnostics', () => client.diagnosticsFor(uriOf(F), 1))).diagnostics;
}

test('lazymmu/replayDiagnostic replays a diagnostic on every model', async () => {
  const ds = await diagnostics();
  assert.ok(ds.length >= 1);
  const r: any = await client.conn.sendRequest('lazymmu/replayDiagnostic', { uri: uriOf(F), range: ds[0].range });
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.finding.rule, 'lazy-mmu/read-after-write');
  assert.equal(r.finding.line, ds[0].range.start.line + 1);
  const models = Object.keys(r.replay);
  assert.ok(models.includes('arm64-eager') && models.includes('x86-xen-pv'), models.join(','));
  // The read-after-write is harmless on arm64 (eager) and a stale read on Xen PV.
  assert.equal(r.replay['arm64-eager'].exists, false);
  assert.equal(r.replay['x86-xen-pv'].exists, true);
  const steps = r.replay['x86-xen-pv'].steps;
  assert.ok(steps.some((s: any) => s.file === path.join(root, F) && s.line === ds[0].range.start.line + 1), 'steps carry source lines');
  // By index too; and a place with no finding is answered as data.
  const byIndex: any = await client.conn.sendRequest('lazymmu/replayDiagnostic', { uri: uriOf(F), index: 0 });
  assert.ok(byIndex.replay);
  const none: any = await client.conn.sendRequest('lazymmu/replayDiagnostic', { uri: uriOf(F), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });
  assert.match(none.error, /no lazymmu finding/);
});

test('lazymmu/simulateScenario runs a scenario; parse errors come back as data', async () => {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'simulator', 'scenarios', 'copy_pte_range_raw.lzmmu'), 'utf8');
  const r: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text, model: 'all' });
  assert.deepEqual(r.errors, []);
  assert.equal(r.results['arm64-eager'].exists, false);
  assert.equal(r.results['x86-xen-pv'].exists, true);
  const one: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text });
  assert.deepEqual(Object.keys(one.results), [DEFAULT_MODEL], 'the default model alone');
  const bad: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text: 'cpu 0 { frobnicate( }' });
  assert.ok(bad.errors.length >= 1);
  assert.ok(bad.errors[0].line >= 1 && typeof bad.errors[0].message === 'string');
  assert.deepEqual(bad.results, {});
});

test('code lenses on each flagged read and on the section enter; a Simulate code action', async () => {
  const ds = await diagnostics();
  const text = fs.readFileSync(path.join(root, F), 'utf8');
  const lenses: any[] = await client.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf(F) } });
  const reads = lenses.filter((l) => l.command.title === 'Simulate on arm64').map((l) => l.range.start.line + 1);
  assert.deepEqual(reads.sort((a, b) => a - b), expectedLines(text));
  const enters = lenses.filter((l) => l.command.title === 'Simulate this section on arm64');
  assert.ok(enters.length >= 1);
  for (const l of enters) assert.match(text.split('\n')[l.range.start.line], /arch_enter_lazy_mmu_mode|lazy_mmu_mode_enable/);
  for (const l of lenses) {
    assert.equal(l.command.command, 'lazymmu.simulateDiagnostic');
    assert.equal(l.command.arguments[0], uriOf(F));
  }
  const actions: any[] = await client.conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri: uriOf(F) },
    range: ds[0].range,
    context: { diagnostics: [ds[0]] },
  });
  const sim = actions.find((a) => a.command?.command === 'lazymmu.simulateDiagnostic');
  assert.ok(sim, 'a Simulate on arm64 action');
  assert.match(sim.title, /Simulate on arm64/);
  assert.deepEqual(sim.command.arguments, [uriOf(F), ds[0].range.start]);
  assert.ok(actions.some((a) => a.kind === 'quickfix' && a.edit), 'the flush quick fix is still offered');
});
