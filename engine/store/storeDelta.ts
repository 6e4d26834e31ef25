// A store file kept as a base and a delta beside it (FILE.delta), as the
// index cache keeps its rows (index/indexCache.ts): a save that changed few
// entries since the base was written writes only those, and the keys it
// removed, naming the base's stamp; a read applies the delta to the base it
// names (a delta of another base, world or version is not read). More
// changes rewrite the base with a new stamp and remove the delta. A rerun
// after a one-file edit changed one file's local verdicts of ~47,000, and
// wrote the whole locals.json (5 MB of JSON, ~0.1 s) for it.
import * as crypto from 'crypto';
import * as fs from 'fs';
import { StoreFormat, readWithHead, writeStore } from './storeFile';

/**
 * A delta is written while the keys changed since the base are at most this
 * share of the entries (1/DELTA_SHARE), or at most DELTA_MIN of them.
 */
const DELTA_SHARE = 16;
const DELTA_MIN = 64;

/** Entries read from a base and its delta, with what the next save needs. */
export interface DeltaEntries<E> {
  entries: Map<string, E>;
  /** The base's stamp (null: no base read; the next save writes one). */
  stamp: string | null;
  /** Keys set or removed since the base was written: the delta's, then this process's (the caller adds those). */
  changed: Set<string>;
}

export const deltaOf = (file: string): string => `${file}.delta`;

/** The entries of `file` and its delta, for `world`. */
export function readWithDelta<E>(file: string, world: string, log: (msg: string) => void, format: StoreFormat = 'json'): DeltaEntries<E> {
  const base = readWithHead<E>(file, world, log, format);
  if (!base) return { entries: new Map(), stamp: null, changed: new Set() };
  const stamp = base.head.stamp ?? null;
  const changed = new Set<string>();
  const delta = stamp ? readWithHead<E>(deltaOf(file), world, log, format) : null;
  if (delta && delta.head.base === stamp) {
    for (const [k, e] of delta.entries) {
      base.entries.set(k, e);
      changed.add(k);
    }
    for (const k of delta.head.removed ?? []) {
      base.entries.delete(k);
      changed.add(k);
    }
  }
  return { entries: base.entries, stamp, changed };
}

/** What a save reads of the entries: their number and each changed key's entry (a Map, or a store's own form: packedLocals.ts). */
export interface KeyedEntries<E> {
  readonly size: number;
  get(key: string): E | undefined;
}

/**
 * Writes `d`'s entries: its changed keys as a delta of its base while they
 * are few, else the whole base (a new stamp, the delta removed), in the form
 * `whole` gives (by default the entries as they are).
 */
export function writeWithDelta<E>(
  file: string,
  world: string,
  d: { entries: KeyedEntries<E>; stamp: string | null; changed: Set<string> },
  format: StoreFormat = 'json',
  whole: () => Iterable<[string, unknown]> = () => d.entries as Map<string, E>,
): void {
  if (d.stamp !== null && d.changed.size <= Math.max(DELTA_MIN, d.entries.size / DELTA_SHARE)) {
    const set = new Map<string, E>();
    const removed: string[] = [];
    for (const k of d.changed) {
      const e = d.entries.get(k);
      if (e !== undefined) set.set(k, e);
      else removed.push(k);
    }
    writeStore(deltaOf(file), world, set, format, { base: d.stamp, removed });
    return;
  }
  const stamp = crypto.randomBytes(8).toString('hex');
  writeStore(file, world, whole(), format, { stamp });
  fs.rmSync(deltaOf(file), { force: true });
  d.stamp = stamp;
  d.changed.clear();
}
