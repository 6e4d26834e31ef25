// The simulation panel's HTML: a pure function of the panel data, so that it
// can be tested in node. Every string that came from source code or from the
// simulator is escaped; the page loads only the extension's own script and
// stylesheet, under a content security policy with a nonce.
import type { PanelCpu, PanelData, PanelModel, PanelStep } from './data';

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

const COL_W = 190;
const LABEL_W = 150;
const LINE_H = 15;
const MAX_CHARS = 24;

function clip(s: string, n = MAX_CHARS): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function baseName(f: string): string {
  return f.split(/[\\/]/).pop() ?? f;
}

/** The rows of the timeline: a label and, per step, the lines of its cell. */
interface Row {
  label: string;
  cls: string;
  cell: (s: PanelStep, i: number, all: PanelStep[]) => string[];
}

function perCpu(s: PanelStep, f: (c: PanelCpu) => string[]): string[] {
  const multi = s.cpus.length > 1;
  const out: string[] = [];
  for (const c of s.cpus) for (const l of f(c)) out.push(multi ? `P${c.cpu}: ${l}` : l);
  return out;
}

const ROWS: Row[] = [
  { label: 'step', cls: 'op', cell: (s, i) => [`${i + 1}. ${s.operation.split(' => ')[0]}`, ...(s.operation.includes(' => ') ? [`⇒ ${s.operation.split(' => ').slice(1).join(' => ')}`] : [])] },
  { label: 'source', cls: 'src', cell: (s) => (s.file ? [`${baseName(s.file)}:${s.line ?? '?'}`] : ['(machine step)']) },
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

function svgFor(m: PanelModel, mi: number): string {
  const steps = m.steps;
  const cells = ROWS.map((r) => steps.map((s, i) => r.cell(s, i, steps).map((l) => String(l))));
  const heights = cells.map((row) => Math.max(1, ...row.map((c) => c.length)) * LINE_H + 10);
  const tops: number[] = [];
  let y = 0;
  for (const h of heights) {
    tops.push(y);
    y += h;
  }
  const width = LABEL_W + Math.max(1, steps.length) * COL_W;
  const parts: string[] = [];
  parts.push(
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" role="img" aria-label="replay timeline of ${esc(m.name)}">`,
  );
  ROWS.forEach((r, ri) => {
    parts.push(`<rect class="rowbg row-${r.cls}" x="0" y="${tops[ri]}" width="${width}" height="${heights[ri]}"/>`);
    parts.push(`<text class="label" x="6" y="${tops[ri] + LINE_H}">${esc(r.label)}</text>`);
  });
  steps.forEach((s, i) => {
    const x = LABEL_W + i * COL_W;
    const id = `m${mi}s${i}`;
    parts.push(`<g class="col" id="${id}" data-step="${i}" tabindex="0" role="button" aria-label="step ${i + 1}">`);
    parts.push(`<title>${esc(`${i + 1}. ${s.operation}${s.file ? ` (${baseName(s.file)}:${s.line ?? '?'})` : ''}`)}</title>`);
    parts.push(`<rect class="colbg" x="${x}" y="0" width="${COL_W}" height="${y}"/>`);
    ROWS.forEach((r, ri) => {
      const lines = cells[ri][i];
      const prev = i > 0 ? cells[ri][i - 1].join('\n') : null;
      const changed = prev !== null && prev !== lines.join('\n');
      parts.push(`<text class="cell cell-${r.cls}${changed ? ' changed' : ''}" x="${x + 6}" y="${tops[ri] + LINE_H}">`);
      lines.forEach((l, li) => parts.push(`<tspan x="${x + 6}" dy="${li === 0 ? 0 : LINE_H}">${esc(clip(l))}</tspan>`));
      parts.push('</text>');
    });
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}

function detailFor(s: PanelStep, i: number): string {
  const rows = ROWS.map((r) => {
    const lines = r.cell(s, i, []);
    return `<tr><th>${esc(r.label)}</th><td>${lines.length ? lines.map((l) => esc(l)).join('<br>') : '<span class="none">none</span>'}</td></tr>`;
  });
  return `<table class="detail" data-step="${i}" hidden><caption>${esc(`step ${i + 1}: ${s.operation}`)}</caption>${rows.join('')}</table>`;
}

function badge(m: PanelModel): string {
  const cls = m.exists ? 'bad' : 'ok';
  const text = `${m.verdict}${m.bounded ? ' (bounded)' : ''}`;
  return `<span class="badge ${cls}">${esc(text)}</span>`;
}

function modelSection(m: PanelModel, mi: number, shown: boolean): string {
  const outcomes = m.outcomes
    .map((o) => `<li><span class="badge ${o.hazard ? 'bad' : 'ok'}">${o.hazard ? 'hazard' : 'fine'}</span> ${esc(o.text)}</li>`)
    .join('');
  return [
    `<section class="model" data-model="${mi}"${shown ? '' : ' hidden'}>`,
    `<h2>${esc(m.name)} ${badge(m)}</h2>`,
    m.bounded ? `<p class="bounded">Exploration was bounded: ${esc(m.bounded)}</p>` : '',
    `<h3>Outcomes</h3><ul class="outcomes">${outcomes || '<li>none</li>'}</ul>`,
    `<div class="controls"><button type="button" class="back" aria-label="step back">◀ Back</button>`,
    `<span class="pos" aria-live="polite"></span>`,
    `<button type="button" class="fwd" aria-label="step forward">Forward ▶</button></div>`,
    `<div class="scroll">${svgFor(m, mi)}</div>`,
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
</header>
${errors}
<nav class="models" aria-label="models">${tabs}</nav>
${data.models.length ? data.models.map((m, i) => modelSection(m, i, i === selected)).join('') : '<p>Nothing was simulated.</p>'}
<script nonce="${nonce}" src="${esc(o.scriptUri)}"></script>
</body>
</html>`;
}

/** A message from the webview, validated; anything else is null. */
export type PanelMessage = { type: 'reveal'; step: number } | { type: 'step'; dir: 1 | -1 } | { type: 'model'; model: number };

export function parseMessage(m: unknown): PanelMessage | null {
  if (!m || typeof m !== 'object') return null;
  const o = m as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (o.type === 'reveal' && keys === 'step,type' && Number.isInteger(o.step) && (o.step as number) >= 0)
    return { type: 'reveal', step: o.step as number };
  if (o.type === 'step' && keys === 'dir,type' && (o.dir === 1 || o.dir === -1)) return { type: 'step', dir: o.dir };
  if (o.type === 'model' && keys === 'model,type' && Number.isInteger(o.model) && (o.model as number) >= 0)
    return { type: 'model', model: o.model as number };
  return null;
}
