// The simulation panel's script (loaded with the page's nonce). It shows one
// model at a time and highlights the selected step; the extension decides the
// selection and reveals source lines. Messages out: {type:'reveal', step},
// {type:'step', dir}, {type:'model', model}; in: {type:'select', model, step}.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  let model = 0;
  let step = 0;

  function sections() {
    return Array.from(document.querySelectorAll('section.model'));
  }

  function show(m, s) {
    const secs = sections();
    if (!secs.length) return;
    model = Math.max(0, Math.min(secs.length - 1, m));
    secs.forEach((sec, i) => (sec.hidden = i !== model));
    document.querySelectorAll('button.tab').forEach((b) => {
      const on = Number(b.getAttribute('data-model')) === model;
      b.classList.toggle('selected', on);
      b.setAttribute('aria-pressed', String(on));
    });
    const sec = secs[model];
    const cols = Array.from(sec.querySelectorAll('g.col'));
    step = cols.length ? Math.max(0, Math.min(cols.length - 1, s)) : 0;
    cols.forEach((c, i) => c.classList.toggle('current', i === step));
    sec.querySelectorAll('table.detail').forEach((t, i) => (t.hidden = i !== step));
    const pos = sec.querySelector('.pos');
    if (pos) pos.textContent = cols.length ? 'step ' + (step + 1) + ' of ' + cols.length : 'no steps';
    const back = sec.querySelector('button.back');
    const fwd = sec.querySelector('button.fwd');
    if (back) back.disabled = step <= 0;
    if (fwd) fwd.disabled = step >= cols.length - 1;
    const cur = cols[step];
    if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  document.addEventListener('click', (e) => {
    const t = e.target instanceof Element ? e.target : null;
    if (!t) return;
    const tab = t.closest('button.tab');
    if (tab) {
      const m = Number(tab.getAttribute('data-model'));
      show(m, 0);
      vscode.postMessage({ type: 'model', model: m });
      return;
    }
    if (t.closest('button.back')) return vscode.postMessage({ type: 'step', dir: -1 });
    if (t.closest('button.fwd')) return vscode.postMessage({ type: 'step', dir: 1 });
    const col = t.closest('g.col');
    if (col) vscode.postMessage({ type: 'reveal', step: Number(col.getAttribute('data-step')) });
  });

  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight') vscode.postMessage({ type: 'step', dir: 1 });
    else if (e.key === 'ArrowLeft') vscode.postMessage({ type: 'step', dir: -1 });
    else if (e.key === 'Enter' && e.target instanceof Element && e.target.closest('g.col'))
      vscode.postMessage({ type: 'reveal', step: Number(e.target.closest('g.col').getAttribute('data-step')) });
  });

  window.addEventListener('message', (e) => {
    const d = e.data;
    if (!d || d.type !== 'select' || !Number.isInteger(d.model) || !Number.isInteger(d.step)) return;
    show(d.model, d.step);
  });

  const first = document.querySelector('button.tab.selected');
  show(first ? Number(first.getAttribute('data-model')) : 0, 0);
})();
