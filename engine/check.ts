// The engine's entry point for a batch check (CLI, CI): index the tree,
// analyse every function that opens a lazy MMU section, and report the
// findings that fall in the requested paths.
import * as fs from 'fs';
import * as path from 'path';
import { Finding, InputProblem } from './findings';
import { loadCatalogue } from './catalogue/catalogue';
import { WorkspaceIndex, looksBinary } from './index/workspaceIndex';
import { ensureParser } from './parse/cParser';
import { SourceCache } from './analysis/sourceCache';
import { Interpreter, ReadHit } from './analysis/interpreter';
import { readAfterWriteFinding } from './checkers/readAfterWrite';

export interface CheckOptions {
  /** The tree the index covers (absolute path). */
  root: string;
  /** Architecture whose arch/<name>/ definitions are used. Default arm64. */
  arch?: string;
  /** Files or directories (absolute) whose findings are reported. */
  paths: string[];
  /** Optional JSON file with user additions to the API catalogue. */
  extraApisFile?: string;
}

export interface CheckResult {
  root: string;
  findings: Finding[];
  problems: InputProblem[];
}

/** Reads a source file as text, or explains why it cannot be analysed. */
export function readSource(file: string): { text: string } | { problem: string } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    return { problem: `cannot read: ${(e as Error).message}` };
  }
  if (looksBinary(buf)) return { problem: 'binary file (NUL bytes), not analysed' };
  return { text: buf.toString('utf8') };
}

function under(file: string, paths: string[]): boolean {
  return paths.some((p) => file === p || file.startsWith(p.endsWith(path.sep) ? p : p + path.sep));
}

export async function checkTree(opts: CheckOptions): Promise<CheckResult> {
  const root = path.resolve(opts.root);
  const paths = opts.paths.map((p) => path.resolve(p));
  const catalogue = loadCatalogue(opts.extraApisFile);
  const index = new WorkspaceIndex({ root, arch: opts.arch ?? 'arm64', catalogue });
  index.build();
  // Requested files outside the root are indexed too, so they can be checked.
  for (const p of paths) {
    if (fs.existsSync(p) && fs.statSync(p).isFile() && !index.files().includes(p)) {
      const r = readSource(p);
      if ('text' in r) index.addScan(p, Buffer.from(r.text));
    }
  }
  await ensureParser();
  const problems: InputProblem[] = index.problems.filter((p) => under(p.file, paths));
  const sources = new SourceCache(catalogue, (file) => {
    const r = readSource(file);
    if ('problem' in r) {
      if (under(file, paths)) problems.push({ file, message: r.problem });
      return null;
    }
    return r.text;
  });
  const interp = new Interpreter(index, catalogue, sources);
  const hits: ReadHit[] = [];
  for (const opener of index.openers()) {
    const ref = sources.functionAt(opener.file, opener.name, opener.line);
    if (!ref) continue;
    const sum = interp.summarize(ref, { depth: 0, paused: 0 }, []);
    hits.push(...sum.hits);
  }
  const findings = dedupeFindings(hits.filter((h) => under(h.read.file, paths)).map(readAfterWriteFinding));
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { root, findings, problems };
}

/** One finding per (rule, read, written entry's leaf write); the shortest chain wins. */
function dedupeFindings(fs_: Finding[]): Finding[] {
  const best = new Map<string, Finding>();
  for (const f of fs_) {
    const leaf = f.related[f.related.length - 1];
    const k = `${f.rule}|${f.file}:${f.line}:${f.column}|${leaf ? `${leaf.file}:${leaf.line}` : ''}|${f.related.length}`;
    const prev = best.get(k);
    if (!prev || f.conditions.length < prev.conditions.length) best.set(k, f);
  }
  return [...best.values()];
}
