// One file of analysis kept on disk (engine/store/): versioned JSON (or V8's
// serial form, for products made of typed arrays), written
// atomically (a temporary file renamed), read and validated: a file of
// another version or another world (build of lazymmu, catalogue,
// configuration...) is ignored, a corrupt one too, each with a log line; the
// entries inside are validated one by one by their owners (content keys).
//
// Written entry by entry (issue 15 point 5): a whole tree's store is tens of
// MB (7.2: sections.json ~42 MB, searches.bin ~33 MB), and making it as one
// string or buffer, then its bytes, put ~200 MB on top of the cold CLI run's
// live heap at its end. JSON keeps its one-object form (the same text
// JSON.stringify makes, read back whole); the V8 form is framed: a magic, a
// header frame {v, world}, then one frame per entry [key, value], so neither
// side holds more than one entry's serial form. Each frame is in the aligned
// serial form (../alignedSerial.ts: its typed arrays read as views on the
// frame's buffer, not copied). A V8 file without the magic is read the old
// way (one serialized object); one with the previous frames' magic (frames in
// V8's plain form) was written by an older build, so it is of another world:
// not read.
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { deserializeAligned, serializeAligned } from '../alignedSerial';

/** How a store file is written: JSON (plain data), or v8 (typed arrays kept as they are). */
export type StoreFormat = 'json' | 'v8';

/** Bump when a stored product's shape or meaning changes. */
export const STORE_VERSION = 1;

export interface StoredFile<E> extends StoreHead {
  v: number;
  world: string;
  entries: Record<string, E>;
}

/** The first bytes of a framed V8 store file (then frames: a 4-byte little-endian length and that many bytes). */
const FRAMED = Buffer.from('lazymmu-store-frames-2\n');
/** The same, with frames in V8's plain serial form (an older build's). */
const PLAIN_FRAMED = Buffer.from('lazymmu-store-frames-1\n');

/** Bytes gathered before a write (one write per chunk, not per entry). */
const CHUNK = 1 << 20;

/** The entries of `file` stored for `world`, or an empty set (said through `log` unless the file is simply absent). */
export function readStore<E>(file: string, world: string, log: (msg: string) => void, format: StoreFormat = 'json'): Map<string, E> {
  return readWithHead<E>(file, world, log, format)?.entries ?? new Map();
}

/** What a store file's header says besides its version and world: a base's stamp, or a delta's base and removed keys (storeDelta.ts). */
export interface StoreHead {
  stamp?: string;
  base?: string;
  removed?: string[];
}

/** The entries of `file` stored for `world` with its header; null when absent, unreadable, of another version or world. */
export function readWithHead<E>(file: string, world: string, log: (msg: string) => void, format: StoreFormat = 'json'): { entries: Map<string, E>; head: StoreHead } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    // Another build's: nothing in it holds (as for another world), and it is overwritten on save.
    if (format === 'v8' && startsWith(fd, PLAIN_FRAMED)) return null;
    const framed = format === 'v8' && startsWith(fd, FRAMED);
    const s = framed ? readFrames<E>(fd, file) : wholeFile<E>(fd, format);
    if (!s || typeof s !== 'object' || typeof s.entries !== 'object' || s.entries === null) throw new Error('not a store file');
    if (s.v !== STORE_VERSION) {
      log(`analysis store ${path.basename(file)}: version ${s.v}, not ${STORE_VERSION}: ignored`);
      return null;
    }
    // Another build, catalogue or configuration: nothing in it is known to hold (it is overwritten on save).
    if (s.world !== world) return null;
    const head: StoreHead = {};
    if (typeof s.stamp === 'string') head.stamp = s.stamp;
    if (typeof s.base === 'string') head.base = s.base;
    if (Array.isArray(s.removed) && s.removed.every((k) => typeof k === 'string')) head.removed = s.removed;
    return { entries: s.entries instanceof Map ? s.entries : ownEntries(s.entries), head };
  } catch (e) {
    log(`analysis store ${file}: unreadable (${(e as Error).message}): ignored, computing again`);
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** An object's own members as a Map, in Object.entries' order (without its [key, value] array per member: locals.json has ~47,000). */
function ownEntries<E>(o: Record<string, E>): Map<string, E> {
  const m = new Map<string, E>();
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) m.set(k, o[k]);
  return m;
}

/** What a file read whole holds (JSON, or V8's serial form of one object). */
function wholeFile<E>(fd: number, format: StoreFormat): StoredFile<E> {
  const raw = fs.readFileSync(fd);
  return (format === 'v8' ? v8.deserialize(raw) : JSON.parse(raw.toString('utf8'))) as StoredFile<E>;
}

