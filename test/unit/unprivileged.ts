// Running the CLI and the server as an unprivileged user, so that a file with
// mode 000 really cannot be read (root reads it anyway; the tests run as root
// in CI). As root: `setpriv --reuid=65534 --regid=65534 --clear-groups` (user
// and group nobody/nogroup, no supplementary groups). As another user: no
// wrapper (chmod 000 already stops that user's reads). When root cannot drop
// its privileges the helpers throw: the tests fail, never skip.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.join(__dirname, '..', '..', '..');
const NOBODY = 65534;

/** The command prefix that runs a program without the power to read a mode-000 file. */
export function unprivileged(): string[] {
  if (process.getuid!() !== 0) return [];
  const wrap = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
  const r = spawnSync(wrap[0], [...wrap.slice(1), process.execPath, '-e', 'process.stdout.write(String(process.getuid()))'], { encoding: 'utf8' });
  if (r.error || r.status !== 0 || r.stdout !== String(NOBODY)) {
    throw new Error(`cannot drop root privileges with ${wrap.join(' ')} (util-linux setpriv is needed, and ${process.execPath} must be executable by uid ${NOBODY}): ${r.error?.message ?? ''} ${r.stderr}`);
  }
  return wrap;
}

export interface Sandbox {
  /** World-readable copy of bin/ and dist/ (the repository may sit where nobody cannot go, e.g. /root). */
  app: string;
  /** The tree to check (world-readable, except what the test locks). */
  tree: string;
  /** HOME and LAZYMMU_CACHE of the unprivileged process (writable by it). */
  home: string;
  env: NodeJS.ProcessEnv;
  dispose(): void;
}

export function sandbox(): Sandbox {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-unread-')));
  fs.chmodSync(dir, 0o755);
  const app = path.join(dir, 'app');
  for (const sub of ['bin', 'dist']) fs.cpSync(path.join(REPO, sub), path.join(app, sub), { recursive: true });
  const tree = path.join(dir, 'tree');
  const home = path.join(dir, 'home');
  fs.mkdirSync(tree);
  fs.mkdirSync(home);
  fs.chmodSync(home, 0o777);
  // Everything readable by all (mkdtemp and umask may have been stricter).
  const open = (p: string) => {
    const st = fs.statSync(p);
    fs.chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
    if (st.isDirectory()) for (const c of fs.readdirSync(p)) open(path.join(p, c));
  };
  open(app);
  fs.chmodSync(tree, 0o755);
  const env = { ...process.env, HOME: home, LAZYMMU_CACHE: path.join(home, 'cache') };
  return { app, tree, home, env, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
