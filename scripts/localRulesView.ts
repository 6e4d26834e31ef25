// The local rules' run of one function with and without a syntax view
// (engine/checkers/localRules.ts `viewed`; the Workspace reads through a view
// for files open in an editor): CPU per run, alternating the two K times in
// one process, and whether their findings are the same (they must be). Never
// run by the tests.
//
//   node out/scripts/localRulesView.js [FILE] [FUNCTION]   (defaults: the 6.12 tree's mm/memory.c, copy_pte_range; K from the environment, default 20)
import * as fs from 'fs';
import * as path from 'path';
import { builtinCatalogue } from '../engine/catalogue/catalogue';
import { ensureParser } from '../engine/parse/cParser';
import { SourceCache } from '../engine/analysis/sourceCache';
import { TreeArchitectures } from '../engine/architectures';
import { LOCAL_RULES } from '../engine/checkers';
import { runLocalRules } from '../engine/checkers/localRules';
import { defaultCacheBase } from '../engine/index/indexCache';

async function main(): Promise<void> {
  const file = path.resolve(process.argv[2] ?? path.join(defaultCacheBase(), 'linux-source-6.12', 'mm', 'memory.c'));
  const name = process.argv[3] ?? 'copy_pte_range';
  const k = Number(process.env.K ?? 20);
  await ensureParser();
  const cat = builtinCatalogue();
  const text = fs.readFileSync(file, 'utf8');
  const line = text.split('\n').findIndex((l) => l.startsWith(`${name}(`) || new RegExp(`\\b${name}\\(`).test(l)) + 1;
  const fn = new SourceCache(cat, (f) => (f === file ? text : null)).functionAt(file, name, line);
  if (!fn) throw new Error(`${name} not found in ${file}`);
  const arch = new TreeArchitectures(path.dirname(file), cat);
  const cpu: Record<'view' | 'none', number[]> = { view: [], none: [] };
  const found = new Set<string>();
  for (let i = 0; i < k; i++)
    for (const viewed of [true, false]) {
      const c0 = process.cpuUsage();
      const findings = runLocalRules(fn, cat, LOCAL_RULES.map((r) => r.make(fn, cat, arch)), viewed);
      const c1 = process.cpuUsage(c0);
      cpu[viewed ? 'view' : 'none'].push((c1.user + c1.system) / 1000);
      found.add(JSON.stringify(findings));
    }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  console.log(
    `${name}: local rules' run CPU ms, median of ${k}: through a view ${med(cpu.view).toFixed(2)}, without ${med(cpu.none).toFixed(2)}; ` +
      `findings ${found.size === 1 ? 'the same' : 'DIFFER'} (${JSON.parse([...found][0]).length})`,
  );
  if (found.size !== 1) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
