// The `lazymmu` command: the engine for CI and the terminal.
//   lazymmu check [--root DIR] [--arch NAME] [--format text|json|sarif] [--extra-apis FILE]
//                 [--min-impact contract|hazard] [--allowed-nesting]
//                 [--base REV | --since REV] [--show new,fixed,unchanged] PATH...
//   lazymmu review PATCH|MBOX [--tree DIR] [check's options] [PATH...]
// Exit status: 0 no findings, 1 findings, 2 usage or input error. With a
// base (--base, --since, review) only new findings count.
import * as fs from 'fs';
import * as path from 'path';
import { checkTree } from '../engine/check';
import { Finding, selectFindings } from '../engine/findings';
import { CatalogueError } from '../engine/catalogue/catalogue';
import { isKernelTree } from '../engine/index/workspaceIndex';
import { formatText } from './format/text';
import { formatJson } from './format/json';
import { formatSarif } from './format/sarif';
import { Formatter } from './format/common';
import { runSimulate } from './simulate';
import { replayFinding } from '../engine/replay';
import { exportLitmus } from './exportLitmus';
import { pinConfig } from '../engine/check';
import type { PinnedConfig } from '../engine/config/oracle';
import { defaultCacheBase } from '../engine/index/indexCache';
import { sweepCache } from '../engine/cacheSweep';
import { checkAgainstBase, reviewPatch, ChangeResult } from '../engine/changeReview';
import { BaselineState, countStates } from '../engine/baseline';
import { GitError, gitTopLevel, mergeBase } from '../engine/git';

const VERSION: string = require('../package.json').version;

// The launcher (bin/lazymmu.js) started this process without the user's NODE_EXTRA_CA_CERTS (node
// loads that file at start; no check makes a TLS connection): put back for the programs it runs.
if (process.env.LAZYMMU_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.LAZYMMU_NODE_EXTRA_CA_CERTS;
  delete process.env.LAZYMMU_NODE_EXTRA_CA_CERTS;
}

