// A source file as the Workspace reads it (text, or why it cannot be
// analysed), and whether a file lies under the paths a check was asked for.
// Apart from workspace.ts so that its edit bookkeeping can grow without it.
import * as fs from 'fs';
import * as path from 'path';
import { looksBinary } from './index/workspaceIndex';

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

/** A file's size on disk in bytes, without reading it (0 when it cannot be read). */
export function sizeOnDisk(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export function isUnder(file: string, paths: string[]): boolean {
  return paths.some((p) => file === p || file.startsWith(p.endsWith(path.sep) ? p : p + path.sep));
}
