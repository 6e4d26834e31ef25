// The language server's incremental re-check on real kernel code: the whole
// linux-6.12 tree indexed once, then edits typed into mm/memory.c and
// mm/mprotect.c (inside the copy_pte_range section's callees, inside the
// opener, in the fault handlers the local rules walk, and elsewhere), each
// followed by an incremental check. At three points the findings must equal
// those of a fresh Workspace given the same texts; between them every
// incremental check must succeed. The edits are made in memory only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';
import { defaultCacheBase } from '../../engine/index/indexCache';
import { kernelTree } from './kernelTree';

/** Typed lines: a call inside a section's callee, a read after a write, a brace-less if's new body, a comment. */
const TYPED = ['\tcpu_relax();', '\t(void)ptep_get(pte);', '\tif (!pte)\n\t\treturn 0;', '\t/* typed */', ''];

test('6.12: incremental checks after edits to mm/memory.c and mm/mprotect.c equal fresh checks', async () => {
  const tree = kernelTree('6.12');
  const files = ['mm/memory.c', 'mm/mprotect.c'].map((f) => path.join(tree, f));
  const ws = new Workspace({ root: tree, arch: 'arm64', cacheDir: defaultCacheBase() });
  ws.build();
  const texts = new Map(files.map((f) => [f, fs.readFileSync(f, 'utf8')]));
  const before = (await ws.check(files)).findings;
  assert.ok(before.length > 0, 'the two files have findings to start from');

  // Places inside functions worth editing, found by name (stable across kernel updates of the package).
  const inside = (file: string, fn: string, after: number): number => {
    const lines = texts.get(file)!.split('\n');
    const start = lines.findIndex((l) => new RegExp(`^(?:\\w.*[\\s*])?${fn}\\(`).test(l) && !l.trimEnd().endsWith(';'));
    assert.ok(start >= 0, `${fn} in ${path.basename(file)}`);
    const open = lines.findIndex((l, i) => i > start && l === '{');
    return open + 1 + after;
  };
  const [memory, mprotect] = files;
  const plan: [string, number, string][] = [
    [memory, inside(memory, 'copy_nonpresent_pte', 3), TYPED[0]],
    [memory, inside(memory, 'copy_pte_range', 12), TYPED[1]],
    [memory, inside(memory, 'do_swap_page', 40), TYPED[0]],
    [mprotect, inside(mprotect, 'change_pte_range', 10), TYPED[3]],
    [memory, inside(memory, 'copy_present_ptes', 5), TYPED[2]],
    [memory, 120, TYPED[4]],
    [memory, inside(memory, 'zap_pte_range', 8), TYPED[0]],
    [mprotect, inside(mprotect, 'change_pte_range', 20), TYPED[1]],
    [memory, inside(memory, 'copy_pte_range', 30), TYPED[3]],
  ];
  const compareAt = new Set([2, 5, plan.length - 1]);
  let changed = 0;
  let last = JSON.stringify(before);
  for (const [i, [file, line, typed]] of plan.entries()) {
    const lines = texts.get(file)!.split('\n');
    lines.splice(line, 0, typed);
    texts.set(file, lines.join('\n'));
    ws.setText(file, texts.get(file)!);
    const got = (await ws.check(files)).findings;
    const now = JSON.stringify(got);
    if (now !== last) changed++;
    last = now;
    if (!compareAt.has(i)) continue;
    const fresh = new Workspace({ root: tree, arch: 'arm64', cacheDir: defaultCacheBase() });
    fresh.build();
    for (const [f, t] of texts) fresh.setText(f, t);
    assert.deepEqual(got, (await fresh.check(files)).findings, `after edit ${i} (${path.basename(file)}:${line + 1})`);
  }
  // The typed reads after writes and moved lines must show: the test is not comparing two empty lists.
  assert.ok(changed >= 3, `only ${changed} of ${plan.length} edits changed the findings`);
});
