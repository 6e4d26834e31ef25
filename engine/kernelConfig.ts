// A kernel .config, to decide `#ifdef CONFIG_*`, `IS_ENABLED(CONFIG_*)` and
// the conditions findings carry. Symbols the file does not mention are
// unknown (both branches stay), except that a full .config lists every
// symbol it knows, so a missing CONFIG_ symbol counts as "not set".
import * as fs from 'fs';

export class KernelConfig {
  private constructor(private readonly values: Map<string, string>) {}

  /** Parses `CONFIG_X=y|m|"str"|123` and `# CONFIG_X is not set` lines. */
  static parse(text: string): KernelConfig {
    const values = new Map<string, string>();
    for (const line of text.split(/\r?\n/)) {
      const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
      if (set) values.set(set[1], set[2].trim());
      const unset = /^#\s*(CONFIG_\w+) is not set/.exec(line);
      if (unset) values.set(unset[1], 'n');
    }
    return new KernelConfig(values);
  }

  /** Reads a .config; throws an Error with a readable message when it is not one. */
  static load(file: string): KernelConfig {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`${file}: cannot read the kernel config: ${(e as Error).message}`);
    }
    const cfg = KernelConfig.parse(text);
    if (cfg.values.size === 0) throw new Error(`${file}: no CONFIG_ lines: not a kernel .config`);
    return cfg;
  }

  get size(): number {
    return this.values.size;
  }

  /** Whether CONFIG_X is enabled (y or m); a symbol the file does not list is off. */
  enabled(symbol: string): boolean {
    const v = this.values.get(symbol);
    return v !== undefined && v !== 'n' && v !== '';
  }

  /**
   * The truth of a preprocessor or C condition when this config decides it:
   * CONFIG_X, !CONFIG_X, defined(CONFIG_X), IS_ENABLED(CONFIG_X),
   * IS_BUILTIN(CONFIG_X), and && / || of those. Undefined otherwise.
   */
  decide(cond: string): boolean | undefined {
    const c = cond.trim().replace(/^\((.*)\)$/s, '$1').trim();
    const or = splitTop(c, '||');
    if (or.length > 1) {
      const parts = or.map((p) => this.decide(p));
      if (parts.some((p) => p === true)) return true;
      return parts.every((p) => p === false) ? false : undefined;
    }
    const and = splitTop(c, '&&');
    if (and.length > 1) {
      const parts = and.map((p) => this.decide(p));
      if (parts.some((p) => p === false)) return false;
      return parts.every((p) => p === true) ? true : undefined;
    }
    const neg = /^!\s*(.*)$/s.exec(c);
    if (neg) {
      const v = this.decide(neg[1]);
      return v === undefined ? undefined : !v;
    }
    const sym = /^(?:defined\s*\(?\s*|IS_ENABLED\s*\(\s*|IS_REACHABLE\s*\(\s*)?(CONFIG_\w+)\s*\)?$/.exec(c);
    if (sym) return this.enabled(sym[1]);
    const builtin = /^IS_BUILTIN\s*\(\s*(CONFIG_\w+)\s*\)$/.exec(c);
    if (builtin) return this.values.get(builtin[1]) === 'y';
    return undefined;
  }
}

/** Splits on a top-level operator (outside parentheses). */
function splitTop(s: string, op: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && s.startsWith(op, i)) {
      out.push(s.slice(start, i));
      start = i + op.length;
      i += op.length - 1;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter(Boolean);
}
