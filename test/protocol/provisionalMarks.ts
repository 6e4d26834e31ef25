// What a provisional first publish and the final one must say (server/checkProgress.ts markProvisional):
// every early diagnostic marked in data and by the message's prefix (at the start, so that VS Code's
// Problems row shows it whatever the message's length), no final one marked.
import assert from 'node:assert/strict';

export const PROVISIONAL_PREFIX = '(provisional) ';

export function assertProvisionalThenFinal(early: { diagnostics: any[] }, final: { diagnostics: any[] }): void {
  for (const d of early.diagnostics) {
    assert.equal(d.data.provisional, true);
    assert.ok(d.message.startsWith(PROVISIONAL_PREFIX), d.message);
  }
  for (const d of final.diagnostics) assert.ok(!d.data?.provisional && !d.message.includes('provisional'), d.message);
}
