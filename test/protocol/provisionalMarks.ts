// What a provisional first publish and the final one must say (server/checkProgress.ts markProvisional):
// every early diagnostic marked in data and by the message's suffix, no final one marked.
import assert from 'node:assert/strict';

export const PROVISIONAL_SUFFIX = '(provisional: the rest of the tree is still being checked)';

export function assertProvisionalThenFinal(early: { diagnostics: any[] }, final: { diagnostics: any[] }): void {
  for (const d of early.diagnostics) {
    assert.equal(d.data.provisional, true);
    assert.ok(d.message.endsWith(PROVISIONAL_SUFFIX), d.message);
  }
  for (const d of final.diagnostics) assert.ok(!d.data?.provisional && !d.message.includes('provisional'), d.message);
}
