// Analysis kept on disk between processes (issue 15 point 2), under the
// cache folder beside the index cache:
//   <cache>/analysis/<hash of root, arch, pinned config>/sections.json
//   <cache>/analysis/<...>/searches.bin (V8's serial form: typed arrays)
// Two products, each entry with an explicit key checked on load, never
// trusted blindly (clangd's and rust-analyzer's way: store what was computed
// with what it was computed from):
// - per section opener, what its analysis gives the checkers (the reads
//   after writes, lazy-mode events, calls made in the section, calls through
//   pointers, the unbalanced/pause findings): its *local verdicts*, keyed by
//   the content of everything the run read (ContentKeys: the regions of the
//   functions summarised below it, the index's answers for every name looked
//   up, files whose global initializers were read). Not the summaries
//   themselves: they hold syntax nodes, and the checkers need only this.
// - per call-graph search (Reachability: enter, allocation, sleep), its
//   answer keyed by the targets, barriers and depth and by the call graph's
//   digest: an edit inside a body that keeps the names it calls keeps them.
// Both files also carry the *world*: the build of lazymmu, the catalogue,
// the architecture, the configuration and the build files it is read from;
// another world's file is not used. A corrupt file is ignored with a log
// line; a stale entry is computed again (and replaces the old one on save).
import * as crypto from 'crypto';
import * as path from 'path';
import type { Finding } from '../findings';
import type { IndirectCall, ModeEvent, ReadHit, SectionCall } from '../analysis/records';
import type { StoredReach } from '../index/reachability';
import { ContentKeys, Deps, fileOfFnKey } from './contentKeys';
import { readStore, writeStore } from './storeFile';

/** What one opener's analysis gives the checkers (Workspace.analyseSections), in the order it made them. */
export interface SectionProduct {
  hits: ReadHit[];
  events: ModeEvent[];
  calls: SectionCall[];
  /** Calls through pointers, in the order they were recorded (a later one at the same place wins). */
  indirect: IndirectCall[];
  /** Places of calls through the opener's own pointer parameter that its callers' bindings cover. */
  covered: string[];
  findings: Finding[];
}

interface SectionEntry {
  deps: Deps;
  digest: string;
  product: SectionProduct;
}

interface SearchEntry {
  key: string;
  answer: StoredReach;
}

/** What a check took from the store and what it computed (tests and the server's log read these; never timings). */
export interface StoreCounts {
  sectionsFromStore: number;
  sectionsComputed: number;
  searchesFromStore: number;
  searchesComputed: number;
}

export const noCounts = (): StoreCounts => ({ sectionsFromStore: 0, sectionsComputed: 0, searchesFromStore: 0, searchesComputed: 0 });

/** What a check took from the store, said in a log line ("" when it used none: no cache folder, or nothing analysed). */
export function storeSaying(c: StoreCounts): string {
  const sections = c.sectionsFromStore + c.sectionsComputed;
  const searches = c.searchesFromStore + c.searchesComputed;
  if (!sections && !searches) return '';
  return `from the analysis store: ${c.sectionsFromStore} of ${sections} sections, ${c.searchesFromStore} of ${searches} call-graph searches`;
}

/** The world a store file holds for (see the header): any JSON-able parts, Maps, Sets and RegExps included. */
export function worldKey(parts: unknown[]): string {
  const plain = (_k: string, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v instanceof RegExp ? `/${v.source}/${v.flags}` : v);
  return crypto.createHash('sha1').update(JSON.stringify(parts, plain)).digest('hex');
}

export class AnalysisStore {
  private readonly dir: string;
  private sections: Map<string, SectionEntry> | null = null;
  private searches: Map<string, SearchEntry> | null = null;
  private dirty = { sections: false, searches: false };
  private keys: ContentKeys | null = null;
  /**
   * Openers whose entry was checked against the tree (or made) in this
   * process and nothing they read was edited since (changed()): taken again
   * without computing their keys (an editor's check per keystroke).
   */
  private valid = new Set<string>();

  constructor(
    cacheDir: string,
    /** Which store: the root, architecture and pinned configuration. */
    id: string[],
    private readonly world: string,
    private readonly log: (msg: string) => void,
  ) {
    this.dir = path.join(cacheDir, 'analysis', crypto.createHash('sha1').update(id.join('\0')).digest('hex').slice(0, 16));
  }

  /** Content keys made afresh (texts may have changed since the last ones). */
  begin(keys: ContentKeys): void {
    this.keys = keys;
  }

  private file(name: string, ext = 'json'): string {
    return path.join(this.dir, `${name}.${ext}`);
  }

  private sectionEntries(): Map<string, SectionEntry> {
    return (this.sections ??= readStore<SectionEntry>(this.file('sections'), this.world, this.log));
  }

  private searchEntries(): Map<string, SearchEntry> {
    return (this.searches ??= readStore<SearchEntry>(this.file('searches', 'bin'), this.world, this.log, 'v8'));
  }

  /** The opener's stored product when everything it was computed from is as it was, else null. */
  section(opener: string): SectionProduct | null {
    const e = this.sectionEntries().get(opener);
    if (!e || !this.keys) return null;
    if (this.valid.has(opener)) return e.product;
    try {
      if (this.keys.depsDigest(e.deps) !== e.digest) return null;
    } catch {
      return null; // a malformed entry: computed again
    }
    this.valid.add(opener);
    return e.product;
  }

  putSection(opener: string, deps: Deps, product: SectionProduct): void {
    if (!this.keys) return;
    this.sectionEntries().set(opener, { deps, digest: this.keys.depsDigest(deps), product });
    this.valid.add(opener);
    this.dirty.sections = true;
  }

  /** The tree was indexed again: every product is checked against it when next asked for. */
  forgetChecked(): void {
    this.valid.clear();
  }

  /** `file` was indexed again with these names changed (IndexDelta.changedNames): products that read any of it are checked again when next asked for. */
  changed(file: string, names: Set<string>): void {
    for (const opener of this.valid) {
      const d = this.sections?.get(opener)?.deps;
      const touched =
        !d ||
        d.tree ||
        d.graph ||
        d.globals.includes(file) ||
        !!d.files?.includes(file) ||
        d.fns.some((f) => fileOfFnKey(f) === file) ||
        d.names.some((n) => names.has(n));
      if (touched) this.valid.delete(opener);
    }
  }

  /** A call-graph search's stored answer for exactly these inputs (`key` names targets, barriers, depth), else null. */
  search(kind: string, key: string): StoredReach | null {
    const e = this.searchEntries().get(kind);
    if (!e || !this.keys || e.key !== this.searchKey(key)) return null;
    return e.answer;
  }

  putSearch(kind: string, key: string, answer: StoredReach): void {
    if (!this.keys) return;
    this.searchEntries().set(kind, { key: this.searchKey(key), answer });
    this.dirty.searches = true;
  }

  private searchKey(key: string): string {
    return crypto.createHash('sha1').update(key).update('\0').update(this.keys!.graphDigest()).digest('hex');
  }

  /** Writes what changed. */
  save(): void {
    if (this.dirty.sections && this.sections) writeStore(this.file('sections'), this.world, this.sections);
    if (this.dirty.searches && this.searches) writeStore(this.file('searches', 'bin'), this.world, this.searches, 'v8');
    this.dirty = { sections: false, searches: false };
  }

  /** The store's folder (tests corrupt its files). */
  get folder(): string {
    return this.dir;
  }
}
