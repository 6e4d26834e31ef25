// Whole-check results on disk, next to the index cache: a re-run over a tree
// in which no covered file changed (same content digest), with the same
// paths, options, catalogue additions, kernel config and build of lazymmu,
// returns the stored result without building the index or analysing.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** A file's content, hashed ('-' for none, 'unreadable'). */
export function fileSig(f: string | undefined): string {
  if (!f) return '-';
  try {
    return crypto.createHash('sha1').update(fs.readFileSync(f)).digest('hex');
  } catch {
    return 'unreadable';
  }
}

/** What identifies this build of lazymmu: its own code file's size and mtime. */
export function codeSig(): string {
  try {
    const st = fs.statSync(__filename);
    return `${__filename}:${st.size}:${st.mtimeMs}`;
  } catch {
    return String(Math.random());
  }
}

export interface ResultKeyParts {
  digest: string;
  root: string;
  arch?: string;
  paths: string[];
  extraApisFile?: string;
  kernelConfigFile?: string;
}

export function resultFile(cacheDir: string, k: ResultKeyParts): string {
  const key = crypto
    .createHash('sha1')
    .update(
      JSON.stringify([k.digest, path.resolve(k.root), k.arch ?? 'arm64', [...k.paths].sort(), fileSig(k.extraApisFile), fileSig(k.kernelConfigFile), codeSig()]),
    )
    .digest('hex');
  return path.join(cacheDir, 'results', `${key}.json`);
}

export function loadResult<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export function saveResult(file: string, result: unknown): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(result));
    fs.renameSync(tmp, file);
  } catch {
    // Only the next run's time is lost.
  }
}
