// The scan's byte loops in WebAssembly (engine/index/wasm/blank.ts, built by
// `npm run build` into blank.wasm next to this module and to the bundles):
// the file copied into the module's memory once, classified there (binary;
// anything the scan can find), blanked there, and what the scan
// reads back as views of that memory (no copy): the clean copy and the
// offsets of the code's `;{}`, `(`, the newlines and the directives' extents.
// The views are valid until the next call (the memory may grow then).
import * as fs from 'fs';
import * as path from 'path';

// The few WebAssembly globals used here (the project's lib has no DOM types, where TypeScript declares them).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface Exports {
  memory: WasmMemory;
  heapBase(): number;
  classify(src: number, n: number): number;
  blank(src: number, dst: number, n: number, marks: number, marksCap: number, parens: number, parensCap: number,
    nls: number, nlsCap: number, dirs: number, dirsCap: number, counts: number): number;
}

/** Ints per directive record: start, end, flags (1: its text is read; 2: an object-like #define), name start, name end. */
export const DIR_INTS = 5;
export const DIR_READ = 1;
export const DIR_OBJECT_DEFINE = 2;

export interface Blanked {
  /** The file's bytes as loaded (a view of the memory as it is after the blank, which may have grown it). */
  source: Buffer;
  /** The copy with comments, literals and directives blanked (newlines kept). */
  clean: Buffer;
  marks: Int32Array;
  parens: Int32Array;
  newlines: Int32Array;
  /** DIR_INTS per directive the scan reads, in order. */
  dirs: Int32Array;
}

function wasmFile(): string {
  const name = 'blank.wasm';
  for (const f of [path.join(__dirname, name), path.join(__dirname, 'engine', 'index', name)]) if (fs.existsSync(f)) return f;
  throw new Error(`lazymmu: ${name} is missing next to ${__dirname}; run \`npm run build\``);
}

let compiled: object | null = null;
let inst: Exports | null = null;
/** Output capacities (ints), kept across files: grown when a file needed more. */
const cap = { marks: 1 << 14, parens: 1 << 14, nls: 1 << 14, dirs: 1 << 10 };
/** A module instance whose memory grew past this is dropped after its file (a wasm memory cannot shrink). */
const KEEP_MEMORY = 16 << 20;

function instance(): Exports {
  if (inst) return inst;
  compiled ??= new WebAssembly.Module(fs.readFileSync(wasmFile()));
  inst = new WebAssembly.Instance(compiled, { env: {} }).exports as unknown as Exports;
  return inst;
}

const align = (x: number) => (x + 15) & ~15;

/** Bits of classify(): a NUL in the first 8 KiB; something the scan can find (a `{`, a function-like `#define`). */
export const BINARY = 1;
export const MAY_DEFINE = 2;

/** Bytes of the file in the module's memory (at heapBase()). */
let loaded = -1;

/** Grows the memory to hold `need` bytes. */
function reserve(w: Exports, need: number): void {
  const have = w.memory.buffer.byteLength;
  if (need > have) w.memory.grow(Math.ceil((need - have) / 65536));
}

/**
 * Puts a file's bytes in the module's memory: what classifyLoaded() and
 * blankLoaded() read. Bytes already there (read into loadSpace()'s view) are
 * not copied again.
 */
export function load(buf: Uint8Array): void {
  const w = instance();
  const src = w.heapBase();
  if (buf.buffer === w.memory.buffer && buf.byteOffset === src) {
    loaded = buf.length;
    return;
  }
  reserve(w, src + align(buf.length + 1));
  new Uint8Array(w.memory.buffer, src, buf.length).set(buf);
  loaded = buf.length;
}

/**
 * Where a file is read so that load() has nothing to copy: a view of the
 * module's memory where load() puts the file, at least `n` bytes long (one
 * more is written past the file: blank()'s sentinel). The copy into the
 * memory was ~9% of a scan thread's time; the read now writes there
 * directly. Valid until the memory grows (blankLoaded() may grow it: read
 * the file's bytes back from Blanked.source after it).
 */
export function loadSpace(n: number): Buffer {
  const w = instance();
  const src = w.heapBase();
  reserve(w, src + align(n + 1) + 16);
  return Buffer.from(w.memory.buffer, src, w.memory.buffer.byteLength - src - 16);
}

/** The loaded file's BINARY and MAY_DEFINE bits. */
export function classifyLoaded(): number {
  const w = instance();
  return w.classify(w.heapBase(), loaded);
}

/** Blanks `buf` (see Blanked). */
export function blank(buf: Uint8Array): Blanked {
  load(buf);
  return blankLoaded();
}

/** Blanks the loaded file (see Blanked). */
export function blankLoaded(): Blanked {
  const w = instance();
  const n = loaded;
  for (;;) {
    const src = w.heapBase();
    const dst = src + align(n + 1);
    const marks = dst + align(n);
    const parens = marks + 4 * cap.marks;
    const nls = parens + 4 * cap.parens;
    const dirs = nls + 4 * cap.nls;
    const counts = dirs + 4 * DIR_INTS * cap.dirs;
    reserve(w, counts + 16);
    const mem = w.memory.buffer;
    const ok = w.blank(src, dst, n, marks, cap.marks, parens, cap.parens, nls, cap.nls, dirs, cap.dirs, counts) === 0;
    const c = new Int32Array(mem, counts, 4);
    if (!ok) {
      // An output array was too small: the counts say how big they had to be.
      cap.marks = Math.max(cap.marks, c[0]);
      cap.parens = Math.max(cap.parens, c[1]);
      cap.nls = Math.max(cap.nls, c[2]);
      cap.dirs = Math.max(cap.dirs, c[3]);
      continue;
    }
    return {
      source: Buffer.from(mem, src, n),
      clean: Buffer.from(mem, dst, n),
      marks: new Int32Array(mem, marks, c[0]),
      parens: new Int32Array(mem, parens, c[1]),
      newlines: new Int32Array(mem, nls, c[2]),
      dirs: new Int32Array(mem, dirs, DIR_INTS * c[3]),
    };
  }
}

/** After a file: a memory grown for a very large file is let go (the next file gets a new instance). */
export function releaseBlankMemory(): void {
  if (inst && inst.memory.buffer.byteLength > KEEP_MEMORY) {
    inst = null;
    loaded = -1;
    cap.marks = cap.parens = cap.nls = 1 << 14;
    cap.dirs = 1 << 10;
  }
}
