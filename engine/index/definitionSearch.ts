// By-name search for definitions over a whole tree without indexing it: which
// files may define a function or function-like macro of a given name. Used to
// index only what an open file needs before the whole index exists
// (engine/partialIndex.ts). One native search over the tree (GNU grep as a
// child process writing to a temporary file: ~1 GB of C in a couple of seconds,
// beside this thread's own work) lists
// every line that starts a file-scope declarator: a line beginning at column 0
// with an identifier and reaching a `(` through identifiers, blanks and `*`
// (`static inline pte_t ptep_get(`, a declarator's second line `foo(`), or a
// `#define NAME(`. The name is the identifier right before that `(`.
// Over-approximate on purpose (prototypes and file-scope macro uses count: a
// few more files scanned); a definition written otherwise (indented, or behind
// `__attribute__((...))` on its line) is missed, which only makes the first,
// provisional answer less complete: the whole index replaces it.
// Without grep (or when it fails) the same lines are found in this process.
// grep runs with -P (PCRE: ~15% less CPU than its ERE matcher here, on the
// cores the open file's first diagnostic waits for); a grep built without it
// (or one that does not know -P) writes nothing and exits non-zero: the same
// search then runs with -E.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DefinitionSites } from './definitionSites';

/** The two line shapes, as POSIX ERE for grep (tabs are literal), as PCRE for grep -P, and as a JS regex; all must say the same. */
const TAB = '\t';
const GREP_PATTERN = `^[A-Za-z_][A-Za-z0-9_ ${TAB}*]*\\(|^[ ${TAB}]*#[ ${TAB}]*define[ ${TAB}]+[A-Za-z_][A-Za-z0-9_]*\\(`;
/** The ERE with possessive repeats: each class excludes what follows it, so the matches are the same, and a long line cannot reach PCRE's backtracking limit. */
const GREP_PCRE = `^[A-Za-z_][A-Za-z0-9_ ${TAB}*]*+\\(|^[ ${TAB}]*+#[ ${TAB}]*+define[ ${TAB}]++[A-Za-z_][A-Za-z0-9_]*+\\(`;
const JS_PATTERN = /^[A-Za-z_][A-Za-z0-9_ \t*]*\(|^[ \t]*#[ \t]*define[ \t]+[A-Za-z_][A-Za-z0-9_]*\(/gm;

/** The name a matched line prefix defines: the identifier right before its `(`. */
export function nameOfMatch(m: string): string | null {
  const r = /([A-Za-z_][A-Za-z0-9_]*)[ \t]*\($/.exec(m);
  return r ? r[1] : null;
}

const IDENT = new Uint8Array(128);
for (let c = 0; c < 128; c++) IDENT[c] = /[A-Za-z0-9_]/.test(String.fromCharCode(c)) ? 1 : 0;

/**
 * nameOfMatch for the match that ends (with its `(`) right before buf[end]:
 * read backwards, no copy of the line. The name's start, or -1; it ends at
 * `nameEnd` (set here).
 */
let nameEnd = 0;
function nameBefore(buf: Uint8Array, end: number): number {
  let b = end - 2; // before the `(`
  while (b >= 0 && (buf[b] === 32 || buf[b] === 9)) b--;
  let a = b;
  while (a >= 0 && buf[a] < 128 && IDENT[buf[a]] === 1) a--;
  const c = buf[a + 1];
  if (a === b || (c >= 48 && c <= 57)) return -1;
  nameEnd = b + 1;
  return a + 1;
}

/** The names a text's lines may define (in order, with repeats), as the tree search finds them. */
export function definedNamesIn(text: string): string[] {
  const out: string[] = [];
  JS_PATTERN.lastIndex = 0;
  for (let m = JS_PATTERN.exec(text); m; m = JS_PATTERN.exec(text)) {
    const n = nameOfMatch(m[0]);
    if (n) out.push(n);
  }
  return out;
}

export interface SearchScope {
  root: string;
  /** Where to look, relative to the root: top-level folders and files (the index's listing decides: WorkspaceIndex.searchRoots). */
  roots: string[];
  /** Whether a tree-relative path belongs to the index (WorkspaceIndex.covers). */
  covers: (rel: string) => boolean;
}

export interface SearchStats {
  /** 'grep' or 'in-process'. */
  how: string;
  lines: number;
  names: number;
  ms: number;
}

/**
 * Every definition-like line of the scope's .c/.h files, by name. `grep`
 * names the executable (tests force the in-process path with a missing one);
 * `timeoutMs` bounds the child (past it the in-process search answers, or,
 * with `inProcess: false`, NoNativeSearch is thrown).
 */
export async function searchDefinitions(
  scope: SearchScope,
  opts: { grep?: string; timeoutMs?: number; inProcess?: boolean } = {},
): Promise<{ sites: DefinitionSites; stats: SearchStats }> {
  const t0 = Date.now();
  let outs: GrepOutput[] | null = null;
  if (scope.roots.length) {
    // One grep per core over interleaved shares of the second-level entries (drivers/ alone is most of a kernel tree).
    const shares = shareOut(scope, Math.max(1, Math.min(4, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length)));
    const got = await Promise.all(shares.map((roots) => grepShare({ ...scope, roots }, opts.grep ?? 'grep', opts.timeoutMs ?? 120_000)));
    outs = got.every((o) => o) ? (got as GrepOutput[]) : null;
    if (!outs) for (const o of got) o?.close();
  }
  // The in-process search reads the whole tree on this thread: about what indexing it costs.
  if (!outs && opts.inProcess === false) throw new NoNativeSearch();
  const how = outs ? 'grep' : 'in-process';
  // Sized from grep's output: ~72 bytes a line and ~113 a distinct name on a kernel tree (6.12), with room.
  const bytes = outs ? outs.reduce((n, o) => n + o.size, 0) : 0;
  // Capped: an odd tree's huge output grows the arrays as before instead of taking them all up front.
  const sites = new DefinitionSites({ names: Math.min(1 << 22, Math.ceil(bytes / 100)), entries: Math.min(1 << 23, Math.ceil(bytes / 64)) });
  let lines = 0;
  if (outs) {
    // Each share's output apart (a file's matches are all in one share's), read in chunks.
    try {
      for (const out of outs) lines += readSites(out, scope, sites);
    } finally {
      for (const o of outs) o.close();
    }
  } else {
    for (const file of listSources(scope)) {
      let text: string;
      try {
        text = fs.readFileSync(file).toString('latin1');
      } catch {
        continue;
      }
      if (text.includes('\0')) continue; // binary (grep -I skips these)
      const names = definedNamesIn(text);
      if (!names.length) continue;
      const id = sites.file(file);
      for (const n of names) (lines++, sites.add(n, id));
    }
  }
  return { sites, stats: { how, lines, names: sites.size, ms: Date.now() - t0 } };
}

/** What one grep wrote: its temporary file, open and unnamed (closed by close()). */
interface GrepOutput {
  fd: number;
  size: number;
  /** grep's exit code: 0 (lines found), 1 (none), 2 (an error, such as an unreadable file or an unknown option). */
  code: number;
  close(): void;
}

/** Bytes read from grep's output at a time: a 70 MB buffer read whole cost ~0.45 s of page faults here, this ~0.05 s. */
const CHUNK = 4 << 20;

/**
 * grep's output put into `sites`: `file\0match\n` per match (-Z), matches of
 * one file together, so the file name is compared in place with the line
 * before's, and the name is put in from the bytes. Returns the lines put in.
 */
function readSites(out: GrepOutput, scope: SearchScope, sites: DefinitionSites): number {
  let buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(out.size, 1)));
  /** The current file's name (bytes) and number; whether the index covers it. */
  let rel = Buffer.alloc(0);
  let file = -1;
  let covered = false;
  let lines = 0;
  let held = 0; // bytes of an unfinished line kept at the buffer's start
  const rootPlain = path.isAbsolute(scope.root) && path.resolve(scope.root) === scope.root && scope.root !== path.parse(scope.root).root;
  for (let pos = 0; ; ) {
    if (held === buf.length) {
      // A line longer than the buffer: a bigger one.
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, held);
      buf = bigger;
    }
    const n = pos < out.size ? fs.readSync(out.fd, buf, held, Math.min(buf.length - held, out.size - pos), pos) : 0;
    pos += n;
    const end = held + n;
    const last = n === 0; // the output's end: what is held is its last line, without its \n
    let at = 0;
    for (;;) {
      let nl = buf.indexOf(10, at);
      if (nl < 0 || nl >= end) {
        if (!last || at >= end) break;
        nl = end;
      }
      // The same file as the line before: its name, then the \0, at `at`.
      let nul = -1;
      const len = rel.length;
      if (len > 0 && at + len < nl && buf[at + len] === 0) {
        let i = 0;
        while (i < len && buf[at + i] === rel[i]) i++;
        if (i === len) nul = at + len;
      }
      if (nul < 0) {
        nul = buf.indexOf(0, at);
        if (nul < 0 || nul >= nl) {
          at = nl + 1;
          continue; // no file name: not a line grep -Z writes
        }
        rel = Buffer.from(buf.subarray(at, nul));
        const name = rel.toString('utf8');
        // A name as grep writes it under the roots it was given (tree-relative, normalised) is joined as it is:
        // path.resolve and path.relative of ~47,000 names were ~10% of this read.
        const plain = rootPlain && isPlainRelative(name);
        const full = plain ? scope.root + path.sep + name : path.resolve(scope.root, name);
        covered = scope.covers(plain ? name : path.relative(scope.root, full));
        if (covered) file = sites.file(full);
      }
      if (covered) {
        const a = nameBefore(buf, nl);
        if (a > nul) (lines++, sites.addBytes(buf, a, nameEnd, file));
      }
      at = nl + 1;
    }
    if (last) break;
    held = end - at;
    buf.copy(buf, 0, at, end);
  }
  return lines;
}

