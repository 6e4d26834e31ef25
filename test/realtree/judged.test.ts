// Every finding on the six whole-tree runs is one we judged by reading the
// code (test/realtree/judged/*.json, rendered into docs/findings-<tree>.md):
// a run reports exactly the judged findings, none of the judged absences, and
// the judged precision (hazard + contract over all findings) is at least 90%.
// A finding that appears or disappears fails here until it is judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { kernelTree } from './kernelTree';
import { JsonDiagnostic, runCheckJson } from './cliRun';
import { RUNS, collapse, findingKey, loadJudged, precision } from './judged';

/** The text of 1-based `line` of `file` (relative to `root`), cached per file. */
function lineReader(root: string): (file: string, line: number) => string {
  const files = new Map<string, string[]>();
  return (file, line) => {
    let lines = files.get(file);
    if (!lines) {
      lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
      files.set(file, lines);
    }
    return collapse(lines[line - 1] ?? '');
  };
}

for (const { tree: version, arch } of RUNS) {
  test(`${version} ${arch}: the whole tree reports exactly the judged findings, precision at least 90%`, () => {
    const judged = loadJudged(version, arch);
    const tree = kernelTree(version);
    const { report } = runCheckJson(tree, [tree], ['--arch', arch]);
    const textOf = lineReader(tree);
    const keyOf = (d: JsonDiagnostic) => findingKey({ ...d, text: textOf(d.file, d.line) });
    const reported = new Map(report.diagnostics.map((d) => [keyOf(d), d]));
    const expected = new Map(judged.findings.map((f) => [findingKey(f), f]));
    const unjudged = [...reported].filter(([k]) => !expected.has(k)).map(([k, d]) => `${k} (line ${d.line}: ${d.message.slice(0, 200)})`);
    const gone = [...expected].filter(([k]) => !reported.has(k)).map(([k, f]) => `${k} (judged ${f.verdict} at line ${f.line})`);
    assert.deepEqual(unjudged, [], `reported but not judged in test/realtree/judged/${version}-${arch}.json`);
    assert.deepEqual(gone, [], `judged but no longer reported (judge again: fixed, or lost?)`);
    for (const a of judged.absent) {
      const bad = report.diagnostics.filter(
        (d) => d.rule === a.rule && d.file === a.file && d.function === a.function && (!a.text || textOf(d.file, d.line) === collapse(a.text)),
      );
      assert.deepEqual(bad.map(keyOf), [], `must not be reported: ${a.why}`);
    }
    for (const f of judged.findings) assert.ok(f.why.length > 20, `every judgement says why: ${findingKey(f)}`);
    const p = precision(judged);
    assert.ok(p >= 0.9, `precision ${(p * 100).toFixed(0)}% < 90% on ${version} ${arch}`);
  });
}
