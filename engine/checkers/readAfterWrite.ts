// lazy-mmu/read-after-write: a read of a page-table entry that follows, in the
// same lazy MMU section, a write to that entry with no flush in between.
// Where the tree implements the mode by queueing that write (x86 Xen PV's
// multicalls; catalogue lazyModeImplementations.*.defers) the read returns
// the old entry: a hazard there. Elsewhere it breaks only the contract
// ("read hazards must be removed", include/linux/pgtable.h).
//
// Several writes can reach one read (other writers, other paths): one finding
// per read, naming a write that defers where the path can run, else the one
// with fewest conditions and the shortest chain; the others are counted.
import { Finding, Impact, PathStep, RelatedLocation } from '../findings';
import { ReadHit } from '../analysis/records';
import { Hop } from '../analysis/pathState';
import { conditionFields } from '../config/oracle';
import { Cond, joinConjuncts } from '../config/cond';
import { SourceCache } from '../analysis/sourceCache';
import { Catalogue } from '../catalogue/catalogue';
import { Implementation, TreeArchitectures, nameList } from '../architectures';
import { WorkspaceIndex } from '../index/workspaceIndex';
import { code, fitHead, Message, place, sentence, Sentence } from '../message';
import { readUse, ReadUse } from './readUse';
import { shortText } from '../message';
import { mergeInserts, placeBefore, TextInsert } from '../fixes/statementPlacement';

const FLUSH = 'arch_flush_lazy_mmu_mode()';

function related(h: Hop): RelatedLocation {
  return { file: h.file, line: h.line, column: h.column, message: h.message };
}

const leafOf = (h: ReadHit) => h.write.chain[h.write.chain.length - 1];

/** The files a hit's path runs through: the read, the write, the calls down to each, the section's start. */
function pathFiles(h: ReadHit): string[] {
  return [h.read, ...h.readChain, ...h.write.chain, ...(h.section ? [h.section] : [])].map((p) => p.file);
}

/** The implementations that queue this hit's write and can run its path. */
function deferring(h: ReadHit, arch: TreeArchitectures): Implementation[] {
  const writer = leafOf(h)?.callee;
  if (!writer) return [];
  return arch.misbehaving(pathFiles(h), (i) => i.defers.has(writer), h.conds);
}

/** How deep the index is searched from a deferring writer for the implementation's hook it reaches. */
const HOOK_DEPTH = 4;

/**
 * The implementation's own hook a deferring writer reaches through its
 * definitions in the index (clear_not_present_full_ptes -> ... -> pte_clear on
 * x86 Xen PV), following only writers it defers; null when the writer is a
 * hook itself or none is found.
 */
function hookReached(writer: string, fromFile: string, impl: Implementation, index: WorkspaceIndex): string | null {
  if (impl.hooks.has(writer)) return null;
  const seen = new Set([writer]);
  let level = [{ name: writer, file: fromFile }];
  for (let d = 0; d < HOOK_DEPTH && level.length; d++) {
    const next: { name: string; file: string }[] = [];
    for (const { name, file } of level) {
      const defs: { file: string; calls: string[] }[] = index.resolve(name, file);
      for (const def of defs.length ? defs : index.macros(name))
        for (const c of [...def.calls].sort()) {
          if (impl.hooks.has(c)) return c;
          if (impl.defers.has(c) && !seen.has(c)) {
            seen.add(c);
            next.push({ name: c, file: def.file });
          }
        }
    }
    level = next;
  }
  return null;
}

/**
 * What a finding reads of its read's file through the syntax tree (the
 * read's use, the fix's inserts), by file and a key of the places asked:
 * a host may keep these by the file's content (the analysis store's,
 * store/keptPlacements.ts), so that a rerun does not parse a file only to
 * place a fix. Computed here when it does not.
 */
export type PlacedInFile = <T>(file: string, key: string, compute: () => T) => T;
const computedHere: PlacedInFile = (_file, _key, compute) => compute();

/** One finding per read line: the write shown and how many other writes reach it. */
export function readAfterWriteFindings(hits: ReadHit[], sources: SourceCache, cat: Catalogue, arch: TreeArchitectures, index: WorkspaceIndex, placed = computedHere): Finding[] {
  const at = (h: { file: string; line: number; column: number }) => `${h.file}:${h.line}:${h.column}`;
  const len = (h: ReadHit) => h.write.chain.length + h.readChain.length;
  // Best first: a write that defers where the path runs, fewest conditions, shortest chain, leftmost read.
  const rank = (h: ReadHit) => [deferring(h, arch).length ? 0 : 1, h.conds.length, len(h), -h.read.column];
  const better = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  };
  const groups = new Map<string, { best: ReadHit; rank: number[]; writes: Set<string>; conds: Cond[]; reads: Map<string, Hop> }>();
  for (const h of hits) {
    const leaf = leafOf(h);
    // Per line: a macro's argument read and the same read inside its expansion are one.
    const k = `${h.read.file}:${h.read.line}`;
    const r = rank(h);
    const g = groups.get(k);
    if (!g) groups.set(k, { best: h, rank: r, writes: new Set([leaf ? at(leaf) : '']), conds: h.conds, reads: new Map([[at(h.read), h.read]]) });
    else {
      g.reads.set(at(h.read), h.read);
      g.writes.add(leaf ? at(leaf) : '');
      // The read happens when any of its paths does.
      g.conds = joinConjuncts(g.conds, h.conds);
      if (better(r, g.rank)) Object.assign(g, { best: h, rank: r });
    }
  }
  return (
    [...groups.values()]
      // A path through an architecture's own code, whose implementation writes at once, reads what it wrote:
      // the architecture's code may rely on that (the generic contract is for generic code).
      .filter((g) => deferring({ ...g.best, conds: g.conds }, arch).length || !arch.ownCodeOf(pathFiles(g.best)))
      .map((g) => readAfterWriteFinding({ ...g.best, conds: g.conds }, g.writes.size - 1, sources, cat, arch, index, [...g.reads.values()], placed))
  );
}

