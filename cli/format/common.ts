// Helpers shared by the output formatters (text, JSON, SARIF). Pure: no file
// system access, paths are handled as strings only.
import * as path from 'path';
import { CheckResult } from '../../engine/check';
import type { BaselineState } from '../../engine/baseline';

export interface FormatOptions {
  /** The checked tree (absolute); files inside it are shown relative to it. */
  root: string;
  /** Version of lazymmu, reported by formats that carry one (SARIF). */
  toolVersion: string;
  /**
   * A change review (`check --base`, `review`): each finding's state, in the
   * order of result.findings, and the base it was compared with.
   */
  baseline?: { commit: string; states: BaselineState[]; counts: Record<BaselineState, number> };
}

/** How the text and JSON outputs name a state: SARIF's "absent" is a fixed finding. */
export const STATE_WORD: Record<BaselineState, 'new' | 'fixed' | 'unchanged'> = { new: 'new', absent: 'fixed', unchanged: 'unchanged' };

export type Formatter = (result: CheckResult, opts: FormatOptions) => string;

/**
 * `file` relative to `root` with forward slashes when it lies inside root,
 * otherwise `file` itself (absolute). `inside` tells which case applied.
 */
export function displayPath(file: string, root: string): { path: string; inside: boolean } {
  const absRoot = path.resolve(root);
  const absFile = path.resolve(absRoot, file);
  const rel = path.relative(absRoot, absFile);
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { path: rel.split(path.sep).join('/'), inside: true };
  }
  if (rel === '') return { path: '.', inside: true };
  return { path: absFile, inside: false };
}

/** Shorthand for displayPath(...).path. */
export function relPath(file: string, root: string): string {
  return displayPath(file, root).path;
}

/** Collapses line breaks so that a message stays on one output line. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ');
}
