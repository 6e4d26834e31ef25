// Where a name's definitions are in the index cache's stored encodings, found
// without decoding them (issue 15: a warm CLI rerun decoded a kernel tree's
// ~736,000 definitions and put them into by-name maps, with the scavenges
// that copied them ~30% of its CPU, to look up a few thousand names; see
// docs/perf/lazyidx.md). The index (workspaceIndex.ts) keeps a file read from
// its cache undecoded until something asks for its definitions, and asks
// this table which files define a name and at which rank among the file's
// functions (or macros), so it decodes only those files.
//
// Everything here is typed arrays over the encodings (scanCodec.ts) and their
// name tables: a table's names are found by a hash of their characters
// (open addressing; no Map of ~800,000 strings, which cost more than the
// decoding it spares; storedNames.ts: the index cache stores the hash table
// with its names), and each table's definitions by name id as linked lists
// in typed arrays, made when a name's definitions are first asked (not for
// filesCalling, which walks the calls alone).
import { Names, StoredNames, nameHash, nameSlots } from './storedNames';

/**
 * Files whose scans are still encoded in one name table's words: each one's
 * position in the index's order and where its words start (typed arrays: no
 * object per file).
 */
export interface EncodedFiles {
  names: Names;
  data: Int32Array;
  pos: Int32Array;
  at: Int32Array;
}

/** A definition's place: its file's position in the index's order, and its rank among that file's functions (or macros). */
export interface DefinitionPlace {
  pos: number;
  rank: number;
}

/** One name table's part: its names by hash, and its files' definitions by name id (made when first asked). */
class TablePart {
  /** The names by hash (storedNames.ts nameSlots: the cache's own when it stored them). */
  private readonly slots: Int32Array;
  private defs: DefinitionLists | null = null;

  private readonly names: Names;

  constructor(private readonly files: EncodedFiles) {
    this.names = files.names;
    this.slots = nameSlots(files.names);
  }

  /** The id of `name` in this table, -1 when it has none. */
  idOf(name: string): number {
    const mask = this.slots.length - 1;
    const names = this.names;
    for (let p = nameHash(name, 0, name.length) & mask; ; p = (p + 1) & mask) {
      const v = this.slots[p];
      if (v === 0) return -1;
      if (names instanceof StoredNames ? names.is(v - 1, name) : names[v - 1] === name) return v - 1;
    }
  }

  placesOf(name: string, macro: boolean, out: DefinitionPlace[]): void {
    const id = this.idOf(name);
    if (id < 0) return;
    const c = (this.defs ??= definitionsByName(this.names.length, this.files));
    const from = out.length;
    // The list runs from the last definition walked to the first: reversed into the files' order.
    for (let k = (macro ? c.macroHead : c.fnHead)[id]; k !== 0; k = c.next[k]) out.push({ pos: c.pos[k], rank: c.rank[k] });
    for (let a = from, b = out.length - 1; a < b; a++, b--) {
      const t = out[a];
      out[a] = out[b];
      out[b] = t;
    }
  }

  /** Per file position, the ranks of its functions and macros calling `name`, a rank once per call (a pass of callersMap.ts). */
  callersOf(name: string, out: Map<number, { fns: number[]; macros: number[] }>): void {
    const id = this.idOf(name);
    if (id < 0) return;
    const { data: d, pos, at } = this.files;
    for (let f = 0; f < pos.length; f++) {
      let i = at[f];
      let hit: { fns: number[]; macros: number[] } | undefined;
      const note = (macro: boolean, rank: number) => {
        if (!hit) out.set(pos[f], (hit = { fns: [], macros: [] }));
        (macro ? hit.macros : hit.fns).push(rank);
      };
      const nf = d[i++];
      for (let r = 0; r < nf; r++) {
        i += 4;
        const end = i + 1 + d[i];
        for (i++; i < end; i++) if (d[i] === id) note(false, r);
      }
      const nm = d[i++];
      for (let r = 0; r < nm; r++) {
        i += 4;
        i += 1 + d[i]; // params
        const end = i + 1 + d[i];
        for (i++; i < end; i++) if (d[i] === id) note(true, r);
      }
    }
  }

