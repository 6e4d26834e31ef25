// The CLI output formatters (text, JSON, SARIF) on a hand-made CheckResult.
// The SARIF output is validated against the SARIF 2.1.0 JSON schema shipped by
// the npm package @microsoft/jest-sarif (lib/schemas/sarif-2.1.0-rtm.5.json, a
// draft-04 schema, hence ajv-draft-04).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { CheckResult } from '../../engine/check';
import { RULES } from '../../engine/findings';
import { code, place, sentence } from '../../engine/message';
import { formatText } from '../../cli/format/text';
import { formatJson } from '../../cli/format/json';
import { formatSarif, toSarifLog } from '../../cli/format/sarif';

const ROOT = '/work/tree';
const OPTS = { root: ROOT, toolVersion: '0.1.0' };

function sample(): CheckResult {
  return {
    root: ROOT,
    findings: [
      {
        rule: 'lazy-mmu/read-after-write',
        severity: 'error',
        file: `${ROOT}/mm/memory.c`,
        line: 120,
        column: 9,
        endLine: 120,
        endColumn: 27,
        function: 'zap_pte_range',
        // A place in this file, one in another file, code with brackets (escaped in SARIF).
        message: [
          sentence`stale read of ${code('pte[i]')}: written by ${code('set_pte_at()')} (${place({ file: `${ROOT}/mm/memory.c`, line: 110, column: 3 })})`,
          sentence`read in ${place({ file: `${ROOT}/include/linux/pgtable.h`, line: 42, column: 5 })}, outside any [hop] at ${place({ file: `${ROOT}/mm/memory.c`, line: 7, column: 1 })}`,
        ],
        impact: { kind: 'hazard', architectures: ['x86 Xen PV'] },
        related: [
          { file: `${ROOT}/mm/memory.c`, line: 100, column: 2, message: 'lazy MMU section entered here' },
          { file: `${ROOT}/mm/memory.c`, line: 110, column: 3, message: 'PTE written by set_pte_at()' },
          { file: `${ROOT}/include/linux/pgtable.h`, line: 42, column: 5, message: 'read by ptep_get() via helper()' },
        ],
        conditions: ['CONFIG_ARM64', '!CONFIG_X'],
      },
      {
        rule: 'lazy-mmu/sleep-in-section',
        severity: 'info',
        file: '/elsewhere/drivers/my file#1.c',
        line: 7,
        column: 1,
        endLine: 8,
        endColumn: 4,
        function: 'f',
        message: [['may sleep\ninside the section']],
        impact: { kind: 'contract', architectures: [] },
        related: [],
        conditions: [],
      },
    ],
    problems: [
      { file: `${ROOT}/arch/x86/bad.c`, message: 'binary file' },
      { file: '/elsewhere/gone.c', message: 'cannot read' },
    ],
  };
}

test('text: gcc style, related hops as notes, relative paths inside the root', () => {
  const out = formatText(sample(), OPTS);
  assert.equal(
    out,
    'mm/memory.c:120:9: error: stale read of `pte[i]`: written by `set_pte_at()` (line 110). read in include/linux/pgtable.h:42, outside any [hop] at line 7 [lazy-mmu/read-after-write, hazard: x86 Xen PV]\n' +
      'mm/memory.c:120:9: note: only when CONFIG_ARM64 && !CONFIG_X\n' +
      'mm/memory.c:100:2: note: lazy MMU section entered here\n' +
      'mm/memory.c:110:3: note: PTE written by set_pte_at()\n' +
      'include/linux/pgtable.h:42:5: note: read by ptep_get() via helper()\n' +
      // info, contract: shown one level lower (hint), which text prints as a note.
      '/elsewhere/drivers/my file#1.c:7:1: note: may sleep inside the section [lazy-mmu/sleep-in-section, contract]\n',
  );
});

test('text: no findings give the empty string', () => {
  assert.equal(formatText({ root: ROOT, findings: [], problems: [] }, OPTS), '');
});

test('text: a root given with a trailing slash or relative parts gives the same paths', () => {
  assert.equal(formatText(sample(), { ...OPTS, root: ROOT + '/' }), formatText(sample(), OPTS));
  assert.equal(formatText(sample(), { ...OPTS, root: ROOT + '/mm/..' }), formatText(sample(), OPTS));
});

