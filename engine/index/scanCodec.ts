// A compact encoding of FileScans: names (function names, calls, conditions,
// macro bodies and parameters) go to a name table, everything else to a flat
// Int32 array. Used to pass scans from the scan workers and to store the
// on-disk index cache; a decode's names are interned once (a stored
// table's as each is first made). A scan already
// encoded (a worker's batch, the loaded cache) is copied into the cache by
// renumbering its name ids (Recoder) instead of being encoded again: the
// cache's save looks up each distinct name once per table, not every use.
import type { FileScan, ScannedFunction, ScannedMacro } from './fileScan';
import { NameTable } from './nameTable';
import { Names, StoredNames } from './storedNames';

export { NameTable } from './nameTable';

/** A growable Int32 array (a whole tree's scans are ~14M numbers: no JS array of them). */
export class Ints {
  private a = new Int32Array(1 << 16);
  length = 0;
  push(...vs: number[]): void {
    if (this.length + vs.length > this.a.length) {
      const b = new Int32Array(Math.max(this.a.length * 2, this.length + vs.length));
      b.set(this.a.subarray(0, this.length));
      this.a = b;
    }
    for (const v of vs) this.a[this.length++] = v;
  }
  /** Appends a run of numbers as they are. */
  append(vs: Int32Array): void {
    if (this.length + vs.length > this.a.length) {
      const b = new Int32Array(Math.max(this.a.length * 2, this.length + vs.length));
      b.set(this.a.subarray(0, this.length));
      this.a = b;
    }
    this.a.set(vs, this.length);
    this.length += vs.length;
  }
  /** A copy of what was pushed. */
  toArray(): Int32Array {
    return this.a.slice(0, this.length);
  }
}

/** A scan in encoded form: at data[at], its names ids into `names`. */
export interface EncodedScan {
  data: Int32Array;
  at: number;
  names: Names;
}

/** Copies encoded scans into one table's ids: each source table's names are looked up once, when first used. */
export class Recoder {
  private maps = new Map<Names, Int32Array>();
  constructor(private readonly t: NameTable) {}

  /** Source table `names`' ids -> this table's (-1: not looked up yet), for at least `length` names. */
  private mapOf(names: Names, length: number): Int32Array {
    let map = this.maps.get(names);
    if (!map || map.length < length) {
      const grown = new Int32Array(Math.max(length, map ? 2 * map.length : 0)).fill(-1);
      if (map) grown.set(map);
      this.maps.set(names, (map = grown));
    }
    return map;
  }

  /** Notes that source table `names`' name `i` is this table's `id` (already looked up by the caller). */
  known(names: Names, i: number, id: number): void {
    this.mapOf(names, i + 1)[i] = id;
  }

  /** Appends `src` to `out` in the table's ids; the same numbers encodeScan would push for the decoded scan. */
  copy(src: EncodedScan, out: Ints): void {
    const map = this.mapOf(src.names, src.names.length);
    const names = src.names;
    const t = this.t;
    const m = map;
    const id = (i: number): number => {
      let r = m[i];
      if (r < 0) r = m[i] = t.id(names instanceof StoredNames ? names.get(i) : names[i]);
      return r;
    };
    const d = src.data;
    let i = src.at;
    const nf = d[i++];
    out.push(nf);
    for (let k = 0; k < nf; k++) {
      const name = id(d[i++]);
      out.push(name, d[i++], d[i++], id(d[i++]));
      const nc = d[i++];
      out.push(nc);
      for (let c = 0; c < nc; c++) out.push(id(d[i++]));
    }
    const nm = d[i++];
    out.push(nm);
    for (let k = 0; k < nm; k++) {
      const name = id(d[i++]);
      const line = d[i++];
      out.push(name, line, id(d[i++]), id(d[i++]));
      const np = d[i++];
      out.push(np);
      for (let c = 0; c < np; c++) out.push(id(d[i++]));
      const nc = d[i++];
      out.push(nc);
      for (let c = 0; c < nc; c++) out.push(id(d[i++]));
    }
  }
}

/** Appends the encoding of `scan` to `out`. */
export function encodeScan(scan: FileScan, t: NameTable, out: number[] | Ints): void {
  out.push(scan.functions.length);
  for (const f of scan.functions) {
    out.push(t.id(f.name), f.line, (f.isStatic ? 1 : 0) | (f.isWeak ? 2 : 0) | (f.takesEntry ? 4 : 0), t.id(f.condition), f.calls.length);
    for (const c of f.calls) out.push(t.id(c));
  }
  out.push(scan.macros.length);
  for (const m of scan.macros) {
    out.push(t.id(m.name), m.line, t.id(m.condition), t.id(m.body), m.params.length);
    for (const p of m.params) out.push(t.id(p));
    out.push(m.calls.length);
    for (const c of m.calls) out.push(t.id(c));
  }
}

/** Decodes the scan at data[at]; `table`'s strings must already be interned (a stored table interns each as it makes it). */
export function decodeScan(data: Int32Array, at: number, table: Names, file?: string): FileScan {
  // A stored table's names are made as they are met (most of its ~800,000 are never asked for).
  const nameOf = table instanceof StoredNames ? (id: number) => table.get(id) : (id: number) => table[id];
  let i = at;
  const functions: FileScan['functions'] = [];
  for (let nf = data[i++]; nf > 0; nf--) {
    const name = nameOf(data[i++]);
    const line = data[i++];
    const flags = data[i++];
    const condition = nameOf(data[i++]);
    const calls: string[] = new Array(data[i++]);
    for (let k = 0; k < calls.length; k++) calls[k] = nameOf(data[i++]);
    const isStatic = (flags & 1) !== 0;
    const isWeak = (flags & 2) !== 0;
    const takesEntry = (flags & 4) !== 0;
    // With its file as a literal's own field (not added after: that costs a properties store per object): the index keeps these objects.
    const f: ScannedFunction = file === undefined ? { name, line, isStatic, isWeak, condition, calls, takesEntry } : ({ name, line, isStatic, isWeak, condition, calls, takesEntry, file } as ScannedFunction);
    functions.push(f);
  }
  const macros: FileScan['macros'] = [];
  for (let nm = data[i++]; nm > 0; nm--) {
    const name = nameOf(data[i++]);
    const line = data[i++];
    const condition = nameOf(data[i++]);
    const body = nameOf(data[i++]);
    const params: string[] = new Array(data[i++]);
    for (let k = 0; k < params.length; k++) params[k] = nameOf(data[i++]);
    const calls: string[] = new Array(data[i++]);
    for (let k = 0; k < calls.length; k++) calls[k] = nameOf(data[i++]);
    const m: ScannedMacro = file === undefined ? { name, line, params, body, condition, calls } : ({ name, line, params, body, condition, calls, file } as ScannedMacro);
    macros.push(m);
  }
  return { functions, macros };
}
