/**
 * `lazymmu simulate FILE.lzmmu|FILE.litmus [--model NAME|all] [--format text|json]
 *                              [--max-states N] [--max-steps N] [--list-models]`
 *
 * Exit 0 when the simulation ran (whether or not the condition is
 * reachable), 2 for usage or parse errors (`file:line:col: error: message`).
 */
import * as fs from 'node:fs';
import {
  Bounds,
  DEFAULT_MODEL,
  formatDiagnostic,
  listModels,
  Outcome,
  parseScenario,
  simulate,
  SimResult,
  Step,
} from '../engine/simulator';
import { isLitmusFile, readLitmus } from '../engine/simulator/litmus';

const USAGE =
  'usage: lazymmu simulate FILE.lzmmu|FILE.litmus [--model NAME|all] [--format text|json] [--max-states N] [--max-steps N]\n' +
  '       lazymmu simulate --list-models';

export async function runSimulate(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const args = argv[0] === 'simulate' ? argv.slice(1) : [...argv];
  let file: string | undefined;
  let model = DEFAULT_MODEL;
  let format: 'text' | 'json' = 'text';
  const bounds: Bounds = {};
  const usage = (msg: string) => {
    err(`lazymmu simulate: error: ${msg}`);
    err(USAGE);
    return 2;
  };
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    let val: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      val = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const take = () => {
      if (val !== undefined) return val;
      i++;
      return args[i];
    };
    switch (a) {
      case '--model':
      case '-m': {
        const v = take();
        if (!v) return usage('--model needs a value');
        model = v;
        break;
      }
      case '--format':
      case '-f': {
        const v = take();
        if (v !== 'text' && v !== 'json') return usage(`--format must be text or json, not '${v ?? ''}'`);
        format = v;
        break;
      }
      case '--max-states':
      case '--max-steps': {
        const v = take();
        const n = Number(v);
        if (!v || !Number.isInteger(n) || n <= 0) return usage(`${a} needs a positive integer`);
        if (a === '--max-states') bounds.maxStates = n;
        else bounds.maxSteps = n;
        break;
      }
      case '--list-models':
        for (const m of listModels()) out(`${m.name}\t${m.summary}`);
        return 0;
      case '--help':
      case '-h':
        out(USAGE);
        return 0;
      default:
        if (a.startsWith('-')) return usage(`unknown option '${a}'`);
        if (file !== undefined) return usage(`only one scenario file is accepted (got '${file}' and '${a}')`);
        file = a;
    }
  }
  if (file === undefined) return usage('missing scenario file');
  const names = listModels().map((m) => m.name);
  const models = model === 'all' ? names : [model];
  for (const m of models) if (!names.includes(m)) return usage(`unknown model '${m}' (known: ${names.join(', ')}, all)`);

  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    err(`${file}:1:1: error: cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 2;
  }
  let sc;
  if (isLitmusFile(file)) {
    // a herd7 AArch64 VMSA litmus test: same results as a scenario
    const read = readLitmus(text, file);
    if (read.cannotExpress) {
      err(`${file}:1:1: error: the simulator cannot express this test: ${read.cannotExpress}`);
      return 2;
    }
    if (!read.scenario) {
      for (const d of read.errors) err(formatDiagnostic(d));
      return 2;
    }
    sc = read.scenario;
  } else {
    const parsed = parseScenario(text, file);
    if (!parsed.scenario) {
      for (const d of parsed.errors) err(formatDiagnostic(d));
      return 2;
    }
    sc = parsed.scenario;
  }
  const results = models.map((m) => simulate(sc, m, bounds));
  if (format === 'json') {
    const one = (r: SimResult) => ({
      exists: r.exists,
      verdict: r.verdict,
      bounded: r.bounded,
      states: r.states,
      outcomes: r.outcomes,
      witness: r.witness,
    });
    if (model === 'all') {
      const o: Record<string, unknown> = {};
      results.forEach((r) => (o[r.model] = one(r)));
      out(JSON.stringify({ scenario: sc.name, models: o }, null, 2));
    } else out(JSON.stringify({ scenario: sc.name, model: results[0].model, ...one(results[0]) }, null, 2));
    return 0;
  }
  results.forEach((r, i) => {
    if (i > 0) out('');
    printText(sc.name, sc.condition ? `${sc.quantifier}` : '', r, out);
  });
  return 0;
}

function outcomeLine(o: Outcome): string {
  const parts: string[] = [];
  parts.push(`faults: ${o.faults.length ? o.faults.join(', ') : 'none'}`);
  const regs = Object.entries(o.registers);
  if (regs.length) parts.push(`registers: ${regs.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  parts.push(`entries: ${Object.entries(o.entries).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const pages = Object.entries(o.pages);
  if (pages.length) parts.push(`pages: ${pages.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (o.errors.length) parts.push(`errors: ${o.errors.join('; ')}`);
  return parts.join(' | ');
}

function stepLine(s: Step): string {
  const where = s.loc ? `  [${s.loc.file}:${s.loc.line}]` : '';
  return `${String(s.index + 1).padStart(3)}. P${s.cpu} ${s.kind.padEnd(13)} ${s.text}${where}`;
}

function printText(name: string, quant: string, r: SimResult, out: (s: string) => void) {
  out(`scenario "${name}" under ${r.model}`);
  if (quant) {
    out(`  condition (${quant}): ${r.exists ? 'REACHABLE' : 'not reachable'} -> ${r.verdict}`);
  } else out('  (no final condition)');
  out(`  explored ${r.states} states${r.bounded ? `; BOUNDED: ${r.bounded}` : ' (complete)'}`);
  out(`  outcomes (${r.outcomes.length}):`);
  for (const o of r.outcomes) out(`    #${o.id}${o.satisfies ? ' [condition holds]' : ''} ${outcomeLine(o)}`);
  const w = r.witness ?? r.outcomes[0]?.witness ?? null;
  const which = r.witness ? 'witness of the condition' : r.outcomes.length ? 'witness of outcome #0 (the condition is not reachable)' : '';
  if (w && which) {
    out(`  ${which} (${w.length} steps):`);
    for (const s of w) out('    ' + stepLine(s));
    const last = w[w.length - 1];
    if (last) {
      const st = last.state;
      out(`    final: entries ${Object.entries(st.entries).map(([k, v]) => `${k}=${v}`).join(', ')}; faults ${st.faults.join(', ') || 'none'}`);
    }
  }
}
