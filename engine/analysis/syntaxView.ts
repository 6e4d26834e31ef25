// A function's syntax as one run reads it (walk/functionRun.ts): each
// web-tree-sitter read (`type`, `text`, `childForFieldName`, children, end
// position) is a call into WebAssembly that makes a new Node object every
// time, and a run reads the same nodes once per path and per loop round:
// about half of the interpreter's CPU inside a heavy opener (copy_pte_range:
// a loop over up to 48 paths, 6 rounds). A SyntaxNode answers each read once
// and hands out the same SyntaxNode for the same node afterwards.
//
// The view lives as long as the run that made it (nothing keeps it after): a
// mirror kept with every parsed function cost +46 MB on the 7.2 whole-tree
// CLI, this one costs garbage only, and is made only where it pays
// (Interpreter.readsThroughView: files open in an editor, and in an editor
// session every analysis's root run and every survey). A SyntaxNode stands for a Node where the
// analysis takes one (same answers, `id` included); the reads the analysis
// does not make go to the underlying node.
import type { Node, Point, Tree } from 'web-tree-sitter';

/**
 * Node reads made through views: `made` went to web-tree-sitter, `answered`
 * were answered by the view (tests and benches read it: how much the view
 * saves on a given run, without timing anything).
 */
export const syntaxViewReads = { made: 0, answered: 0 };

export class SyntaxView {
  private readonly byTree = new Map<Tree, Map<number, SyntaxNode>>();

  /** The SyntaxNode of `n` in this view (a SyntaxNode given back is itself). */
  node(n: Node): Node {
    if (n instanceof SyntaxNode) return n as unknown as Node;
    return this.wrap(n) as unknown as Node;
  }

  wrap(n: Node): SyntaxNode {
    let ids = this.byTree.get(n.tree);
    if (!ids) this.byTree.set(n.tree, (ids = new Map()));
    let s = ids.get(n.id);
    if (!s) ids.set(n.id, (s = new SyntaxNode(n, this)));
    return s;
  }

  wrapOrNull(n: Node | null): SyntaxNode | null {
    return n ? this.wrap(n) : null;
  }
}

/** One node of a SyntaxView: web-tree-sitter's Node reads, each answered once. */
export class SyntaxNode {
  readonly id: number;
  readonly startIndex: number;
  readonly startPosition: Point;
  readonly tree: Tree;
  private typeRead: string | undefined;
  private textRead: string | undefined;
  private endRead: Point | undefined;
  private endIndexRead: number | undefined;
  private parentRead: SyntaxNode | null | undefined;
  private namedRead: (SyntaxNode | null)[] | undefined;
  private childrenRead: (SyntaxNode | null)[] | undefined;
  private fieldsRead: Map<string, SyntaxNode | null> | undefined;
  private fieldListsRead: Map<string, (SyntaxNode | null)[]> | undefined;

  constructor(
    /** The web-tree-sitter node (for the reads the analysis does not make often). */
    readonly raw: Node,
    private readonly view: SyntaxView,
  ) {
    this.id = raw.id;
    this.startIndex = raw.startIndex;
    this.startPosition = raw.startPosition;
    this.tree = raw.tree;
  }

  get type(): string {
    if (this.typeRead !== undefined) return syntaxViewReads.answered++, this.typeRead;
    syntaxViewReads.made++;
    return (this.typeRead = this.raw.type);
  }
  get text(): string {
    if (this.textRead !== undefined) return syntaxViewReads.answered++, this.textRead;
    syntaxViewReads.made++;
    return (this.textRead = this.raw.text);
  }
  get endPosition(): Point {
    if (this.endRead !== undefined) return syntaxViewReads.answered++, this.endRead;
    syntaxViewReads.made++;
    return (this.endRead = this.raw.endPosition);
  }
  get endIndex(): number {
    if (this.endIndexRead !== undefined) return syntaxViewReads.answered++, this.endIndexRead;
    syntaxViewReads.made++;
    return (this.endIndexRead = this.raw.endIndex);
  }
  get parent(): SyntaxNode | null {
    if (this.parentRead !== undefined) return syntaxViewReads.answered++, this.parentRead;
    syntaxViewReads.made++;
    return (this.parentRead = this.view.wrapOrNull(this.raw.parent));
  }
  get namedChildren(): (SyntaxNode | null)[] {
    if (this.namedRead !== undefined) return syntaxViewReads.answered++, this.namedRead;
    syntaxViewReads.made++;
    return (this.namedRead = this.adopt(this.raw.namedChildren));
  }
  get namedChildCount(): number {
    return this.namedChildren.length;
  }
  namedChild(i: number): SyntaxNode | null {
    return this.namedChildren[i] ?? null;
  }
  get children(): (SyntaxNode | null)[] {
    if (this.childrenRead !== undefined) return syntaxViewReads.answered++, this.childrenRead;
    syntaxViewReads.made++;
    return (this.childrenRead = this.adopt(this.raw.children));
  }
  get childCount(): number {
    return this.children.length;
  }
  child(i: number): SyntaxNode | null {
    return this.children[i] ?? null;
  }
  childForFieldName(field: string): SyntaxNode | null {
    const fields = (this.fieldsRead ??= new Map());
    let c = fields.get(field);
    if (c !== undefined) syntaxViewReads.answered++;
    else {
      syntaxViewReads.made++;
      const raw = this.raw.childForFieldName(field);
      c = raw ? this.view.wrap(raw) : null;
      if (c && c.parentRead === undefined) c.parentRead = this;
      fields.set(field, c);
    }
    return c;
  }
  childrenForFieldName(field: string): (SyntaxNode | null)[] {
    const lists = (this.fieldListsRead ??= new Map());
    let l = lists.get(field);
    if (l) syntaxViewReads.answered++;
    else {
      syntaxViewReads.made++;
      lists.set(field, (l = this.adopt(this.raw.childrenForFieldName(field))));
    }
    return l;
  }
  descendantsOfType(types: string | string[]): (SyntaxNode | null)[] {
    return this.raw.descendantsOfType(types).map((n) => this.view.wrapOrNull(n));
  }
  toString(): string {
    return this.raw.toString();
  }

  /** Children of this node as SyntaxNodes, this one their parent. */
  private adopt(raw: (Node | null)[]): (SyntaxNode | null)[] {
    return raw.map((n) => {
      if (!n) return null;
      const c = this.view.wrap(n);
      if (c.parentRead === undefined) c.parentRead = this;
      return c;
    });
  }
}
