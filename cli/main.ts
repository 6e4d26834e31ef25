// The `lazymmu` command: the engine for CI and the terminal.
//   lazymmu check [--root DIR] [--arch NAME] [--format text|json|sarif] [--extra-apis FILE]
//                 [--min-impact contract|hazard] [--allowed-nesting] PATH...
// Exit status: 0 no findings, 1 findings, 2 usage or input error.
import * as fs from 'fs';
import * as path from 'path';
import { checkTree } from '../engine/check';
import { selectFindings } from '../engine/findings';
import { CatalogueError } from '../engine/catalogue/catalogue';
import { isKernelTree } from '../engine/index/workspaceIndex';
import { formatText } from './format/text';
import { formatJson } from './format/json';
import { formatSarif } from './format/sarif';
import { Formatter } from './format/common';
import { runSimulate } from './simulate';
import { replayFinding } from '../engine/replay';
import { pinConfig } from '../engine/check';
import type { PinnedConfig } from '../engine/config/oracle';
import { defaultCacheBase } from '../engine/index/indexCache';

const VERSION: string = require('../package.json').version;

const USAGE = `usage: lazymmu check [--root DIR] [--arch NAME] [--format text|json|sarif] [--extra-apis FILE] [--kernel-config .config|debian]
                     [--min-impact contract|hazard] [--allowed-nesting] [--replay] [--stats] [--no-cache] PATH...
       lazymmu simulate FILE.lzmmu [--model NAME|all] [--format text|json]
       lazymmu --version`;

const FORMATS: Record<string, Formatter> = { text: formatText, json: formatJson, sarif: formatSarif };
const ARCHES = ['arm64', 'x86', 'powerpc', 's390', 'sparc', 'arm', 'riscv', 'loongarch', 'mips'];

class UsageError extends Error {}

interface CheckArgs {
  root?: string;
  arch: string;
  format: string;
  extraApis?: string;
  kernelConfig?: string;
  stats: boolean;
  replay: boolean;
  /** Use the on-disk index cache (default; --no-cache turns it off). */
  cache: boolean;
  /** Findings below this impact are left out (default contract: hazards and contract findings). */
  minImpact: 'contract' | 'hazard';
  /** Nesting the generic layer allows is reported, at hint level. */
  allowedNesting: boolean;
  paths: string[];
}

function parseCheckArgs(argv: string[]): CheckArgs {
  const a: CheckArgs = { arch: 'arm64', format: 'text', stats: false, replay: false, cache: true, minImpact: 'contract', allowedNesting: false, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--root') a.root = value();
    else if (arg === '--arch') a.arch = value();
    else if (arg === '--format') a.format = value();
    else if (arg === '--extra-apis') a.extraApis = value();
    else if (arg === '--kernel-config') a.kernelConfig = value();
    else if (arg === '--stats') a.stats = true;
    else if (arg === '--replay') a.replay = true;
    else if (arg === '--no-cache') a.cache = false;
    else if (arg === '--allowed-nesting') a.allowedNesting = true;
    else if (arg === '--min-impact') {
      const v = value();
      if (v !== 'contract' && v !== 'hazard') throw new UsageError(`--min-impact must be contract or hazard, not "${v}"`);
      a.minImpact = v;
    }
    else if (arg.startsWith('--') && arg.includes('=')) {
      const [k, v] = arg.split(/=(.*)/s);
      argv.splice(i + 1, 0, v);
      argv[i] = k;
      i--;
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    else a.paths.push(arg);
  }
  if (!FORMATS[a.format]) throw new UsageError(`--format must be text, json or sarif, not "${a.format}"`);
  if (!ARCHES.includes(a.arch)) throw new UsageError(`--arch must be one of ${ARCHES.join(', ')}, not "${a.arch}"`);
  if (!a.paths.length) throw new UsageError('no PATH given');
  return a;
}

/** The nearest ancestor that looks like a kernel tree, else the common parent of the paths. */
export function defaultRoot(paths: string[]): string {
  for (let dir = paths[0]; ; ) {
    if (isKernelTree(dir)) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const dirs = paths.map((p) => (fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : path.dirname(p)));
  let common = dirs[0];
  for (const d of dirs.slice(1)) while (!(d + path.sep).startsWith(common.endsWith(path.sep) ? common : common + path.sep)) common = path.dirname(common);
  return common;
}

async function runCheck(argv: string[]): Promise<number> {
  const a = parseCheckArgs(argv);
  const paths = a.paths.map((p) => path.resolve(p));
  for (const p of paths) if (!fs.existsSync(p)) throw new UsageError(`${p}: no such file or directory`);
  const root = path.resolve(a.root ?? defaultRoot(paths));
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`--root ${root}: not a directory`);
  const started = process.hrtime.bigint();
  let pinnedConfig: PinnedConfig | undefined;
  if (a.kernelConfig) {
    try {
      pinnedConfig = pinConfig(a.kernelConfig, root, a.arch);
    } catch (e) {
      throw new UsageError(`--kernel-config ${(e as Error).message}`);
    }
  }
  const result = await checkTree({ root, arch: a.arch, paths, extraApisFile: a.extraApis, pinnedConfig, cacheDir: a.cache ? defaultCacheBase() : undefined });
  result.findings = selectFindings(result.findings, { minImpact: a.minImpact, showAllowed: a.allowedNesting });
  if (a.replay) for (const f of result.findings) f.replay = replayFinding(f) ?? undefined;
  if (a.stats) {
    // Figures for the benchmark: wall time and peak resident memory of this process.
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    process.stderr.write(`lazymmu-stats: wall_ms=${ms.toFixed(0)} peak_rss_mb=${peakMb.toFixed(0)} findings=${result.findings.length}\n`);
  }
  for (const p of result.problems) process.stderr.write(`lazymmu: ${path.relative(root, p.file) || p.file}: ${p.message}\n`);
  process.stdout.write(FORMATS[a.format](result, { root, toolVersion: VERSION }));
  // Findings win (1); otherwise a file that could not be analysed is an input error (2).
  return result.findings.length ? 1 : result.problems.length ? 2 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version') {
    process.stdout.write(`lazymmu ${VERSION}\n`);
    return 0;
  }
  if (cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (cmd === 'check') return runCheck(rest);
  // runSimulate hands over one line at a time.
  if (cmd === 'simulate') return runSimulate(rest, (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n'));
  throw new UsageError(cmd ? `unknown command "${cmd}"` : 'no command given');
}

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  // exitCode, not exit(): a large report piped to another program must be written out first.
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    if (e instanceof UsageError) process.stderr.write(`lazymmu: ${e.message}\n${USAGE}\n`);
    else if (e instanceof CatalogueError) process.stderr.write(`lazymmu: ${e.message}\n`);
    else process.stderr.write(`lazymmu: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  },
);
