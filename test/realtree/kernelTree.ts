// Kernel source trees for the real-tree tests. kernelTree('6.12') runs
// scripts/kernel-tree.sh, which installs Debian's linux-source package and
// extracts it into the cache when needed, and returns the tree's absolute path.
// It throws when the tree cannot be had: real-tree tests fail, never skip.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export type KernelVersion = '6.12' | '6.1' | '7.2';

const trees = new Map<KernelVersion, string>();

/** The repository root: the nearest directory above this file holding scripts/kernel-tree.sh. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'scripts', 'kernel-tree.sh'))) return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(`kernelTree: scripts/kernel-tree.sh not found above ${__dirname}`);
    }
  }
}

export function kernelTree(version: KernelVersion): string {
  const known = trees.get(version);
  if (known !== undefined) return known;
  const script = path.join(repoRoot(), 'scripts', 'kernel-tree.sh');
  let stdout: string;
  try {
    stdout = execFileSync('bash', [script, version], {
      encoding: 'utf8',
      // The script's progress and error messages go straight to our stderr.
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const status = (e as { status?: number | null }).status;
    throw new Error(`kernelTree(${version}): ${script} failed (exit status ${status ?? 'unknown'}); see its messages above`);
  }
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const tree = lines.length > 0 ? lines[lines.length - 1].trim() : '';
  if (!path.isAbsolute(tree) || !fs.existsSync(path.join(tree, 'Makefile')) || !fs.existsSync(path.join(tree, 'mm', 'memory.c'))) {
    throw new Error(`kernelTree(${version}): ${script} did not print a kernel tree path (got ${JSON.stringify(tree)})`);
  }
  trees.set(version, tree);
  return tree;
}
