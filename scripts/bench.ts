// `npm run bench`: prints wall time and peak memory of `lazymmu check` over
// linux-6.12 mm/ and over the whole tree. Figures only: nothing is asserted,
// and the tests never run this.
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { kernelTree } from '../test/realtree/kernelTree';
import { benchScenarios } from '../engine/simulator/bench';
import { replayFinding } from '../engine/replay';
import { checkTree } from '../engine/check';

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

/** Simulator: every scenario shipped in test/simulator under every model, then the real findings' replays. */
async function simulatorFigures(tree: string): Promise<void> {
  const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;
  console.log('');
  console.log('| scenario set | runs (scenario x model) | total (ms) | slowest run | states (max) |');
  console.log('|---|---:|---:|---|---:|');
  for (const dir of ['vmsa', 'scenarios']) {
    const rows = benchScenarios(path.join(REPO, 'test', 'simulator', dir));
    const total = rows.reduce((a, r) => a + r.ms, 0);
    const slow = rows.reduce((a, r) => (r.ms > a.ms ? r : a), rows[0]);
    const maxStates = Math.max(...rows.map((r) => r.states));
    console.log(`| test/simulator/${dir} | ${rows.length} | ${total.toFixed(0)} | ${path.basename(slow.file)} on ${slow.model}: ${slow.ms.toFixed(1)} ms | ${maxStates} |`);
  }
  const result = await checkTree({ root: tree, paths: [path.join(tree, 'mm')] });
  console.log('');
  console.log('| replayed finding (linux-6.12 mm/) | models | time (ms) | heap after (MB) |');
  console.log('|---|---:|---:|---:|');
  for (const f of result.findings) {
    const t0 = process.hrtime.bigint();
    const r = replayFinding(f);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`| ${path.relative(tree, f.file)}:${f.line} ${f.function} | ${r ? Object.keys(r).length : 0} | ${ms.toFixed(1)} | ${heapMb().toFixed(0)} |`);
  }
}

async function main(): Promise<void> {
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
  await simulatorFigures(tree);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
