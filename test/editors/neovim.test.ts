// Neovim as a real LSP client: headless nvim starts dist/server.js on a fixture
// buffer, waits for diagnostics and writes what it received as JSON.
// Needs Debian's `neovim` package (nvim on PATH); 0.7 has no vim.lsp.start,
// so the init uses vim.lsp.start_client + vim.lsp.buf_attach_client.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.join(__dirname, '..', '..', '..');
const SERVER = path.join(REPO, 'dist', 'server.js');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'raw');

/** A Lua string literal for any text. */
const lua = (s: string) => JSON.stringify(s);

function expectedLines(text: string): number[] {
  return text
    .split('\n')
    .map((l, i) => (/\/\*\s*expect:\s*[^*]*read-after-write/.test(l) ? i + 1 : 0))
    .filter((n) => n > 0);
}

function initLua(root: string, out: string): string {
  return `
local out = ${lua(out)}
local function finish(tbl)
  local f = io.open(out, 'w')
  f:write(vim.json.encode(tbl))
  f:close()
  vim.cmd('qa!')
end
-- The file named on the command line is loaded after the init file runs: start at VimEnter.
local function main()
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'lazymmu',
    cmd = { ${lua(process.execPath)}, ${lua(SERVER)}, '--stdio' },
    root_dir = ${lua(root)},
    workspace_folders = { { uri = vim.uri_from_fname(${lua(root)}), name = 'ws' } },
  })
  if not client_id then error('vim.lsp.start_client failed') end
  vim.lsp.buf_attach_client(bufnr, client_id)
  local got = vim.wait(60000, function() return #vim.diagnostic.get(bufnr) > 0 end, 100)
  local diags = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(diags, { lnum = d.lnum, col = d.col, code = d.code, source = d.source, message = d.message, severity = d.severity })
  end
  finish({ ok = got, diagnostics = diags })
end
vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    local ok, err = pcall(main)
    if not ok then finish({ ok = false, error = tostring(err), diagnostics = {} }) end
  end,
})
`;
}

test('Neovim (headless, built-in LSP client) receives lazymmu diagnostics', () => {
  const which = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  assert.ok(
    !which.error && which.status === 0,
    `nvim is not installed or not on PATH (${which.error?.message ?? which.stderr}); install Debian's "neovim" package`,
  );
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-nvim-')));
  try {
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    for (const f of ['direct_ptep_get.c', 'interproc_depth2.c']) fs.copyFileSync(path.join(FIXTURES, f), path.join(ws, f));
    const file = path.join(ws, 'direct_ptep_get.c');
    const out = path.join(dir, 'diagnostics.json');
    const init = path.join(dir, 'init.lua');
    fs.writeFileSync(init, initLua(ws, out));
    const r = spawnSync('nvim', ['--headless', '--clean', '-u', init, file], {
      encoding: 'utf8',
      timeout: 120000,
      env: { ...process.env, XDG_STATE_HOME: path.join(dir, 'state'), XDG_DATA_HOME: path.join(dir, 'data'), XDG_CACHE_HOME: path.join(dir, 'cache') },
    });
    assert.ok(fs.existsSync(out), `nvim wrote no result (status ${r.status}, signal ${r.signal})\nstdout:${r.stdout}\nstderr:${r.stderr}`);
    const res = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(res.error, undefined, `lua error: ${res.error}`);
    assert.equal(res.ok, true, 'diagnostics arrived within 60 s');
    const lines = res.diagnostics.map((d: any) => d.lnum + 1).sort((a: number, b: number) => a - b);
    assert.deepEqual(lines, expectedLines(fs.readFileSync(file, 'utf8')));
    for (const d of res.diagnostics) {
      assert.equal(d.code, 'lazy-mmu/read-after-write');
      assert.equal(d.source, 'lazymmu');
      assert.match(d.message, /arch_flush_lazy_mmu_mode/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