const USAGE = `usage: lazymmu check [--root DIR] [--arch NAME] [--format text|json|sarif] [--extra-apis FILE] [--kernel-config .config|debian]
                     [--min-impact contract|hazard] [--allowed-nesting] [--replay [--export-litmus DIR]] [--stats] [--no-cache]
                     [--base REV | --since REV] [--show new,fixed,unchanged] PATH...
       lazymmu review PATCH|MBOX [--tree DIR] [check's options] [PATH...]
       lazymmu simulate FILE.lzmmu|FILE.litmus [--model NAME|all] [--format text|json]
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
  /** --export-litmus DIR: replayed findings written as herd7 litmus tests */
  exportLitmus?: string;
  /** Use the on-disk index cache (default; --no-cache turns it off). */
  cache: boolean;
  /** Findings below this impact are left out (default contract: hazards and contract findings). */
  minImpact: 'contract' | 'hazard';
  /** Nesting the generic layer allows is reported, at hint level. */
  allowedNesting: boolean;
  paths: string[];
  /** Compare with this revision (--base) or with the merge base of it and HEAD (--since). */
  base?: { rev: string; mergeBase: boolean };
  /** With a base: which states are shown (default: text new; JSON and SARIF all). */
  show?: BaselineState[];
  /** review: the patch or mail series, and the tree (default the current directory). */
  patch?: string;
  tree?: string;
}

const SHOW_WORDS: Record<string, BaselineState> = { new: 'new', fixed: 'absent', unchanged: 'unchanged' };

function parseCheckArgs(argv: string[], command: 'check' | 'review' = 'check'): CheckArgs {
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
    else if (arg === '--export-litmus') a.exportLitmus = value();
    else if (arg === '--no-cache') a.cache = false;
    else if (arg === '--allowed-nesting') a.allowedNesting = true;
    else if ((arg === '--base' || arg === '--since') && command === 'check') {
      if (a.base) throw new UsageError('--base and --since: give one');
      a.base = { rev: value(), mergeBase: arg === '--since' };
    } else if (arg === '--show') {
      a.show = value().split(',').map((w) => {
        const st = SHOW_WORDS[w.trim()];
        if (!st) throw new UsageError(`--show takes new, fixed and unchanged, not "${w}"`);
        return st;
      });
    } else if (arg === '--tree' && command === 'review') a.tree = value();
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
  if (command === 'review') {
    a.patch = a.paths.shift();
    if (!a.patch) throw new UsageError('review: no PATCH given');
    // No PATH: the whole tree.
    if (!a.paths.length) a.paths.push(a.root ?? a.tree ?? '.');
  }
  if (!a.paths.length) throw new UsageError('no PATH given');
  if (a.show && !a.base && command !== 'review') throw new UsageError('--show needs --base or --since');
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

async function runCheck(argv: string[], command: 'check' | 'review' = 'check'): Promise<number> {
  const a = parseCheckArgs(argv, command);
  const cwd = command === 'review' && a.tree ? path.resolve(a.tree) : process.cwd();
  if (command === 'review' && !(fs.existsSync(cwd) && fs.statSync(cwd).isDirectory())) throw new UsageError(`--tree ${cwd}: not a directory`);
  const paths = a.paths.map((p) => path.resolve(cwd, p));
  for (const p of paths) if (!fs.existsSync(p)) throw new UsageError(`${p}: no such file or directory`);
  const root = path.resolve(cwd, a.root ?? defaultRoot(paths));
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
  const opts = { root, arch: a.arch, paths, extraApisFile: a.extraApis, pinnedConfig, cacheDir: a.cache ? defaultCacheBase() : undefined };
  if (command === 'review' || a.base) return runChange(a, opts, started);
  const result = await checkTree(opts);
  result.findings = selectFindings(result.findings, { minImpact: a.minImpact, showAllowed: a.allowedNesting });
  if (a.replay) for (const f of result.findings) f.replay = replayFinding(f) ?? undefined;
  if (a.exportLitmus) {
    if (!a.replay) throw new UsageError('--export-litmus needs --replay');
    for (const w of exportLitmus(result.findings, a.exportLitmus, root)) process.stderr.write(`lazymmu: wrote ${w}\n`);
  }
  if (a.stats) {
    // Figures for the benchmark: wall time and peak resident memory of this process.
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    process.stderr.write(`lazymmu-stats: wall_ms=${ms.toFixed(0)} peak_rss_mb=${peakMb.toFixed(0)} findings=${result.findings.length}\n`);
  }
  for (const p of result.problems) process.stderr.write(`lazymmu: ${path.relative(root, p.file) || p.file}: ${p.message}\n`);
  process.stdout.write(FORMATS[a.format](result, { root, toolVersion: VERSION }));
  // Once a day, after the output: the cache entries of roots that are gone removed (engine/cacheSweep.ts).
  if (a.cache) sweepCache(defaultCacheBase());
  // Findings win (1); otherwise a file that could not be analysed is an input error (2).
  return result.findings.length ? 1 : result.problems.length ? 2 : 0;
}

/** `check --base/--since` and `review`: the findings compared with the base; only new ones fail. */
async function runChange(a: CheckArgs, opts: Parameters<typeof checkTree>[0], started: bigint): Promise<number> {
  const select = (fs: Finding[]) => selectFindings(fs, { minImpact: a.minImpact, showAllowed: a.allowedNesting });
  let change: ChangeResult;
  if (a.patch) {
    const patch = path.resolve(process.cwd(), a.patch);
    if (!fs.existsSync(patch)) throw new UsageError(`${a.patch}: no such file`);
    change = await reviewPatch({ ...opts, select }, patch);
  } else {
    let rev = a.base!.rev;
    if (a.base!.mergeBase) rev = await mergeBase(await gitTopLevel(opts.root), rev);
    change = await checkAgainstBase({ ...opts, select }, rev);
  }
  const show = a.show ?? (a.format === 'text' ? ['new'] : ['new', 'absent', 'unchanged']);
  const shown = change.compared.filter((c) => show.includes(c.state));
  if (a.replay) for (const c of shown) if (c.state !== 'absent') c.finding.replay = replayFinding(c.finding) ?? undefined;
  const counts = countStates(change.compared);
  if (a.stats) {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stderr.write(`lazymmu-stats: wall_ms=${ms.toFixed(0)} peak_rss_mb=${(process.resourceUsage().maxRSS / 1024).toFixed(0)} new=${counts.new} fixed=${counts.absent} unchanged=${counts.unchanged}\n`);
  }
  const root = fs.realpathSync(opts.root);
  for (const p of change.baseProblems) process.stderr.write(`lazymmu: (base) ${p.file}: ${p.message}\n`);
  for (const p of change.head.problems) process.stderr.write(`lazymmu: ${path.relative(root, p.file) || p.file}: ${p.message}\n`);
  const result = { ...change.head, root, findings: shown.map((c) => c.finding) };
  process.stdout.write(FORMATS[a.format](result, { root, toolVersion: VERSION, baseline: { commit: change.baseCommit, states: shown.map((c) => c.state), counts } }));
  return counts.new ? 1 : change.head.problems.length ? 2 : 0;
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
  if (cmd === 'review') return runCheck(rest, 'review');
  // runSimulate hands over one line at a time.
  if (cmd === 'simulate') return runSimulate(rest, (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n'));
  throw new UsageError(cmd ? `unknown command "${cmd}"` : 'no command given');
}

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// Exit once nothing is left to run (every write done, every thread waited for ended), without node's
// teardown, which frees the heap piece by piece first (~0.1 s of a warm rerun's wall; bin/lazymmu.js).
process.once('beforeExit', () => process.exit());

main(process.argv.slice(2)).then(
  // exitCode, not exit(): a large report piped to another program must be written out first.
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    if (e instanceof UsageError) process.stderr.write(`lazymmu: ${e.message}\n${USAGE}\n`);
    else if (e instanceof CatalogueError || e instanceof GitError) process.stderr.write(`lazymmu: ${e.message}\n`);
    else process.stderr.write(`lazymmu: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  },
);
