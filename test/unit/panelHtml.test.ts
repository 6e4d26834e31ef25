// The simulation panel's HTML (client/panel/html.ts) made in plain node: every
// string from source code is escaped, the CSP is strict with a nonce, there
// are no inline handlers; the webview's messages are validated; the C
// injection grammar names the catalogue's calls; package.json's contributions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { esc, makeNonce, panelHtml, parseMessage, summaryText, verdictWords } from '../../client/panel/html';
import { fromReplay, fromScenario, PanelData } from '../../client/panel/data';
import { reachSummary, replayFinding } from '../../engine/replay';
import { listModels, parseScenario, simulate } from '../../engine/simulator';
import type { Finding } from '../../engine/findings';
import { renderMessage } from '../../engine/message';

const REPO = path.join(__dirname, '..', '..', '..');
const EVIL = '<img src=x onerror=alert(1)>';
const OPTS = { cspSource: 'vscode-webview://abc', nonce: 'N0nceN0nceN0nceN0nceN0nceN0nce12', scriptUri: 'vscode-webview://abc/media/panel.js', styleUri: 'vscode-webview://abc/media/panel.css' };

function evilFinding(): Finding {
  const file = `/tmp/${EVIL}/mm/"memory".c`;
  return {
    rule: 'lazy-mmu/read-after-write',
    severity: 'warning',
    file,
    line: 20,
    column: 9,
    endLine: 20,
    endColumn: 20,
    function: EVIL,
    message: [[`ptep_get(${EVIL}) reads an entry written earlier`]],
    impact: { kind: 'hazard', architectures: [] },
    related: [],
    conditions: [],
    path: [
      { file, line: 10, column: 2, op: 'arch_enter_lazy_mmu_mode' },
      { file, line: 14, column: 2, op: 'set_pte_at' },
      { file, line: 20, column: 9, op: 'ptep_get' },
      { file, line: 30, column: 2, op: 'arch_leave_lazy_mmu_mode' },
    ],
  };
}

function evilData(): PanelData {
  const f = evilFinding();
  const replay = replayFinding(f)!;
  assert.ok(replay, 'the finding replays');
  return fromReplay(`${f.function}: ${f.rule}`, renderMessage(f.message), replay, 'arm64-eager');
}

