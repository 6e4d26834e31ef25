// The section rules follow a call as the caller's arguments allow
// (engine/analysis/contextReach.ts), through calls made via pointers, and say
// what they could not decide. The fixtures' markers hold which lines carry
// findings (sectionFixtures.test.ts); this holds the structured data a user
// reads: the guard not decided, the callback hop, the calls that bound it,
// the search bound, and the count of pointer calls not followed.
import { renderMessage } from '../../engine/message';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { Workspace } from '../../engine/workspace';
import { Finding } from '../../engine/findings';
import { formatText } from '../../cli/format/text';
import { formatJson } from '../../cli/format/json';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const sections = path.join(FIXTURES, 'sections');

async function findingsOf(file: string, root = sections): Promise<Finding[]> {
  return (await checkTree({ root, arch: 'arm64', paths: [path.join(root, file)] })).findings;
}

const messages = (f: Finding) => f.related.map((r) => r.message);
const show = (fs: Finding[]) => JSON.stringify(fs.map((f) => [f.rule, f.line, renderMessage(f.message), messages(f)]), null, 1);

test('a guard on a parameter the caller does not fix stays open, and the hop names it', async () => {
  const fs = await findingsOf('ctx_walker.c');
  const nested = fs.find((f) => f.rule === 'lazy-mmu/nested-section' && f.function === 'cw_look_around' && /`cw_update\(\)` can enter/.test(renderMessage(f.message)));
  assert.ok(nested, show(fs));
  const hop = nested.related.find((r) => /^cw_update\(\) calls cw_activate\(\)/.test(r.message));
  assert.ok(hop, show([nested]));
  assert.ok(hop.undecided?.some((u) => u.text === '!walk'), JSON.stringify(hop));
  assert.match(hop.message, /not decided: .*!walk/);
  assert.equal(nested.notDecided, undefined, 'decided within the bound');
});

test('an ops struct member called through a pointer is a hop of the chain', async () => {
  const fs = await findingsOf('ctx_walker.c');
  const sleep = fs.find((f) => f.rule === 'lazy-mmu/sleep-in-section' && f.function === 'cw_sleeps');
  assert.ok(sleep, show(fs));
  assert.ok(messages(sleep).includes('cw_walk_pmd() calls ops->pte_entry() = cw_sleepy_entry()'), show([sleep]));
  assert.ok(messages(sleep).includes('cw_wait_for_io() calls mutex_lock()'), show([sleep]));
  // The install-less ops of the other caller do not allocate, nor sleep.
  assert.ok(!fs.some((f) => f.function === 'cw_sleeps' && f.rule === 'lazy-mmu/alloc-in-section'), show(fs));
  assert.ok(!fs.some((f) => f.function === 'cw_installs' && f.rule === 'lazy-mmu/sleep-in-section'), show(fs));
});

test('a callback bound several calls up is followed from the walker, with the calls that bound it', async () => {
  const fs = await findingsOf('cb_apply.c');
  const at = (rule: string) => fs.find((f) => f.rule === rule && f.function === 'cb_pte_range');
  const nested = at('lazy-mmu/nested-section');
  assert.ok(nested, show(fs));
  assert.deepEqual(messages(nested).slice(1, 5), [
    'cb_release() passes cb_free_one to cb_apply_range()',
    'cb_apply_range() passes its fn to cb_pmd_range()',
    'cb_pmd_range() passes its fn to cb_pte_range()',
    'fn() = cb_free_one() is called inside the section',
  ]);
  assert.ok(messages(nested).includes('cb_unmap_page() calls arch_enter_lazy_mmu_mode()'), show([nested]));
  const sleep = at('lazy-mmu/sleep-in-section');
  assert.ok(sleep, show(fs));
  assert.ok(messages(sleep).includes('cb_populate() passes cb_sleepy to cb_apply_range()'), show([sleep]));
  assert.ok(messages(sleep).includes('fn() = cb_sleepy() is called inside the section'), show([sleep]));
  // cb_quiet only writes: nothing through it.
  assert.ok(!fs.some((f) => messages(f).some((m) => /cb_quiet/.test(m))), show(fs));
});

test('past the search bound the chain is the call graph\'s, and the finding says it was not decided', async () => {
  const file = path.join(sections, 'deep_sleep.c');
  const ws = new Workspace({ root: sections, contextSearchBound: 1 });
  ws.build();
  const fs = (await ws.check([file])).findings.filter((f) => f.rule === 'lazy-mmu/sleep-in-section');
  const bounded = fs.find((f) => f.function === 'ds_walker');
  assert.ok(bounded, show(fs));
  assert.equal(bounded.notDecided, 'search bound');
  assert.match(renderMessage(bounded.message), /Not decided for these arguments \(search bound\)/);
  // The call graph's chain still names the way to the sleeping call.
  assert.ok(messages(bounded).includes('ds_lock_anon() calls down_write()'), show([bounded]));
  // With the default bound the same finding is decided.
  const decided = (await findingsOf('deep_sleep.c')).find((f) => f.rule === 'lazy-mmu/sleep-in-section' && f.function === 'ds_walker');
  assert.ok(decided && decided.notDecided === undefined, show(decided ? [decided] : []));
});

test('calls through pointers whose target is not known inside a section are counted and printed', async () => {
  const root = path.join(FIXTURES, 'indirect');
  const result = await checkTree({ root, arch: 'arm64', paths: [root] });
  // ut_walk's cb is bound by its caller (followed); ut_exported's ops->touch is not, and only its call inside the section counts.
  assert.equal(result.unfollowedIndirectCalls, 1);
  const opts = { root, toolVersion: 'test' };
  assert.match(formatText(result, opts), /^lazymmu: 1 call through pointers inside lazy MMU sections not followed \(target not known\)$/m);
  assert.equal(JSON.parse(formatJson(result, opts)).unfollowedIndirectCalls, 1);
  // ut_clear's write through the bound callback is seen (no read follows it, so no finding).
  assert.deepEqual(result.findings, []);
});
