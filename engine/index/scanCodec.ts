// A compact encoding of FileScans: names (function names, calls, conditions,
// macro bodies and parameters) go to a name table, everything else to a flat
// Int32 array. Used to pass scans from the scan workers and to store the
// on-disk index cache; decoding interns every name once.
import { FileScan, intern, internFresh } from './fileScan';

export class NameTable {
  readonly names: string[] = [];
  private ids = new Map<string, number>();
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}

/** Appends the encoding of `scan` to `out`. */
export function encodeScan(scan: FileScan, t: NameTable, out: number[]): void {
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

/** Decodes the scan at data[at]; `names` must already be interned (see internAll). */
export function decodeScan(data: Int32Array, at: number, names: string[], file?: string): FileScan {
  let i = at;
  const functions: FileScan['functions'] = [];
  for (let nf = data[i++]; nf > 0; nf--) {
    const name = names[data[i++]];
    const line = data[i++];
    const flags = data[i++];
    const condition = names[data[i++]];
    const calls: string[] = new Array(data[i++]);
    for (let k = 0; k < calls.length; k++) calls[k] = names[data[i++]];
    const f = { name, line, isStatic: (flags & 1) !== 0, isWeak: (flags & 2) !== 0, condition, calls, takesEntry: (flags & 4) !== 0 };
    // With its file: the index then keeps one object per definition.
    functions.push(file === undefined ? f : Object.assign(f, { file }));
  }
  const macros: FileScan['macros'] = [];
  for (let nm = data[i++]; nm > 0; nm--) {
    const name = names[data[i++]];
    const line = data[i++];
    const condition = names[data[i++]];
    const body = names[data[i++]];
    const params: string[] = new Array(data[i++]);
    for (let k = 0; k < params.length; k++) params[k] = names[data[i++]];
    const calls: string[] = new Array(data[i++]);
    for (let k = 0; k < calls.length; k++) calls[k] = names[data[i++]];
    const m = { name, line, params, body, condition, calls };
    macros.push(file === undefined ? m : Object.assign(m, { file }));
  }
  return { functions, macros };
}

/** Interns a decoded name table (`fresh`: the strings share no memory with anything bigger). */
export function internAll(names: string[], fresh = true): string[] {
  return names.map((n) => (fresh ? internFresh(n) : intern(n)));
}
