// How the language server's node is started, from one place: the VS Code
// client (client/extension.ts), the protocol tests and the bench
// (test/protocol/lspClient.ts) start dist/server.js with these flags and this
// environment. It is the CLI's memory policy (bin/lazymmu.js; ARCHITECTURE.md,
// "Memory policy of the CLI" and "The language server's memory"):
// - V8's old generation grows by HEAP_GROWING_PERCENT over what a full GC
//   found live, instead of up to 4x: the garbage of the first check and of
//   every edit's check stays a fraction of the live heap, not a multiple;
// - the old generation starts at INITIAL_OLD_SPACE_MB: a window reload loads
//   the index from its cache and the analysis store's files (none of it
//   garbage) at once, and with 30% growth every step of that load was a
//   full GC (the reload's +0.4 s since the policy came, docs/perf/rerun3.md);
// - V8's default young generation (16 MB semi-spaces), unlike the CLI's
//   child (32 MB): larger ones halve an edit's scavenges but measured no
//   less CPU beyond the runs' swing (32 MB none at all, on the edits or the
//   cold open), for +45 MB (32) or +85 MB (64) of peak (docs/perf/gc2.md);
// - glibc's mmap threshold fixed: large buffers (file texts, scan encodings,
//   the store's serial forms) go back to the system when freed;
// - LAZYMMU_MAX_HEAP_MB, when set, is V8's heap limit.
// When the heap runs out anyway V8 ends the process with its report on
// stderr; outOfMemoryIn tells it apart, so that the client says so in one
// message and does not restart the server into the same end.
// No imports from the server or the editor: the client's bundle takes this file.
// The numbers and V8's out-of-memory marks live in memoryPolicy.json (the
// bundles inline it). The CLI's launcher (bin/lazymmu.js, plain JS outside
// the bundles) takes them, and the rules below, from dist/memoryPolicy.js:
// this file bundled alone by the build (scripts/bundle.js), so that bin/ and
// dist/ stay all the CLI needs (as an installed package has them).
import policy from './memoryPolicy.json';

export const HEAP_GROWING_PERCENT = policy.heapGrowingPercent;
export const INITIAL_OLD_SPACE_MB = policy.initialOldSpaceMb;
export const MMAP_THRESHOLD = policy.mmapThreshold;
/** glibc's trim threshold in the CLI's child (bin/lazymmu.js says why). */
export const CLI_TRIM_THRESHOLD = policy.cliTrimThreshold;
/** The glibc tunable (`name=value`) the CLI's child runs with (bin/lazymmu.js says why). */
export const CLI_MALLOC_TUNABLE = policy.cliMallocTunable;
/** The CLI's young generation's semi-spaces (bin/lazymmu.js says why). */
export const CLI_SEMI_SPACE_MB = policy.cliSemiSpaceMb;
const OUT_OF_MEMORY_MARKS: readonly string[] = policy.outOfMemoryMarks;

/** The old generation's start: INITIAL_OLD_SPACE_MB, and at most half of a heap limit the user set (the limit still decides). */
export function initialOldSpaceMb(limitMb: number | undefined): number {
  return limitMb ? Math.min(INITIAL_OLD_SPACE_MB, Math.max(1, Math.floor(limitMb / 2))) : INITIAL_OLD_SPACE_MB;
}

/** LAZYMMU_MAX_HEAP_MB as a number of megabytes; undefined when unset; an error message when it is not a number. */
export function heapLimitMb(env: NodeJS.ProcessEnv): number | undefined | { error: string } {
  const v = env.LAZYMMU_MAX_HEAP_MB;
  if (v === undefined || v === '') return undefined;
  return /^[1-9][0-9]*$/.test(v) ? Number(v) : { error: `LAZYMMU_MAX_HEAP_MB must be a number of megabytes, not "${v}"; V8's own heap limit is used` };
}

/**
 * GLIBC_TUNABLES for the CLI's child: the user's (`name=value` pairs joined by
 * colons) with CLI_MALLOC_TUNABLE added, unless the user set that tunable
 * (theirs wins).
 */
export function cliGlibcTunables(user: string | undefined): string {
  const name = CLI_MALLOC_TUNABLE.split('=')[0];
  if (!user) return CLI_MALLOC_TUNABLE;
  if (user.split(':').some((t) => t.split('=')[0] === name)) return user;
  return `${user}:${CLI_MALLOC_TUNABLE}`;
}

/** The node flags the server starts with (before the script). */
export function serverNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const limit = heapLimitMb(env);
  const mb = typeof limit === 'number' ? limit : undefined;
  return [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, `--initial-old-space-size=${initialOldSpaceMb(mb)}`, ...(mb ? [`--max-old-space-size=${mb}`] : [])];
}

/** The server's environment: `env` with glibc's mmap threshold fixed (a user's own setting wins). */
export function serverEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return env.MALLOC_MMAP_THRESHOLD_ === undefined ? { ...env, MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD) } : { ...env };
}

/** Whether the server's stderr holds V8's out-of-memory report (the process ends with it). */
export function outOfMemoryIn(stderr: string): boolean {
  return OUT_OF_MEMORY_MARKS.some((m) => stderr.includes(m));
}

/** What the user reads when the server ran out of memory (it is not restarted). */
export function outOfMemoryMessage(env: NodeJS.ProcessEnv = process.env): string {
  const limit = heapLimitMb(env);
  const bound = typeof limit === 'number' ? `the heap limit LAZYMMU_MAX_HEAP_MB=${limit}` : `V8's heap limit`;
  return (
    `lazymmu: the language server ran out of memory (it needed more than ${bound}) and is not restarted; ` +
    `open a smaller folder, or set LAZYMMU_MAX_HEAP_MB to a larger number of megabytes in the editor's environment and reload the window`
  );
}

/** Reads the server's stderr as it comes (in chunks that may split a line) and remembers V8's out-of-memory report. */
export class OutOfMemoryWatch {
  private tail = '';
  seen = false;
  feed(chunk: string): void {
    if (this.seen) return;
    const text = this.tail + chunk;
    if (outOfMemoryIn(text)) this.seen = true;
    // Enough to hold the longest mark split across two chunks.
    this.tail = text.slice(-64);
  }
  /**
   * Whether the report was seen, waiting up to `ms` for it: the server's end
   * (its IPC channel closed) may be heard before the last of its stderr.
   */
  async seenWithin(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (!this.seen && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    return this.seen;
  }
}
