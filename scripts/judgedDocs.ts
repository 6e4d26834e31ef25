// Renders the judged findings (test/realtree/judged/*.json) into
// docs/findings-<tree>.md, between the markers
//   <!-- judged:begin -->  ...  <!-- judged:end -->
// so that the documents and the real-tree test read the same judgements.
// `npm run judged-docs` writes them; `--check` only says whether they are
// up to date (test/unit/judgedDocs.test.ts does the same).
import * as fs from 'fs';
import * as path from 'path';
import { JudgedRun, RUNS, loadJudged, precision, verdictCounts } from '../test/realtree/judged';

export const DOCS_DIR = path.join(__dirname, '..', '..', 'docs');
const BEGIN = '<!-- judged:begin (generated from test/realtree/judged/*.json by `npm run judged-docs`; edit the JSON) -->';
const END = '<!-- judged:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const RULE_SHORT = (r: string) => r.replace(/^lazy-mmu\//, '');

function renderRun(run: JudgedRun): string {
  const c = verdictCounts(run);
  const n = run.findings.length;
  const out: string[] = [];
  out.push(`### \`--arch ${run.arch}\``);
  out.push('');
  out.push(
    `${n} finding${n === 1 ? '' : 's'}: ${c.hazard} hazard, ${c.contract} contract, ${c.false} false; ` +
      `precision ${(precision(run) * 100).toFixed(0)}% (hazard + contract over all). Judged on ${run.package}.`,
  );
  out.push('');
  if (n) {
    out.push('| # | rule | where | flagged line | verdict | why |');
    out.push('|---|---|---|---|---|---|');
    run.findings.forEach((f, i) =>
      out.push(
        `| ${i + 1} | ${RULE_SHORT(f.rule)} | \`${f.file}:${f.line}\` in \`${f.function}\` | \`${cell(f.text)}\` | **${f.verdict}** | ${cell(f.why)} |`,
      ),
    );
    out.push('');
  }
  if (run.absent.length) {
    out.push('Not reported, and rightly so:');
    out.push('');
    for (const a of run.absent) out.push(`- ${RULE_SHORT(a.rule)} in \`${a.function}\` (\`${a.file}\`${a.text ? `, \`${cell(a.text)}\`` : ''}): ${a.why}`);
    out.push('');
  }
  out.push(run.misses.length ? 'Known misses:' : 'Known misses: none.');
  if (run.misses.length) {
    out.push('');
    for (const m of run.misses) out.push(`- ${m}`);
  }
  out.push('');
  return out.join('\n');
}

/** The generated part of docs/findings-<tree>.md. */
export function renderTree(tree: string): string {
  const runs = RUNS.filter((r) => r.tree === tree).map((r) => loadJudged(r.tree, r.arch));
  return [BEGIN, '', ...runs.map(renderRun), END].join('\n');
}

export function docFile(tree: string): string {
  return path.join(DOCS_DIR, `findings-${tree}.md`);
}

/** The document with its generated part replaced (or appended when it has none). */
export function withGenerated(doc: string, tree: string): string {
  const gen = renderTree(tree);
  const a = doc.indexOf(BEGIN.slice(0, 24));
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) return doc.slice(0, a) + gen + doc.slice(b + END.length);
  return `${doc.replace(/\s*$/, '\n\n')}${gen}\n`;
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const tree of [...new Set(RUNS.map((r) => r.tree))]) {
    const file = docFile(tree);
    const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Findings on linux-${tree}\n`;
    const next = withGenerated(doc, tree);
    if (next === doc) continue;
    stale++;
    if (check) console.error(`${path.relative(process.cwd(), file)} is not up to date: run npm run judged-docs`);
    else fs.writeFileSync(file, next);
  }
  return check && stale ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
