// The fuzz harness shared by the bounded test slices (test/fuzz/fuzz.test.ts,
// test/fuzz/fuzzEngine.test.ts) and long runs (`npm run fuzz`). Each input is
// a real-kernel slice or a generated C file (sized by an InputProfile),
// mutated 0-3 times; it is given to a Workspace over a tiny temp root as an
// editor overlay and checked twice. Asserted per input: no throw, the two
// checks give the same JSON, the interpreter's deterministic work counter
// stays under WORK_BOUND (a bound on work, not time: a check's time depends
// on the machine's load and is only reported), and (every FRESH_EVERY
// inputs) a fresh Workspace agrees with the long-lived one. The raw mutated bytes also go through
// the index scanner (scanFile), which sees bytes, not decoded text.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Workspace, CheckResult } from '../../engine/workspace';
import { loadCatalogue, Catalogue } from '../../engine/catalogue/catalogue';
import { scanFile } from '../../engine/index/fileScan';
import { interpreterWork } from '../../engine/analysis/interpreter';
import { Rng } from './rng';
import { FULL, InputProfile, generateC } from './generate';
import { MUTATIONS, Mutation, mutate, mutateBytes } from './mutate';
import { SeedFile, loadSeeds, slice } from './seeds';

/** Interpreter steps one check of one input may take (observed maxima are reported). */
export const WORK_BOUND = 2_000_000;
export const FRESH_EVERY = 50;

export interface FuzzFailure {
  seed: number;
  what: string;
  origin: string;
  mutations: Mutation[];
  error: string;
}

export interface FuzzStats {
  inputs: number;
  generated: number;
  kernelSlices: number;
  byMutation: Record<string, number>;
  bytes: number;
  findings: number;
  withFindings: number;
  maxSteps: number;
  maxStepsSeed: number;
  maxMs: number;
  maxMsSeed: number;
  totalMs: number;
  failures: FuzzFailure[];
}

export interface FuzzInput {
  seed: number;
  origin: string;
  mutations: Mutation[];
  text: string;
  raw?: Buffer;
}

export function makeInput(seed: number, seeds: SeedFile[], profile: InputProfile = FULL): FuzzInput {
  const rng = new Rng(seed);
  let text: string;
  let origin: string;
  if (rng.chance(0.4)) {
    text = generateC(rng, profile);
    origin = 'generated';
  } else {
    const s = rng.pick(seeds);
    const sl = slice(rng, s, profile);
    text = sl.text;
    origin = `${s.name}@${sl.from}`;
  }
  const mutations: Mutation[] = [];
  const n = rng.pick([0, 1, 1, 2, 2, 3]);
  let raw: Buffer | undefined;
  for (let i = 0; i < n; i++) {
    const m = rng.pick(MUTATIONS);
    mutations.push(m);
    if (m === 'byteFlip') {
      raw = mutateBytes(rng, Buffer.from(text, 'utf8'));
      text = raw.toString('utf8');
    } else {
      text = mutate(rng, text, m);
      raw = undefined;
    }
  }
  return { seed, origin, mutations, text, raw };
}

const stable = (r: CheckResult) => JSON.stringify({ findings: r.findings, problems: r.problems });

export class FuzzRunner {
  readonly root: string;
  readonly file: string;
  private ws: Workspace;
  private seeds: SeedFile[];
  private cat: Catalogue;
  readonly stats: FuzzStats = {
    inputs: 0,
    generated: 0,
    kernelSlices: 0,
    byMutation: {},
    bytes: 0,
    findings: 0,
    withFindings: 0,
    maxSteps: 0,
    maxStepsSeed: -1,
    maxMs: 0,
    maxMsSeed: -1,
    totalMs: 0,
    failures: [],
  };

  constructor(
    kernelDir: string,
    readonly profile: InputProfile = FULL,
  ) {
    this.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lazymmu-fuzz-')));
    this.file = path.join(this.root, 'fuzz.c');
    this.seeds = loadSeeds(kernelDir);
    this.cat = loadCatalogue();
    this.ws = this.fresh();
  }

  private fresh(): Workspace {
    const ws = new Workspace({ root: this.root, arch: 'arm64', catalogue: this.cat });
    ws.build();
    return ws;
  }

  private async checkOnce(ws: Workspace): Promise<{ json: string; steps: number; ms: number; n: number }> {
    const before = interpreterWork.steps;
    const t0 = performance.now();
    const r = await ws.check([this.file]);
    return { json: stable(r), steps: interpreterWork.steps - before, ms: performance.now() - t0, n: r.findings.length };
  }

  async run(seed: number): Promise<FuzzFailure | null> {
    const input = makeInput(seed, this.seeds, this.profile);
    const st = this.stats;
    st.inputs++;
    st.bytes += input.text.length;
    if (input.origin === 'generated') st.generated++;
    else st.kernelSlices++;
    for (const m of input.mutations) st.byMutation[m] = (st.byMutation[m] ?? 0) + 1;
    const fail = (what: string, error: string): FuzzFailure => {
      const f = { seed, what, origin: input.origin, mutations: input.mutations, error };
      st.failures.push(f);
      return f;
    };
    try {
      scanFile(input.raw ?? Buffer.from(input.text, 'utf8'));
    } catch (e) {
      return fail('scanFile threw', (e as Error).stack ?? String(e));
    }
    try {
      this.ws.setText(this.file, input.text);
      const a = await this.checkOnce(this.ws);
      const b = await this.checkOnce(this.ws);
      for (const c of [a, b]) {
        st.totalMs += c.ms;
        if (c.ms > st.maxMs) {
          st.maxMs = c.ms;
          st.maxMsSeed = seed;
        }
        if (c.steps > st.maxSteps) {
          st.maxSteps = c.steps;
          st.maxStepsSeed = seed;
        }
      }
      st.findings += a.n;
      if (a.n) st.withFindings++;
      if (a.json !== b.json) return fail('two checks differ', `first:\n${a.json}\nsecond:\n${b.json}`);
      if (a.steps > WORK_BOUND) return fail('work bound exceeded', `${a.steps} interpreter steps > ${WORK_BOUND}`);
      if (seed % FRESH_EVERY === 0) {
        const ws = this.fresh();
        ws.setText(this.file, input.text);
        const c = await this.checkOnce(ws);
        if (c.json !== a.json) return fail('fresh workspace differs from long-lived one', `long-lived:\n${a.json}\nfresh:\n${c.json}`);
      }
    } catch (e) {
      // A crash can leave the long-lived workspace in any state: start over.
      this.ws = this.fresh();
      return fail('check threw', (e as Error).stack ?? String(e));
    }
    return null;
  }

  /** The input a seed makes (to write a failing one out). */
  input(seed: number): FuzzInput {
    return makeInput(seed, this.seeds, this.profile);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
