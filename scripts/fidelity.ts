/**
 * `npm run fidelity`: the aarch64-VMSA catalogue of herdtools7 as the
 * simulator's test suite. Runs every test named in VMSA-kinds.txt through
 * the simulator (engine/simulator/litmus) and through herd7 (built from
 * ../shared/tools/herd7 by its build script; verdicts cached per file
 * content), prints the agreement per family and both total times, and
 * rewrites the tables of docs/simulator-fidelity.md between its markers.
 *
 *   node out/scripts/fidelity.js [--jobs 2] [--timeout 30] [--no-docs] [--only NAME...]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { defaultNestedSteps, defaultRawSteps, getModel, listModels, scenarioForNestedSection, scenarioForReadAfterWrite, simulate } from '../engine/simulator';
import { readLitmus } from '../engine/simulator/litmus';
import { scenarioToLitmus } from '../engine/simulator/litmus/write';
import { HerdResult, locateHerd, runHerdAll } from './fidelity/herdOracle';

interface Row {
  name: string;
  family: string;
  kinds: string;
  herd?: HerdResult;
  /** the reference verdict: herd7's when it finished, else VMSA-kinds.txt's */
  ref?: string;
  refFrom: 'herd7' | 'kinds';
  status: 'agree' | 'differ' | 'cannot' | 'missing';
  ours?: string;
  reason?: string;
  simMs: number;
}

const ROOT = path.resolve(__dirname, '..', '..');
const DOC = path.join(ROOT, 'docs', 'simulator-fidelity.md');
const MODEL = 'arm64-eager'; // architecture-level tests do not depend on the kernel model

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

/** Family of a test: its name up to the first separator (`coRR-pte9` -> `coRR`). */
export function familyOf(name: string): string {
  const m = /^[A-Za-z]+[0-9]*?(?=[A-Z0-9+\-.]|$)/.exec(name);
  return m ? m[0] : name;
}

function explain(name: string): string {
  const data = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'fidelity', 'explanations.json'), 'utf8')) as { patterns: [string, string][] };
  return data.patterns.find(([re]) => new RegExp(re).test(name))?.[1] ?? 'not yet analysed';
}

