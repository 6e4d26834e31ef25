// `npm run bench`: prints wall time and peak memory of `lazymmu check` over
// linux-6.12 mm/ and over the whole tree. Figures only: nothing is asserted,
// and the tests never run this.
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { kernelTree } from '../test/realtree/kernelTree';

const REPO = path.join(__dirname, '..', '..');

interface Figure {
  what: string;
  wallMs: number;
  peakRssMb: number;
  findings: number;
}

function measure(what: string, root: string, paths: string[]): Figure {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'lazymmu.js'), 'check', '--stats', '--format', 'json', '--root', root, ...paths], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  const m = /lazymmu-stats: wall_ms=(\d+) peak_rss_mb=(\d+) findings=(\d+)/.exec(r.stderr);
  if (!m || (r.status !== 0 && r.status !== 1)) throw new Error(`${what}: lazymmu failed (${r.status}): ${r.stderr}`);
  return { what, wallMs: Number(m[1]), peakRssMb: Number(m[2]), findings: Number(m[3]) };
}

function main(): void {
  const tree = kernelTree('6.12');
  console.log(`lazymmu benchmark, ${new Date().toISOString()}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const figures = [
    measure('check linux-6.12 mm/', tree, [path.join(tree, 'mm')]),
    measure('check linux-6.12 whole tree', tree, [tree]),
  ];
  console.log('');
  console.log('| run | wall time (s) | peak RSS (MB) | findings |');
  console.log('|---|---:|---:|---:|');
  for (const f of figures) console.log(`| ${f.what} | ${(f.wallMs / 1000).toFixed(1)} | ${f.peakRssMb} | ${f.findings} |`);
}

main();
