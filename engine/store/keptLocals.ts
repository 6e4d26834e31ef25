// The local rules' verdicts kept on disk, per file (issue 15 point 2: "local
// verdicts stored per function content, so a warm CLI rerun after an edit to
// one file costs that file's share"). break-before-make and
// kernel-access-before-flush judge one function body at a time
// (checkers/localRules.ts: no callee summarised, nothing of the tree read)
// with the catalogue extended by the helpers their calls reach
// (checkers/derivedApis.ts). So what a file's verdicts were computed from is:
// the file's own text (the index's content hash: its functions, their order,
// the per-file bound on functions walked), what the index says of every name
// the derived APIs looked up (index.resolve and the derivation read each
// definition's file, linkage, #if condition and calls, in the index's order),
// the text of each helper read (its file's content hash), and the store's
// world (catalogue, configuration, architectures). Checking a kernel tree's
// ~50,000 entries reads no file. Coarser than per function where a helper's
// text was read (an edit anywhere in its file recomputes the files that read
// it), never finer than what was read.
import * as crypto from 'crypto';
import type { Finding } from '../findings';
import type { WorkspaceIndex } from '../index/workspaceIndex';
import { fileOfFnKey } from './contentKeys';

/** One file's local verdicts as stored (locals.json), in the order the check made them. */
export interface LocalsEntry {
  /** The file's content hash when computed. */
  hash: string;
  /** Names looked up for derived APIs and helper functions read (interpreter keys); absent when none. */
  names?: string[];
  fns?: string[];
  /** The digest of those (localsDigest); absent when none. */
  digest?: string;
  findings: Finding[];
  /** Functions left out by the per-file bound (inputBounds.ts). */
  leftOut?: number;
}

/**
 * What the index says of each name a key reads (each definition's file,
 * linkage, condition and calls, as the digests below hash it), made once per
 * name while the index is as it was: 6.12's 34 entries that read names ask
 * 7,057 of them, 2,125 distinct. The store clears it whenever the index
 * changes (AnalysisStore.changed, forgetChecked).
 */
export class NameReads {
  private readonly made = new Map<string, { text: string; files: string[] }>();

  of(index: WorkspaceIndex, name: string): { text: string; files: string[] } {
    let r = this.made.get(name);
    if (!r) {
      const defs = index.definitionsNamed(name);
      r = { text: JSON.stringify([name, defs.map((d) => [d.file, d.isStatic, d.isWeak, d.condition, d.calls])]), files: defs.map((d) => d.file) };
      this.made.set(name, r);
    }
    return r;
  }

  clear(): void {
    this.made.clear();
  }
}

/** What a file's verdicts read besides its own text (gathered per function by checkers/localVerdicts.ts). */
export interface LocalDeps {
  names: Set<string>;
  fns: Set<string>;
}

/**
 * The digest of a file's local dependencies, and the files it reads (an edit
 * in one of them makes the entry checked again); null when one of them has no
 * content hash (not indexed: not keyable).
 */
export function localsDigest(index: WorkspaceIndex, names: readonly string[], fns: readonly string[], nameReads = new NameReads()): { digest: string; reads: Set<string> } | null {
  const h = crypto.createHash('sha1');
  const reads = new Set<string>();
  for (const n of names) {
    // What resolve() and the derivation read of each definition, in the index's order (resolve keeps
    // it): not its line (a helper whose text is read is keyed by its file below).
    const r = nameReads.of(index, n);
    h.update('n').update(r.text);
    for (const f of r.files) reads.add(f);
  }
  for (const f of [...new Set(fns.map(fileOfFnKey))].sort()) {
    const c = index.contentHashOf(f);
    if (c === undefined) return null;
    h.update('f').update(f).update('\0').update(c);
    reads.add(f);
  }
  return { digest: h.digest('hex'), reads };
}

/** The entry to store for a file (null when it cannot be keyed). */
export function localsEntry(index: WorkspaceIndex, file: string, deps: LocalDeps, findings: Finding[], leftOut: number, nameReads?: NameReads): { entry: LocalsEntry; reads: ReadonlySet<string> } | null {
  const hash = index.contentHashOf(file);
  if (hash === undefined) return null;
  const entry: LocalsEntry = { hash, findings };
  if (leftOut) entry.leftOut = leftOut;
  if (!deps.names.size && !deps.fns.size) return { entry, reads: NO_READS };
  const names = [...deps.names].sort();
  const fns = [...deps.fns].sort();
  const key = localsDigest(index, names, fns, nameReads);
  if (!key) return null;
  return { entry: { ...entry, names, fns, digest: key.digest }, reads: key.reads };
}

/** The reads of an entry keyed by its file's content alone (most files'): one set for all, never written. */
const NO_READS: ReadonlySet<string> = new Set();

/** Whether a stored entry holds for the tree as it is now; the files its key read when it does. */
export function localsHold(index: WorkspaceIndex, file: string, e: LocalsEntry, nameReads?: NameReads): ReadonlySet<string> | null {
  if (!e || typeof e !== 'object' || index.contentHashOf(file) !== e.hash || !Array.isArray(e.findings)) return null;
  if (e.digest === undefined) return NO_READS;
  try {
    const key = localsDigest(index, e.names ?? [], e.fns ?? [], nameReads);
    return key && key.digest === e.digest ? key.reads : null;
  } catch {
    return null; // a malformed entry: computed again
  }
}

/**
 * One function's local verdict as stored (localFns.json, per file, by the
 * function's ContentKeys.functionDigest: its own text and place): a file
 * whose content changed walks only the functions whose text or place did,
 * or whose names (keyed as a file's, above) or helpers read changed. A
 * helper read is keyed by its region (ContentKeys.fnDigest, as the openers'
 * functions read: its text and place, the hops' places are in it), not its
 * file, so that a helper beside the edited function keeps it. What the walk
 * reads of the rest of its file (the per-file bound on functions walked,
 * from the scan's calls) is decided before a verdict is looked up.
 */
export interface FunctionLocalsEntry {
  findings: Finding[];
  names?: string[];
  fns?: string[];
  digest?: string;
}

/** The digest of a function's dependencies: names as localsDigest's, helpers by `region` (ContentKeys.fnDigest). */
function functionDepsDigest(index: WorkspaceIndex, region: (fnKey: string) => string, names: readonly string[], fns: readonly string[], nameReads = new NameReads()): string {
  const h = crypto.createHash('sha1');
  for (const n of names) h.update('n').update(nameReads.of(index, n).text);
  for (const f of fns) h.update('r').update(f).update('\0').update(region(f));
  return h.digest('hex');
}

/** The entry to store for a function walked. */
export function functionLocalsEntry(index: WorkspaceIndex, region: (fnKey: string) => string, deps: LocalDeps, findings: Finding[], nameReads?: NameReads): FunctionLocalsEntry {
  if (!deps.names.size && !deps.fns.size) return { findings };
  const names = [...deps.names].sort();
  const fns = [...deps.fns].sort();
  return { findings, names, fns, digest: functionDepsDigest(index, region, names, fns, nameReads) };
}

/** Whether a stored function's verdict holds for the index as it is now (its own key already matched). */
export function functionLocalsHold(index: WorkspaceIndex, region: (fnKey: string) => string, e: FunctionLocalsEntry, nameReads?: NameReads): boolean {
  if (!e || typeof e !== 'object' || !Array.isArray(e.findings)) return false;
  if (e.digest === undefined) return true;
  try {
    return functionDepsDigest(index, region, e.names ?? [], e.fns ?? [], nameReads) === e.digest;
  } catch {
    return false; // a malformed entry: computed again
  }
}