test('json: exact shape, relative paths, 1-based positions, problems', () => {
  const out = formatJson(sample(), OPTS);
  assert.ok(out.startsWith('{\n  "version": 1,\n  "root": "/work/tree",\n'), 'pretty-printed with 2 spaces');
  assert.ok(out.endsWith('}\n'));
  const doc = JSON.parse(out);
  assert.deepEqual(doc, {
    version: 1,
    root: '/work/tree',
    diagnostics: [
      {
        rule: 'lazy-mmu/read-after-write',
        severity: 'error',
        file: 'mm/memory.c',
        line: 120,
        column: 9,
        endLine: 120,
        endColumn: 27,
        function: 'zap_pte_range',
        message: 'stale read of `pte[i]`: written by `set_pte_at()` (line 110). read in include/linux/pgtable.h:42, outside any [hop] at line 7',
        related: [
          { file: 'mm/memory.c', line: 100, column: 2, message: 'lazy MMU section entered here' },
          { file: 'mm/memory.c', line: 110, column: 3, message: 'PTE written by set_pte_at()' },
          { file: 'include/linux/pgtable.h', line: 42, column: 5, message: 'read by ptep_get() via helper()' },
        ],
        conditions: ['CONFIG_ARM64', '!CONFIG_X'],
        impact: { kind: 'hazard', architectures: ['x86 Xen PV'] },
      },
      {
        rule: 'lazy-mmu/sleep-in-section',
        severity: 'info',
        file: '/elsewhere/drivers/my file#1.c',
        line: 7,
        column: 1,
        endLine: 8,
        endColumn: 4,
        function: 'f',
        message: 'may sleep inside the section',
        related: [],
        conditions: [],
        impact: { kind: 'contract', architectures: [] },
      },
    ],
    problems: [
      { file: 'arch/x86/bad.c', message: 'binary file' },
      { file: '/elsewhere/gone.c', message: 'cannot read' },
    ],
    unfollowedIndirectCalls: 0,
  });
  // Key order is part of the format (stable diffs of saved reports).
  assert.deepEqual(Object.keys(doc), ['version', 'root', 'diagnostics', 'problems', 'unfollowedIndirectCalls']);
  assert.deepEqual(Object.keys(doc.diagnostics[0]), [
    // impact added (issue 12); the earlier keys keep their order.
    'rule', 'severity', 'file', 'line', 'column', 'endLine', 'endColumn', 'function', 'message', 'related', 'conditions', 'impact',
  ]);
  assert.deepEqual(Object.keys(doc.diagnostics[0].related[0]), ['file', 'line', 'column', 'message']);
});

test('the count of calls through pointers not followed: a closing text line, a JSON field, a SARIF run property', () => {
  const none = sample();
  assert.ok(!formatText(none, OPTS).includes('not followed'), 'no line when every call was followed');
  assert.equal(toSarifLog(none, OPTS).runs[0].properties, undefined);
  const some: CheckResult = { ...sample(), unfollowedIndirectCalls: 3 };
  const lines = formatText(some, OPTS).trimEnd().split('\n');
  assert.equal(lines[lines.length - 1], 'lazymmu: 3 calls through pointers inside lazy MMU sections not followed (target not known)');
  assert.equal(JSON.parse(formatJson(some, OPTS)).unfollowedIndirectCalls, 3);
  assert.deepEqual(toSarifLog(some, OPTS).runs[0].properties, { unfollowedIndirectCalls: 3 });
  assert.ok(sarifValidator()(toSarifLog(some, OPTS)), 'still valid SARIF');
});

test('json: a chain hop carries the guards the contextual search could not decide; a bounded chain says so', () => {
  const r = sample();
  r.findings[0].related[2].undecided = [{ text: '!walk', line: 40, column: 6 }];
  r.findings[0].notDecided = 'search bound';
  const doc = JSON.parse(formatJson(r, OPTS));
  assert.deepEqual(doc.diagnostics[0].related[2].undecided, [{ text: '!walk', line: 40, column: 6 }]);
  assert.equal(doc.diagnostics[0].notDecided, 'search bound');
  assert.equal(doc.diagnostics[0].related[1].undecided, undefined);
  assert.equal(doc.diagnostics[1].notDecided, undefined);
});