/** A relative path that path.resolve and path.relative give back unchanged: no `.`/`..` part, no empty part. */
function isPlainRelative(p: string): boolean {
  return p.length > 0 && p[0] !== '/' && !p.endsWith('/') && !p.includes('//') && !/(^|\/)\.\.?(\/|$)/.test(p);
}

/** searchDefinitions with `inProcess: false` when grep cannot answer. */
export class NoNativeSearch extends Error {
  constructor() {
    super('grep did not answer, and searching in this process costs about what the whole index does');
  }
}

/** The scope's roots split into `n` shares: each folder's own entries dealt in turn (only folders and .c/.h files). */
function shareOut(scope: SearchScope, n: number): string[][] {
  if (n === 1) return [scope.roots];
  const entries: string[] = [];
  for (const r of scope.roots) {
    let kids: fs.Dirent[] | null = null;
    try {
      kids = fs.statSync(path.join(scope.root, r)).isDirectory() ? fs.readdirSync(path.join(scope.root, r), { withFileTypes: true }) : null;
    } catch {
      kids = null;
    }
    if (!kids) entries.push(r);
    else for (const k of kids.sort((a, b) => (a.name < b.name ? -1 : 1)))
      if (!k.name.startsWith('.') && k.name !== 'node_modules' && (k.isDirectory() || (k.isFile() && /\.[ch]$/.test(k.name)))) entries.push(path.join(r, k.name));
  }
  const shares: string[][] = Array.from({ length: n }, () => []);
  entries.forEach((e, i) => shares[i % n].push(e));
  return shares.filter((s) => s.length);
}

