// Constant evaluation of C expressions under a path's known values: enough to
// decide `ret == -EIO`, `!ret`, `if (callee(...))` against a callee's return.
import type { Node } from 'web-tree-sitter';
import { PathState } from './pathState';

export interface ConstEnv {
  errno: Map<string, number>;
  transparent: Set<string>;
  /** Decides IS_ENABLED(CONFIG_X) and friends when a kernel .config is given. */
  config?: { decide(cond: string): boolean | undefined };
  /** The integer a member access (`walk->no_vma`, `ops->install_pte`) holds on this path, from its facts (values.ts). */
  member?: (n: Node, st: PathState) => number | undefined;
}

/** The value of `n` on this path, or undefined when it is not known. */
export function constValue(n: Node, st: PathState, env: ConstEnv): number | undefined {
  switch (n.type) {
    case 'number_literal': {
      const t = n.text.replace(/[uUlL]+$/, '');
      const v = Number(t.startsWith('0') && /^0[0-7]+$/.test(t) ? parseInt(t, 8) : t);
      return Number.isFinite(v) ? v : undefined;
    }
    case 'true':
      return 1;
    case 'false':
    case 'null':
      return 0;
    case 'identifier': {
      const name = n.text;
      const known = st.vals.get(name);
      if (known && known.length === 1) return known[0];
      if (!known) return env.errno.get(name) ?? (name === 'NULL' ? 0 : undefined);
      return undefined;
    }
    case 'parenthesized_expression':
      return n.namedChildCount === 1 ? constValue(n.namedChild(0)!, st, env) : undefined;
    case 'field_expression':
      return env.member?.(n, st);
    case 'cast_expression': {
      const v = n.childForFieldName('value');
      return v ? constValue(v, st, env) : undefined;
    }
    case 'unary_expression': {
      const a = n.childForFieldName('argument');
      const v = a ? constValue(a, st, env) : undefined;
      if (v === undefined) return undefined;
      const op = n.childForFieldName('operator')?.text ?? n.child(0)?.text;
      if (op === '-') return -v;
      if (op === '!') return v === 0 ? 1 : 0;
      if (op === '~') return ~v;
      if (op === '+') return v;
      return undefined;
    }
    case 'binary_expression': {
      const op = n.childForFieldName('operator')?.text;
      const l = constValue(n.childForFieldName('left')!, st, env);
      if (op === '&&' && l === 0) return 0;
      if (op === '||' && l !== undefined && l !== 0) return 1;
      const r = constValue(n.childForFieldName('right')!, st, env);
      if (op === '&&' && r === 0) return 0;
      // No bit survives a mask of 0, whatever the other side.
      if (op === '&' && (l === 0 || r === 0)) return 0;
      if (op === '||' && r !== undefined && r !== 0) return 1;
      if (l === undefined || r === undefined) return undefined;
      switch (op) {
        case '==': return l === r ? 1 : 0;
        case '!=': return l !== r ? 1 : 0;
        case '<': return l < r ? 1 : 0;
        case '>': return l > r ? 1 : 0;
        case '<=': return l <= r ? 1 : 0;
        case '>=': return l >= r ? 1 : 0;
        case '&&': return l && r ? 1 : 0;
        case '||': return l || r ? 1 : 0;
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        case '&': return l & r;
        case '|': return l | r;
        default: return undefined;
      }
    }
    case 'call_expression': {
      const known = st.callVals.get(n.id);
      if (known && known.length === 1) return known[0];
      const fn = n.childForFieldName('function');
      const args = n.childForFieldName('arguments');
      if (env.config && fn?.type === 'identifier' && /^IS_(ENABLED|BUILTIN|REACHABLE|MODULE)$/.test(fn.text)) {
        const d = env.config.decide(n.text);
        if (d !== undefined) return d ? 1 : 0;
      }
      if (fn?.type === 'identifier' && env.transparent.has(fn.text) && args && args.namedChildCount >= 1)
        return constValue(args.namedChild(0)!, st, env);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Truth of a condition on this path: true, false, or undefined (both feasible). */
export function truth(n: Node, st: PathState, env: ConstEnv): boolean | undefined {
  const v = constValue(n, st, env);
  return v === undefined ? undefined : v !== 0;
}

/** A readable name for a return value: -ENOENT rather than -2. */
export function describeValue(v: number, errno: Map<string, number>): string {
  if (v < 0) for (const [k, e] of errno) if (e === -v) return `-${k}`;
  return String(v);
}
