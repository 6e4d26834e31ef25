// Edits typed inside the loop of a heavy opener (the shape of mm/memory.c's
// copy_pte_range: a do-while that forks on its helpers' outcomes). Such an
// edit re-runs the opener's whole path-sensitive loop, read through a
// per-run syntax view over copy-on-write path states (engine/analysis/
// syntaxView.ts, cowMap.ts): after every edit the findings must be exactly a
// fresh analysis without a view (the file on disk, as the CLI reads it), and
// the view must have answered the loop's repeated node reads itself (its
// counter, not a timing). The same with the fixture split in two files and
// the helpers edited: the opener, in a file not open, runs again after an
// edit changes a helper's summary, and its root run reads through a view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freshFindings } from './freshFindings';
import { Workspace } from '../../engine/workspace';
import { syntaxViewReads } from '../../engine/analysis/interpreter';
import { Rng } from '../fuzz/rng';

const ROOT = path.join(__dirname, '../../../test/fixtures/heavyLoop');
const FILE = path.join(ROOT, 'copy_range.c');
const EDITS = 60;

/** Lines typed into the loop body: no-ops, flushes, writes, reads, early exits. */
const TYPED = [
  '\t\tcpu_relax();',
  '\t\tarch_flush_lazy_mmu_mode();',
  '\t\tset_pte_at(dst_mm, addr, dst_pte, ptent);',
  '\t\tptent = ptep_get(dst_pte);',
  '\t\tif (pte_young(ptep_get(dst_pte)))',
  '\t\tif (pte_none(ptent))\n\t\t\tcontinue;',
  '\t\tif (rss > 4)\n\t\t\tbreak;',
  '\t\tarch_leave_lazy_mmu_mode();',
  '\t\tarch_enter_lazy_mmu_mode();',
  '\t\t/* typed */',
];

/** The lines strictly inside hl_copy_range's do-while (0-based, [from, to)). */
function loopBody(lines: string[]): [number, number] {
  const fn = lines.findIndex((l) => l.startsWith('static int hl_copy_range('));
  const from = lines.findIndex((l, i) => i > fn && l === '\tdo {') + 1;
  const to = lines.findIndex((l, i) => i > from && l.startsWith('\t} while'));
  assert.ok(fn >= 0 && from > 0 && to > from, 'the fixture opener and its loop are found');
  return [from, to];
}

const brief = (fs: { line: number; rule: string; file: string }[]) => fs.map((f) => `${path.basename(f.file)}:${f.line} ${f.rule}`);

/** Node reads the views made through web-tree-sitter and answered themselves. */
interface Reads {
  made: number;
  answered: number;
}

/** `file` given `text` in `ws` and `root` checked: the findings; the views' reads meanwhile added to `reads`. */
async function checkCounting(ws: Workspace, file: string, root: string, text: string, reads: Reads) {
  const r0 = { ...syntaxViewReads };
  ws.setText(file, text);
  const got = (await ws.check([root])).findings;
  reads.made += syntaxViewReads.made - r0.made;
  reads.answered += syntaxViewReads.answered - r0.answered;
  return got;
}

/**
 * A fresh analysis of `text` as the CLI makes one: the file on disk (a copy
 * of the fixture folder), no editor overlay, so no syntax view; its places
 * named as the fixture's. The view must be seen unused there.
 */
const fresh = (text: string): Promise<unknown> =>
  freshFindings(ROOT, 'copy_range.c', text, async (check) => {
    const r0 = { ...syntaxViewReads };
    const findings = await check();
    assert.deepEqual(syntaxViewReads, r0, 'a check without open documents reads no syntax through a view');
    return findings;
  });

test('the heavy-loop fixture: both reads after the helpers write are found, none in the flushed loop', async () => {
  const ws = new Workspace({ root: ROOT });
  ws.build();
  const text = fs.readFileSync(FILE, 'utf8');
  const expected = text
    .split('\n')
    .flatMap((l, i) => (l.includes('/* expect: read-after-write */') ? [`copy_range.c:${i + 1} lazy-mmu/read-after-write`] : []));
  assert.equal(expected.length, 2);
  assert.deepEqual(brief((await ws.check([ROOT])).findings), expected);
});

