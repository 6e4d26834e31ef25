import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, simulate, scenarioToText, buildScenario } from '../../engine/simulator';

function errs(text: string) {
  const r = parseScenario(text, 'bad.lzmmu');
  assert.equal(r.scenario, undefined);
  assert.ok(r.errors.length > 0);
  for (const e of r.errors) {
    assert.equal(e.file, 'bad.lzmmu');
    assert.ok(e.line >= 1 && e.col >= 1, `position ${e.line}:${e.col}`);
    assert.ok(e.message.length > 0);
  }
  return r.errors;
}

const GOOD = `
name "ok"
page a = 0
entry x = invalid(a)
cpu 0 {
  L0: str_pte(x, valid(a))  @mm/foo.c:12
  r1 = ldr(x)
}
exists fault(L0) /\\ ~(P0:r1 = 1) \\/ x = valid(a)
`;

test('a good scenario parses and round-trips through scenarioToText', () => {
  const r = parseScenario(GOOD, 'ok.lzmmu');
  assert.deepEqual(r.errors, []);
  const sc = r.scenario!;
  assert.equal(sc.cpus[0].steps[0].loc?.file, 'mm/foo.c');
  assert.equal(sc.cpus[0].steps[0].loc?.line, 12);
  const again = parseScenario(scenarioToText(sc), 'again.lzmmu');
  assert.deepEqual(again.errors, []);
  assert.equal(JSON.stringify(simulate(again.scenario!, 'arm64-v6.16').outcomes.map((o) => o.satisfies)),
    JSON.stringify(simulate(sc, 'arm64-v6.16').outcomes.map((o) => o.satisfies)));
});

test('syntax error: line, column, what was expected', () => {
  const e = errs('page a = 0\nentry x = invalid(a)\ncpu 0 {\n  str_pte(x valid(a))\n}\n');
  assert.equal(e[0].line, 4);
  assert.equal(e[0].col, 13);
  assert.match(e[0].message, /expected ','/);
});

test('unknown operation', () => {
  const e = errs('page a = 0\nentry x = invalid(a)\ncpu 0 {\n  set_pmd(x, valid(a))\n}\n');
  assert.match(e[0].message, /unknown operation 'set_pmd'/);
  assert.equal(e[0].line, 4);
  assert.equal(e[0].col, 3);
});

test('unknown entry and unknown page', () => {
  const e = errs('page a = 0\nentry x = invalid(a)\ncpu 0 {\n  set_pte(y, valid(b))\n}\n');
  assert.ok(e.some((d) => /unknown entry 'y'/.test(d.message) && d.line === 4 && d.col === 11));
  assert.ok(e.some((d) => /unknown page 'b'/.test(d.message)));
});

test('unknown label in the condition, bad register, missing result register', () => {
  assert.match(errs('page a = 0\nentry x = invalid(a)\ncpu 0 {\n  r0 = ldr(x)\n}\nexists fault(L9)\n')[0].message, /unknown label or entry 'L9'/);
  assert.match(errs('page a = 0\nentry x = invalid(a)\ncpu 0 {\n  foo = ldr(x)\n}\n')[0].message, /expected a register/);
  assert.match(errs('page a = 0\nentry x = invalid(a)\ncpu 0 {\n  ldr(x)\n}\n')[0].message, /produces a value/);
});

test('empty file, whitespace only, comments only', () => {
  assert.match(errs('')[0].message, /empty scenario/);
  assert.match(errs('   \n\n  ')[0].message, /empty scenario/);
  assert.match(errs('# nothing here\n')[0].message, /expected at least one 'cpu/);
});

test('binary garbage never crashes', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256);
  const bytes = Buffer.from(Array.from({ length: 5000 }, rnd));
  const e = errs(bytes.toString('latin1'));
  assert.ok(e.length <= 52);
  errs('\u0000\u0001\u0002\ufffd\ufffd');
});

test('1 MB of junk is handled quickly with bounded errors', () => {
  const junk = 'cpu 0 { set_pte( ,,, ) } ]]]] $$$ ' .repeat(30000);
  const t = Date.now();
  const e = errs(junk);
  assert.ok(e.length <= 52);
  assert.ok(Date.now() - t < 10000);
  const words = 'foo bar baz\n'.repeat(90000);
  assert.ok(errs(words).length > 0);
});

test('unterminated block and unterminated comment', () => {
  assert.match(errs('page a = 0\nentry x = invalid(a)\ncpu 0 {\n  isb()\n').slice(-1)[0].message, /expected '}'/);
  assert.match(errs('(* open comment\ncpu 0 { isb() }')[0].message, /unterminated comment/);
});

test('the builder reports unknown ops and entries instead of throwing', () => {
  const r = buildScenario({ pages: [{ name: 'a' }], entries: [{ name: 'x', init: 'invalid(a)' }], cpus: [[{ op: 'frobnicate' }, { op: 'set_pte', args: ['nope', 'valid(a)'] }]] });
  assert.equal(r.scenario, undefined);
  assert.ok(r.errors.some((e) => /unknown operation 'frobnicate'/.test(e.message)));
  assert.ok(r.errors.some((e) => /unknown entry 'nope'/.test(e.message)));
  const bad = buildScenario({ pages: [], entries: [{ name: 'x', init: 'valid(' }], cpus: [[]] });
  assert.ok(bad.errors.length > 0);
});

test('exploration bounds are reported, never silent', () => {
  const sc = parseScenario(`
page a = 0
page b = 0
entry x = valid(a)
entry y = valid(b)
cpu 0 { str_pte(x, invalid(a))  r0 = ldr(y)  str(x, 1)  r1 = ldr(x) }
cpu 1 { str_pte(y, invalid(b))  r0 = ldr(x)  str(y, 1)  r1 = ldr(y) }
exists P0:r0 = 0`).scenario!;
  const full = simulate(sc, 'arm64-v6.16');
  assert.equal(full.bounded, null);
  const cut = simulate(sc, 'arm64-v6.16', { maxStates: 50 });
  assert.ok(cut.bounded);
  assert.match(cut.bounded!, /maxStates=50/);
  assert.match(cut.bounded!, /incomplete/);
  const short = simulate(sc, 'arm64-v6.16', { maxSteps: 3 });
  assert.match(short.bounded!, /maxSteps=3/);
});

test('TextMate grammar: valid JSON, scope source.lzmmu, every op highlighted, regexes compile', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const { OPS } = require('../../engine/simulator') as typeof import('../../engine/simulator');
  const text = fs.readFileSync(path.resolve(__dirname, '../../../syntaxes/lzmmu.tmLanguage.json'), 'utf8');
  const g = JSON.parse(text);
  assert.equal(g.scopeName, 'source.lzmmu');
  const all = JSON.stringify(g.repository.ops);
  for (const op of Object.keys(OPS)) assert.ok(all.includes(op), op);
  const walk = (o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) {
      if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') new RegExp(v);
      else if (v && typeof v === 'object') walk(v as Record<string, unknown>);
    }
  };
  walk(g);
});
