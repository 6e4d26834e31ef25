// The edited statement taken from two parses of a function
// (scripts/editedStatement.ts): a statement typed or taken out in a block is
// an insertion or a removal at its index; a changed statement is the smallest
// whose text or type differs; an edit that changes the program's shape around
// it (a brace-less `if` body) is the enclosing statement; the declarator
// changed is no single statement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'web-tree-sitter';
import { builtinCatalogue } from '../../engine/catalogue/catalogue';
import { ensureParser, parseKernelC } from '../../engine/parse/cParser';
import { editedStatement, EditedStatement } from '../../scripts/editedStatement';

const cat = builtinCatalogue();

const BASE = `
static int copy_range(pte_t *dst, pte_t *src, unsigned long addr, unsigned long end)
{
	pte_t *pte = src;
	int i = 0;
again:
	do {
		pte++;
		if (i > 4)
			break;
		i++;
	} while (addr != end);
	if (addr)
		goto again;
	else
		i = 2;
	return 0;
}
`;

function fnNode(text: string): Node {
  const root = parseKernelC('f.c', text, cat).tree.rootNode;
  const fn = root.namedChildren.find((c) => c?.type === 'function_definition');
  assert.ok(fn);
  return fn;
}

/** The edit as text: its kind, and the statements it names. */
function describe(e: EditedStatement | null): string {
  if (!e) return 'whole';
  switch (e.kind) {
    case 'same':
      return 'same';
    case 'inserted':
      return `inserted ${e.index} in ${e.parent.type}: ${e.added.text} before ${e.oldNext?.text ?? '(end)'}`;
    case 'removed':
      return `removed ${e.index} in ${e.parent.type}: ${e.removed.text} before ${e.newNext?.text ?? '(end)'}`;
    case 'replaced':
      return `replaced ${e.old.type}: ${e.old.text.split('\n')[0]} -> ${e.now.text.split('\n')[0]}`;
  }
}

function edited(after: string, before = BASE): string {
  return describe(editedStatement(fnNode(before), fnNode(after)));
}

test('a statement typed or taken out in a block is an insertion or a removal at its index', async () => {
  await ensureParser();
  const typed = BASE.replace('\t\ti++;', '\t\tcpu_relax();\n\t\ti++;');
  assert.equal(edited(typed), 'inserted 2 in compound_statement: cpu_relax(); before i++;');
  assert.equal(edited(BASE, typed), 'removed 2 in compound_statement: cpu_relax(); before i++;');
  // At the end of the function's body, and as the first statement.
  const last = BASE.replace('\treturn 0;\n', '\treturn 0;\n\tcpu_relax();\n');
  assert.equal(edited(last), 'inserted 5 in compound_statement: cpu_relax(); before (end)');
  const first = BASE.replace('\tpte_t *pte = src;', '\tcpu_relax();\n\tpte_t *pte = src;');
  assert.equal(edited(first), 'inserted 0 in compound_statement: cpu_relax(); before pte_t *pte = src;');
  assert.equal(edited(BASE), 'same');
});

test('a changed statement is the smallest whose text or type differs', async () => {
  await ensureParser();
  assert.equal(edited(BASE.replace('\t\ti++;', '\t\ti += 2;')), 'replaced expression_statement: i++; -> i += 2;');
  // A condition changed: the statement holding it.
  assert.equal(edited(BASE.replace('if (i > 4)', 'if (i > 5)')), 'replaced if_statement: if (i > 4) -> if (i > 5)');
  // The jump changed into a call: the two statements, of different types.
  assert.equal(edited(BASE.replace('\t\t\tbreak;', '\t\t\tcpu_relax();')), 'replaced break_statement: break; -> cpu_relax();');
  // Inside an else branch.
  assert.equal(edited(BASE.replace('i = 2;', 'i = 3;')), 'replaced expression_statement: i = 2; -> i = 3;');
  // A comment typed inside a statement's parentheses: the statement.
  assert.equal(edited(BASE.replace('} while (addr != end);', '} while (addr != /* x */ end);')), 'replaced do_statement: do { -> do {');
});

test('an edit that changes the shape around it, or outside the body, is no insertion', async () => {
  await ensureParser();
  // Typed between a brace-less if and its body: the if's body is the new statement and the break follows it.
  const reshaped = BASE.replace('if (i > 4)\n', 'if (i > 4)\n\t\t\tcpu_relax();\n');
  assert.equal(edited(reshaped), 'replaced compound_statement: { -> {');
  // The parameters changed: the whole run.
  assert.equal(edited(BASE.replace('unsigned long end)', 'unsigned long last)')), 'whole');
});
