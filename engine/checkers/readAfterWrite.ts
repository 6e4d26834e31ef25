// lazy-mmu/read-after-write: a read of a page-table entry that follows, in the
// same lazy MMU section, a write to that entry with no flush in between.
// Under Xen PV (queued hypercalls) and s390 (per-CPU PTE cache) the write may
// not have reached the table yet, so the read can return the old value.
import { Finding, PathStep, RelatedLocation } from '../findings';
import { ReadHit } from '../analysis/interpreter';
import { Hop } from '../analysis/pathState';
import { conditionFields } from '../config/oracle';

function related(h: Hop): RelatedLocation {
  return { file: h.file, line: h.line, column: h.column, message: h.message };
}

/** `otherWrites`: how many other writes (other writers or paths) reach the same read. */
export function readAfterWriteFinding(hit: ReadHit, otherWrites = 0): Finding {
  const chain = hit.write.chain;
  const leaf = chain[chain.length - 1];
  const callees = chain.slice(0, -1).map((h) => `${h.callee}()`);
  const via = callees.length ? ` via ${callees.join(' → ')}` : '';
  const others = otherWrites ? `; ${otherWrites} other write${otherWrites > 1 ? 's' : ''} reach this read too` : '';
  const writeWhere = `${leaf.callee ?? 'a writer'}() at line ${leaf.line}${via}${others}`;
  const readText = hit.read.message.replace(/ reads the entry$/, '');
  const message =
    `${readText} reads a page-table entry written earlier in this lazy MMU section ` +
    `(${writeWhere}) with no flush in between; on x86 Xen PV and s390 it can return the stale value ` +
    `(add arch_flush_lazy_mmu_mode() before the read)`;
  return {
    rule: 'lazy-mmu/read-after-write',
    severity: 'warning',
    file: hit.read.file,
    line: hit.read.line,
    column: hit.read.column,
    endLine: hit.read.endLine,
    endColumn: hit.read.endColumn,
    function: hit.fn,
    message,
    related: [...chain.map(related), ...hit.readChain.map(related)],
    ...conditionFields(hit.conds),
    path: replayPath(hit),
  };
}

const ENTER_OP: Record<string, string> = { legacy: 'arch_enter_lazy_mmu_mode', generic: 'lazy_mmu_mode_enable', ranged: 'lazy_mmu_mode_enable' };

/**
 * The kernel-level steps of the flagged path: enter, the write (as the
 * simulator's set_pte_at, or pte_clear for the clearing writers), the read;
 * the question is what the read returns, so the path ends there.
 */
function replayPath(hit: ReadHit): PathStep[] {
  const leaf = hit.write.chain[hit.write.chain.length - 1];
  const shape = hit.section?.shape ?? 'legacy';
  const at = (h: { file: string; line: number; column: number }) => ({ file: h.file, line: h.line, column: h.column });
  const steps: PathStep[] = [];
  if (hit.section) steps.push({ op: ENTER_OP[shape] ?? ENTER_OP.legacy, ...at(hit.section) });
  else steps.push({ op: ENTER_OP.legacy, ...at(hit.read) });
  const clears = /clear/.test(leaf.callee ?? '') && !/young|flush_young/.test(leaf.callee ?? '');
  steps.push({ op: clears ? 'pte_clear' : 'set_pte_at', ...at(leaf) });
  steps.push({ op: 'ptep_get', ...at(hit.read) });
  return steps;
}