/** The greps (by executable) that answered -P with nothing and an error: asked with -E from then on. */
const noPcre = new Set<string>();

/** One share's search: with -P, unless this grep refused it; refused (nothing written, a non-zero exit), again with -E. */
async function grepShare(scope: SearchScope, grep: string, timeoutMs: number): Promise<GrepOutput | null> {
  if (!noPcre.has(grep)) {
    const out = await runGrep(scope, grep, timeoutMs, true);
    if (!out) return null; // it failed (not a refusal): -E would not do better
    // Empty with exit 1 may also be "no definitions at all" (asked again, -E says the same); 2 is GNU grep's refusal.
    if (out.size > 0 || out.code === 0) return out;
    out.close();
    if (out.code === 2) noPcre.add(grep);
  }
  return runGrep(scope, grep, timeoutMs, false);
}

/**
 * grep's output (its file, for readSites), or null when it cannot run, fails, or takes longer than `timeoutMs`.
 * grep writes into a temporary file, not a pipe: the caller's thread is busy while
 * grep runs (the open files' scans, the Kconfig facts: partialIndex.ts), and a pipe
 * nobody drains holds 64 KB, so grep stopped there until the thread was free
 * (67 MB of output on 6.12): the search and the Kconfig facts ran one after the other.
 */
function runGrep(scope: SearchScope, grep: string, timeoutMs: number, pcre: boolean): Promise<GrepOutput | null> {
  return new Promise((resolve) => {
    const args = [pcre ? '-rHZIoP' : '-rHZIoE', '--include=*.c', '--include=*.h', '--exclude-dir=.*', '--exclude-dir=node_modules', '-e', pcre ? GREP_PCRE : GREP_PATTERN, '--', ...scope.roots];
    let dir: string;
    let fd: number;
    try {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-defs-'));
      fd = fs.openSync(path.join(dir, 'out'), 'w+');
    } catch {
      resolve(null);
      return;
    }
    // Unnamed at once where the system allows it (the descriptors keep the file): nothing is left behind if this process is killed.
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // removed in finish()
    }
    let finished = false;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      try {
        fs.closeSync(fd);
      } catch {
        // closed already
      }
      fs.rmSync(dir, { recursive: true, force: true });
    };
    const finish = (out: GrepOutput | null) => {
      if (finished) return;
      finished = true;
      if (!out) close();
      resolve(out);
    };
    let child;
    try {
      child = spawn(grep, args, { cwd: scope.root, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', fd, 'ignore'] });
    } catch {
      finish(null);
      return;
    }
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on('error', () => (clearTimeout(timer), finish(null)));
    // 0: lines found, 1: none; 2 (an unreadable file) still lists the rest. A kill (timeout) is a failure.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal || code === null || code > 2) return finish(null);
      // Read through the descriptor from its start by the caller (grep's writes moved the shared offset to the end).
      let out: GrepOutput | null;
      try {
        out = { fd, size: fs.fstatSync(fd).size, code, close };
      } catch {
        out = null;
      }
      finish(out);
    });
  });
}

/** The scope's .c/.h files, walked as grep does above (no symlinks, no dot folders, no node_modules). */
function listSources(scope: SearchScope): string[] {
  const out: string[] = [];
  const walk = (full: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(full);
    } catch {
      return;
    }
    if (st.isFile()) {
      if (/\.[ch]$/.test(full) && scope.covers(path.relative(scope.root, full))) out.push(full);
      return;
    }
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = fs.readdirSync(full);
    } catch {
      return;
    }
    for (const n of names.sort()) if (!n.startsWith('.') && n !== 'node_modules') walk(path.join(full, n));
  };
  for (const r of scope.roots) walk(path.join(scope.root, r));
  return out;
}