  /** Positions of the files with a function calling one of `names`. */
  filesCalling(names: Iterable<string>, out: Set<number>): void {
    // The names' ids marked in a byte per name: a walk over every call of the tree (millions) tests each.
    let ids: Uint8Array | null = null;
    for (const n of names) {
      const id = this.idOf(n);
      if (id >= 0) (ids ??= new Uint8Array(this.names.length))[id] = 1;
    }
    if (!ids) return;
    const { data: d, pos, at } = this.files;
    for (let f = 0; f < pos.length; f++) {
      let i = at[f];
      let found = false;
      for (let nf = d[i++]; nf > 0 && !found; nf--) {
        i += 4; // name, line, flags, condition
        const end = i + 1 + d[i];
        for (i++; i < end; i++) if (ids[d[i]] === 1) found = true;
        i = end;
      }
      if (found) out.add(pos[f]);
    }
  }
}

/**
 * Name id -> its definitions, as lists linked through `next` from the last one
 * walked: one walk over the encodings, each definition's slot written in
 * order (a count-then-place CSR walked the encodings twice: ~40% more CPU on
 * a warm rerun, docs/perf/store15.md). A name's list is followed once per ask.
 */
interface DefinitionLists {
  /** Per name id, the slot of its last function (macro) definition walked; 0 for none (slot 0 is not used). */
  fnHead: Int32Array;
  macroHead: Int32Array;
  /** Per slot, the slot of the same name's definition walked before it (0: none), its file position and rank. */
  next: Int32Array;
  pos: Int32Array;
  rank: Int32Array;
}

/** The functions' and the macros' lists of one table's files. */
function definitionsByName(names: number, files: EncodedFiles): DefinitionLists {
  const fnHead = new Int32Array(names);
  const macroHead = new Int32Array(names);
  const { data: d, pos: filePos, at } = files;
  // Every definition takes at least 5 words (name, line, flags, condition, its calls' count): room for all, no growing.
  const cap = Math.ceil(d.length / 5) + 1;
  const next = new Int32Array(cap);
  const pos = new Int32Array(cap);
  const rank = new Int32Array(cap);
  let n = 1;
  for (let f = 0; f < filePos.length; f++) {
    let i = at[f];
    const p = filePos[f];
    const nf = d[i++];
    for (let r = 0; r < nf; r++) {
      const name = d[i];
      next[n] = fnHead[name];
      pos[n] = p;
      rank[n] = r;
      fnHead[name] = n++;
      i += 4;
      i += 1 + d[i]; // calls
    }
    const nm = d[i++];
    for (let r = 0; r < nm; r++) {
      const name = d[i];
      next[n] = macroHead[name];
      pos[n] = p;
      rank[n] = r;
      macroHead[name] = n++;
      i += 4;
      i += 1 + d[i]; // params
      i += 1 + d[i]; // calls
    }
  }
  return { fnHead, macroHead, next, pos, rank };
}

/** The encoded files' definitions by name, over every name table they use (made when first asked). */
export class EncodedDefinitions {
  private parts: TablePart[] | null = null;

  /** `groups`: one per name table (the index cache's base, its delta), each in the index's order. */
  constructor(private readonly groups: EncodedFiles[]) {}

  private tables(): TablePart[] {
    return (this.parts ??= this.groups.map((g) => new TablePart(g)));
  }

  /** Where the functions (or macros) named `name` are, by position then rank. */
  placesOf(name: string, macro: boolean): DefinitionPlace[] {
    const out: DefinitionPlace[] = [];
    const parts = this.tables();
    for (const t of parts) t.placesOf(name, macro, out);
    // Files of several tables (a delta's beside the base's): in the index's order.
    if (parts.length > 1) out.sort((a, b) => a.pos - b.pos || a.rank - b.rank);
    return out;
  }

  /** Per file position, the ranks of the functions and macros calling `name` (once per call). */
  callersOf(name: string): Map<number, { fns: number[]; macros: number[] }> {
    const out = new Map<number, { fns: number[]; macros: number[] }>();
    for (const t of this.tables()) t.callersOf(name, out);
    return out;
  }

  /** Positions of the files with a function calling one of `names` (the lazy-mode API's users). */
  filesCalling(names: Iterable<string>): Set<number> {
    const out = new Set<number>();
    const list = [...names];
    for (const t of this.tables()) t.filesCalling(list, out);
    return out;
  }
}
