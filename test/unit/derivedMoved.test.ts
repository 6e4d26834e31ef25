// A function's local verdict reads the derived APIs of its calls
// (checkers/derivedApis.ts), whose related locations are the calls inside the
// helpers. An edit above a helper moves those calls' lines: the derived APIs
// come out the same but for those places. A verdict whose findings name no
// place outside its function cannot hold them, so it holds (its findings
// moved with it) instead of being walked again: on 6.12's mm/memory.c an edit
// of print_bad_pte() or vm_normal_page() re-walked copy_pte_range() (~25-35 ms
// of CPU) for nothing (docs/perf/alloc21.md). Asserted: no local walk after
// such an edit and its undo (localWalkCounts.steps), the finding moved, and
// the findings equal a cacheless Workspace's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { localWalkCounts } from '../../engine/analysis/walk/localResume';
import { cacheless, inFixtureCopy } from './storeReload';

const FIXTURE = path.join(__dirname, '../../../test/fixtures/derivedMoved');

test('an edit above a derived setter\'s helper walks no function again whose findings lie inside it; the findings equal a cacheless check\'s', async () => {
  await inFixtureCopy(FIXTURE, async (root) => {
    const file = path.join(root, 'moved.c');
    const original = fs.readFileSync(file, 'utf8');
    const ws = new Workspace({ root, log: () => {} });
    ws.build();
    ws.setText(file, original);
    const first = (await ws.check([root])).findings;
    const bbm = first.filter((f) => f.rule === 'lazy-mmu/break-before-make');
    assert.equal(bbm.length, 1, 'moved_swap() breaks before make');
    const typed = original.replace('\tpr_debug("%lx\\n", addr);\n', '\tpr_debug("%lx\\n", addr);\n\tcpu_relax();\n');
    assert.notEqual(typed, original);
    for (const [what, text, shift] of [['a line typed in moved_log()', typed, 1], ['undone', original, 0]] as const) {
      const steps = localWalkCounts.steps;
      ws.setText(file, text);
      const got = (await ws.check([root])).findings;
      assert.equal(localWalkCounts.steps - steps, 0, `${what}: no function walked again`);
      const moved = got.find((f) => f.rule === 'lazy-mmu/break-before-make');
      assert.equal(moved?.line, bbm[0].line + shift, `${what}: the finding moved with its function`);
      assert.equal(JSON.stringify(got), await cacheless(root, [[file, text]]), `${what}: findings equal a cacheless Workspace's`);
    }
  });
});
