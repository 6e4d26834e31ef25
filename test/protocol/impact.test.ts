// Impact through the real protocol: a hazard is a Warning, a finding that
// breaks only the contract is shown one level lower (Information), nesting
// the generic layer allows is hidden unless lazymmu.showAllowedNesting (then
// a Hint); lazymmu.minImpact "hazard" leaves contract findings out. Settings
// changed at run time apply without re-indexing.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient } from './lspClient';

const SRC = `typedef struct { unsigned long pte; } pte_t;
struct mm_struct;

int im_raw(struct mm_struct *mm, pte_t *pte, unsigned long addr, pte_t val)
{
\tint n = 0;

\tarch_enter_lazy_mmu_mode();
\tset_pte_at(mm, addr, pte, val);
\tif (pte_dirty(ptep_get(pte)))
\t\tn++;
\tarch_leave_lazy_mmu_mode();
\treturn n;
}

void im_alloc(struct mm_struct *mm, pmd_t *pmd)
{
\tarch_enter_lazy_mmu_mode();
\tpte_alloc(mm, pmd);
\tarch_leave_lazy_mmu_mode();
}

void im_nest(void)
{
\tlazy_mmu_mode_enable();
\tlazy_mmu_mode_enable();
\tlazy_mmu_mode_disable();
\tlazy_mmu_mode_disable();
}
`;
const lineOf = (needle: string) => SRC.split('\n').findIndex((l) => l.includes(needle));
const RAW = lineOf('pte_dirty(ptep_get');
const ALLOC = lineOf('pte_alloc(');
const NEST = SRC.split('\n').findIndex((l, i, all) => l.includes('lazy_mmu_mode_enable') && all[i - 1].includes('lazy_mmu_mode_enable'));

let root = '';
let client: LspClient | undefined;
after(async () => {
  if (client) assert.equal(await client.shutdown(), 0);
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const shape = (ds: any[]) => ds.map((d) => [d.range.start.line, d.code, d.severity, d.data?.impact?.kind]).sort((a, b) => a[0] - b[0]);

test('severity follows impact; showAllowedNesting and minImpact filter, also when changed at run time', async () => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-impact-')));
  fs.writeFileSync(path.join(root, 'im.c'), SRC);
  client = new LspClient();
  await client.initialize(root, { lazymmu: { showAllowedNesting: true } });
  const c = client;
  const uri = pathToFileURL(path.join(root, 'im.c')).href;
  await c.open(uri, SRC);
  const first = await c.waitFor('diagnostics', () => c.diagnosticsFor(uri, 1));
  assert.deepEqual(shape(first.diagnostics), [
    [RAW, 'lazy-mmu/read-after-write', 2, 'hazard'],
    [ALLOC, 'lazy-mmu/alloc-in-section', 3, 'contract'],
    [NEST, 'lazy-mmu/nested-section', 4, 'allowed'],
  ]);
  const raw = first.diagnostics.find((d: any) => d.code === 'lazy-mmu/read-after-write');
  assert.match(raw.message, new RegExp(`^stale read of \`pte\`: written by \`set_pte_at\\(\\)\` \\(line ${RAW}\\)\\. On x86 Xen PV the write is still queued`));
  assert.deepEqual(raw.data.impact, { kind: 'hazard', architectures: ['x86 Xen PV'] });

  const progressBefore = c.progressCreates.length;
  let mark = c.published.length;
  await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lazymmu: { minImpact: 'hazard' } } });
  const hazards = await c.waitFor('hazards only', () => c.published.slice(mark).find((p) => p.uri === uri));
  assert.deepEqual(shape(hazards.diagnostics), [[RAW, 'lazy-mmu/read-after-write', 2, 'hazard']]);

  mark = c.published.length;
  await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lazymmu: { minImpact: 'sometimes' } } });
  const warned = await c.waitFor('a warning for the bad value', () => c.messages.find((m) => /lazymmu\.minImpact/.test(m.message)));
  assert.match(warned.message, /"sometimes" is not one of contract, hazard; using contract/);
  const defaults = await c.waitFor('the defaults', () => c.published.slice(mark).find((p) => p.uri === uri));
  assert.deepEqual(shape(defaults.diagnostics), [
    [RAW, 'lazy-mmu/read-after-write', 2, 'hazard'],
    [ALLOC, 'lazy-mmu/alloc-in-section', 3, 'contract'],
  ], 'allowed nesting hidden by default');
  assert.equal(c.progressCreates.length, progressBefore, 'no new indexing for these settings');
});
