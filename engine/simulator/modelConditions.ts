/**
 * The kernel models' rule conditions (`when: 'new_valid && new_kernel'`, data in
 * engine/models/): compiled once to a small expression tree, evaluated over
 * the model's variables at each lowered step.
 */

export type Expr =
  | { k: 'num'; v: number }
  | { k: 'var'; name: string }
  | { k: 'not'; e: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr };

export function compileCond(src: string): Expr {
  const toks = src.match(/\s*(&&|\|\||==|!=|<=|>=|[<>!()]|[A-Za-z_][A-Za-z0-9_]*|\d+)/g)?.map((t) => t.trim()) ?? [];
  if (toks.join('').length !== src.replace(/\s+/g, '').length) throw new Error(`bad model condition '${src}'`);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const prim = (): Expr => {
    const t = next();
    if (t === undefined) throw new Error(`bad model condition '${src}': unexpected end`);
    if (t === '!') return { k: 'not', e: prim() };
    if (t === '(') {
      const e = or();
      if (next() !== ')') throw new Error(`bad model condition '${src}': expected ')'`);
      return e;
    }
    if (/^\d+$/.test(t)) return { k: 'num', v: Number(t) };
    if (/^[A-Za-z_]/.test(t)) return { k: 'var', name: t };
    throw new Error(`bad model condition '${src}': unexpected '${t}'`);
  };
  const cmp = (): Expr => {
    let a = prim();
    while (['==', '!=', '<', '>', '<=', '>='].includes(peek())) {
      const op = next();
      a = { k: 'bin', op, a, b: prim() };
    }
    return a;
  };
  const and = (): Expr => {
    let a = cmp();
    while (peek() === '&&') {
      next();
      a = { k: 'bin', op: '&&', a, b: cmp() };
    }
    return a;
  };
  const or = (): Expr => {
    let a = and();
    while (peek() === '||') {
      next();
      a = { k: 'bin', op: '||', a, b: and() };
    }
    return a;
  };
  const e = or();
  if (i !== toks.length) throw new Error(`bad model condition '${src}': trailing '${toks[i]}'`);
  return e;
}

export function evalExpr(e: Expr, env: (name: string) => number): number {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'var':
      return env(e.name);
    case 'not':
      return evalExpr(e.e, env) ? 0 : 1;
    case 'bin': {
      const a = evalExpr(e.a, env);
      if (e.op === '&&') return a ? (evalExpr(e.b, env) ? 1 : 0) : 0;
      if (e.op === '||') return a ? 1 : evalExpr(e.b, env) ? 1 : 0;
      const b = evalExpr(e.b, env);
      switch (e.op) {
        case '==':
          return a === b ? 1 : 0;
        case '!=':
          return a !== b ? 1 : 0;
        case '<':
          return a < b ? 1 : 0;
        case '>':
          return a > b ? 1 : 0;
        case '<=':
          return a <= b ? 1 : 0;
        case '>=':
          return a >= b ? 1 : 0;
      }
    }
  }
  return 0;
}