function startsWith(fd: number, magic: Buffer): boolean {
  const b = Buffer.alloc(magic.length);
  return fs.readSync(fd, b, 0, b.length, 0) === b.length && b.equals(magic);
}

/** A framed V8 file: the header frame, then the entries one frame at a time (the entries read into a Map as they come). */
function readFrames<E>(fd: number, file: string): { v: number; world: string; entries: Map<string, E> } & StoreHead {
  const size = fs.fstatSync(fd).size;
  let at = FRAMED.length;
  const len = Buffer.alloc(4);
  const next = (): unknown => {
    if (at === size) return undefined;
    if (fs.readSync(fd, len, 0, 4, at) !== 4) throw new Error(`truncated at byte ${at}`);
    const n = len.readUInt32LE(0);
    if (at + 4 + n > size) throw new Error(`truncated at byte ${at}`);
    const b = Buffer.allocUnsafe(n);
    if (fs.readSync(fd, b, 0, n, at + 4) !== n) throw new Error(`truncated at byte ${at}`);
    at += 4 + n;
    return deserializeAligned(b);
  };
  const head = next() as ({ v?: unknown; world?: unknown } & StoreHead) | undefined;
  if (!head || typeof head !== 'object') throw new Error(`no header in ${path.basename(file)}`);
  const entries = new Map<string, E>();
  // Another version or world: the caller ignores the entries, so they are not read.
  if (head.v === STORE_VERSION && head.world !== undefined)
    for (let f = next(); f !== undefined; f = next()) {
      if (!Array.isArray(f) || f.length !== 2 || typeof f[0] !== 'string') throw new Error(`not an entry at byte ${at}`);
      entries.set(f[0], f[1] as E);
    }
  return { ...head, v: head.v as number, world: head.world as string, entries };
}

/** Writes `entries` for `world` to `file`, entry by entry (see the header), with `head` beside the world; a store that cannot be written is left as it was. */
export function writeStore<E>(file: string, world: string, entries: Iterable<[string, E]>, format: StoreFormat = 'json', head: StoreHead = {}): void {
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | null = null;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(tmp, 'w');
    const out = new ChunkedWriter(fd);
    if (format === 'v8') writeFrames(out, world, entries, head);
    else writeJson(out, world, entries, head);
    out.flush();
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch {
    // A store that cannot be written (read-only home, full disk) only costs the next run time.
    try {
      if (fd !== null) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing was made there.
    }
  }
}

/**
 * The text JSON.stringify({v, world, ...head, entries: Object.fromEntries(entries)})
 * makes, an entry at a time. (Keys that are array indices come out where the
 * Map has them, not first as an object orders them: read back, the same
 * entries.)
 */
function writeJson<E>(out: ChunkedWriter, world: string, entries: Iterable<[string, E]>, head: StoreHead): void {
  const more = Object.entries(head).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('');
  out.text(`{"v":${JSON.stringify(STORE_VERSION)},"world":${JSON.stringify(world)}${more},"entries":{`);
  let first = true;
  for (const [k, e] of entries) {
    const value = JSON.stringify(e);
    if (value === undefined) continue; // as JSON.stringify leaves out an undefined member
    out.text(`${first ? '' : ','}${JSON.stringify(k)}:${value}`);
    first = false;
  }
  out.text('}}');
}

function writeFrames<E>(out: ChunkedWriter, world: string, entries: Iterable<[string, E]>, head: StoreHead): void {
  out.bytes(FRAMED);
  const frame = (value: unknown) => {
    const pieces = serializeAligned(value);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(pieces.reduce((n, b) => n + b.length, 0), 0);
    out.bytes(len);
    for (const b of pieces) out.bytes(b);
  };
  frame({ v: STORE_VERSION, world, ...head });
  for (const [k, e] of entries) frame([k, e]);
}

/**
 * Writes text and bytes to `fd` through one buffer of CHUNK bytes (a piece
 * larger than that goes out on its own): no buffer per entry is left for
 * the garbage collector, which would count tens of MB of them outside the heap.
 */
class ChunkedWriter {
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  constructor(private readonly fd: number) {}

  text(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (n > CHUNK - this.used) this.flush();
    if (n > CHUNK) this.out(Buffer.from(s, 'utf8'));
    else this.used += this.buf.write(s, this.used, 'utf8');
  }

  bytes(b: Buffer): void {
    if (b.length > CHUNK - this.used) this.flush();
    if (b.length > CHUNK) this.out(b);
    else this.used += b.copy(this.buf, this.used);
  }

  flush(): void {
    this.out(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private out(b: Buffer): void {
    for (let at = 0; at < b.length; ) at += fs.writeSync(this.fd, b, at, b.length - at);
  }
}
