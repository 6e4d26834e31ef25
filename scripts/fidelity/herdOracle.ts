// herd7 as an oracle: runs it on a litmus file (timeout, niced, at most
// `jobs` at once) and caches its verdict per file content under
// ~/.cache/lazymmu/herd7-verdicts/, so a rerun of the fidelity script does
// not pay herd7 again. Nothing of herdtools7 is stored in the project.
import { execFile, execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type HerdVerdict = 'Allowed' | 'Forbidden' | 'Required';

export interface HerdResult {
  name: string;
  /** undefined when herd7 failed or ran past the timeout */
  verdict?: HerdVerdict;
  observation?: string;
  /** herd's final states, `0:X7=0; [x]=2;` lines */
  states?: string[];
  error?: string;
  ms: number;
}

const CACHE_DIR = path.join(os.homedir(), '.cache', 'lazymmu', 'herd7-verdicts');

/** The herd7 tools folder next to the checkout (../shared/tools/herd7). */
export function herdToolsDir(repoRoot: string): string {
  return path.resolve(repoRoot, '..', '..', 'shared', 'tools', 'herd7');
}

export function locateHerd(repoRoot: string): { herd: string; catalogue: string } {
  const candidates = [path.resolve(repoRoot, '..', 'shared', 'tools', 'herd7'), herdToolsDir(repoRoot), '/work/shared/tools/herd7'];
  const dir = candidates.find((d) => fs.existsSync(path.join(d, 'build.sh')));
  if (!dir) throw new Error(`herd7 tools not found (looked in ${candidates.join(', ')}): the fidelity script needs ../shared/tools/herd7`);
  const build = path.join(dir, 'build.sh');
  const herd = execFileSync('bash', [build], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const catalogue = execFileSync('bash', [build, '--catalogue'], { encoding: 'utf8' }).trim();
  return { herd, catalogue };
}

/** Verdict from herd's Observation line, as VMSA-kinds.txt states it. */
export function verdictOf(quantifier: string, observation: string): HerdVerdict {
  if (quantifier === 'forall') return observation === 'Always' ? 'Required' : 'Allowed';
  return observation === 'Never' ? 'Forbidden' : 'Allowed';
}

export function parseHerdOutput(out: string): Omit<HerdResult, 'ms' | 'name'> {
  const obs = /^Observation \S+ (Never|Sometimes|Always)/m.exec(out);
  const cond = /^Condition (~exists|exists|forall)/m.exec(out);
  if (!obs || !cond) return { error: out.split('\n').filter((l) => l.trim()).slice(-2).join(' ') || 'no output' };
  const states: string[] = [];
  const m = /^States \d+\n([\s\S]*?)^(Ok|No|Loop)/m.exec(out);
  if (m) states.push(...m[1].split('\n').map((l) => l.trim()).filter(Boolean));
  return { verdict: verdictOf(cond[1], obs[1]), observation: obs[1], states };
}

function cacheFile(text: string): string {
  return path.join(CACHE_DIR, createHash('sha256').update(text).digest('hex') + '.json');
}

export function cachedHerd(text: string): HerdResult | undefined {
  try { return JSON.parse(fs.readFileSync(cacheFile(text), 'utf8')); } catch { return undefined; }
}

export function runHerd(herd: string, file: string, timeoutMs: number): Promise<HerdResult> {
  const text = fs.readFileSync(file, 'utf8');
  const name = path.basename(file, '.litmus');
  const hit = cachedHerd(text);
  if (hit) return Promise.resolve(hit);
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile('nice', ['-n', '10', herd, file], { timeout: timeoutMs, maxBuffer: 16 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const ms = Date.now() - t0;
      let res: HerdResult;
      if (err && (err as { killed?: boolean }).killed) res = { name, error: `herd7 ran past ${timeoutMs / 1000} s`, ms };
      else res = { name, ms, ...parseHerdOutput(String(stdout) + String(stderr)) };
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      fs.writeFileSync(cacheFile(text), JSON.stringify(res));
      resolve(res);
    });
  });
}

/** Runs herd on every file, `jobs` at once; results in input order. */
export async function runHerdAll(herd: string, files: string[], jobs: number, timeoutMs: number, progress?: (done: number) => void): Promise<HerdResult[]> {
  const out: HerdResult[] = new Array(files.length);
  let next = 0, done = 0;
  async function worker(): Promise<void> {
    while (next < files.length) {
      const i = next++;
      out[i] = await runHerd(herd, files[i], timeoutMs);
      progress?.(++done);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return out;
}
