// When the language server writes the analysis store (engine/store/): after
// a check only once the checks have been idle for a while, the first check of
// a Workspace included (its write, with the hover answers and chains kept for
// a window reload, takes seconds on a kernel tree: an edit typed as the first
// diagnostics appeared waited for it). Writing keys what the checks put (content digests of what each
// product read) and writes the files: work nobody waits for, which done after
// every keystroke's check delayed the next keystroke's. What is still
// unwritten is written at shutdown when no check is under way (the client
// waits for the shutdown answer), so an edit's products reach the next session.
export class IdleWrite<W> {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Checked since their stores were last written (one per workspace folder). */
  private readonly unwritten = new Set<W>();

  constructor(
    private readonly delayMs: number,
    /** Writes a store when the delay passes (the caller queues it, or calls soon() again while checks are pending). */
    private readonly write: (w: W) => void,
  ) {}

  /** A check of `w` published: write once no check is asked for within the delay. */
  soon(w: W): void {
    this.cancel();
    this.unwritten.add(w);
    this.timer = setTimeout(() => {
      this.timer = null;
      for (const u of this.take()) this.write(u);
    }, this.delayMs);
    this.timer.unref?.();
  }

  /** A check was asked for: its publish sets the timer again (what is unwritten stays so). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** `w` taken out of what is unwritten (a replaced Workspace, written by the caller now); whether it was there. */
  drop(w: W): boolean {
    return this.unwritten.delete(w);
  }

  /** What is unwritten, handed to the caller to write now (shutdown). */
  take(): W[] {
    this.cancel();
    const u = [...this.unwritten];
    this.unwritten.clear();
    return u;
  }
}

/**
 * Runs `step` until it says it did nothing, giving the event loop back
 * between steps, and stops early when `giveWay` says a check was asked for
 * meanwhile (a keystroke waits for one step, not the whole write). Whether it
 * finished; when not, the rest is for the next idle moment.
 */
export async function inSlices(step: () => boolean, giveWay: () => boolean): Promise<boolean> {
  while (step()) {
    await new Promise<void>((r) => setImmediate(r));
    if (giveWay()) return false;
  }
  return true;
}
