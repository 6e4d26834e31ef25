// A kernel .config: pins the value of every option it lists, to decide
// `#ifdef CONFIG_*`, `IS_ENABLED(CONFIG_*)` and the conditions findings carry.
// A full .config lists every option it knows, so a CONFIG_ option it does not
// mention counts as "not set".
import * as fs from 'fs';
import { Atom, Cond, fold, parseCond } from './cond';

export class KernelConfig {
  private constructor(private readonly values: Map<string, string>) {}

  /** Parses `CONFIG_X=y|m|"str"|123` and `# CONFIG_X is not set` lines. */
  static parse(text: string): KernelConfig {
    const values = new Map<string, string>();
    for (const line of text.split(/\r?\n/)) {
      const set = /^CONFIG_(\w+)=(.*)$/.exec(line);
      if (set) values.set(set[1], set[2].trim());
      const unset = /^#\s*CONFIG_(\w+) is not set/.exec(line);
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

  /** The option's value (y, m, a string or number), or 'n' when off or not listed. Names without CONFIG_. */
  value(sym: string): string {
    const v = this.values.get(sym);
    return v === undefined || v === '' ? 'n' : v;
  }

  /** Whether CONFIG_X is enabled (y or m); a symbol the file does not list is off. Accepts the name with or without CONFIG_. */
  enabled(symbol: string): boolean {
    return this.value(symbol.replace(/^CONFIG_/, '')) !== 'n';
  }

  /** What this configuration says about one atom of a condition. */
  readonly query = (a: Atom): boolean | undefined => {
    if (a.k === 'cfg') {
      const v = this.value(a.sym);
      if (a.form === 'builtin') return v === 'y';
      if (a.form === 'module') return v === 'm';
      return v !== 'n';
    }
    if (a.k === 'cmp') {
      const v = this.values.get(a.sym);
      if (v === undefined || !/^(-?\d+|0x[0-9a-fA-F]+)$/.test(v)) return undefined;
      const n = Number(v);
      const r = a.value;
      return a.op === '==' ? n === r : a.op === '!=' ? n !== r : a.op === '<' ? n < r : a.op === '>' ? n > r : a.op === '<=' ? n <= r : n >= r;
    }
    return undefined;
  };

  /**
   * The truth of a preprocessor or C condition when this config decides it
   * (CONFIG_X, defined(), IS_ENABLED(), IS_BUILTIN(), comparisons of integer
   * options, and !, &&, || of those); undefined otherwise.
   */
  decide(cond: string | Cond): boolean | undefined {
    return fold(typeof cond === 'string' ? parseCond(cond) : cond, this.query);
  }
}