function sarifValidator() {
  const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  // unicodeRegExp: false because the schema's `language` pattern has a lone ']',
  // legal in a plain JavaScript RegExp but not in a /u one (ajv's default).
  const ajv = new Ajv({ allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

test('sarif: validates against the SARIF 2.1.0 schema', () => {
  const validate = sarifValidator();
  const doc = JSON.parse(formatSarif(sample(), OPTS));
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
  const empty = JSON.parse(formatSarif({ root: ROOT, findings: [], problems: [] }, OPTS));
  assert.ok(validate(empty), JSON.stringify(validate.errors, null, 2));
});

test('sarif: the schema check is not vacuous', () => {
  const validate = sarifValidator();
  const doc = JSON.parse(formatSarif(sample(), OPTS));
  doc.runs[0].results[0].level = 'info';
  assert.equal(validate(doc), false);
  const doc2 = JSON.parse(formatSarif(sample(), OPTS));
  doc2.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
  assert.equal(validate(doc2), false);
});

test('sarif: log, run, tool and rules', () => {
  const doc = JSON.parse(formatSarif(sample(), OPTS));
  assert.equal(doc.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  assert.equal(doc.version, '2.1.0');
  assert.equal(doc.runs.length, 1);
  const run = doc.runs[0];
  assert.equal(run.tool.driver.name, 'lazymmu');
  assert.equal(run.tool.driver.version, '0.1.0');
  assert.deepEqual(run.tool.driver.rules.map((r: { id: string }) => r.id), [...RULES]);
  for (const r of run.tool.driver.rules) assert.ok(r.shortDescription.text.length > 0, r.id);
  assert.deepEqual(run.originalUriBaseIds, { SRCROOT: { uri: 'file:///work/tree/' } });
  assert.equal(run.results.length, 2);
  for (const res of run.results) {
    assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
  }
  const notes = run.invocations[0].toolExecutionNotifications;
  assert.deepEqual(notes.map((n: any) => n.locations[0].physicalLocation.artifactLocation), [
    { uri: 'arch/x86/bad.c', uriBaseId: 'SRCROOT' },
    { uri: 'file:///elsewhere/gone.c' },
  ]);
});

test('sarif: result with a call chain has relatedLocations and a codeFlow ending at the finding', () => {
  const res = JSON.parse(formatSarif(sample(), OPTS)).runs[0].results[0];
  assert.equal(res.ruleId, 'lazy-mmu/read-after-write');
  assert.equal(res.ruleIndex, RULES.indexOf('lazy-mmu/read-after-write'));
  assert.equal(res.level, 'error');
  // Places are links to the related location there ([line 110](1)); one with none stays text; literal brackets are escaped.
  assert.equal(
    res.message.text,
    'stale read of `pte\\[i\\]`: written by `set_pte_at()` ([line 110](1)). read in [pgtable.h:42](2), outside any \\[hop\\] at line 7',
  );
  assert.deepEqual(res.locations[0].physicalLocation, {
    artifactLocation: { uri: 'mm/memory.c', uriBaseId: 'SRCROOT' },
    region: { startLine: 120, startColumn: 9, endLine: 120, endColumn: 27 },
  });
  assert.deepEqual(res.relatedLocations, [
    {
      id: 0,
      physicalLocation: { artifactLocation: { uri: 'mm/memory.c', uriBaseId: 'SRCROOT' }, region: { startLine: 100, startColumn: 2 } },
      message: { text: 'lazy MMU section entered here' },
    },
    {
      id: 1,
      physicalLocation: { artifactLocation: { uri: 'mm/memory.c', uriBaseId: 'SRCROOT' }, region: { startLine: 110, startColumn: 3 } },
      message: { text: 'PTE written by set_pte_at()' },
    },
    {
      id: 2,
      physicalLocation: {
        artifactLocation: { uri: 'include/linux/pgtable.h', uriBaseId: 'SRCROOT' },
        region: { startLine: 42, startColumn: 5 },
      },
      message: { text: 'read by ptep_get() via helper()' },
    },
  ]);
  assert.equal(res.codeFlows.length, 1);
  assert.equal(res.codeFlows[0].threadFlows.length, 1);
  const steps = res.codeFlows[0].threadFlows[0].locations.map((s: any) => s.location);
  assert.equal(steps.length, 4);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(steps[i].physicalLocation, res.relatedLocations[i].physicalLocation);
    assert.deepEqual(steps[i].message, res.relatedLocations[i].message);
  }
  assert.deepEqual(steps[3].physicalLocation, res.locations[0].physicalLocation);
  assert.deepEqual(res.properties, {
    function: 'zap_pte_range',
    conditions: ['CONFIG_ARM64', '!CONFIG_X'],
    impact: 'hazard',
    architectures: ['x86 Xen PV'],
  });
  assert.match(res.partialFingerprints['lazymmu/v1'], /^[0-9a-f]{32}$/);
});

test('sarif: result without hops, in a file outside the root, at info severity', () => {
  const res = JSON.parse(formatSarif(sample(), OPTS)).runs[0].results[1];
  assert.equal(res.level, 'note');
  assert.equal(res.ruleIndex, RULES.indexOf('lazy-mmu/sleep-in-section'));
  assert.deepEqual(res.locations[0].physicalLocation, {
    artifactLocation: { uri: 'file:///elsewhere/drivers/my%20file%231.c' },
    region: { startLine: 7, startColumn: 1, endLine: 8, endColumn: 4 },
  });
  assert.equal(res.relatedLocations, undefined);
  assert.equal(res.codeFlows, undefined);
});

test('sarif: the fingerprint does not change when only lines move', () => {
  const a = JSON.parse(formatSarif(sample(), OPTS)).runs[0].results[0].partialFingerprints['lazymmu/v1'];
  const moved = sample();
  const f = moved.findings[0];
  moved.findings[0] = { ...f, line: f.line + 5, message: f.message.map((s) => s.map((p) => (typeof p !== 'string' && 'place' in p ? { place: { ...p.place, line: p.place.line + 5 } } : p))) };
  const b = JSON.parse(formatSarif(moved, OPTS)).runs[0].results[0].partialFingerprints['lazymmu/v1'];
  assert.equal(a, b);
});

test('sarif: relative URIs are percent-encoded where needed', () => {
  const r = sample();
  r.findings[0].file = `${ROOT}/drivers/a b#c%d,e+f.c`;
  const res = JSON.parse(formatSarif(r, OPTS)).runs[0].results[0];
  assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, 'drivers/a%20b%23c%25d,e+f.c');
});
