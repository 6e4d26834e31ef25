// Which .c files the Kbuild Makefiles build, as a condition per file:
// `obj-$(CONFIG_X) += foo.o dir/`, `obj-y`, `lib-y`, composite objects
// (`foo-y`/`foo-objs`/`foo-$(CONFIG_Y)` parts of a `foo.o`), variables
// expanded where they were assigned (`mmu-$(CONFIG_MMU) := memory.o ...`
// then `obj-y += $(mmu-y)`), and `ifdef`/`ifeq ($(CONFIG_X),y)` blocks. A
// directory's condition comes from its parent's Makefile (the tree's root
// `Kbuild` names the top directories, `arch/$(SRCARCH)/` among them).
//
// Unknown means built: a file its directory's Makefile never names (a .c
// #included by another, a name made by a make function) or a directory its
// parent never names gets no condition of its own. Makefiles are read lazily,
// one per directory asked about.
import * as fs from 'fs';
import * as path from 'path';
import { Cond, TRUE, and, not, or, simplify } from './cond';

/** What one directory's Makefile (Kbuild) builds: object or subdirectory name -> condition. */
interface DirBuild {
  objects: Map<string, Cond>;
  dirs: Map<string, Cond>;
}

interface Value {
  word: string;
  cond: Cond;
}

/** Lists whose words are built objects or directories to descend into. */
const BUILT_LISTS = /^(obj|lib|core|drivers|libs|subdir|init|net|virt)-y$/;

export class Kbuild {
  private dirs = new Map<string, DirBuild | null>();
  /** dirConditions() by directory. */
  private dirConds = new Map<string, Cond[] | null>();
  /** The condition of a file its directory's Makefile does not name, by directory. */
  private dirOnly = new Map<string, Cond>();
  /** The condition of a file its directory's Makefile names, by directory and the name's own condition. */
  private dirAnd = new Map<string, Map<Cond, Cond>>();

  constructor(
    readonly root: string,
    /** The architecture's directory name under arch/. */
    readonly arch: string,
  ) {}

  /**
   * The condition under which a tree-relative .c file is built (true when
   * nothing says otherwise). Files under another architecture's arch/
   * directory are never built.
   */
  fileCondition(rel: string): Cond {
    if (!rel.endsWith('.c')) return TRUE;
    const slash = rel.lastIndexOf('/');
    const dirRel = slash < 0 ? '' : rel.slice(0, slash);
    const conds = this.dirConditions(dirRel);
    if (conds === null) return { k: 'const', v: false };
    const own = this.dir(dirRel)?.objects.get(rel.slice(slash + 1, -2) + '.o');
    if (!own) {
      // Every file of the directory its Makefile does not name shares one condition.
      let c = this.dirOnly.get(dirRel);
      if (!c) this.dirOnly.set(dirRel, (c = simplify(and(...conds))));
      return c;
    }
    // Files of one list line share their condition object: one simplification per line's condition.
    let byOwn = this.dirAnd.get(dirRel);
    if (!byOwn) this.dirAnd.set(dirRel, (byOwn = new Map()));
    let c = byOwn.get(own);
    if (!c) byOwn.set(own, (c = simplify(and(...conds, own))));
    return c;
  }

  /**
   * What builds a directory at all: each of its ancestors' Makefiles naming
   * it or a directory between (usually its parent's `obj-y += mm/`; the root
   * names `arch/arm64/`), ancestor by ancestor from the root. Null under
   * another architecture's arch/ directory. Made once per directory: a
   * kernel tree asks for ~18,000 files in ~3,000 directories.
   */
  private dirConditions(dirRel: string): Cond[] | null {
    let conds = this.dirConds.get(dirRel);
    if (conds !== undefined) return conds;
    const parts = dirRel === '' ? [] : dirRel.split('/');
    if (parts[0] === 'arch' && parts.length > 1 && parts[1] !== this.arch) conds = null;
    else {
      conds = [];
      for (let i = 0; i < parts.length; i++) {
        const b = this.dir(parts.slice(0, i).join('/'));
        if (!b) continue;
        for (let j = i + 1; j <= parts.length; j++) {
          const c = b.dirs.get(parts.slice(i, j).join('/'));
          if (c) conds.push(c);
        }
      }
    }
    this.dirConds.set(dirRel, conds);
    return conds;
  }

