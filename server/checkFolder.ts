// lazymmu/checkFolder: "lazymmu: Check Folder". The engine checks every .c
// file under a folder (open or not) and the findings are published per file,
// so Problems lists the folder's hazards without opening each file. Bounded:
// at most MAX_FILES files, the walk skips hidden folders and symlinks.
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import type { Finding } from '../engine/findings';
import type { Workspace } from '../engine/workspace';
import { toDiagnostic } from './convert';

export const CHECK_FOLDER_REQUEST = 'lazymmu/checkFolder';
export const MAX_FILES = 5000;

export interface CheckFolderParams {
  /** The folder's file URI. */
  uri: string;
}

export interface CheckFolderResult {
  /** .c files checked. */
  files: number;
  /** Findings published (after the settings' selection). */
  findings: number;
  /** Files with at least one finding. */
  filesWithFindings: number;
  /** Why nothing (or not everything) was checked. */
  error?: string;
}

/** The .c files under `dir`, sorted, at most `max` (the rest are counted in `more`). */
export function cFilesUnder(dir: string, max = MAX_FILES): { files: string[]; more: number } {
  const files: string[] = [];
  let more = 0;
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.c')) {
        if (files.length < max) files.push(p);
        else more++;
      }
    }
  };
  walk(dir);
  return { files, more };
}

export interface FolderCheckDeps {
  /** Files not to check (lazymmu.exclude). */
  excluded: (file: string) => boolean;
  /** What the settings show of a file's findings (minImpact, allowed nesting, new since base). */
  select: (findings: Finding[], file: string) => Finding[];
  publish: (uri: string, diagnostics: Diagnostic[]) => void;
}

export async function checkFolder(ws: Workspace, p: CheckFolderParams, deps: FolderCheckDeps): Promise<CheckFolderResult> {
  let dir: string;
  try {
    dir = fileURLToPath(p?.uri);
  } catch {
    return { files: 0, findings: 0, filesWithFindings: 0, error: 'not a file URI' };
  }
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { files: 0, findings: 0, filesWithFindings: 0, error: `${dir} is not a folder` };
  const { files: all, more } = cFilesUnder(dir);
  const files = all.filter((f) => !deps.excluded(f));
  if (!files.length) return { files: 0, findings: 0, filesWithFindings: 0, ...(more ? { error: `more than ${MAX_FILES} .c files` } : {}) };
  const result = await ws.check(files);
  const byFile = new Map<string, Finding[]>(files.map((f) => [path.resolve(f), []]));
  for (const f of result.findings) byFile.get(path.resolve(f.file))?.push(f);
  let findings = 0;
  let filesWithFindings = 0;
  for (const [file, fs_] of byFile) {
    const shown = deps.select(fs_, file);
    findings += shown.length;
    if (shown.length) filesWithFindings++;
    deps.publish(pathToFileURL(file).href, shown.map(toDiagnostic));
  }
  ws.saveStore();
  return { files: files.length, findings, filesWithFindings, ...(more ? { error: `only the first ${MAX_FILES} .c files were checked (${more} more)` } : {}) };
}

export interface CheckFolderDeps {
  workspace: () => Promise<Workspace | null>;
  /** Runs the check in the server's check queue (the Workspace is shared). */
  inQueue: <T>(fn: () => Promise<T>) => Promise<T>;
  excluded: FolderCheckDeps['excluded'];
  select: (findings: Finding[]) => Finding[];
  /** Open documents keep the diagnostics of their own checks (their text may be unsaved). */
  isOpen: (uri: string) => boolean;
  /** Sends a file's diagnostics (main.ts counts them for the client's status item). */
  publish: (uri: string, diagnostics: Diagnostic[]) => void;
  log: (m: string) => void;
}

export function registerCheckFolder(connection: Connection, deps: CheckFolderDeps): void {
  const none = (error: string): CheckFolderResult => ({ files: 0, findings: 0, filesWithFindings: 0, error });
  connection.onRequest(CHECK_FOLDER_REQUEST, (p: CheckFolderParams) =>
    deps
      .inQueue(async () => {
        const ws = await deps.workspace();
        if (!ws) return none('the workspace could not be indexed');
        return checkFolder(ws, p, {
          excluded: deps.excluded,
          select: deps.select,
          publish: (uri, diagnostics) => {
            if (!deps.isOpen(uri)) deps.publish(uri, diagnostics);
          },
        });
      })
      .catch((e) => {
        deps.log(`check folder failed: ${(e as Error).stack ?? e}`);
        return none((e as Error).message);
      }),
  );
}