/**
 * The flush right before every evaluation of each read (engine/fixes/statementPlacement.ts);
 * null when one of them has no single safe place.
 */
function flushBefore(reads: Hop[], sources: SourceCache): TextInsert[] | null {
  const all: TextInsert[] = [];
  for (const r of reads) {
    const n = sources.nodeAt(r.file, r.line, r.column);
    const ins = n && placeBefore(n, `${FLUSH};`);
    if (!ins) return null;
    for (const i of ins) if (!all.some((a) => a.line === i.line && a.column === i.column && a.text === i.text)) all.push(i);
  }
  return all.length ? mergeInserts(all) : null;
}

/** What the stale value does next, for the consequence sentence: ", which can trip `WARN_ON_ONCE()` and is passed to `f()`". */
function useClause(u: ReadUse): Sentence {
  const parts: Sentence[] = [];
  if (u.assertion) parts.push(sentence`can trip ${code(`${u.assertion}()`)}`);
  if (u.passedTo) parts.push(sentence`is passed to ${code(`${u.passedTo}()`)}`);
  if (!parts.length) return [];
  return [', which ', ...parts[0], ...(parts[1] ? [' and ', ...parts[1]] : [])];
}

/**
 * `otherWrites`: how many other writes (other writers or paths) reach the
 * same read; `reads`: every flagged read on the finding's line (the fix
 * flushes before each: `if (e) v = ptep_get(p); else v = ptep_get(p);`).
 */
export function readAfterWriteFinding(
  hit: ReadHit,
  otherWrites: number,
  sources: SourceCache,
  cat: Catalogue,
  arch: TreeArchitectures,
  index: WorkspaceIndex,
  reads: Hop[] = [hit.read],
  placed = computedHere,
): Finding {
  const chain = hit.write.chain;
  const leaf = chain[chain.length - 1];
  // Seen from the function holding the read: the calls the write and the read share are left out.
  const same = (a: Hop, b: Hop) => a.file === b.file && a.line === b.line && a.column === b.column;
  let k = 0;
  while (k < chain.length - 1 && k < hit.readChain.length && same(chain[k], hit.readChain[k])) k++;
  const own = chain.slice(k);
  const first = own[0];
  const use: ReadUse = placed(hit.read.file, `use ${hit.read.line}:${hit.read.column}`, () => {
    const node = sources.nodeAt(hit.read.file, hit.read.line, hit.read.column);
    return node ? readUse(node, cat) : { entry: null };
  });
  const writer = code(`${leaf?.callee ?? 'a writer'}()`);
  // An entry expression is short in practice; a long one (comments, casts) is cut so the first sentence stays short.
  const what = use.entry ? sentence`stale read of ${code(shortText(use.entry, 60))}` : sentence`stale read of a page-table entry`;
  const via = own.length > 1 && first.callee ? code(`${first.callee}()`) : null;
  const head = fitHead(
    via ? [...what, ...sentence`: written by ${writer} via ${via} (${place(first)})`] : [...what, ...sentence`: written by ${writer} (${place(first)})`],
    [...what, ...sentence`: written by ${writer} (${place(first)})`],
    [...what, ...sentence`: written earlier in this section (${place(first)})`],
  );
  const bad = deferring(hit, arch);
  const names = bad.map((i) => i.name);
  const impact: Impact = bad.length ? { kind: 'hazard', architectures: names } : { kind: 'contract', architectures: [] };
  const stale = use.expected === 'present' ? 'the old, non-present entry' : use.expected === 'none' ? 'the old, non-empty entry' : 'the old entry';
  const hook = bad.length && leaf?.callee ? hookReached(leaf.callee, leaf.file, bad[0], index) : null;
  const why: Sentence = bad.length
    ? [
        ...(hook ? sentence`On ${nameList(names)} the write (through ${code(`${hook}()`)}) is still queued` : [`On ${nameList(names)} the write is still queued`]),
        `, so the read returns ${stale}`,
        ...useClause(use),
      ]
    : sentence`No implementation in this tree queues ${writer} on this path; the API still requires a flush before reading back`;
  const message: Message = [head, why];
  if (otherWrites) message.push(sentence`${otherWrites} other write${otherWrites > 1 ? 's reach' : ' reaches'} this read`);
  message.push(sentence`Flush before the read: ${code(FLUSH)}`);
  // The reads of one finding are on one line of one file (else not kept: only that file's content keys it).
  const oneFile = reads.every((r) => r.file === hit.read.file);
  const inserts = oneFile ? placed(hit.read.file, `fix ${reads.map((r) => `${r.line}:${r.column}`).join(' ')}`, () => flushBefore(reads, sources)) : flushBefore(reads, sources);
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
    impact,
    related: [...chain.map(related), ...hit.readChain.map(related)],
    ...conditionFields(hit.conds),
    path: replayPath(hit),
    ...(inserts ? { fix: { title: `Flush lazy MMU updates before this read (${FLUSH})`, inserts } } : {}),
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
