// The store tests' two sessions: a first one checks a fixture tree and writes
// the analysis store; the reload's Workspace opens it (as a window reload
// does), with the editor's texts given. And the answer every check after an
// edit must equal: a Workspace with no cache and no store.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace } from '../../engine/workspace';

/** Runs `fn` on a temp copy of the fixture folder (`root`) with an empty cache folder beside it (`cache`), then removes both. */
export async function inFixtureCopy(fixture: string, fn: (root: string, cache: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-store-fixture-'));
  try {
    const root = path.join(dir, 'tree');
    fs.cpSync(fixture, root, { recursive: true });
    await fn(root, path.join(dir, 'cache'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The findings (JSON) of a Workspace over `root` with no cache or store, given the editor's `texts` (file, text). */
export async function cacheless(root: string, texts: Iterable<readonly [string, string]>): Promise<string> {
  const ws = new Workspace({ root, log: () => {} });
  ws.build();
  for (const [f, t] of texts) ws.setText(f, t);
  return JSON.stringify((await ws.check([root])).findings);
}

/** A first session checks the tree and writes the store; the Workspace returned is the reload's, given `opened` (file, text), checked once. */
export async function reloaded(root: string, cache: string, opened: Iterable<readonly [string, string]> = []): Promise<Workspace> {
  const first = new Workspace({ root, cacheDir: cache, log: () => {}, storeSavedByCaller: true });
  first.build();
  await first.check([root]);
  first.saveStore();
  const ws = new Workspace({ root, cacheDir: cache, log: () => {}, storeSavedByCaller: true });
  ws.build();
  for (const [f, t] of opened) ws.setText(f, t);
  await ws.check([root]);
  return ws;
}
