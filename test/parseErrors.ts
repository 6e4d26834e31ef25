// How many ERROR and MISSING nodes a tree-sitter tree holds: a fix must not add any.
import type { Node } from '../engine/parse/cParser';

export function badNodes(n: Node): number {
  let k = 0;
  const stack: Node[] = [n];
  for (let x = stack.pop(); x; x = stack.pop()) {
    if (x.isError || x.isMissing) k++;
    for (const c of x.children) if (c) stack.push(c);
  }
  return k;
}
