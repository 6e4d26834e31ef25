// Small readers of tree-sitter-c syntax shared by the analyses.
import type { Node } from 'web-tree-sitter';

/** The identifier a declarator declares (through pointers, arrays, parentheses, functions). */
export function declaredName(d: Node | null): string | null {
  while (d) {
    if (d.type === 'identifier' || d.type === 'field_identifier' || d.type === 'type_identifier') return d.text;
    const inner = d.childForFieldName('declarator');
    if (inner) d = inner;
    else if (d.type === 'parenthesized_declarator') d = d.namedChild(0);
    else return null;
  }
  return null;
}

export function functionDeclarator(fn: Node): Node | null {
  let d = fn.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  return d;
}

export function functionName(fn: Node): string | null {
  const d = functionDeclarator(fn);
  return d ? declaredName(d.childForFieldName('declarator')) : null;
}

/** Names of the parameters, in order (null for unnamed ones). */
export function parameterNames(fn: Node): (string | null)[] {
  const params = functionDeclarator(fn)?.childForFieldName('parameters');
  if (!params) return [];
  return params.namedChildren
    .filter((p): p is Node => !!p && p.type === 'parameter_declaration')
    .map((p) => declaredName(p.childForFieldName('declarator')));
}

/** Strips parentheses and casts: the expression whose value is taken. */
export function unwrap(n: Node): Node {
  // Each read of a parsed node's `type` is a call into WebAssembly (syntaxView.ts): read once a step.
  for (;;) {
    const t = n.type;
    if (t === 'parenthesized_expression' && n.namedChildCount === 1) n = n.namedChild(0)!;
    else if (t !== 'cast_expression') return n;
    else {
      const v = n.childForFieldName('value');
      if (!v) return n;
      n = v;
    }
  }
}

/** "ptep", "vmf->pte", "pvmw.pte": the access path an expression names, or null. */
export function accessPath(n: Node): string | null {
  n = unwrap(n);
  const t = n.type;
  if (t === 'identifier') return n.text;
  if (t === 'field_expression') {
    const base = n.childForFieldName('argument');
    const field = n.childForFieldName('field');
    const op = n.childForFieldName('operator')?.text ?? (n.text.includes('->') ? '->' : '.');
    const b = base ? accessPath(base) : null;
    return b && field ? `${b}${op}${field.text}` : null;
  }
  return null;
}

/** Whether a declaration's type is `T *` for one of `types` (by the declarator shape). */
export function isPointerTo(typeText: string, declarator: Node, types: Set<string>): boolean {
  let d: Node | null = declarator;
  if (d.type === 'init_declarator') d = d.childForFieldName('declarator');
  return !!d && d.type === 'pointer_declarator' && types.has(typeText.replace(/^(const|volatile)\s+/, '').trim());
}

/** The called name of a call_expression (identifier callee only). */
export function calleeName(call: Node): string | null {
  const f = call.childForFieldName('function');
  return f?.type === 'identifier' ? f.text : null;
}

/** The arguments of a call_expression, in order (comments left out). */
export function callArgs(call: Node): Node[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
}

/** 1-based position of a node. */
export function position(n: Node): { line: number; column: number; endLine: number; endColumn: number } {
  return {
    line: n.startPosition.row + 1,
    column: n.startPosition.column + 1,
    endLine: n.endPosition.row + 1,
    endColumn: n.endPosition.column + 1,
  };
}

/**
 * What is done with the value of expression `n`: `used` when it is assigned,
 * returned or tested (if/while/for/switch, the condition of `?:`, through
 * `!`, comparisons, `&&`, `||`); `dropped` when it is discarded (an
 * expression statement, the left of a comma) or handed on (an argument);
 * `top` when `n` is the whole statement of a body with nothing above it (a
 * macro's expansion: its call site decides).
 */
export function valueUse(n: Node): 'used' | 'dropped' | 'top' {
  let x = n;
  for (let p = x.parent; p; x = p, p = p.parent) {
    switch (p.type) {
      case 'parenthesized_expression':
      case 'cast_expression':
      case 'unary_expression':
      case 'binary_expression':
        continue;
      case 'conditional_expression':
        if (p.childForFieldName('condition')?.id === x.id) return 'used';
        continue;
      case 'comma_expression':
        if (p.childForFieldName('left')?.id === x.id) return 'dropped';
        continue;
      case 'assignment_expression':
        return p.childForFieldName('right')?.id === x.id ? 'used' : 'dropped';
      case 'for_statement':
        return p.childForFieldName('condition')?.id === x.id ? 'used' : 'dropped';
      case 'init_declarator':
      case 'return_statement':
      case 'condition_clause':
      case 'if_statement':
      case 'while_statement':
      case 'do_statement':
      case 'switch_statement':
        return 'used';
      case 'expression_statement': {
        const body = p.parent;
        const only = body?.type === 'compound_statement' && body.namedChildCount === 1;
        return only && body?.parent?.type === 'function_definition' ? 'top' : 'dropped';
      }
      default:
        return 'dropped';
    }
  }
  return 'dropped';
}
