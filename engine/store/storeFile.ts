// One file of analysis kept on disk (engine/store/): versioned JSON (or V8's
// serial form, for products made of typed arrays), written
// atomically (a temporary file renamed), read whole and validated: a file of
// another version or another world (build of lazymmu, catalogue,
// configuration...) is ignored, a corrupt one too, each with a log line; the
// entries inside are validated one by one by their owners (content keys).
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';

/** How a store file is written: JSON (plain data), or v8 (typed arrays kept as they are). */
export type StoreFormat = 'json' | 'v8';

/** Bump when a stored product's shape or meaning changes. */
export const STORE_VERSION = 1;

export interface StoredFile<E> {
  v: number;
  world: string;
  entries: Record<string, E>;
}

/** The entries of `file` stored for `world`, or an empty set (said through `log` unless the file is simply absent). */
export function readStore<E>(file: string, world: string, log: (msg: string) => void, format: StoreFormat = 'json'): Map<string, E> {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch {
    return new Map();
  }
  try {
    const s = (format === 'v8' ? v8.deserialize(raw) : JSON.parse(raw.toString('utf8'))) as StoredFile<E>;
    if (!s || typeof s !== 'object' || typeof s.entries !== 'object' || s.entries === null) throw new Error('not a store file');
    if (s.v !== STORE_VERSION) {
      log(`analysis store ${path.basename(file)}: version ${s.v}, not ${STORE_VERSION}: ignored`);
      return new Map();
    }
    // Another build, catalogue or configuration: nothing in it is known to hold (it is overwritten on save).
    if (s.world !== world) return new Map();
    return new Map(Object.entries(s.entries));
  } catch (e) {
    log(`analysis store ${file}: unreadable (${(e as Error).message}): ignored, computing again`);
    return new Map();
  }
}

export function writeStore<E>(file: string, world: string, entries: Map<string, E>, format: StoreFormat = 'json'): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const s: StoredFile<E> = { v: STORE_VERSION, world, entries: Object.fromEntries(entries) };
    fs.writeFileSync(tmp, format === 'v8' ? v8.serialize(s) : JSON.stringify(s));
    fs.renameSync(tmp, file);
  } catch {
    // A store that cannot be written (read-only home, full disk) only costs the next run time.
  }
}
