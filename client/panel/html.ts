// The simulation panel's HTML: a pure function of the panel data, so that it
// can be tested in node. Every string that came from source code or from the
// simulator is escaped; the page loads only the extension's own script and
// stylesheet, under a content security policy with a nonce.
import type { PanelCpu, PanelData, PanelModel, PanelReach, PanelStep } from './data';

export interface HtmlOptions {
  /** The webview's cspSource (where the extension's media files are served from). */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** Escapes text for HTML and SVG text and attribute values. */
export function esc(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function makeNonce(random: () => number = Math.random): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let n = '';
  for (let i = 0; i < 32; i++) n += chars[Math.floor(random() * chars.length)];
  return n;
}

function baseName(f: string): string {
  return f.split(/[\\/]/).pop() ?? f;
}

/** The rows of the timeline: a label and, per step, the lines of its cell. */
interface Row {
  label: string;
  cls: string;
  cell: (s: PanelStep, i: number) => string[];
}

function perCpu(s: PanelStep, f: (c: PanelCpu) => string[]): string[] {
  const multi = s.cpus.length > 1;
  const out: string[] = [];
  for (const c of s.cpus) for (const l of f(c)) out.push(multi ? `P${c.cpu}: ${l}` : l);
  return out;
}

const isHop = (s: PanelStep) => s.kind === 'call';

/** The step row: a kernel step's operation (and what it lowers to), a hop's call, any other kind's text as it came. */
function stepLines(s: PanelStep, i: number): string[] {
  if (isHop(s)) return [`${i + 1}. ↳ call`, s.operation];
  const [op, ...lowered] = s.operation.split(' => ');
  return [`${i + 1}. ${op}`, ...(lowered.length ? [`⇒ ${lowered.join(' => ')}`] : [])];
}

const ROWS: Row[] = [
  { label: 'step', cls: 'op', cell: stepLines },
  { label: 'source', cls: 'src', cell: (s) => (s.file ? [`${baseName(s.file)}:${s.line ?? '?'}`] : s.reveal ? [`scenario line ${s.reveal.line}`] : ['(machine step)']) },
  {
    label: 'mode (enable / pause)',
    cls: 'mode',
    cell: (s) => perCpu(s, (c) => Object.entries(c.kernel ?? {}).map(([k, v]) => `${k} = ${v}`)),
  },
  {
    label: 'pending (stores, barriers)',
    cls: 'pending',
    cell: (s) =>
      perCpu(s, (c) => [
        ...(c.storeBuffer ?? []).map((x) => `sb: ${x}`),
        ...(c.deferred ?? []).map((x) => `deferred: ${x}`),
        ...(c.pendingTlbi ?? []).map((x) => `tlbi: ${x}`),
      ]),
  },
  { label: 'entry in memory', cls: 'mem', cell: (s) => Object.entries(s.entries).map(([k, v]) => `${k} = ${v}`) },
  {
    label: 'table walker sees',
    cls: 'walk',
    cell: (s) =>
      perCpu(s, (c) =>
        Object.entries(s.entries).map(([k, v]) => {
          const t = c.tlb?.[k];
          return t !== undefined ? `${k} = ${t} (TLB)` : `${k} = ${v}`;
        }),
      ),
  },
  { label: 'TLB', cls: 'tlb', cell: (s) => perCpu(s, (c) => Object.entries(c.tlb ?? {}).map(([k, v]) => `${k} = ${v}`)) },
  { label: 'faults', cls: 'fault', cell: (s) => s.faults.slice() },
];

/** A class name from a step kind the simulator may add later: letters, digits and dashes only. */
const kindClass = (k: string | undefined) => `kind-${(k ?? 'step').replace(/[^A-Za-z0-9-]/g, '') || 'step'}`;

/**
 * The timeline: a table whose first column (the row labels) stays put while
 * the steps scroll sideways; one column per step, cells wrap. A hop changes no
 * machine state, so its state cells are left blank.
 */
function timelineFor(m: PanelModel, mi: number): string {
  const steps = m.steps;
  const cells = ROWS.map((r) => steps.map((s, i) => r.cell(s, i)));
  const rows = ROWS.map((r, ri) => {
    let prev: string | null = null;
    const tds = steps.map((s, i) => {
      const cls = [`cell`, `cell-${r.cls}`, kindClass(s.kind)];
      const state = ri > 1;
      let lines = cells[ri][i];
      if (state && isHop(s)) {
        cls.push('same');
        lines = [];
      } else {
        const text = lines.join('\n');
        if (state && prev !== null && prev !== text) cls.push('changed');
        if (state) prev = text;
      }
      const body = lines.map((l) => `<div>${esc(l)}</div>`).join('');
      const attrs = ri === 0 ? ` id="m${mi}s${i}" tabindex="0" role="button" title="${esc(`${s.operation}${s.file ? ` (${baseName(s.file)}:${s.line ?? '?'})` : ''}`)}"` : '';
      return `<td class="${cls.join(' ')}" data-step="${i}"${attrs}>${body}</td>`;
    });
    return `<tr class="row-${r.cls}"><th scope="row" class="label">${esc(r.label)}</th>${tds.join('')}</tr>`;
  });
  return `<table class="timeline" aria-label="replay timeline of ${esc(m.name)}">${rows.join('')}</table>`;
}

function detailFor(s: PanelStep, i: number): string {
  const rows = ROWS.map((r) => {
    const lines = r.cell(s, i);
    return `<tr><th>${esc(r.label)}</th><td>${lines.length ? lines.map((l) => esc(l)).join('<br>') : '<span class="none">none</span>'}</td></tr>`;
  });
  return `<table class="detail" data-step="${i}" hidden><caption>${esc(`step ${i + 1}: ${s.operation}`)}</caption>${rows.join('')}</table>`;
}

/** The verdict in plain words; herd's word stays as a detail. */
export function verdictWords(m: Pick<PanelModel, 'exists' | 'bounded'>): string {
  return m.exists ? 'can happen' : m.bounded ? 'not found (search bounded)' : 'cannot happen';
}

function badge(m: PanelModel): string {
  const cls = m.exists ? 'bad' : m.bounded ? 'unknown' : 'ok';
  return `<span class="verdict ${cls}" title="herd: ${esc(m.verdict)}${m.bounded ? ` (bounded: ${esc(m.bounded)})` : ''}">${esc(verdictWords(m))}</span>`;
}

/** Model groups as a list: an architecture's name when all its several models are in, else the models' names. */
function groupNames(gs: PanelReach['possible']): string {
  return gs.flatMap((g) => (g.whole && g.models.length > 1 ? [g.arch] : g.models)).join(', ');
}

/** "stale read possible on x86-xen-pv; not on arm64, s390, powerpc-hash, sparc64". */
export function summaryText(r: PanelReach): string {
  const parts: string[] = [];
  if (r.possible.length) {
    parts.push(`${r.outcome} possible on ${groupNames(r.possible)}`);
    if (r.impossible.length) parts.push(`not on ${groupNames(r.impossible)}`);
  } else if (r.impossible.length) parts.push(`${r.outcome} not possible on ${groupNames(r.impossible)}`);
  if (r.unknown.length) parts.push(`${parts.length ? '' : `${r.outcome} `}not found within the search bound on ${groupNames(r.unknown)}`);
  return parts.join('; ') || `${r.outcome}: nothing was simulated`;
}

function modelSection(m: PanelModel, mi: number, shown: boolean): string {
  const outcomes = m.outcomes
    .map((o) => `<li><span class="verdict ${o.hazard ? 'bad' : 'ok'}">${o.hazard ? 'hazard' : 'fine'}</span> ${esc(o.text)}</li>`)
    .join('');
  return [
    `<section class="model" data-model="${mi}"${shown ? '' : ' hidden'}>`,
    `<h2>${esc(m.name)} ${badge(m)} <span class="herd">herd: ${esc(m.verdict)}</span></h2>`,
    m.bounded ? `<p class="bounded">Exploration was bounded: ${esc(m.bounded)}</p>` : '',
    `<h3>Outcomes</h3><ul class="outcomes">${outcomes || '<li>none</li>'}</ul>`,
    `<div class="controls"><button type="button" class="back" aria-label="step back">◀ Back</button>`,
    `<span class="pos" aria-live="polite"></span>`,
    `<button type="button" class="fwd" aria-label="step forward">Forward ▶</button></div>`,
    `<div class="scroll">${timelineFor(m, mi)}</div>`,
    `<div class="details">${m.steps.map(detailFor).join('')}</div>`,
    `</section>`,
  ].join('');
}

export function panelHtml(data: PanelData, o: HtmlOptions): string {
  const nonce = esc(o.nonce);
  const csp = [
    "default-src 'none'",
    `style-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  const selected = Math.max(
    0,
    data.models.findIndex((m) => m.name === data.selected),
  );
  // Badges grouped by architecture, one per model.
  const archs = [...new Set(data.models.map((m) => m.arch))];
  const tabs = archs
    .map((a) => {
      const ms = data.models.map((m, i) => ({ m, i })).filter((x) => x.m.arch === a);
      const buttons = ms
        .map(
          ({ m, i }) =>
            `<button type="button" class="tab${i === selected ? ' selected' : ''}" data-model="${i}" aria-pressed="${i === selected}">${esc(m.name)} ${badge(m)}</button>`,
        )
        .join('');
      return `<div class="arch"><span class="archname">${esc(a)}</span>${buttons}</div>`;
    })
    .join('');
  const errors = (data.errors ?? []).length
    ? `<ul class="errors">${data.errors!.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(o.styleUri)}">
<title>lazymmu simulation</title>
</head>
<body>
<header>
<h1>${esc(data.title)}</h1>
${data.subtitle ? `<p class="subtitle">${esc(data.subtitle)}</p>` : ''}
${data.condition ? `<p class="condition">condition: <code>${esc(data.condition)}</code></p>` : ''}
${data.summary ? `<p class="summary ${data.summary.possible.length ? 'bad' : 'ok'}">${data.fixed ? 'With the fix: ' : ''}${esc(summaryText(data.summary))}</p>` : ''}
${data.fix ? `<p class="fix"><button type="button" class="apply-fix" title="${esc(data.fix.title)}">Apply the fix and simulate again</button> <span class="fixtitle">${esc(data.fix.title)}</span></p>` : ''}
</header>
${errors}
<nav class="models" aria-label="models">${tabs}</nav>
${data.models.length ? data.models.map((m, i) => modelSection(m, i, i === selected)).join('') : '<p>Nothing was simulated.</p>'}
<script nonce="${nonce}" src="${esc(o.scriptUri)}"></script>
</body>
</html>`;
}

/** A message from the webview, validated; anything else is null. */
export type PanelMessage = { type: 'reveal'; step: number } | { type: 'step'; dir: 1 | -1 } | { type: 'model'; model: number } | { type: 'applyFix' };

export function parseMessage(m: unknown): PanelMessage | null {
  if (!m || typeof m !== 'object') return null;
  const o = m as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (o.type === 'reveal' && keys === 'step,type' && Number.isInteger(o.step) && (o.step as number) >= 0)
    return { type: 'reveal', step: o.step as number };
  if (o.type === 'step' && keys === 'dir,type' && (o.dir === 1 || o.dir === -1)) return { type: 'step', dir: o.dir };
  if (o.type === 'applyFix' && keys === 'type') return { type: 'applyFix' };
  if (o.type === 'model' && keys === 'model,type' && Number.isInteger(o.model) && (o.model as number) >= 0)
    return { type: 'model', model: o.model as number };
  return null;
}
