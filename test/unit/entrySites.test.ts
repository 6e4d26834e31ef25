// Entry ids name an assignment site by its rank among the function's sites
// (engine/analysis/entryIdentity.ts), not by the parse's node id: the states
// of a run before an edit and of a run after it name the same entries alike
// when the edit adds or removes no site (what a memo across edits compares),
// and two sites of one function never share a name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'web-tree-sitter';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';
import { ensureParser, parseKernelC } from '../../engine/parse/cParser';
import { EntryNames } from '../../engine/analysis/entryIdentity';
import { PathState } from '../../engine/analysis/pathState';
import { accessPath } from '../../engine/analysis/syntax';

const cat = builtinCatalogue();

const BEFORE = `
static int copy_range(pte_t *dst, pte_t *src, unsigned long addr, unsigned long end)
{
	pte_t *pte = src;
	pte_t *last;
	int i = 0;
again:
	do {
		pte++;
		last = pte;
		i++;
	} while (addr != end);
	pte = dst + i;
	if (addr)
		goto again;
	return 0;
}
`;

/** The same function, a statement and a comment typed into it (no assignment site added). */
const AFTER = BEFORE.replace('\t\tpte++;', '\t\tcpu_relax(); /* typed */\n\t\tpte++;').replace('\tpte = dst + i;', '\tcpu_relax();\n\tpte = dst + i;');

function fnNode(text: string): Node {
  const root = parseKernelC('f.c', text, cat).tree.rootNode;
  const fn = root.namedChildren.find((c) => c?.type === 'function_definition');
  assert.ok(fn);
  return fn;
}

/** Every node of `n` of the given types, in source order. */
function nodesOf(n: Node, types: string[]): Node[] {
  const out: Node[] = [];
  const walk = (x: Node) => {
    if (types.includes(x.type)) out.push(x);
    for (const c of x.namedChildren) if (c) walk(c);
  };
  walk(n);
  return out;
}

/** The entry ids and index versions a walk of the function's assignments in source order leaves in a state. */
function namesAfterAssignments(fn: Node): { ptrs: [string, string][]; idx: [string, string][]; perSite: string[] } {
  const names = new EntryNames(fn, (k) => k === 'pte' || k === 'last' || k === 'src' || k === 'dst', { errno: new Map(), transparent: new Set() });
  const s = new PathState();
  const perSite: string[] = [];
  for (const site of nodesOf(fn, ['init_declarator', 'assignment_expression', 'update_expression'])) {
    const target = site.childForFieldName(site.type === 'update_expression' ? 'argument' : site.type === 'init_declarator' ? 'declarator' : 'left');
    const key = target ? (accessPath(target) ?? target.text.replace(/^\*/, '')) : null;
    if (!key) continue;
    if (key !== 'i') names.newEntry(s, key, site);
    names.assigned(s, key, site);
    perSite.push(key === 'i' ? `i=${s.idx.get('i')}` : `${key}=${s.ptrs.get(key)}`);
  }
  return { ptrs: [...s.ptrs], idx: [...s.idx], perSite };
}

test('the entries a function names are named alike in two parses (an edit that adds no assignment site)', async () => {
  await ensureParser();
  const a = namesAfterAssignments(fnNode(BEFORE));
  const b = namesAfterAssignments(fnNode(AFTER));
  assert.ok(a.perSite.length >= 6, a.perSite.join(' '));
  assert.deepEqual(b, a);
});

test('two assignment sites of one function never name the same entry', async () => {
  await ensureParser();
  const { perSite } = namesAfterAssignments(fnNode(BEFORE));
  const ptrIds = perSite.filter((x) => !x.startsWith('i=')).map((x) => x.slice(x.indexOf('=') + 1));
  assert.equal(new Set(ptrIds).size, ptrIds.length, ptrIds.join(' '));
  const versions = perSite.filter((x) => x.startsWith('i=')).map((x) => x.slice(2));
  assert.equal(new Set(versions).size, versions.length, versions.join(' '));
});

test('a site outside the function (a macro body run in place) is named apart from every site of the function', async () => {
  await ensureParser();
  const fn = fnNode(BEFORE);
  const names = new EntryNames(fn, () => true, { errno: new Map(), transparent: new Set() });
  const inside = nodesOf(fn, ['init_declarator', 'assignment_expression', 'update_expression']);
  const outside = nodesOf(fnNode(AFTER), ['assignment_expression'])[0];
  const s = new PathState();
  const ids = new Set<string>();
  for (const site of [...inside, outside]) {
    names.newEntry(s, 'p', site);
    ids.add(s.ptrs.get('p')!);
  }
  assert.equal(ids.size, inside.length + 1);
  // A second walk names each site as the first did.
  const again = new PathState();
  names.newEntry(again, 'p', outside);
  assert.equal(again.ptrs.get('p'), s.ptrs.get('p'));
});
