// The panel's request for a herd7 litmus test (issue 14: "the panel and
// `lazymmu simulate` show the new outcomes, e.g. a hardware dirty-bit update
// racing a ptep_set_wrprotect()-style sequence, readably"): the server's
// lazymmu/simulateScenario reads a `.litmus` text as `lazymmu simulate` does,
// through the real protocol (the bundled server on stdio).
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { LspClient, REPO, tempWorkspace } from './lspClient';

let client: LspClient;
let root: string;
const LITMUS = path.join(REPO, 'test', 'simulator', 'litmus');

before(async () => {
  root = tempWorkspace([]);
  client = new LspClient();
  await client.initialize(root);
});

after(async () => {
  if (client) assert.equal(await client.shutdown(), 0);
  fs.rmSync(root, { recursive: true, force: true });
});

test('a .litmus text: the hardware dirty update racing a wrprotect-style store is simulated, and its witness says so in words', async () => {
  const text = fs.readFileSync(path.join(LITMUS, 'LZ-wrprotect-str-vs-hwdb.litmus'), 'utf8');
  const r: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text, model: 'all', fileName: '/w/LZ-wrprotect-str-vs-hwdb.litmus' });
  assert.deepEqual(r.errors, []);
  assert.equal(r.name, 'LZ-wrprotect-str-vs-hwdb');
  assert.match(r.condition, /^exists /);
  const arm = r.results['arm64-eager'];
  assert.equal(arm.verdict, 'Allowed', 'herd7 7.57: Allowed (the dirty state is lost)');
  const hw = arm.witness.filter((s: any) => s.kind === 'hw-update');
  assert.ok(hw.length > 0, 'the witness has a hardware-update step');
  assert.match(hw[0].text, /^hardware update of entry x becomes visible: valid\(phy_x, dbm:1\)$/);
  // the CPU's write of the clean read-only entry comes after it: the dirty state is lost
  const last = arm.witness[arm.witness.length - 1];
  assert.match(last.text, /STR valid\(phy_x, db:0\) -> entry x/);
  assert.ok(arm.outcomes.some((o: any) => o.satisfies && o.entries.x === 'valid(phy_x, db:0)' && o.pages.phy_x === 1), 'P1 wrote x, the entry ends clean');
  // the compare-and-swap version of the same race is Forbidden: the CAS fails on the dirty entry
  const cas: any = await client.conn.sendRequest('lazymmu/simulateScenario', {
    text: fs.readFileSync(path.join(LITMUS, 'LZ-wrprotect-cas-vs-hwdb.litmus'), 'utf8'),
    model: 'arm64-eager',
    fileName: 'LZ-wrprotect-cas-vs-hwdb.litmus',
  });
  assert.equal(cas.results['arm64-eager'].verdict, 'Forbidden');
});

test('a litmus test the machine cannot run, or cannot read, is answered as data with the reason', async () => {
  const imprecise = 'AArch64 T\nVariant=imprecise\n{\n0:X1=x;\n}\n P0 ;\n LDR W0,[X1] ;\nexists (0:X0=0)\n';
  const r: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text: imprecise, fileName: 't.litmus' });
  assert.deepEqual(r.results, {});
  assert.match(r.errors[0].message, /cannot express this test: Variant=imprecise/);
  const bad: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text: 'AArch64 T\n{\n', fileName: 'b.litmus' });
  assert.ok(bad.errors.length === 1 && /^litmus: /.test(bad.errors[0].message), JSON.stringify(bad.errors));
  // the same text without the .litmus name is read as a .lzmmu scenario (and is not one)
  const lz: any = await client.conn.sendRequest('lazymmu/simulateScenario', { text: imprecise });
  assert.ok(lz.errors.length > 0 && !/litmus/.test(lz.errors[0].message));
});
