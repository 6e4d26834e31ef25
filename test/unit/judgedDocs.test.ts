// docs/findings-<tree>.md shows the judged findings the real-tree test
// asserts (test/realtree/judged/*.json): its generated part must be what
// scripts/judgedDocs.ts renders from them (`npm run judged-docs` rewrites it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { docFile, withGenerated } from '../../scripts/judgedDocs';
import { RUNS, loadJudged } from '../realtree/judged';

test('docs/findings-<tree>.md hold the judged findings as the JSON says', () => {
  for (const tree of [...new Set(RUNS.map((r) => r.tree))]) {
    const doc = fs.readFileSync(docFile(tree), 'utf8');
    assert.equal(doc, withGenerated(doc, tree), `docs/findings-${tree}.md is stale: run npm run judged-docs`);
    for (const r of RUNS.filter((x) => x.tree === tree)) {
      const run = loadJudged(r.tree, r.arch);
      for (const f of run.findings) assert.ok(doc.includes(`\`${f.file}:${f.line}\` in \`${f.function}\``), `${tree} ${r.arch}: ${f.function}`);
    }
  }
});
