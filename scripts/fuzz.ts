// Long fuzz runs: `npm run fuzz -- [--count N] [--seed S] [--out DIR] [--profile full|compact]`.
// Same harness as the bounded slice in the tests (test/fuzz/harness.ts).
// Failing inputs are written to DIR (default test-artifacts/fuzz) with their
// seed, so `--seed S --count 1` replays one.
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { FuzzRunner, WORK_BOUND } from '../test/fuzz/harness';
import { COMPACT, FULL } from '../test/fuzz/generate';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  const count = Number(arg('count', '100000'));
  const start = Number(arg('seed', '1000000'));
  const repo = path.join(__dirname, '..', '..');
  const out = path.resolve(arg('out', path.join(repo, 'test-artifacts', 'fuzz')));
  const kernel = execFileSync('bash', [path.join(repo, 'scripts', 'kernel-tree.sh'), '6.12'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  const profile = arg('profile', 'full') === 'compact' ? COMPACT : FULL;
  const r = new FuzzRunner(kernel, profile);
  const t0 = Date.now();
  try {
    for (let s = start; s < start + count; s++) {
      const f = await r.run(s);
      if (f) {
        fs.mkdirSync(out, { recursive: true });
        const inp = r.input(s);
        fs.writeFileSync(path.join(out, `seed-${s}.c`), inp.raw ?? inp.text);
        fs.writeFileSync(path.join(out, `seed-${s}.txt`), `${f.what}\norigin ${f.origin}\nmutations ${f.mutations.join(',')}\n\n${f.error}\n`);
        console.log(`FAIL seed ${s}: ${f.what} (${f.origin}; ${f.mutations.join(',') || 'unmutated'})`);
      }
      if ((s - start + 1) % 1000 === 0) console.log(`${s - start + 1} inputs, ${r.stats.failures.length} failures, max steps ${r.stats.maxSteps}, ${Math.round((Date.now() - t0) / 1000)} s`);
    }
  } finally {
    r.dispose();
  }
  const st = r.stats;
  console.log(JSON.stringify({ ...st, failures: st.failures.length, workBound: WORK_BOUND, seconds: (Date.now() - t0) / 1000 }, null, 2));
  process.exitCode = st.failures.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
