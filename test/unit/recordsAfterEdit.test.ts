// A root's records (its lazy-mode events and the calls made while batching,
// gathered over every summary it used: Interpreter.records) are gathered
// again after an edit only when one of those summaries changed; otherwise the
// last gathering is reused. The case that must not reuse them: an edit to a
// callee whose summary is computed again while its caller's summary holds
// (the early cut-off: what the caller takes from it, outcomes and reads, came
// out the same), but whose calls made in the section changed. Asserted: after
// each edit the incremental check equals a check from scratch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';

const HELPER = `static void rc_helper(pte_t *pte)
{
	set_pte(pte, __pte(0));
}
`;

const OPENER = `
void rc_walker(pte_t *pte)
{
	arch_enter_lazy_mmu_mode();
	rc_helper(pte);
	arch_leave_lazy_mmu_mode();
}

static void rc_unrelated(int *p)
{
	*p = 1;
}
`;

const HEAD = 'typedef struct { unsigned long pte; } pte_t;\n\nstatic void rc_nap(void)\n{\n\tmsleep(1);\n}\n\n';

const brief = (fs: { line: number; rule: string; file: string; message: unknown }[], dir: string) =>
  fs.map((f) => `${path.relative(dir, f.file)}:${f.line} ${f.rule} ${JSON.stringify(f.message)}`);

async function fromScratch(text: string): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-records-scratch-'));
  try {
    fs.writeFileSync(path.join(dir, 'walk.c'), text);
    const ws = new Workspace({ root: dir });
    ws.build();
    return brief((await ws.check([dir])).findings, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("a callee's calls in the section change while its caller's summary holds: the root's records are gathered again", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-records-'));
  try {
    const file = path.join(dir, 'walk.c');
    const original = HEAD + HELPER + OPENER;
    fs.writeFileSync(file, original);
    const ws = new Workspace({ root: dir });
    ws.build();
    const first = brief((await ws.check([dir])).findings, dir);
    assert.deepEqual(first, await fromScratch(original));
    assert.ok(!first.some((f) => f.includes('sleep-in-section')), first.join('\n'));
    const sleeping = original.replace('\tset_pte(pte, __pte(0));\n', '\tset_pte(pte, __pte(0));\n\trc_nap();\n');
    const nesting = original.replace('\tset_pte(pte, __pte(0));\n', '\tarch_enter_lazy_mmu_mode();\n\tset_pte(pte, __pte(0));\n\tarch_leave_lazy_mmu_mode();\n');
    const unrelated = original.replace('\t*p = 1;\n', '\t*p = 2;\n\t*p = 1;\n');
    for (const [what, text] of [
      ['an unrelated function edited (the records reused)', unrelated],
      ['the callee sleeps in the section', sleeping],
      ['the callee sleeps, a line added above it', '\n' + sleeping],
      ['the callee opens a section of its own', nesting],
      ['undone', original],
    ] as const) {
      ws.setText(file, text);
      const got = brief((await ws.check([dir])).findings, dir);
      assert.deepEqual(got, await fromScratch(text), what);
      if (text.includes('rc_nap();')) assert.ok(got.some((f) => f.includes('sleep-in-section')), `${what}: ${got.join('\n')}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