function replaceBetween(doc: string, marker: string, body: string): string {
  const start = `<!-- fidelity:${marker}:start -->`;
  const end = `<!-- fidelity:${marker}:end -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`docs/simulator-fidelity.md lacks the markers ${start} ... ${end}`);
  return doc.slice(0, i + start.length) + '\n' + body.trimEnd() + '\n' + doc.slice(j);
}

async function main(): Promise<void> {
  const { herd, catalogue } = locateHerd(ROOT); // throws (loudly) without ../shared/tools/herd7
  const jobs = Number(arg('--jobs', '2'));
  const timeoutMs = Number(arg('--timeout', '30')) * 1000;
  const only = process.argv.includes('--only') ? process.argv.slice(process.argv.indexOf('--only') + 1) : null;
  const testsDir = path.join(catalogue, 'tests');
  const kindsText = fs.readFileSync(path.join(testsDir, 'VMSA-kinds.txt'), 'utf8');
  // VMSA-kinds.txt and the file names differ in case for some tests (WRC+DSB-ISB+DSB-ISB)
  const byLower = new Map(fs.readdirSync(testsDir).filter((f) => f.endsWith('.litmus')).map((f) => [f.toLowerCase(), f]));
  const fileOf = (name: string) => path.join(testsDir, byLower.get(`${name}.litmus`.toLowerCase()) ?? `${name}.litmus`);
  let rows: Row[] = kindsText
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length >= 2)
    .map(([name, kinds]) => ({ name, kinds, family: familyOf(name), refFrom: 'kinds' as const, status: 'missing' as const, simMs: 0 }));
  if (only) rows = rows.filter((r) => only.includes(r.name));

  // the simulator
  let simTotal = 0;
  for (const r of rows) {
    const file = fileOf(r.name);
    if (!fs.existsSync(file)) continue;
    const t0 = performance.now();
    const read = readLitmus(fs.readFileSync(file, 'utf8'), file);
    if (read.scenario) {
      const res = simulate(read.scenario, MODEL);
      r.ours = res.bounded ? undefined : res.verdict;
      if (res.bounded) r.reason = res.bounded;
    } else r.reason = read.cannotExpress ?? read.errors.map((e) => e.message).join('; ');
    r.simMs = performance.now() - t0;
    simTotal += r.simMs;
  }

  // herd7 (cached per file content)
  const withFile = rows.filter((r) => fs.existsSync(fileOf(r.name)));
  process.stderr.write(`herd7 on ${withFile.length} tests (${jobs} jobs, ${timeoutMs / 1000} s timeout, cached)...\n`);
  const herdRes = await runHerdAll(herd, withFile.map((r) => fileOf(r.name)), jobs, timeoutMs, (d) => {
    if (d % 100 === 0) process.stderr.write(`  ${d}\n`);
  });
  withFile.forEach((r, i) => (r.herd = herdRes[i]));

  for (const r of rows) {
    r.ref = r.herd?.verdict ?? r.kinds;
    r.refFrom = r.herd?.verdict ? 'herd7' : 'kinds';
    if (!fs.existsSync(fileOf(r.name))) r.status = 'missing';
    else if (r.ours === undefined) r.status = 'cannot';
    else r.status = r.ours === r.ref ? 'agree' : 'differ';
  }

  // the tables
  const fams = new Map<string, Row[]>();
  for (const r of rows) {
    const f = rows.filter((x) => x.family === r.family).length >= 5 ? r.family : 'other';
    fams.set(f, [...(fams.get(f) ?? []), r]);
  }
  const count = (rs: Row[], s: Row['status']) => rs.filter((r) => r.status === s).length;
  const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) + '%' : '-');
  const herdMs = (rs: Row[]) => rs.reduce((a, r) => a + (r.herd?.ms ?? 0), 0);
  const expressed = rows.filter((r) => r.status === 'agree' || r.status === 'differ');
  const summary: string[] = [
    '| family | tests | agree | differ | cannot express | no .litmus | agreement |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [f, rs] of [...fams.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)))
    summary.push(`| ${f} | ${rs.length} | ${count(rs, 'agree')} | ${count(rs, 'differ')} | ${count(rs, 'cannot')} | ${count(rs, 'missing')} | ${pct(count(rs, 'agree'), rs.length)} |`);
  summary.push(`| **all** | ${rows.length} | ${count(rows, 'agree')} | ${count(rows, 'differ')} | ${count(rows, 'cannot')} | ${count(rows, 'missing')} | ${pct(count(rows, 'agree'), rows.length)} |`);
  const timeLine =
    `Time on the ${expressed.length} tests the simulator expresses: simulator ${(expressed.reduce((a, r) => a + r.simMs, 0) / 1000).toFixed(1)} s, ` +
    `herd7 ${(herdMs(expressed) / 1000).toFixed(1)} s. Whole catalogue: simulator ${(simTotal / 1000).toFixed(1)} s ` +
    `(reading every file, lowering, exploring), herd7 ${(herdMs(rows) / 1000).toFixed(1)} s ` +
    `(${rows.filter((r) => r.herd && !r.herd.verdict).length} runs past the timeout or failed; reference taken from VMSA-kinds.txt there).`;
  const differ = ['| test | herd7 | simulator | why |', '|---|---|---|---|'];
  for (const r of rows.filter((x) => x.status === 'differ'))
    differ.push(`| ${r.name} | ${r.ref}${r.refFrom === 'kinds' ? ' (kinds)' : ''} | ${r.ours} | ${explain(r.name)} |`);
  const reasons = new Map<string, string[]>();
  for (const r of rows.filter((x) => x.status === 'cannot')) {
    const key = (r.reason ?? 'unknown').replace(/\s*\(.*$/, '').replace(/ in (PTE|\d+:X\d+|the condition).*$/, '');
    reasons.set(key, [...(reasons.get(key) ?? []), r.name]);
  }
  const cannot = ['| reason | tests | examples |', '|---|---|---|'];
  for (const [k, names] of [...reasons.entries()].sort((a, b) => b[1].length - a[1].length))
    cannot.push(`| ${k.replace(/\|/g, '\\|')} | ${names.length} | ${names.slice(0, 4).map((n) => `\`${n}\``).join(', ')}${names.length > 4 ? ', ...' : ''} |`);
  const missing = rows.filter((r) => r.status === 'missing').map((r) => `\`${r.name}\``);

  // the canonical replays, exported as litmus tests: herd7's verdict against the replay's
  const expDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-export-'));
  const exported: { file: string; replay: string }[] = [];
  const canon = [scenarioForReadAfterWrite(defaultRawSteps()).scenario!, scenarioForNestedSection(defaultNestedSteps()).scenario!];
  for (const sc of canon)
    for (const m of listModels().filter((x) => x.name.startsWith('arm64'))) {
      const file = path.join(expDir, `${sc.name.replace(/\W+/g, '_')}-${m.name}.litmus`);
      fs.writeFileSync(file, scenarioToLitmus(sc, getModel(m.name)!).text);
      exported.push({ file, replay: simulate(sc, m.name).verdict });
    }
  const expHerd = await runHerdAll(herd, exported.map((e) => e.file), jobs, timeoutMs);
  const expLines = ['| exported replay | replay | herd7 |', '|---|---|---|'];
  exported.forEach((e, i) => expLines.push(`| ${path.basename(e.file, '.litmus')} | ${e.replay} | ${expHerd[i].verdict ?? expHerd[i].error} |`));
  const expAgree = exported.filter((e, i) => e.replay === expHerd[i].verdict).length;

  const out = [...summary, '', timeLine, '', `Exported replays (herd7 agrees on ${expAgree} of ${exported.length}):`, '', ...expLines, '', `Differences (${differ.length - 2}):`, '', ...differ, '', `Cannot express (${count(rows, 'cannot')}):`, '', ...cannot];
  if (missing.length) out.push('', `Named in VMSA-kinds.txt without a .litmus file: ${missing.join(', ')}.`);
  process.stdout.write(out.join('\n') + '\n');
  if (!process.argv.includes('--no-docs') && !only) {
    let doc = fs.readFileSync(DOC, 'utf8');
    doc = replaceBetween(doc, 'summary', [...summary, '', timeLine, '', `The canonical replays exported as litmus tests (\`--export-litmus\`), herd7 agrees on ${expAgree} of ${exported.length}:`, '', ...expLines].join('\n'));
    doc = replaceBetween(doc, 'differences', differ.join('\n'));
    doc = replaceBetween(doc, 'cannot', [...cannot, ...(missing.length ? ['', `Named in VMSA-kinds.txt without a .litmus file: ${missing.join(', ')}.`] : [])].join('\n'));
    fs.writeFileSync(DOC, doc);
    process.stderr.write(`rewrote ${path.relative(ROOT, DOC)}\n`);
  }
  process.stderr.write(`agreement ${pct(count(rows, 'agree'), rows.length)} (target 90%)\n`);
}

main().catch((e) => {
  process.stderr.write(`fidelity: ${(e as Error).message}\n`);
  process.exit(2);
});
