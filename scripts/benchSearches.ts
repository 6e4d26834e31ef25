// The whole-tree call-graph searches alone (docs/perf/searches2.md): builds a
// tree's index (from LAZYMMU_CACHE's index cache when there is one), then
// computes each section rule's search (checkers/sectionSearches.ts) and its
// serial form, ROUNDS times, printing the CPU of each part and a digest of
// every answer (two builds give the same digests when their searches agree;
// the `meaning` digest reads the answer, so it agrees across numberings).
//   node out/scripts/benchSearches.js TREE [arch] [rounds]
import * as crypto from 'crypto';
import { Workspace } from '../engine/workspace';
import { Reachability, StoredReach } from '../engine/index/reachability';
import { StoredNames } from '../engine/index/storedNames';
import { REACH_KINDS } from '../engine/checkers/reachKinds';
import type { SectionSearches } from '../engine/checkers/sectionSearches';

const [root, arch = 'arm64', roundsIn = '3'] = process.argv.slice(2);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const ws = new Workspace({ root, arch, cacheDir: process.env.LAZYMMU_CACHE, analysisStore: false });
let t = cpu();
ws.build();
const index = (ws as unknown as { index: Reachability['index'] }).index;
console.log(`index: ${(cpu() - t).toFixed(2)} s`);
t = cpu();
index.callersByName();
console.log(`callers map: ${(cpu() - t).toFixed(2)} s`);
const digest = (s: StoredReach) => {
  const h = crypto.createHash('sha1');
  h.update(JSON.stringify([s.fileText, s.nameText]));
  for (const a of [s.fileEnds, s.nameEnds, s.nodes, s.steps, s.relevant]) h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).update('|');
  return h.digest('hex').slice(0, 12);
};
// What a serial form says, whatever its numbering (two forms that say the same thing agree): each step's
// definition, distance, via and next by file, name and rank, as a set (the steps' order is the search's), then the names on a chain as a set.
const meaning = (s: StoredReach) => {
  const files = new StoredNames(s.fileText, s.fileEnds);
  const names = new StoredNames(s.nameText, s.nameEnds);
  const node = (i: number) => (i < 0 ? '-' : `${files.get(s.nodes[3 * i])}:${names.get(s.nodes[3 * i + 1])}:${s.nodes[3 * i + 2]}`);
  const h = crypto.createHash('sha1');
  const lines: string[] = [];
  for (let i = 0; i < s.steps.length / 3; i++) lines.push(`${node(i)} ${s.steps[3 * i]} ${names.get(s.steps[3 * i + 1])} ${node(s.steps[3 * i + 2])}\n`);
  h.update(lines.sort().join(''));
  h.update([...new Set([...s.relevant].map((i) => names.get(i)))].sort().join('\n'));
  return h.digest('hex').slice(0, 12);
};
for (let round = 0; round < Number(roundsIn); round++) {
  const searches = (ws as unknown as { searches: SectionSearches }).searches;
  searches.clear();
  let compute = 0;
  let stored = 0;
  const out: string[] = [];
  for (const kind of REACH_KINDS) {
    t = cpu();
    const r = searches.reach(kind);
    compute += cpu() - t;
    t = cpu();
    const s = r.toStored();
    stored += cpu() - t;
    out.push(`${kind} ${s.nodes.length / 3} ${digest(s)} meaning ${meaning(s)}`);
  }
  console.log(`round ${round}: compute ${compute.toFixed(2)} s, toStored ${stored.toFixed(2)} s | ${out.join(' | ')}`);
}
