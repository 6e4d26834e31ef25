// What the read-after-write findings read of their read's file through its
// syntax tree (the read's use, the fix's inserts: checkers/readAfterWrite.ts,
// PlacedInFile), kept on disk per file (placements.json) by the file's
// content hash: they are a function of its text (and the catalogue, in the
// store's world). A rerun whose stored sections hold reads in files it did
// not edit places their fixes without parsing those files.
import type { WorkspaceIndex } from '../index/workspaceIndex';

/** One file's placements as stored: its content hash when computed, each answer by its key. */
export interface PlacementsEntry {
  hash: string;
  byKey: Record<string, unknown>;
}

/**
 * The answer for `key` in `file`: the stored one while the file's content is
 * what it was computed from, else computed and put in `entries` (`put` says
 * so). A file without a content hash (not indexed) is computed each time.
 */
export function placedIn<T>(entries: Map<string, PlacementsEntry>, index: WorkspaceIndex, file: string, key: string, compute: () => T, put: () => void): T {
  const hash = index.contentHashOf(file);
  if (hash === undefined) return compute();
  let e = entries.get(file);
  if (e && typeof e === 'object' && e.hash === hash && e.byKey && typeof e.byKey === 'object' && Object.prototype.hasOwnProperty.call(e.byKey, key)) return e.byKey[key] as T;
  const value = compute();
  if (!e || e.hash !== hash || !e.byKey || typeof e.byKey !== 'object') entries.set(file, (e = { hash, byKey: {} }));
  // JSON keeps what it is given: the answers are plain data (a ReadUse's strings, inserts or null).
  e.byKey[key] = value === undefined ? null : value;
  put();
  return value;
}
