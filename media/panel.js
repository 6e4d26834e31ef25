// The simulation panel's script (loaded with the page's nonce). It shows one
// model at a time and highlights the selected step; the extension decides the
// selection and reveals source lines. Messages out: {type:'reveal', step},
// {type:'step', dir}, {type:'model', model}, {type:'applyFix'}; in:
// {type:'select', model, step}, {type:'fixFailed', message}. The timeline is a
// table: a step is the cells of one column (data-step), the step row's cell
// takes the focus.
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
    const cols = Array.from(sec.querySelectorAll('tr.row-op td[data-step]'));
    step = cols.length ? Math.max(0, Math.min(cols.length - 1, s)) : 0;
    sec.querySelectorAll('td[data-step]').forEach((c) => c.classList.toggle('current', Number(c.getAttribute('data-step')) === step));
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
    const fix = t.closest('button.apply-fix');
    if (fix) {
      fix.disabled = true;
      fix.textContent = 'Applying the fix…';
      return vscode.postMessage({ type: 'applyFix' });
    }
    const col = t.closest('td[data-step]');
    if (col) vscode.postMessage({ type: 'reveal', step: Number(col.getAttribute('data-step')) });
  });

  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight') vscode.postMessage({ type: 'step', dir: 1 });
    else if (e.key === 'ArrowLeft') vscode.postMessage({ type: 'step', dir: -1 });
    else if (e.key === 'Enter' && e.target instanceof Element && e.target.closest('td[data-step]'))
      vscode.postMessage({ type: 'reveal', step: Number(e.target.closest('td[data-step]').getAttribute('data-step')) });
  });

  window.addEventListener('message', (e) => {
    const d = e.data;
    if (d && d.type === 'fixFailed' && typeof d.message === 'string') {
      const fix = document.querySelector('button.apply-fix');
      if (fix) fix.textContent = 'The fix was not applied';
      const note = document.querySelector('.fixtitle');
      if (note) note.textContent = d.message;
      return;
    }
    if (!d || d.type !== 'select' || !Number.isInteger(d.model) || !Number.isInteger(d.step)) return;
    show(d.model, d.step);
  });

  const first = document.querySelector('button.tab.selected');
  show(first ? Number(first.getAttribute('data-model')) : 0, 0);
})();
