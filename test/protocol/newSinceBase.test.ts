// lazymmu.showOnlyNewSince through the real protocol (issue 16, point 4): in
// a git repository whose topic branch brings a hazard (test/fixtures/review,
// changed at test time), "mergeBase" shows only the finding the branch
// brings, not the standing one main already had; the server tells the client
// the base (lazymmu/newSinceBase, for its status item); an unsaved edit that
// fixes the new hazard leaves nothing; "off" shows every finding again; a
// repository with no base to take says so and shows every finding.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, REPO } from './lspClient';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'review');
const CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-newsince-cache-'));
const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) assert.equal(await c.shutdown(), 0);
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
}

function repo(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-newsince-')));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  return dir;
}

const BROUGHT = (t: string) => t.replace(/\tarch_leave_lazy_mmu_mode\(\);\n(\tpfn = pte_pfn\(ptep_get\(ptep\)\);\n)/, '$1\tarch_leave_lazy_mmu_mode();\n');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

async function start(root: string, lazymmu: Record<string, unknown>) {
  const c = new LspClient({ env: { ...process.env, LAZYMMU_CACHE: CACHE } });
  clients.push(c);
  const told: any[] = [];
  c.conn.onNotification('lazymmu/newSinceBase', (s) => told.push(s));
  await c.initialize(root, { lazymmu });
  return { c, told };
}

const funcs = (ds: any[], text: string) =>
  ds.map((d) => text.split('\n').slice(0, d.range.start.line + 1).reverse().map((l) => /^static[^(]*\b(\w+)\(/.exec(l)?.[1]).find((n) => n)).sort();

test('mergeBase: only what the branch brings; an unsaved fix clears it; off shows all again', async () => {
  const root = repo();
  git(root, 'checkout', '-qb', 'topic');
  const file = path.join(root, 'mm/walk.c');
  const text = BROUGHT(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, text);
  git(root, 'commit', '-qam', 'topic: read before the leave');
  const base = git(root, 'merge-base', 'main', 'HEAD').trim();

  const { c, told } = await start(root, { arch: 'x86', showOnlyNewSince: 'mergeBase' });
  await c.waitFor('the base', () => told.find((s) => s.state === 'ready'));
  assert.deepEqual(told.find((s) => s.state === 'ready'), { state: 'ready', ref: 'main', commit: base });
  const uri = pathToFileURL(file).href;
  await c.open(uri, text);
  const shown = await c.waitFor('new findings only', () => {
    const p = c.diagnosticsFor(uri, 1);
    return p && p.diagnostics.length === 1 && p;
  });
  assert.equal(shown.diagnostics[0].range.start.line, lineOf(text, 'pfn = pte_pfn(ptep_get(ptep));'));
  assert.equal(shown.diagnostics[0].code, 'lazy-mmu/read-after-write');
  assert.deepEqual(funcs(shown.diagnostics, text), ['rw_clear']);
  assert.equal(git(root, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1, 'the base worktree is removed once its findings are taken');

  // An unsaved edit moving the leave back: nothing new left (the standing finding stays hidden).
  const fixed = text.replace(/(\tpfn = pte_pfn\(ptep_get\(ptep\)\);\n)\tarch_leave_lazy_mmu_mode\(\);\n/, '\tarch_leave_lazy_mmu_mode();\n$1');
  assert.notEqual(fixed, text);
  await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
  const none = await c.waitFor('no new findings', () => c.diagnosticsFor(uri, 2));
  assert.deepEqual(none.diagnostics, []);

  // off: every finding of the buffer again.
  const mark = c.published.length;
  await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { lazymmu: { arch: 'x86', showOnlyNewSince: 'off' } } });
  const all = await c.waitFor('every finding', () => c.published.slice(mark).find((p) => p.uri === uri && p.diagnostics.length > 0));
  assert.deepEqual(funcs(all.diagnostics, fixed), ['rw_scan']);
  assert.equal(told[told.length - 1].state, 'off');
});

test('a revision as the setting, and a repository with no base: told, every finding shown', async () => {
  const root = repo();
  const file = path.join(root, 'mm/walk.c');
  const text = BROUGHT(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, text); // uncommitted: the working tree against HEAD
  const { c, told } = await start(root, { arch: 'x86', showOnlyNewSince: 'HEAD' });
  await c.waitFor('the base', () => told.find((s) => s.state === 'ready'));
  const uri = pathToFileURL(file).href;
  await c.open(uri, text);
  const shown = await c.waitFor('new only', () => c.diagnosticsFor(uri, 1));
  assert.deepEqual(funcs(shown.diagnostics, text), ['rw_clear']);

  const plain = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-newsince-plain-')));
  fs.cpSync(FIXTURE, plain, { recursive: true });
  const p = await start(plain, { arch: 'x86', showOnlyNewSince: 'mergeBase' });
  const err = await p.c.waitFor('an error', () => p.told.find((s) => s.state === 'error'));
  assert.match(err.message, /not in a git work tree/);
  const puri = pathToFileURL(path.join(plain, 'mm/walk.c')).href;
  await p.c.open(puri, fs.readFileSync(path.join(plain, 'mm/walk.c'), 'utf8'));
  const every = await p.c.waitFor('every finding', () => p.c.diagnosticsFor(puri, 1));
  assert.equal(every.diagnostics.length, 1);
});
