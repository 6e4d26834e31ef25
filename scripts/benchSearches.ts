// The whole-tree call-graph searches alone (docs/perf/searches2.md): builds a
// tree's index (from LAZYMMU_CACHE's index cache when there is one), then
// computes each section rule's search (checkers/sectionSearches.ts) and its
// serial form, ROUNDS times, printing the CPU of each part and a digest of
// every answer (two builds give the same digests when their searches agree).
//   node out/scripts/benchSearches.js TREE [arch] [rounds]
import * as crypto from 'crypto';
import { Workspace } from '../engine/workspace';
import { Reachability, StoredReach } from '../engine/index/reachability';
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
    out.push(`${kind} ${s.nodes.length / 3} ${digest(s)}`);
  }
  console.log(`round ${round}: compute ${compute.toFixed(2)} s, toStored ${stored.toFixed(2)} s | ${out.join(' | ')}`);
}
