// SourceCache.update after an edit names the functions whose text changed
// or that the edit touched, and whether the top-level declarations changed,
// comparing only what the edit can have changed (UnchangedRanges): a
// function outside the edit keeps its name without reading the new tree and
// its text is not sliced. Over many random edits chained on a file of many
// functions (some under #if, same-name definitions, globals between them,
// attributes the normaliser blanks, their arguments changed: the normalised
// text as it was), each update's answer equals the one
// every function's text compared gives, and its functions equal a fresh
// parse's; a line typed into one of 200 functions reads one name from the
// tree, not 200 (namesReadAfterEdit, counted, never timed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';
import { editBetween, ensureParser } from '../../engine/parse/cParser';
import { normaliseKernelSource } from '../../engine/parse/kernelIdioms';
import { SourceCache } from '../../engine/analysis/sourceCache';
import { namesReadAfterEdit } from '../../engine/analysis/unchangedRanges';
import { Rng } from '../fuzz/rng';

const FILE = '/fixture/edited.c';

function fileOf(n: number): string {
  const out = ['typedef struct { unsigned long pte; } pte_t;', 'static int g_first = 1;', ''];
  for (let k = 0; k < n; k++) {
    if (k % 17 === 3) out.push('#ifdef CONFIG_UR_A');
    out.push(`static int __always_inline __must_hold(lock_a) ur_fn_${k % 23 === 5 ? 'twin' : k}(pte_t *ptep, unsigned long addr)`, '{', '\tpte_t v = ptep_get(ptep);', '', `\tif (addr > ${k})`, '\t\treturn 1;', '\t/* a comment */', '\treturn pte_none(v);', '}');
    if (k % 17 === 3) out.push('#else', `static int ur_fn_${k}(pte_t *ptep, unsigned long addr) { return 0; }`, '#endif');
    if (k % 11 === 7) out.push(`static int g_${k} = ${k};`);
    out.push('');
  }
  return out.join('\n');
}

/** What update() answers, found by comparing every function's text and every declaration's (the answer before UnchangedRanges). */
function byWholeTexts(before: string, after: string, fnsBefore: Map<string, { text: string; start: number; end: number }>, fnsAfter: typeof fnsBefore, declsBefore: string, declsAfter: string): { changed: string[]; globalsChanged: boolean } {
  const cat = builtinCatalogue();
  const edit = editBetween(normaliseKernelSource(before, cat), normaliseKernelSource(after, cat));
  const within = (r: { start: number; end: number }, end: number) => r.start < end && r.end > edit.startIndex;
  const changed = new Set<string>();
  for (const [k, t] of fnsBefore) if (fnsAfter.get(k)?.text !== t.text || within(t, edit.oldEndIndex)) changed.add(k);
  for (const [k, t] of fnsAfter) if (!fnsBefore.has(k) || within(t, edit.newEndIndex)) changed.add(k);
  return { changed: [...changed].sort(), globalsChanged: declsBefore !== declsAfter };
}

function functionsOf(sc: SourceCache, text: string): Map<string, { text: string; start: number; end: number }> {
  const out = new Map<string, { text: string; start: number; end: number }>();
  for (const f of sc.allFunctions(FILE)) out.set(f.key, { text: text.slice(f.node.startIndex, f.node.endIndex), start: f.node.startIndex, end: f.node.endIndex });
  return out;
}

function declarationsOf(sc: SourceCache, text: string): string {
  return sc
    .rootOf(FILE)!
    .namedChildren.filter((c) => c?.type === 'declaration')
    .map((c) => text.slice(c!.startIndex, c!.endIndex))
    .join('\0');
}

/** One random edit of `text`: a statement typed or a line cut in a body, a name or a global changed, braces, comments, an attribute's argument. */
function edited(text: string, rng: Rng): string {
  const lines = text.split('\n');
  const at = rng.int(lines.length);
  const r = rng.int(10);
  if (r === 0) lines.splice(at, 0, '\tcpu_relax();');
  else if (r === 1) lines.splice(at, 1);
  else if (r === 2) lines[at] = lines[at].replace(/ur_fn_(\w+)/, (_m, s) => `ur_fn_${s}x`);
  else if (r === 3) lines[at] = lines[at].replace(/= (\d+);/, (_m, s) => `= ${Number(s) + 1};`);
  else if (r === 4) lines.splice(at, 0, rng.pick(['{', '}', '/*', '*/', '#endif', '#if 0']));
  else if (r === 5) lines[at] = lines[at].replace('__always_inline', '__attribute__((unused))');
  else if (r === 6) lines[at] = lines[at].replace('a comment', 'another comment').replace(/__must_hold\(lock_(\w)\)/, (_m, c) => `__must_hold(lock_${c === 'a' ? 'b' : 'a'})`);
  else if (r === 7) lines.splice(at, 0, `static int ur_new_${at}(void)`, '{', '\treturn 0;', '}');
  else if (r === 8) lines.splice(at, 0, `static int g_new_${at} = 3;`);
  else {
    const i = rng.int(text.length);
    return text.slice(0, i) + rng.pick([';', '(', ')', ' ', 'x', '\n']) + text.slice(i + rng.int(3));
  }
  return lines.join('\n');
}

test('random edits chained: each update names the functions and globals a whole comparison does, and its functions are a fresh parse\'s', async () => {
  await ensureParser();
  const cat = builtinCatalogue();
  let text = fileOf(60);
  const sc = new SourceCache(cat, () => text);
  sc.allFunctions(FILE);
  const rng = new Rng(1513);
  let globals = 0;
  let changedSome = 0;
  for (let k = 0; k < 300; k++) {
    const before = text;
    const fnsBefore = functionsOf(sc, before);
    const declsBefore = declarationsOf(sc, before);
    text = k % 25 === 24 ? fileOf(60) : edited(text, rng);
    const got = sc.update(FILE)!;
    const want = byWholeTexts(before, text, fnsBefore, functionsOf(sc, text), declsBefore, declarationsOf(sc, text));
    assert.deepEqual([...got.changedFunctions].sort(), want.changed, `edit ${k}`);
    assert.equal(got.globalsChanged, want.globalsChanged, `edit ${k}: globals`);
    const fresh = new SourceCache(cat, () => text);
    const shape = (s: SourceCache) => s.allFunctions(FILE).map((f) => [f.key, f.node.startIndex, f.node.endIndex]);
    assert.deepEqual(shape(sc), shape(fresh), `edit ${k}: functions`);
    fresh.clear();
    if (got.globalsChanged) globals++;
    if (got.changedFunctions.size) changedSome++;
  }
  assert.ok(globals > 20 && changedSome > 150, `${globals} edits changed globals, ${changedSome} changed functions`);
});

test('a line typed into one of 200 functions and taken out reads that function\'s name from the tree, not every one', async () => {
  await ensureParser();
  const original = fileOf(200);
  let text = original;
  const sc = new SourceCache(builtinCatalogue(), () => text);
  assert.ok(sc.allFunctions(FILE).length >= 200);
  const lines = original.split('\n');
  const at = lines.indexOf('\treturn pte_none(v);', Math.floor(lines.length / 2));
  for (const t of [[...lines.slice(0, at), '\tcpu_relax();', ...lines.slice(at)].join('\n'), original]) {
    text = t;
    const before = namesReadAfterEdit.count;
    const got = sc.update(FILE)!;
    assert.equal(got.changedFunctions.size, 1);
    assert.ok(namesReadAfterEdit.count - before <= 2, `${namesReadAfterEdit.count - before} names read`);
  }
});
