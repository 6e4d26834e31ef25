/**
 * `lazymmu check --replay --export-litmus DIR`: each replayed finding's
 * scenario written as a herd7 AArch64 litmus test per arm64 kernel model,
 * so that a user can check the simulator's verdict with herd7 themselves.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Finding } from '../engine/findings';
import { scenarioFor } from '../engine/replay';
import { getModel, listModels } from '../engine/simulator';
import { scenarioToLitmus } from '../engine/simulator/litmus/write';

/** Writes the files; returns their paths. */
export function exportLitmus(findings: Finding[], dir: string, root: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const models = listModels().filter((m) => m.name.startsWith('arm64'));
  for (const f of findings) {
    if (!f.replay) continue;
    const sc = scenarioFor(f);
    if (!sc) continue;
    const where = `${path.relative(root, f.file) || f.file}:${f.line}`.replace(/[^A-Za-z0-9_.-]+/g, '_');
    for (const m of models) {
      const { text } = scenarioToLitmus(sc, getModel(m.name)!);
      const file = path.join(dir, `${f.rule.replace(/^lazy-mmu\//, '')}-${where}-${m.name}.litmus`);
      fs.writeFileSync(file, text);
      written.push(file);
    }
  }
  return written;
}
