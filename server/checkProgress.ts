// Honest progress (issue 13, point 2): what the client may say about the
// checks. Indexing reports files done / total; the first check after an index
// reports sections analysed / total (work-done progress, counts that move);
// and `lazymmu/checkState` tells the client whether any check is pending or
// running, so that it shows "checking…" until the checks are finished and
// "N findings" only then. Phase timings go to the log (the Output channel).
// No engine imports: main.ts wires it. The first publish of the open file may be
// provisional (markProvisional below) until the whole-tree check ends.
import type { Diagnostic } from 'vscode-languageserver';

/**
 * Server -> client: { checking, published } whenever `checking` changes;
 * `published` counts the publishDiagnostics sent before it, so the client
 * waits until it has applied that many (its language client converts them
 * asynchronously, after this notification is handled) before it counts.
 */
export const CHECK_STATE_NOTIFICATION = 'lazymmu/checkState';

export interface CheckStateParams {
  checking: boolean;
  published: number;
}

export interface ProgressReporter {
  begin(title: string, percentage?: number, message?: string, cancellable?: boolean): void;
  report(percentage: number, message?: string): void;
  done(): void;
}

/** Counts checks pending or running; says when the count leaves or reaches zero. */
export class CheckState {
  private busy = 0;
  /** publishDiagnostics sent so far. */
  published = 0;
  constructor(private readonly send: (state: CheckStateParams) => void) {}

  /** A check was asked for (a timer set or a run queued). */
  start(): void {
    if (this.busy++ === 0) this.send({ checking: true, published: this.published });
  }

  /** That check ran, was superseded, or was dropped. */
  end(): void {
    if (this.busy === 0) return;
    if (--this.busy === 0) this.send({ checking: false, published: this.published });
  }

  get checking(): boolean {
    return this.busy > 0;
  }
}

/**
 * A work-done progress fed with counts: `what` done / total, the percentage
 * from them. A report is sent when the percentage moves (and for the first and
 * the last count), so a file of 10^5 sections sends about a hundred.
 */
export function countingProgress(p: ProgressReporter | null, what: string, title?: string): { report: (done: number, total: number) => void; done: () => void } {
  if (title) p?.begin(title, 0, undefined, false);
  let lastPct = -1;
  let lastDone = -1;
  return {
    report(done, total) {
      const pct = total ? Math.floor((100 * done) / total) : 0;
      if (!p || done === lastDone || (pct === lastPct && done !== total)) return;
      lastPct = pct;
      lastDone = done;
      p.report(pct, `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${what}`);
    },
    done: () => p?.done(),
  };
}

/**
 * The sections count of the first check after an index, for one Workspace
 * state (`key`): one work-done progress whose count only moves forward. A run
 * of that first check superseded by a newer one (an edit, a setting, the
 * base of lazymmu.showOnlyNewSince) hands the progress on instead of ending
 * it; the next run finds the sections the superseded one analysed already
 * done (they go by at once) and the count holds at what was reached until
 * that run passes it. Ended when the first check completes (end()), when no
 * check is pending any more (a close left it unfinished: the next first check
 * is a new state, idle()), or for another Workspace (a new index: a new count from 0).
 */
export class FirstCheckProgress<K extends object> {
  private current: { key: K; counter: ReturnType<typeof countingProgress>; done: number; total: number } | null = null;
  constructor(private readonly create: () => Promise<ProgressReporter | null>) {}

  /** The step a first-check run of `key` reports through (sections done / total of its pass). */
  async stepFor(key: K): Promise<(done: number, total: number) => void> {
    if (this.current?.key !== key) {
      this.end();
      const counter = countingProgress(await this.create(), 'sections', 'lazymmu: checking');
      this.current = { key, counter, done: 0, total: 0 };
    }
    const c = this.current!;
    return (done, total) => {
      if (this.current !== c) return; // ended meanwhile: a later run starts its own
      c.done = Math.max(c.done, done);
      c.total = Math.max(c.total, total, c.done);
      c.counter.report(c.done, c.total);
    };
  }

  /** The first check of the current state completed (or failed). */
  end(): void {
    this.current?.counter.done();
    this.current = null;
  }
}

/** "1.23 s" or "87 ms". */
export function took(sinceMs: number): string {
  const ms = Date.now() - sinceMs;
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms} ms`;
}

/**
 * Put before a diagnostic of the first pass that the whole-tree check can still
 * change (engine/provisional.ts): at the start, because VS Code's Problems row
 * cuts a long message with an ellipsis and a suffix was never seen there (issue 13).
 * The status item's "(N provisional)" and its tooltip use the same word.
 */
export const PROVISIONAL_PREFIX = '(provisional) ';

/**
 * A diagnostic of the open file's first pass (Workspace.checkOpenersFirst):
 * `data.provisional` on each (the publish is not the last word: sections
 * elsewhere may add findings), and the prefix on those the whole-tree
 * check can itself change or drop (`mayChange`). The final publish has neither.
 */
export function markProvisional(d: Diagnostic, mayChange: boolean): Diagnostic {
  return { ...d, message: mayChange ? PROVISIONAL_PREFIX + d.message : d.message, data: { ...(d.data as object | undefined), provisional: true } };
}