  /** How a directory's Makefile names what it builds (null when it has none). */
  private dir(rel: string): DirBuild | null {
    if (this.dirs.has(rel)) return this.dirs.get(rel)!;
    let text: string | null = null;
    for (const name of ['Kbuild', 'Makefile']) {
      const file = path.join(this.root, rel, name);
      // Most directories have no Kbuild file: asked without the exception a failed read costs.
      if (!fs.existsSync(file)) continue;
      try {
        text = fs.readFileSync(file, 'latin1');
        break;
      } catch {
        // try the next name
      }
    }
    const b = text === null ? null : readMakefile(text, this.arch);
    this.dirs.set(rel, b);
    return b;
  }

  /** Makefiles read so far (for the curious: cost). */
  get read(): number {
    return [...this.dirs.values()].filter(Boolean).length;
  }
}

/** Reads one Makefile's object lists. Exported for tests. */
export function readMakefile(text: string, arch: string): DirBuild {
  const vars = new Map<string, Value[]>();
  const stack: { cond: Cond; negated: Cond }[] = [];
  const here = () => and(...stack.map((s) => s.cond));
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i];
    if (/^\t/.test(line)) continue; // a recipe
    line = line.replace(/(^|[^\\])#.*$/, '$1').trim();
    if (!line) continue;
    const cond = /^(ifdef|ifndef|ifeq|ifneq)\s*(.*)$/.exec(line);
    if (cond) {
      const c = makeCondition(cond[1], cond[2]);
      stack.push({ cond: c, negated: not(c) });
      continue;
    }
    if (/^else\b/.test(line)) {
      const top = stack[stack.length - 1];
      if (top) {
        const rest = line.slice(4).trim();
        const inner = /^(ifdef|ifndef|ifeq|ifneq)\s*(.*)$/.exec(rest);
        top.cond = inner ? and(top.negated, makeCondition(inner[1], inner[2])) : top.negated;
        if (inner) top.negated = and(top.negated, not(makeCondition(inner[1], inner[2])));
      }
      continue;
    }
    if (/^endif\b/.test(line)) {
      stack.pop();
      continue;
    }
    // NAME op value; NAME may hold $(...) with nested parentheses, spaces and commas (obj-$(subst m,y,$(CONFIG_X))).
    const m = /^((?:[A-Za-z0-9_.-]|\$\((?:[^()]|\([^()]*\))*\))+)\s*(:=|\+=|\?=|=)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [name, nameCond] = variableName(m[1]);
    if (!name) continue;
    const where = and(here(), nameCond);
    const words = expandWords(m[3], vars, arch).map((w) => ({ word: w.word, cond: simplify(and(where, w.cond)) }));
    // `+=` appends; `:=`/`=` replaces, and under a condition replaces only when it holds (`mmu-y := nommu.o` then `mmu-$(CONFIG_MMU) := ...`).
    const before = vars.get(name) ?? [];
    const prev = m[2] === '+=' || m[2] === '?=' ? before : isTrueCond(where) ? [] : before.map((v) => ({ word: v.word, cond: simplify(and(v.cond, not(where))) }));
    // concat, not a spread: an empty list and a list of words are arrays of two kinds, and the spread's
    // compiled code was thrown away at each new one (readMakefile compiled 4-7 times in a run).
    vars.set(name, prev.length === 0 ? words : prev.concat(words));
  }
  const out: DirBuild = { objects: new Map(), dirs: new Map() };
  const add = (m: Map<string, Cond>, k: string, c: Cond) => m.set(k, simplify(or(m.get(k) ?? { k: 'const', v: false }, c)));
  for (const [name, values] of vars) {
    if (!BUILT_LISTS.test(name)) continue;
    for (const { word, cond } of values) {
      if (word.endsWith('/')) {
        const dir = path.posix.normalize(word.slice(0, -1));
        if (!dir.startsWith('..') && !path.posix.isAbsolute(dir)) add(out.dirs, dir, cond);
        continue;
      }
      if (!word.endsWith('.o')) continue;
      add(out.objects, word, cond);
      // A composite object: its parts are built when it is.
      const base = word.slice(0, -2);
      for (const partList of [`${base}-y`, `${base}-objs`]) {
        for (const p of vars.get(partList) ?? []) if (p.word.endsWith('.o') && p.word !== word) add(out.objects, p.word, simplify(and(cond, p.cond)));
      }
    }
  }
  return out;
}

