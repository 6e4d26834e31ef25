// The language server's memory bound in a real VS Code (code-server +
// Chromium, test/vscode/harness.ts; issue 15 point 5): with
// LAZYMMU_MAX_HEAP_MB=60 in the editor's environment, a folder of four files of
// 20,000 lazy MMU sections each (2.7 MB each; one file of 5,000 fits in 60 MB
// since its hovers are not all kept up front) runs the server out of heap. The user reads one
// window message saying so and naming the limit, the status item says
// "lazymmu: out of memory", and the server is not restarted into the same end
// (server/memoryPolicy.ts, client/extension.ts). Screenshot:
// test-artifacts/vscode/out-of-memory.png.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CodeServer, sleep } from './harness';
import { manySections } from '../manySections';

let cs: CodeServer | undefined;
const uiTest = (name: string, fn: () => Promise<void>): void => CodeServer.uiTest(() => cs, name, fn);

before(async () => {
  // The extension host, and the server the client starts, inherit code-server's environment.
  process.env.LAZYMMU_MAX_HEAP_MB = '60';
  cs = await CodeServer.start([{ from: 'test/fixtures/raw/direct_ptep_get.c' }], {}, (ws) => {
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(ws, `mid${i}.c`), manySections(20_000, `mid${i}`));
  });
});

after(async () => {
  delete process.env.LAZYMMU_MAX_HEAP_MB;
  await cs?.close();
});

uiTest('a server out of its heap limit: one message naming the limit, the status item says so, no restart', async () => {
  const page = cs!.page;
  await cs!.quickOpen('mid0.c');
  const toast = page.locator('.notifications-toasts', { hasText: 'the language server ran out of memory' }).first();
  await toast.waitFor({ timeout: 150000 });
  assert.match(await toast.innerText(), /more than the heap limit LAZYMMU_MAX_HEAP_MB=60\) and is not restarted/);
  await page.locator('.statusbar-item', { hasText: 'lazymmu: out of memory' }).first().waitFor({ timeout: 30000 });
  await cs!.shot('out-of-memory');
  // Not restarted: no server process comes back.
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(cs!.serverPids(), []);
    await sleep(500);
  }
  // One message, not one per restart.
  assert.equal(await page.locator('.notifications-toasts .notification-toast', { hasText: 'ran out of memory' }).count(), 1);
});
