// The call-graph search brought up to date after a re-indexed file
// (Reachability.update) instead of computed again: after every one of many
// random edits to a generated tree (calls added and removed, functions added
// and removed, linkage flipped, same-name definitions in several files so that
// lookups change, macros wrapping calls, a barrier, chains longer than the
// depth bound), the updated answer equals a search computed from scratch on
// the same index: for every definition, whether it reaches a target and its
// whole chain (which callee each step takes: the breadth-first search's
// tie-break), and the entry a call by each name finds from each file; and so
// does the updated answer's serial form, read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalogue } from '../../engine/catalogue/catalogue';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { Node_, Reachability } from '../../engine/index/reachability';
import { Rng } from '../fuzz/rng';

const TARGETS = new Set(['might_sleep', 'mutex_lock']);
const DEPTH = 5;
const NAMES = Array.from({ length: 22 }, (_, i) => `fn${i}`);
const FILES = ['a.c', 'b.c', 'c.c', 'd.h'];

/** The fuzzers' seeded mulberry32 (test/fuzz/rng.ts) as a plain function: the same inputs on every run. */
function rng(seed: number): () => number {
  const g = new Rng(seed);
  return () => g.next();
}

interface Fn {
  name: string;
  isStatic: boolean;
  macro: boolean;
  calls: string[];
}

function render(fns: Fn[]): string {
  return (
    fns
      .map((f) =>
        f.macro
          ? `#define ${f.name}(x) ${f.calls.map((c) => `${c}(x)`).join(', ') || '0'}`
          : `${f.isStatic ? 'static ' : ''}void ${f.name}(int x)\n{\n${f.calls.map((c) => `\t${c}(x);\n`).join('')}}`,
      )
      .join('\n\n') + '\n'
  );
}

function randomFn(r: () => number, name: string): Fn {
  const pool = [...NAMES, ...TARGETS, 'barrier_fn', 'mac_a', 'mac_b'];
  const calls = Array.from({ length: Math.floor(r() * 4) }, () => pool[Math.floor(r() * pool.length)]);
  return { name, isStatic: r() < 0.3, macro: name.startsWith('mac_'), calls: [...new Set(calls)] };
}

/** What a search says, by place and name (comparable across two Reachability objects on one index). */
function answer(idx: WorkspaceIndex, reach: Reachability): string[] {
  const at = (n: Node_) => `${path.basename(n.file)}:${n.name}:${n.line}${reach.isMacro(n) ? 'm' : ''}`;
  const out: string[] = [];
  for (const f of idx.files().sort()) {
    for (const d of [...idx.functionsIn(f), ...idx.macrosIn(f)] as Node_[])
      out.push(`${at(d)} -> ${reach.chain(d).map((s) => `${at(s.node)}/${s.calls}`).join(' ')}`);
    for (const name of [...NAMES, 'barrier_fn', 'mac_a', 'mac_b']) {
      const e = reach.entry(name, f);
      out.push(`${path.basename(f)} calls ${name}: ${e ? `${at(e.node)} at ${e.step.dist}` : 'none'}`);
    }
  }
  return out;
}

test('the call-graph search brought up to date after each random edit equals one computed from scratch', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-reach-update-'));
  try {
    const r = rng(15);
    const files = new Map<string, Fn[]>();
    for (const f of FILES) {
      const fns = Array.from({ length: 7 }, () => randomFn(r, NAMES[Math.floor(r() * NAMES.length)]));
      if (f === 'd.h') fns.push(randomFn(r, 'mac_a'), randomFn(r, 'mac_b'), { name: 'barrier_fn', isStatic: false, macro: false, calls: ['might_sleep'] });
      files.set(f, fns);
      fs.writeFileSync(path.join(root, f), render(fns));
    }
    const catalogue = loadCatalogue();
    const idx = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
    idx.build();
    const search = () => new Reachability(idx, TARGETS, DEPTH, [/^barrier_/]);
    const kept = search();
    let updated = 0;
    let reaching = 0;
    for (let edit = 0; edit < 400; edit++) {
      const f = FILES[Math.floor(r() * FILES.length)];
      const fns = files.get(f)!;
      const k = Math.floor(r() * fns.length);
      const what = r();
      if (what < 0.45 && fns[k]) {
        // A call typed in or taken out.
        const c = [...NAMES, ...TARGETS][Math.floor(r() * (NAMES.length + TARGETS.size))];
        fns[k].calls = fns[k].calls.includes(c) ? fns[k].calls.filter((x) => x !== c) : [...fns[k].calls, c];
      } else if (what < 0.6 && fns[k] && !fns[k].macro) fns[k].isStatic = !fns[k].isStatic;
      else if (what < 0.8) fns.push(randomFn(r, NAMES[Math.floor(r() * NAMES.length)]));
      else if (fns[k] && fns[k].name !== 'barrier_fn') fns.splice(k, 1);
      const text = render(fns);
      fs.writeFileSync(path.join(root, f), text);
      const delta = idx.addScan(path.join(root, f), Buffer.from(text));
      if (kept.staleAfter(delta)) {
        assert.ok(kept.update(delta), 'a computed answer can be brought up to date');
        updated++;
      }
      const fresh = search();
      assert.deepEqual(answer(idx, kept), answer(idx, fresh), `edit ${edit} (${f}):\n${text}`);
      // Its serial form (the store's, written when the server is idle) reads back to the same answers: the steps an
      // update set are numbered by the definitions themselves, not by the order the search first computed them in.
      const reread = new Reachability(idx, TARGETS, DEPTH, [/^barrier_/], undefined, kept.toStored());
      assert.deepEqual(answer(idx, reread), answer(idx, fresh), `edit ${edit} (${f}), read back from its serial form:\n${text}`);
      // And each definition's chain to a search on an index built afresh from the same files: the edited callers
      // map's ids (callers an edit added numbered after the build's) give what a map without edit history gives.
      // (Not entry(): between two global definitions of a name at one distance it takes the first the index lists,
      // and an edited index lists them in the order they were added.)
      if (edit % 10 === 0) {
        const rebuilt = new WorkspaceIndex({ root, arch: 'arm64', catalogue });
        rebuilt.build();
        const chains = (i: WorkspaceIndex, reach: Reachability) => answer(i, reach).filter((l) => l.includes(' -> '));
        assert.deepEqual(chains(idx, fresh), chains(rebuilt, new Reachability(rebuilt, TARGETS, DEPTH, [/^barrier_/])), `edit ${edit} (${f}), against a new index:\n${text}`);
      }
      reaching += answer(idx, fresh).filter((l) => / -> \S/.test(l)).length;
    }
    assert.ok(updated > 100, `most edits changed the search (${updated})`);
    assert.ok(reaching > 1000, 'chains exist to compare');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