const isTrueCond = (c: Cond) => c.k === 'const' && c.v;

/** `obj-$(CONFIG_X)` -> ["obj-y", CONFIG_X]; `foo-objs` -> ["foo-objs", true]; other dynamic names -> [null]. */
function variableName(raw: string): [string | null, Cond] {
  const m = /^(.*?)\$\((?:subst m,y,)?\$?\(?CONFIG_(\w+)\)?\)$/.exec(raw);
  if (m) return [`${m[1]}y`, { k: 'cfg', sym: m[2] }];
  if (raw.includes('$')) return [null, TRUE];
  return [raw, TRUE];
}

/** Words of a value, with $(var) references put in (each with the condition it was assigned under). */
function expandWords(value: string, vars: Map<string, Value[]>, arch: string): Value[] {
  const out: Value[] = [];
  for (const w of splitWords(value)) {
    const ref = /^\$\(([\w.-]+)\)$/.exec(w);
    if (ref) {
      if (ref[1] === 'SRCARCH' || ref[1] === 'ARCH') out.push({ word: arch, cond: TRUE });
      else for (const v of vars.get(ref[1]) ?? []) out.push(v);
      continue;
    }
    const word = w.replace(/\$\((SRCARCH|ARCH)\)/g, arch);
    if (!word.includes('$')) out.push({ word, cond: TRUE });
  }
  return out;
}

/** Splits on spaces outside $(...). */
function splitWords(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    if (/\s/.test(ch) && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** `ifdef CONFIG_X`, `ifeq ($(CONFIG_X),y)`, `ifneq ($(CONFIG_X),)` and the like; anything else is opaque. */
function makeCondition(kw: string, rest: string): Cond {
  const opaque: Cond = { k: 'opaque', text: `${kw} ${rest}` };
  if (kw === 'ifdef' || kw === 'ifndef') {
    const m = /^CONFIG_(\w+)$/.exec(rest.trim());
    if (!m) return opaque;
    const c: Cond = { k: 'cfg', sym: m[1] };
    return kw === 'ifdef' ? c : not(c);
  }
  const args = /^\(\s*(.*?)\s*,\s*(.*?)\s*\)$/.exec(rest.trim()) ?? /^"(.*)"\s+"(.*)"$/.exec(rest.trim());
  if (!args) return opaque;
  let [a, b] = [args[1], args[2]];
  if (!/^\$\(CONFIG_\w+\)$/.test(a)) [a, b] = [b, a];
  const m = /^\$\(CONFIG_(\w+)\)$/.exec(a);
  if (!m) return opaque;
  const on: Cond = { k: 'cfg', sym: m[1] };
  let c: Cond;
  if (b === '') c = not(on); // ifeq ($(CONFIG_X),): X off
  else if (b === 'y' || b === 'm') c = on;
  else if (b === 'n') c = not(on);
  else return opaque;
  return kw === 'ifeq' ? c : not(c);
}
