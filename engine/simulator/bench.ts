/**
 * Benchmark helper: simulate every `.lzmmu` file of a directory under every
 * model and report time and explored states. No assertions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listModels, parseScenario, simulate } from './index';

export interface BenchRow {
  file: string;
  model: string;
  ms: number;
  states: number;
}

export function benchScenarios(dir: string, models?: string[]): BenchRow[] {
  const rows: BenchRow[] = [];
  const names = models ?? listModels().map((m) => m.name);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.lzmmu'))
    .sort();
  for (const f of files) {
    const file = path.join(dir, f);
    const r = parseScenario(fs.readFileSync(file, 'utf8'), file);
    if (!r.scenario) continue;
    for (const model of names) {
      const t0 = process.hrtime.bigint();
      const res = simulate(r.scenario, model);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      rows.push({ file, model, ms: Math.round(ms * 1000) / 1000, states: res.states });
    }
  }
  return rows;
}
