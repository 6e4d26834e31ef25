// The open files' first diagnostics before the whole index (issue 15 point 3):
// when a large tree is opened, the documents already open are checked on a
// partial index of what they need, found by name (engine/partialIndex.ts),
// and published marked provisional, all of them (engine/provisional.ts), in
// two stages: the section runs' findings, then the partial check's whole result;
// then the whole index is built and the first check publishes the final
// diagnostics (its own openers-first pass is skipped for a document published
// here: main.ts asks publishedEarly). On a small tree, or with the index's
// scan cache on disk (a window reload), the whole index takes about as long
// as this pass, so it is not run there.
import * as path from 'path';
import { checkBeforeIndex } from '../engine/partialIndex';
import { NoNativeSearch } from '../engine/index/definitionSearch';
import { CheckResult, Workspace } from '../engine/workspace';
import { refusalOf } from './documentGuard';
import { took } from './checkProgress';

/** Below this many indexed files the early pass is not worth it (LAZYMMU_EARLY_MIN_FILES overrides: tests on small fixtures). */
export const EARLY_MIN_FILES = 2000;

export interface OpenDocument {
  uri: string;
  file: string;
  version: number;
  text: string;
}

export interface EarlyDeps {
  /** The C documents open now that the settings let be checked (not excluded, not scenarios). */
  documents: () => OpenDocument[];
  /** Whether `uri` is still open at `version` (an edit or a close while the pass ran drops its publish). */
  current: (uri: string, version: number) => boolean;
  /** Publishes the document's findings (none: nothing is published, and false, unless `evenEmpty`). */
  publish: (doc: OpenDocument, result: CheckResult, evenEmpty?: boolean) => Promise<boolean>;
  log: (msg: string) => void;
}

/** Workspace -> the documents (uri@version) published by its early pass. */
const published = new WeakMap<Workspace, Set<string>>();

/** Whether the early pass published `uri` at `version` for `ws` (its full-index openers-first pass is then skipped). */
export function publishedEarly(ws: Workspace, uri: string, version: number): boolean {
  return published.get(ws)?.has(`${uri}@${version}`) ?? false;
}

function minFiles(): number {
  const env = Number(process.env.LAZYMMU_EARLY_MIN_FILES);
  return process.env.LAZYMMU_EARLY_MIN_FILES && Number.isFinite(env) ? env : EARLY_MIN_FILES;
}

/**
 * Before `ws` (not built yet) is indexed: the open documents under its root
 * checked on a partial index and published. Never throws (the whole index
 * follows whatever happens here).
 */
export async function firstDiagnosticsBeforeIndex(ws: Workspace, deps: EarlyDeps): Promise<void> {
  try {
    const docs = deps.documents().filter((d) => !refusalOf(d.text) && /\.[ch]$/.test(d.file) && !path.relative(ws.root, d.file).startsWith('..'));
    if (!docs.length) return;
    // With the scan cache the whole index is quick and the first check on it comes as soon: this pass would only delay the final diagnostics.
    // Asked before the tree is listed: a window reload's build lists it (~0.25 s of CPU on a kernel tree) and need not do it twice.
    if (ws.index.hasDiskCache()) return;
    // Counted up to the threshold only (a few folders of a kernel tree, not its ~47,000 files): the index lists the whole tree right after.
    if (ws.index.listFiles(minFiles()).length < minFiles()) return;
    const started = Date.now();
    const names = docs.map((d) => path.basename(d.file)).join(', ');
    // Published in two stages: what the section runs give (reads after writes: most of the check's time is
    // after them, in the contextual searches and the local rules), then the check's whole result, which holds them.
    const staged = new Set<string>();
    const sectionsDone = async (result: CheckResult) => {
      for (const d of docs) if (deps.current(d.uri, d.version) && (await deps.publish(d, result))) staged.add(`${d.uri}@${d.version}`);
      if (staged.size) deps.log(`phase: section runs' diagnostics of ${names} before the index ${took(started)} (${result.findings.length} findings, provisional; published ahead of the partial check's end)`);
    };
    const { result, stats } = await checkBeforeIndex(
      { root: ws.root, arch: ws.index.arch, catalogue: ws.catalogue, pinnedConfig: ws.config.pinned, cacheDir: ws.cacheDir },
      docs.map((d) => ({ file: d.file, text: d.text })),
      { inProcess: false, sectionsDone },
    );
    deps.log(
      `phase: first diagnostics of ${names} before the index ${took(started)} (${result.findings.length} findings, provisional; ` +
        `partial index: ${stats.files} files found by name in ${stats.rounds} rounds${stats.complete ? '' : ' (bounded)'}, search ${stats.search.ms} ms by ${stats.search.how})`,
    );
    const done = new Set<string>();
    for (const d of docs) {
      if (!deps.current(d.uri, d.version)) continue;
      // A document published at the first stage is published again even with nothing to show (its stage is replaced).
      const key = `${d.uri}@${d.version}`;
      if ((await deps.publish(d, result, staged.has(key))) || staged.has(key)) done.add(key);
    }
    published.set(ws, done);
  } catch (e) {
    if (e instanceof NoNativeSearch) deps.log(`no first diagnostics before the index: ${e.message}`);
    else deps.log(`first diagnostics before the index failed: ${(e as Error).stack ?? e}`);
  }
}