test('esc escapes the five HTML specials', () => {
  assert.equal(esc(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test('strings from source code come out escaped, never as markup', () => {
  const html = panelHtml(evilData(), OPTS);
  assert.ok(!html.includes(EVIL), 'the raw identifier never appears');
  assert.ok(!/<img/i.test(html), 'no <img> element');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), 'it appears escaped');
  assert.ok(!html.includes('"memory"'), 'quotes in a path are escaped');
});

test('strict CSP with a nonce: default-src none, only the nonced script, no inline handlers or styles', () => {
  const html = panelHtml(evilData(), OPTS);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
  assert.ok(csp, 'a CSP meta tag');
  assert.match(csp!, /default-src 'none'/);
  assert.match(csp!, new RegExp(`script-src 'nonce-${OPTS.nonce}'`));
  assert.doesNotMatch(csp!, /unsafe-inline|unsafe-eval|https?:/);
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0].includes(`nonce="${OPTS.nonce}"`) && scripts[0].includes(`src="${OPTS.scriptUri}"`));
  assert.ok(!/<script\b[^>]*>[^<]+<\/script>/.test(html), 'no inline script body');
  assert.ok(!/\son[a-z]+\s*=/i.test(html.replace(/&lt;img src=x onerror=alert\(1\)&gt;/g, '')), 'no inline event handler attributes');
  assert.ok(!/\sstyle\s*=/i.test(html), 'no inline style attributes');
  assert.ok(!/(src|href)="https?:/i.test(html), 'no remote content');
});

test('the timeline: one table column per step, row labels in a first column, rows for mode, pending, memory, walker, TLB; verdicts per model', () => {
  const data = evilData();
  const html = panelHtml(data, OPTS);
  const tables = html.match(/<table class="timeline"/g) ?? [];
  assert.equal(tables.length, data.models.length, 'one timeline per model');
  const xen = data.models.findIndex((m) => m.name === 'x86-xen-pv');
  const cols = html.match(new RegExp(`<td class="[^"]*" data-step="\\d+" id="m${xen}s\\d+"`, 'g')) ?? [];
  assert.equal(cols.length, data.models[xen].steps.length);
  for (const label of ['mode (enable / pause)', 'pending (stores, barriers)', 'entry in memory', 'table walker sees', 'TLB'])
    assert.ok(html.includes(`<th scope="row" class="label">${esc(label)}</th>`), label);
  // Nothing is clipped in the markup: a long value comes out whole (the stylesheet wraps it).
  assert.ok(!html.includes('…'), 'no ellipsis');
  // Verdicts in plain words, herd's word kept as a detail: the stale read can happen on Xen PV, not on arm64 eager.
  assert.equal(data.models[xen].exists, true);
  assert.match(html, /x86-xen-pv <span class="verdict bad" title="herd: Allowed">can happen<\/span>/);
  assert.match(html, /arm64-eager <span class="verdict ok" title="herd: Forbidden">cannot happen<\/span>/);
  assert.match(html, /<span class="herd">herd: Allowed<\/span>/);
  // The selected model's section is shown, the others hidden.
  const eager = data.models.findIndex((m) => m.name === 'arm64-eager');
  assert.ok(html.includes(`<section class="model" data-model="${eager}">`));
  assert.ok(html.includes(`<section class="model" data-model="${xen}" hidden>`));
});

test('a scenario result (with parse errors as data) makes a panel too', () => {
  const text = fs.readFileSync(path.join(REPO, 'test/simulator/scenarios/copy_pte_range_raw.lzmmu'), 'utf8');
  const sc = parseScenario(text, 'x.lzmmu').scenario!;
  const results = Object.fromEntries(listModels().map((m) => [m.name, simulate(sc, m.name)]));
  const data = fromScenario('copy_pte_range_raw.lzmmu', { errors: [], results });
  assert.equal(data.models.length, listModels().length);
  assert.ok(data.models.every((m) => m.steps.length > 0));
  const bad = fromScenario(EVIL, { errors: [{ line: 1, col: 2, message: `unknown op ${EVIL}` }], results: {} });
  const html = panelHtml(bad, OPTS);
  assert.ok(!html.includes(EVIL));
  assert.match(html, /<ul class="errors"><li>1:2: unknown op &lt;img/);
});

test('webview messages: only reveal/step/model of the right shape are accepted', () => {
  assert.deepEqual(parseMessage({ type: 'reveal', step: 3 }), { type: 'reveal', step: 3 });
  assert.deepEqual(parseMessage({ type: 'step', dir: -1 }), { type: 'step', dir: -1 });
  assert.deepEqual(parseMessage({ type: 'model', model: 2 }), { type: 'model', model: 2 });
  for (const bad of [null, 'reveal', 42, {}, { type: 'reveal' }, { type: 'reveal', step: -1 }, { type: 'reveal', step: 1.5 }, { type: 'reveal', step: '1' },
    { type: 'step', dir: 2 }, { type: 'step', dir: 0 }, { type: 'reveal', step: 1, extra: 'x' }, { type: 'open', uri: 'file:///etc/passwd' }, { type: 'model', model: -1 }])
    assert.equal(parseMessage(bad), null, JSON.stringify(bad));
});

test('nonces are 32 characters of letters and digits, and differ', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.match(a, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(a, b);
});

test('the C injection grammar marks every lazy-mode call, writer and reader of the catalogue', () => {
  const g = JSON.parse(fs.readFileSync(path.join(REPO, 'syntaxes/lazymmu-c.injection.tmLanguage.json'), 'utf8'));
  assert.equal(g.scopeName, 'lazymmu.injection');
  assert.match(g.injectionSelector, /source\.c/);
  const cat = JSON.parse(fs.readFileSync(path.join(REPO, 'engine/catalogue/apis.json'), 'utf8'));
  const res = g.patterns.map((p: any) => ({ re: new RegExp(p.match), scope: p.captures['1'].name as string }));
  const scopeOf = (call: string) => res.find((r: any) => r.re.exec(call)?.[1] === call.split('(')[0])?.scope;
  for (const [name, v] of Object.entries<any>(cat.lazyMode)) assert.equal(scopeOf(`${name}()`), `keyword.control.lazymmu.${v.op === 'resume' ? 'pause' : v.op}.c`, name);
  for (const name of Object.keys(cat.writers).filter((k) => !k.startsWith('$'))) assert.equal(scopeOf(`${name}(mm, addr, ptep, pte)`), 'support.function.lazymmu.pte-write.c', name);
  for (const name of Object.keys(cat.readers).filter((k) => !k.startsWith('$'))) assert.equal(scopeOf(`${name}(ptep)`), 'support.function.lazymmu.pte-read.c', name);
  assert.equal(scopeOf('my_set_pte_at(x)'), undefined, 'whole identifiers only');
  assert.equal(scopeOf('ptep_get_thing(x)'), undefined);
});

test('package.json contributes the extension: client, languages, grammars, commands, settings, untrusted workspaces', () => {
  const p = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  assert.equal(p.main, './dist/client.js');
  assert.deepEqual(p.activationEvents, ['onLanguage:c', 'onLanguage:lzmmu']);
  assert.equal(p.capabilities.untrustedWorkspaces.supported, true);
  assert.ok(p.bin.lazymmu, 'the CLI is kept');
  const c = p.contributes;
  assert.deepEqual(c.languages[0].extensions, ['.lzmmu']);
  assert.ok(fs.existsSync(path.join(REPO, c.languages[0].configuration)));
  for (const g of c.grammars) assert.ok(fs.existsSync(path.join(REPO, g.path)), g.path);
  assert.deepEqual(c.grammars.find((g: any) => g.scopeName === 'lazymmu.injection').injectTo, ['source.c']);
  assert.deepEqual(c.commands.map((x: any) => x.command).sort(), ['lazymmu.checkFolder', 'lazymmu.insertSnippet', 'lazymmu.openRule', 'lazymmu.reindex', 'lazymmu.showOutput', 'lazymmu.simulateAtCursor', 'lazymmu.toggleNewSinceBase']);
  // Check Folder on a folder's context menu; the commands the server's actions and the rule links run are not in the palette.
  assert.deepEqual(c.menus['explorer/context'].map((m: any) => [m.command, m.when]), [['lazymmu.checkFolder', 'explorerResourceIsFolder']]);
  for (const hidden of ['lazymmu.openRule', 'lazymmu.insertSnippet']) assert.equal(c.menus.commandPalette.find((m: any) => m.command === hidden)?.when, 'false', hidden);
  assert.equal(c.configuration.properties['lazymmu.showSectionExtents'].default, true);
  assert.ok(c.colors.some((x: any) => x.id === 'lazymmu.sectionBackground'));
  const props = c.configuration.properties;
  assert.deepEqual(props['lazymmu.model'].enum, listModels().map((m) => m.name), 'the model setting lists the simulator models');
  for (const k of ['lazymmu.arch', 'lazymmu.extraApis', 'lazymmu.exclude', 'lazymmu.kernelConfig', 'lazymmu.showOnlyNewSince']) assert.ok(props[k], k);
});

test('verdict words: can happen, cannot happen, and not found when the search was bounded', () => {
  assert.equal(verdictWords({ exists: true, bounded: null }), 'can happen');
  assert.equal(verdictWords({ exists: true, bounded: 'max states' }), 'can happen');
  assert.equal(verdictWords({ exists: false, bounded: null }), 'cannot happen');
  assert.equal(verdictWords({ exists: false, bounded: 'max states' }), 'not found (search bounded)');
});

test('the summary line names where the outcome is possible and where not; an architecture stands for all its models', () => {
  const x = (exists: boolean, bounded: string | null = null) => ({ exists, bounded });
  const results = { 'arm64-eager': x(false), 'arm64-v6.16': x(false), 'x86-xen-pv': x(true), s390: x(false), 'powerpc-hash': x(false), sparc64: x(false) };
  assert.equal(summaryText(reachSummary(results, 'stale read')), 'stale read possible on x86-xen-pv; not on arm64, s390, powerpc-hash, sparc64');
  // Part of an architecture: its models by name.
  assert.equal(
    summaryText(reachSummary({ ...results, 'arm64-v6.16': x(true) }, 'stale read')),
    'stale read possible on arm64-v6.16, x86-xen-pv; not on arm64-eager, s390, powerpc-hash, sparc64',
  );
  assert.equal(summaryText(reachSummary({ ...results, 'x86-xen-pv': x(false) }, 'stale read')), 'stale read not possible on arm64, x86-xen-pv, s390, powerpc-hash, sparc64');
  assert.equal(
    summaryText(reachSummary({ ...results, s390: x(false, 'max states') }, 'stale read')),
    'stale read possible on x86-xen-pv; not on arm64, powerpc-hash, sparc64; not found within the search bound on s390',
  );
  // It is the header's first line, coloured as danger when possible somewhere.
  const data = evilData();
  data.summary = reachSummary(Object.fromEntries(data.models.map((m) => [m.name, m])), 'stale read');
  assert.match(panelHtml(data, OPTS), /<p class="summary bad">stale read possible on x86-xen-pv; not on arm64, s390, powerpc-hash, sparc64<\/p>/);
});

test('call-chain hops are columns of their own, their state cells blank; steps of a kind the panel does not know show their text', () => {
  const data = evilData();
  const xen = data.models.find((m) => m.name === 'x86-xen-pv')!;
  const st = xen.steps[0];
  xen.steps.splice(1, 0, { ...st, kind: 'call', operation: 'helper() writes the entry through p', line: 12 }, { ...st, kind: 'tlb-prefetch"x', operation: 'speculative walk of src_pte', file: undefined, line: undefined });
  const html = panelHtml(data, OPTS);
  const xi = data.models.indexOf(xen);
  assert.match(html, new RegExp(`<td class="cell cell-op kind-call" data-step="1" id="m${xi}s1"[^>]*><div>2\\. ↳ call</div><div>helper\\(\\) writes the entry through p</div></td>`));
  assert.match(html, /<td class="cell cell-mem kind-call same" data-step="1"><\/td>/);
  assert.match(html, /<td class="cell cell-op kind-tlb-prefetchx" data-step="2"[^>]*><div>3\. speculative walk of src_pte<\/div>/);
});

test('a scenario: titled by its name, its condition shown, each step linked to its scenario line', () => {
  const text = fs.readFileSync(path.join(REPO, 'test/simulator/scenarios/copy_pte_range_raw.lzmmu'), 'utf8');
  const sc = parseScenario(text, 'x.lzmmu').scenario!;
  const results = Object.fromEntries(listModels().map((m) => [m.name, simulate(sc, m.name)]));
  const data = fromScenario('copy_pte_range_raw.lzmmu', { errors: [], results, name: sc.name, condition: 'exists P0:r0 = invalid(a, user)', model: 'x86-xen-pv' }, 'arm64-eager', '/ws/copy.lzmmu');
  assert.equal(data.title, 'copy_pte_range read after write');
  assert.equal(data.subtitle, 'copy_pte_range_raw.lzmmu');
  assert.equal(data.selected, 'x86-xen-pv', 'the server\'s biting model wins over the preferred one');
  const xen = data.models.find((m) => m.name === 'x86-xen-pv')!;
  // Kernel steps link to their own lines; the machine steps after one to its line.
  assert.deepEqual(xen.steps.map((s) => s.reveal?.line), [9, 10, 11, 11, 12, 12, 12, 12]);
  assert.ok(xen.steps.every((s) => s.reveal?.file === '/ws/copy.lzmmu'));
  const html = panelHtml(data, OPTS);
  assert.match(html, /<h1>copy_pte_range read after write<\/h1>/);
  assert.match(html, /<p class="condition">condition: <code>exists P0:r0 = invalid\(a, user\)<\/code><\/p>/);
});

test('the fix button is there when the server offers the fix, and gone once the replay is of the fixed path', () => {
  const data = evilData();
  assert.ok(!panelHtml(data, OPTS).includes('apply-fix'));
  data.fix = { title: `Flush ${EVIL}` };
  const html = panelHtml(data, OPTS);
  assert.match(html, /<button type="button" class="apply-fix" title="Flush &lt;img[^"]*">Apply the fix and simulate again<\/button>/);
  assert.ok(!html.includes(EVIL));
  assert.deepEqual(parseMessage({ type: 'applyFix' }), { type: 'applyFix' });
  assert.equal(parseMessage({ type: 'applyFix', edit: {} }), null);
});
