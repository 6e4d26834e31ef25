// An index built from its cache keeps each file's definitions encoded until
// something asks for them (issue 15, branch lazyidx: a warm CLI rerun decoded
// and put by name every definition of the tree to look up a few thousand
// names). What a user sees must not change: a warm rerun after an edit equals
// a cold run byte for byte, and an editor's edits on such an index give the
// findings, and each name's definitions in the same order, of an index built
// afresh. What was decoded is counted (never timed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkTree } from '../../engine/check';
import { Workspace } from '../../engine/workspace';
import { Rng } from '../fuzz/rng';
import { edit } from './treeEdit';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const GENERATED = 24;

/**
 * The rerun fixture and GENERATED files no section reads: each with a static
 * `helper` (a name of many files), a global function, and a call to `common`
 * (defined once, in the last).
 */
function makeTree(dir: string): string {
  const root = path.join(dir, 'tree');
  fs.cpSync(path.join(FIXTURES, 'rerun'), root, { recursive: true });
  fs.mkdirSync(path.join(root, 'gen'));
  for (let i = 0; i < GENERATED; i++) {
    const common = i === GENERATED - 1 ? 'int common(int x)\n{\n\treturn x * 2;\n}\n\n' : '';
    fs.writeFileSync(path.join(root, 'gen', `g${String(i).padStart(2, '0')}.c`), `${common}static int helper(int x)\n{\n\treturn x + ${i};\n}\n\nint gen_${i}(int x)\n{\n\treturn helper(x) + common(x);\n}\n`);
  }
  return root;
}

/** Each name the fresh index defines -> its definitions' places in order (what resolve() and the searches see). */
function namesOf(ws: Workspace, names: Iterable<string>): string[] {
  return [...names].sort().map((n) => `${n}: ${ws.index.definitionsNamed(n).map((d) => `${path.basename(d.file)}:${d.line}`).join(' ')} | ${ws.index.macrosNamed(n).map((m) => `${path.basename(m.file)}:${m.line}`).join(' ')}`);
}

test('a warm rerun after an edit decodes only the files it reads and equals a cold run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-lazyidx-'));
  const root = makeTree(dir);
  const cache = path.join(dir, 'cache');
  const run = async (cacheDir: string) => {
    let seen: { encoded: number; files: number } | undefined;
    const result = await checkTree({ root, paths: [root], cacheDir, observe: (ws) => (seen = { encoded: ws.index.encodedFiles(), files: ws.index.files().length }) });
    return { json: JSON.stringify(result), seen: seen! };
  };
  const first = await run(cache);
  assert.equal(first.seen.encoded, 0, 'a cold run decodes what it scans');
  let colds = 0;
  for (const [file, from, to] of [
    ['other.c', 'x += 2;', 'x += 3;'],
    // The walker bound by its callers: analysed again, its callers found by passes over the encodings.
    ['bound_walk.c', '\t\tif (err)\n', '\t\tif (err) /* edited */\n'],
    ['table_walk.c', '\tint x = 0;\n', '\tint x = 0; /* edited */\n\tx += 1;\n'],
    ['gen/g03.c', 'return x + 3;', 'return x + 33;'],
  ]) {
    edit(root, file, from, to);
    const warm = await run(cache);
    assert.equal(warm.json, (await run(path.join(dir, `cold-${colds++}`))).json, `after editing ${file}`);
    // The generated files define nothing a section reads: they stay encoded (an edited one is scanned again).
    assert.equal(warm.seen.files, GENERATED + 3);
    assert.ok(warm.seen.encoded >= GENERATED - 1, `after editing ${file}: ${warm.seen.encoded} of ${warm.seen.files} files still encoded`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('edits on an index built from its cache give the findings and definitions by name of an index scanned whole, edited alike', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-lazyidx-'));
  const root = makeTree(dir);
  for (const f of fs.readdirSync(path.join(FIXTURES, 'sections')).filter((f) => f.endsWith('.c'))) fs.copyFileSync(path.join(FIXTURES, 'sections', f), path.join(root, f));
  const cache = path.join(dir, 'cache');
  // The cache written by a first build (every file scanned), then a Workspace built from it, beside one without a cache.
  new Workspace({ root, cacheDir: cache }).build();
  const ws = new Workspace({ root, cacheDir: cache });
  ws.build();
  assert.equal(ws.index.encodedFiles(), ws.index.files().length, 'every file kept encoded by the build');
  const eager = new Workspace({ root });
  eager.build();
  assert.equal(eager.index.encodedFiles(), 0);
  const files = ws.index.files().sort();
  // Every name either index defines at any point (the order of a name's definitions after edits is the edits' history: both have the same).
  const names = new Set<string>(['helper', 'common', 'typed_helper']);
  const same = async (what: string) => {
    for (const file of eager.index.files()) for (const d of [...eager.index.functionsIn(file), ...eager.index.macrosIn(file)]) names.add(d.name);
    assert.deepEqual((await ws.check([root])).findings, (await eager.check([root])).findings, `${what}: findings`);
    assert.deepEqual(namesOf(ws, names), namesOf(eager, names), `${what}: definitions by name`);
  };
  const setText = (file: string, text: string | null) => {
    ws.setText(file, text);
    eager.setText(file, text);
  };
  // A definition put before a file's others (their ranks in the file move) and one renamed, before any of their names was looked up.
  const g05 = path.join(root, 'gen', 'g05.c');
  const g07 = path.join(root, 'gen', 'g07.c');
  setText(g05, `int common(int x) { return x; }\n${fs.readFileSync(g05, 'utf8')}`);
  setText(g07, fs.readFileSync(g07, 'utf8').replace('static int helper', 'static int helper_gone'));
  await same('the first edits');
  const rng = new Rng(7);
  const texts = new Map<string, string>();
  const TYPED = ['', 'static int helper(int x) { return x; }', 'int common(int x) { return x; }', 'static void typed_helper(pte_t *ptep) { set_pte_at(NULL, 0, ptep, __pte(0)); }', '\tset_pte_at(mm, addr, ptep, pte);', '\tcommon(1);', '}', '{'];
  for (let i = 0; i < 30; i++) {
    const file = rng.pick(files);
    const lines = (texts.get(file) ?? fs.readFileSync(file, 'utf8')).split('\n');
    const what = rng.int(7);
    if (what < 3) lines.splice(rng.int(lines.length + 1), 0, rng.pick(TYPED));
    else if (what < 5) lines.splice(rng.int(lines.length), 1);
    // 5: every definition of the file gone; 6: the editor's text dropped (the file as on disk).
    const text = what === 5 ? '' : what === 6 ? null : lines.join('\n');
    if (text === null) texts.delete(file);
    else texts.set(file, text);
    setText(file, text);
    await same(`edit ${i} (${path.basename(file)}, kind ${what})`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
