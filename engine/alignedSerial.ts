// V8's serial form with its typed arrays laid out aligned after the rest, so
// that reading gives views on the read buffer instead of copies. Node's own
// deserializer makes a view only when an array's bytes happen to lie at a
// multiple of its element size; otherwise it copies them (for the index
// cache of a 6.12 tree: ~45 MB of Int32Array/Float64Array copied, and their
// fresh pages faulted in, at every warm run). Here each array is written
// after the serial form proper, at a multiple of 8 bytes, and the serial form
// holds only its type, offset and length.
//
// Layout: MAGIC, the serial form's length (4 bytes, little-endian), the serial
// form, zeros up to a multiple of 8, then the arrays, each at a multiple of 8
// from the start. The views read share the buffer: it lives as long as any of
// them (what a reader keeps is those arrays anyway).
import * as v8 from 'v8';

const MAGIC = Buffer.from('lazymmu-aligned1');
const HEAD = MAGIC.length + 4;

/** The typed arrays kept as views (a Buffer comes back as a Buffer); other host objects are refused, as V8's form refuses them. */
const VIEW_TYPES = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, Buffer] as const;

const align8 = (n: number) => (n + 7) & ~7;

class ViewsAfter extends v8.Serializer {
  readonly views: ArrayBufferView[] = [];
  /** Bytes of the arrays' section so far (each array starts at a multiple of 8). */
  size = 0;
  constructor() {
    super();
    (this as unknown as { _setTreatArrayBufferViewsAsHostObjects(on: boolean): void })._setTreatArrayBufferViewsAsHostObjects(true);
  }
  _writeHostObject(view: ArrayBufferView): void {
    const type = view.constructor === Buffer ? VIEW_TYPES.length - 1 : VIEW_TYPES.indexOf(view.constructor as (typeof VIEW_TYPES)[number]);
    if (type < 0) throw new Error(`not a typed array: ${Object.prototype.toString.call(view)}`);
    this.writeUint32(type);
    this.writeDouble(this.size);
    this.writeDouble(view.byteLength);
    this.views.push(view);
    this.size = align8(this.size + view.byteLength);
  }
}

/** `value` in the aligned form, as pieces to write one after the other (the arrays are not copied). */
export function serializeAligned(value: unknown): Buffer[] {
  const s = new ViewsAfter();
  s.writeHeader();
  s.writeValue(value);
  const form = s.releaseBuffer();
  const length = Buffer.alloc(4);
  length.writeUInt32LE(form.length, 0);
  const out: Buffer[] = [MAGIC, length, form, Buffer.alloc(align8(HEAD + form.length) - HEAD - form.length)];
  let at = 0;
  for (const v of s.views) {
    out.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    at += v.byteLength;
    if (at !== align8(at)) out.push(Buffer.alloc(align8(at) - at));
    at = align8(at);
  }
  return out;
}

/** Whether `b` starts as the aligned form does (a file of another form is then not read as this one). */
export function isAligned(b: Uint8Array): boolean {
  return b.length >= HEAD && Buffer.from(b.buffer, b.byteOffset, MAGIC.length).equals(MAGIC);
}

class ViewsOn extends v8.Deserializer {
  constructor(
    form: Buffer,
    private readonly whole: Buffer,
    private readonly arraysAt: number,
  ) {
    super(form);
  }
  _readHostObject(): ArrayBufferView {
    const type = this.readUint32();
    const offset = this.readDouble();
    const byteLength = this.readDouble();
    const ctor = VIEW_TYPES[type];
    if (!ctor) throw new Error(`bad array type ${type}`);
    const start = this.arraysAt + offset;
    const per = ctor === Buffer ? 1 : (ctor as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    if (!Number.isInteger(offset) || !Number.isInteger(byteLength) || offset % 8 || byteLength % per || offset < 0 || byteLength < 0 || start + byteLength > this.whole.length)
      throw new Error(`bad array at ${offset} (${byteLength} bytes)`);
    const at = this.whole.byteOffset + start;
    if (ctor === Buffer) return Buffer.from(this.whole.buffer, at, byteLength);
    return new (ctor as Int32ArrayConstructor)(this.whole.buffer, at, byteLength / per);
  }
}

/**
 * What `b` holds (the aligned form; throws on another form or a damaged one).
 * The typed arrays are views on `b` (on a copy of it when `b` itself does not
 * start at a multiple of 8).
 */
export function deserializeAligned(b: Buffer): unknown {
  if (!isAligned(b)) throw new Error('not the aligned serial form');
  const whole = b.byteOffset % 8 ? Buffer.from(new Uint8Array(b).buffer) : b;
  const length = whole.readUInt32LE(MAGIC.length);
  if (HEAD + length > whole.length) throw new Error('truncated');
  const d = new ViewsOn(whole.subarray(HEAD, HEAD + length), whole, align8(HEAD + length));
  d.readHeader();
  return d.readValue();
}
