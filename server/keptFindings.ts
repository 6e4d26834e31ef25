// The open files' last final findings, kept on disk for the next window
// reload (issue 15: a reload to its first diagnostic). A reload reopens the
// files that were open, with the text they had; their final findings were
// computed by the last session, and a new one computes the same ones unless
// the tree changed meanwhile. So the server publishes them, every one marked
// provisional, as soon as the settings are read, before the index is read
// from its cache (~2 s of a reload on a kernel tree) and the first check
// runs; the first check's publishes then confirm or replace them, so a
// changed dependency (another file edited between the sessions) is caught by
// the final publish as it always was.
// Kept per file, keyed by the file's text (its SHA-1) and what the findings
// are computed with besides the tree: the build of lazymmu (codeSig), the
// root, the architecture, the extra APIs file's and pinned .config's paths
// and contents. At most MAX_KEPT files per root; one JSON file per root in
// the cache's results/ folder, whose sweep (engine/cacheSweep.ts) removes it
// when old or when its root is gone (it begins with {"root": as a result).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Finding } from '../engine/findings';
import { codeSig, fileSig } from '../engine/index/resultCache';

/** The files kept per root: a reload reopens a handful; the least recently kept go first. */
const MAX_KEPT = 64;

/** What the kept findings hold besides the tree and the file's text (see the header). */
export interface KeptFindingsFor {
  root: string;
  arch: string;
  extraApis?: string;
  kernelConfig?: string;
}

interface KeptFile {
  /** SHA-1 of the text the findings are for, and of what else they were computed with. */
  text: string;
  key: string;
  findings: Finding[];
}

/** A kept file as keep() holds it until save(): the text itself, hashed only when written (keep() runs after every edit's check). */
type Held = KeptFile | (Omit<KeptFile, 'text'> & { source: string });
const written = (k: Held): KeptFile => ('source' in k ? { text: sha1(k.source), key: k.key, findings: k.findings } : k);

const sha1 = (s: string) => crypto.createHash('sha1').update(s).digest('hex');

export class KeptFindings {
  private readonly file: string;
  /** What is on disk, read once (the first take() or keep()), least recently kept first (the file's order, then keep()'s). */
  private files: Map<string, Held> | null = null;
  private dirty = false;

  constructor(
    cacheBase: string,
    private readonly root: string,
  ) {
    this.file = path.join(cacheBase, 'results', `editor-${sha1(path.resolve(root))}.json`);
  }

  /** The key of what the findings are computed with besides the tree (read once per settings: the files' contents are hashed). */
  static keyOf(k: KeptFindingsFor): string {
    return sha1(JSON.stringify([codeSig(), path.resolve(k.root), k.arch, k.extraApis ?? null, fileSig(k.extraApis), k.kernelConfig ?? null, fileSig(k.kernelConfig)]));
  }

  /** The last session's final findings of `file` for exactly this text and key, or null (none kept, or kept for another). */
  take(file: string, text: string, key: string): Finding[] | null {
    const kept = this.read().get(path.resolve(file));
    if (!kept || kept.key !== key || ('source' in kept ? kept.source !== text : kept.text !== sha1(text))) return null;
    return kept.findings;
  }

  /** Keeps a final check's findings of `file` (written by save()). */
  keep(file: string, text: string, key: string, findings: Finding[]): void {
    const files = this.read();
    files.delete(path.resolve(file));
    files.set(path.resolve(file), { source: text, key, findings });
    this.dirty = true;
  }

  /** Writes what keep() was given since the last save (a failed write only costs the next reload its early publish). */
  save(): void {
    if (!this.dirty || !this.files) return;
    this.dirty = false;
    const newest = [...this.files].slice(-MAX_KEPT).map(([f, k]) => [f, written(k)] as const);
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ root: path.resolve(this.root), files: Object.fromEntries(newest) }));
      fs.renameSync(tmp, this.file);
    } catch {
      // A read-only or full cache: nothing kept.
    }
  }

  private read(): Map<string, Held> {
    if (this.files) return this.files;
    this.files = new Map();
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      return this.files; // none yet, or damaged: nothing kept
    }
    const files = (json as { files?: unknown } | null)?.files;
    if (!files || typeof files !== 'object') return this.files;
    for (const [f, v] of Object.entries(files as Record<string, unknown>)) if (isKeptFile(f, v)) this.files.set(f, v);
    return this.files;
  }
}

/** The shape save() writes: a damaged or foreign entry is not used (its findings must be ones a check made for `file`). */
function isKeptFile(file: string, v: unknown): v is KeptFile {
  const k = v as KeptFile;
  return (
    !!k &&
    typeof k.text === 'string' &&
    typeof k.key === 'string' &&
    Array.isArray(k.findings) &&
    k.findings.every((f) => !!f && typeof f === 'object' && typeof f.file === 'string' && path.resolve(f.file) === file && Number.isInteger(f.line) && Number.isInteger(f.column) && Array.isArray(f.related) && !!f.message)
  );
}
