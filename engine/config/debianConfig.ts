// `--kernel-config debian`: Debian's own configuration of the tree's kernel
// version for the selected architecture, from the linux-config-<version>
// package (scripts/debian-config.sh downloads and extracts it into the cache).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { KernelConfig } from './kernelConfig';
import { PinnedConfig } from './oracle';

/** The tree's VERSION.PATCHLEVEL from its top Makefile (e.g. "6.12"), or null. */
export function treeVersion(root: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, 'Makefile'), 'utf8').slice(0, 4096);
  } catch {
    return null;
  }
  const v = /^VERSION\s*=\s*(\d+)\s*$/m.exec(text);
  const p = /^PATCHLEVEL\s*=\s*(\d+)\s*$/m.exec(text);
  return v && p ? `${v[1]}.${p[1]}` : null;
}

/** The project's scripts/ directory, found above this module (out/engine/config, or dist/). */
function scriptsDir(): string | null {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'scripts', 'debian-config.sh'))) return path.join(dir, 'scripts');
    if (path.dirname(dir) === dir) return null;
  }
}

/** Finds (downloading once) Debian's .config for the tree and architecture. Throws an Error saying why not. */
export function debianConfig(root: string, arch: string): PinnedConfig {
  const version = treeVersion(root);
  if (!version) throw new Error(`${root}: no VERSION/PATCHLEVEL in its Makefile: cannot tell which Debian configuration to use`);
  const dir = scriptsDir();
  if (!dir) throw new Error('scripts/debian-config.sh not found beside lazymmu');
  const r = spawnSync('bash', [path.join(dir, 'debian-config.sh'), version, arch], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.trim());
  const file = lines[lines.length - 1]?.trim();
  if (r.status !== 0 || !file || !fs.existsSync(file)) {
    const msg = (r.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? `exit status ${r.status}`;
    throw new Error(`no Debian configuration for Linux ${version} on ${arch}: ${msg}`);
  }
  // .../debian-config/linux-config-6.12/<package version>/<debarch>/config.arm64_none_arm64
  const parts = file.split(path.sep);
  const pkgVersion = parts[parts.length - 3]?.replace(/%3a/g, ':');
  const label = `Debian linux-config-${version} ${pkgVersion} (${path.basename(file)})`;
  return { kind: 'distribution', file, label, values: KernelConfig.load(file) };
}