test(`${EDITS} edits inside a heavy opener's loop: findings equal a fresh analysis after each, node reads answered by the view`, async () => {
  const original = fs.readFileSync(FILE, 'utf8');
  const ws = new Workspace({ root: ROOT });
  ws.build();
  let last = JSON.stringify((await ws.check([ROOT])).findings);
  const rng = new Rng(15);
  let lines = original.split('\n');
  let changed = 0;
  // Reads made by the edited Workspace's checks (not the fresh ones').
  const reads: Reads = { made: 0, answered: 0 };
  for (let i = 0; i < EDITS; i++) {
    // Every sixth edit goes back to the saved text (typing, then undoing).
    if (i % 6 === 5) lines = original.split('\n');
    else {
      const [from, to] = loopBody(lines);
      const at = from + rng.int(to - from);
      const what = rng.int(4);
      if (what < 3) lines.splice(at, 0, ...rng.pick(TYPED).split('\n'));
      else if (!/do \{|\} while/.test(lines[at])) lines.splice(at, 1);
    }
    const text = lines.join('\n');
    const got = await checkCounting(ws, FILE, ROOT, text, reads);
    assert.deepEqual(got, await fresh(text), `edit ${i}`);
    const now = JSON.stringify(got);
    if (now !== last) changed++;
    last = now;
  }
  // The edits must matter: findings appear, go and move.
  assert.ok(changed >= 10, `only ${changed} of ${EDITS} edits changed the findings`);
  // Each loop round and each path reads the same nodes again: the view answers those itself.
  assert.ok(reads.made > 0, 'the runs read their syntax through the view');
  assert.ok(reads.answered > 2 * reads.made, `the view answered ${reads.answered} reads and passed ${reads.made} to web-tree-sitter`);
});

/**
 * The fixture split in two files: opener.c holds the openers and declares
 * the helpers, helpers.c (its first text) the helpers made extern.
 */
function splitFixture(): { opener: string; helpers: string } {
  const text = fs.readFileSync(FILE, 'utf8');
  const from = text.indexOf('static int hl_copy_swap_entry(');
  const to = text.indexOf('static int hl_copy_range(');
  const head = text.slice(0, from);
  const decls =
    'int hl_copy_swap_entry(struct mm_struct *dst_mm, pte_t *dst, pte_t *src, unsigned long addr);\n' +
    'int hl_copy_present(struct vm_area_struct *vma, pte_t *dst, pte_t *src, unsigned long addr, int max_nr);\n\n';
  return { opener: head + decls + text.slice(to), helpers: head + text.slice(from, to).replace(/^static int /gm, 'int ') };
}

/** The split fixture written into `dir`, helpers.c holding `helpers`. */
function writeSplit(dir: string, opener: string, helpers: string): void {
  fs.writeFileSync(path.join(dir, 'opener.c'), opener);
  fs.writeFileSync(path.join(dir, 'helpers.c'), helpers);
}

/** Lines typed into a helper's body: each changes what its callers take from it, or not at all. */
const TYPED_IN_HELPER = ['\tarch_flush_lazy_mmu_mode();', '\tcpu_relax();', '\tif (pte_none(v))\n\t\treturn 0;', '\tif (pte_young(v))', '\tv = ptep_get(src);', '\treturn 1;'];

test('edits of the helpers in the open file: the opener in a file not open runs again through a view, its findings a fresh analysis\'s', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-split-'));
  const freshDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-split-fresh-'));
  try {
    const { opener, helpers: original } = splitFixture();
    writeSplit(dir, opener, original);
    const helpers = path.join(dir, 'helpers.c');
    const ws = new Workspace({ root: dir });
    ws.build();
    ws.setText(helpers, original);
    const first = (await ws.check([dir])).findings;
    assert.equal(first.length, 2, 'the two reads after the helpers write are found');
    let last = JSON.stringify(first);
    const rng = new Rng(26);
    let lines = original.split('\n');
    let changed = 0;
    const reads: Reads = { made: 0, answered: 0 };
    for (let i = 0; i < 24; i++) {
      if (i % 6 === 5) lines = original.split('\n');
      else {
        // Inside a helper's body: after its first line (`pte_t v = ptep_get(src);`), before its last.
        const starts = lines.flatMap((l, k) => (l.startsWith('\tpte_t v = ptep_get(src);') ? [k + 1] : []));
        const begin = rng.pick(starts);
        const end = lines.findIndex((l, k) => k > begin && l === '}');
        lines.splice(begin + rng.int(end - begin), 0, ...rng.pick(TYPED_IN_HELPER).split('\n'));
      }
      const text = lines.join('\n');
      const got = await checkCounting(ws, helpers, dir, text, reads);
      // From scratch: both files on disk, no editor (no view at all), places named as dir's.
      writeSplit(freshDir, opener, text);
      const fresh = new Workspace({ root: freshDir });
      fresh.build();
      const want = JSON.parse(JSON.stringify((await fresh.check([freshDir])).findings).split(freshDir).join(dir));
      assert.deepEqual(JSON.parse(JSON.stringify(got)), want, `edit ${i}`);
      const now = JSON.stringify(got);
      if (now !== last) changed++;
      last = now;
    }
    assert.ok(changed >= 4, `only ${changed} of 24 edits changed the findings`);
    // The helpers (the open file) walk few paths: their views alone answered ~5 reads for each
    // passed on; the opener's loop, read through its root run's view, ~65 (rng 26).
    assert.ok(reads.answered > 20 * reads.made, `the views answered ${reads.answered} reads and passed ${reads.made} to web-tree-sitter`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(freshDir, { recursive: true, force: true });
  }
});
