/**
 * IRGAN (samplers/irgan.ts): the generator's policy-gradient step against a hand computation and finite differences,
 * the importance weights of its mixed proposal, the discriminator's negatives against G's softmax (chi-square), and
 * end-to-end runs on synthetic data (learning; G pre-trained from a previous run's checkpoint).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Generator, generatorEpoch, irganSampler, softmaxInPlace, type IrganOptions } from '../../src/engine/samplers/irgan';
import { Rng } from '../../src/engine/rng';
import { train } from '../../src/engine/train';
import { resolveConfig } from '../../src/engine/config/validate';
import type { SamplerContext, Scorer } from '../../src/engine/samplers/types';
import type { Interactions } from '../../src/engine/data/types';
import type { RunEvent } from '../../src/protocol/events';
import { csrFromRows } from '../fixtures/data/helpers';

const DEFAULTS: IrganOptions = {
  pool: 0, temperature: 0.2, dim: 4, initRange: 0.05, from: '', which: 'best', experiment: '', dEpochs: 1, gEpochs: 1,
  gLr: 0.001, gL2: 0, gTemperature: 1, samplesPerPositive: 2, sampleLambda: 0.2,
};

function ctxOf(train: Interactions, scorer: Scorer, seed: number, epoch = 1): SamplerContext {
  return { rng: new Rng(seed), train, nItems: train.nItems, popularity: new Int32Array(train.nItems), scorer, epoch };
}

function probs(G: Generator, u: number, cand: Int32Array | null, tau: number): Float64Array {
  const z = G.logits(u, cand, new Float64Array(cand ? cand.length : G.nItems));
  softmaxInPlace(z, z.length, tau);
  return z;
}

test('policy-gradient step by hand: one user, two items, D = 1', () => {
  // g_u = 1, g_0 = 1, g_1 = 0, biases 0 → z = (1, 0), p = (e/(1+e), 1/(1+e)) = (0.7310585786, 0.2689414214).
  // One sample, item 0, reward w = 0.5, τ = 1: loss = −0.5·log p_0 = 0.5·log(1 + e^−1) = 0.1566308438.
  // ∂loss/∂z = −w·(e_0 − p) = (−0.1344707107, +0.1344707107); ∂/∂g_u = Σ_j ∂z_j·g_j = −0.1344707107,
  // ∂/∂g_0 = ∂z_0·g_u = −0.1344707107, ∂/∂g_1 = +0.1344707107, ∂/∂b_j = ∂z_j. SGD at lr 0.1 moves each by −0.1·grad.
  const G = new Generator(1, 2, 1, { users: Float32Array.of(1), items: Float32Array.of(1, 0) });
  const p = probs(G, 0, null, 1);
  assert.ok(Math.abs(p[0] - 0.7310585786) < 1e-9);
  const loss = G.policyStep(0, null, p, Int32Array.of(0), Float64Array.of(0.5), 1, 0.1, 0);
  assert.ok(Math.abs(loss - 0.1566308438) < 1e-8, `loss ${loss}`);
  const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);
  close(G.users[0], 1.01344707, 'g_u');
  close(G.items[0], 1.01344707, 'g_0');
  close(G.items[1], -0.01344707, 'g_1');
  close(G.bias[0], 0.01344707, 'b_0');
  close(G.bias[1], -0.01344707, 'b_1');
});

test('policy-gradient step by hand: τ = 0.5 and L2 on the gathered rows (a row drawn twice counts twice)', () => {
  // z = (1, 0) as above, τ = 0.5 → p = softmax(2, 0) = (0.8807970780, 0.1192029220).
  // Samples: item 1 twice with rewards 1 and −0.5 (S = 2, Σw = 0.5). ∂loss/∂z_j = −(Σ_k w_k[c_k = j] − p_j·Σw)/(S·τ):
  // ∂z_0 = −(0 − 0.440398539)/1 = 0.440398539, ∂z_1 = −(0.5 − 0.059601461)/1 = −0.440398539.
  // l2 = 0.1: ∂g_u += 0.1·1, ∂g_1 += 0.1·2·0 (g_1 = 0), ∂b_1 += 0.1·2·0. ∂g_u = 0.440398539·1 + 0.1 = 0.540398539,
  // ∂g_0 = 0.440398539, ∂g_1 = −0.440398539; lr 0.1.
  const G = new Generator(1, 2, 1, { users: Float32Array.of(1), items: Float32Array.of(1, 0) });
  const p = probs(G, 0, null, 0.5);
  assert.ok(Math.abs(p[0] - 0.880797078) < 1e-9);
  G.policyStep(0, null, p, Int32Array.of(1, 1), Float64Array.of(1, -0.5), 0.5, 0.1, 0.1);
  const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);
  close(G.users[0], 1 - 0.0540398539, 'g_u');
  close(G.items[0], 1 - 0.0440398539, 'g_0');
  close(G.items[1], 0.0440398539, 'g_1');
  close(G.bias[0], -0.0440398539, 'b_0');
  close(G.bias[1], 0.0440398539, 'b_1');
});

for (const pool of [false, true]) {
  test(`policy-gradient step against finite differences of its loss (${pool ? 'candidate pool' : 'all items'}, τ = 0.7, L2 0.05)`, () => {
    const rng = new Rng(7);
    const nItems = 6;
    const D = 3;
    const base = new Generator(3, nItems, D, { range: 0.8, rng });
    for (let j = 0; j < nItems; j++) base.bias[j] = rng.float() - 0.5;
    const cand = pool ? Int32Array.of(4, 1, 5, 1) : null; // a pool may repeat an item
    const n = cand ? cand.length : nItems;
    const picks = Int32Array.of(0, 2, 2, n - 1);
    const w = Float64Array.of(0.7, -0.3, 0.4, -0.9);
    const tau = 0.7;
    const l2 = 0.05;
    const u = 1;
    const copy = (): Generator => {
      const g = new Generator(3, nItems, D, { users: base.users, items: base.items });
      g.bias.set(base.bias);
      return g;
    };
    const lossOf = (g: Generator): number => g.policyStep(u, cand, probs(g, u, cand, tau), picks, w, tau, 0, l2);
    const lr = 1e-3;
    const stepped = copy();
    stepped.policyStep(u, cand, probs(stepped, u, cand, tau), picks, w, tau, lr, l2);
    const eps = 1e-3;
    let checked = 0;
    for (const [name, get] of [['users', (g: Generator) => g.users], ['items', (g: Generator) => g.items], ['bias', (g: Generator) => g.bias]] as const) {
      for (let k = 0; k < get(base).length; k++) {
        const plus = copy();
        get(plus)[k] += eps;
        const minus = copy();
        get(minus)[k] -= eps;
        const numeric = (lossOf(plus) - lossOf(minus)) / (2 * eps);
        const analytic = (get(base)[k] - get(stepped)[k]) / lr;
        assert.ok(Math.abs(numeric - analytic) < 2e-3 * Math.max(1, Math.abs(numeric)), `${name}[${k}]: finite difference ${numeric}, step ${analytic}`);
        if (Math.abs(numeric) > 1e-3) checked++;
      }
    }
    assert.ok(checked >= 8, `only ${checked} non-zero partials`);
  });
}

test('G epoch: importance weights p_θ/p_n average 1 under the mixed proposal, and G moves towards what D rewards', () => {
  // 4 users who all like item 0; D scores item 0 high (+4) and the others low (−4).
  const data = csrFromRows([[0], [0], [0], [0]], 8);
  const scorer: Scorer = { score: (_u, items) => Float32Array.from(items, (j) => (j === 0 ? 4 : -4)) };
  const G = new Generator(4, 8, 4, { range: 0.05, rng: new Rng(3) });
  const before = probs(G, 0, null, 1)[0];
  const ctx = ctxOf(data, scorer, 11);
  let weights = 0;
  let rewards = 0;
  const epochs = 300;
  for (let e = 0; e < epochs; e++) {
    const r = generatorEpoch(G, data, ctx, { ...DEFAULTS, gLr: 0.05 }, false);
    weights += r.meanWeight;
    rewards += r.meanReward;
  }
  const after = probs(G, 0, null, 1)[0];
  assert.ok(Math.abs(before - 1 / 8) < 0.02, `p(0) at start ${before}`);
  assert.ok(after > 0.5, `p(0) after ${epochs} G epochs: ${after}`);
  // E_pn[p/pn] = Σ p = 1; 2400 draws, the weight is at most 1/(1 − λ) = 1.25
  assert.ok(Math.abs(weights / epochs - 1) < 0.05, `mean importance weight ${weights / epochs}`);
  assert.ok(rewards / epochs > -0.9, 'the reward rises above the all-negative level as G finds item 0');
});

function chiSquareCritical(df: number): number {
  const z = 3.0902; // p = 1e-3, Wilson–Hilferty (as samplers-distribution.test.ts)
  const a = 2 / (9 * df);
  return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
}

for (const rejectPositives of [false, true]) {
  test(`the discriminator's negatives follow G's softmax at τ (chi-square, rejectPositives ${rejectPositives})`, () => {
    const nItems = 40;
    const data = csrFromRows([[0, 3, 7, 12], [5]], nItems);
    const s = irganSampler({ ...DEFAULTS, dim: 3, initRange: 0.6, temperature: 0.5, negatives: 4, rejectPositives }, { train: data, nItems, popularity: new Int32Array(nItems) });
    const u = 0;
    for (let j = 0; j < nItems; j++) s.generator.bias[j] = 0.15 * (j % 10); // a skewed G: p spans a factor ≈ 15
    const expected = probs(s.generator, u, null, 0.5);
    if (rejectPositives) {
      for (const j of [0, 3, 7, 12]) expected[j] = 0;
      const sum = expected.reduce((a, b) => a + b, 0);
      for (let j = 0; j < nItems; j++) expected[j] /= sum;
    }
    const max = Math.max(...expected);
    assert.ok(max > 3 / nItems, `G's distribution is far from uniform (max p ${max})`);
    const ctx = ctxOf(data, { score: () => { throw new Error('no scoring while sampling'); } }, 5);
    const counts = new Float64Array(nItems);
    const batch = 64;
    const rounds = 400;
    for (let r = 0; r < rounds; r++) {
      const neg = s.sample(new Int32Array(batch).fill(u), new Int32Array(batch).fill(0), ctx);
      assert.equal(neg.layout, 'per-row');
      if (neg.layout === 'per-row') for (const j of neg.items) counts[j]++;
    }
    const N = rounds * batch * 4;
    let stat = 0;
    let df = -1;
    for (let j = 0; j < nItems; j++) {
      if (expected[j] === 0) {
        assert.equal(counts[j], 0, `item ${j} (a training item) drawn`);
        continue;
      }
      stat += (counts[j] - expected[j] * N) ** 2 / (expected[j] * N);
      df++;
    }
    const crit = chiSquareCritical(df);
    console.log(`# irgan τ=0.5 reject=${rejectPositives}: χ² = ${stat.toFixed(2)}, df = ${df}, critical = ${crit.toFixed(2)}`);
    assert.ok(stat < crit, `χ² ${stat} ≥ ${crit}`);
  });
}

test('pool mode draws only pool candidates, never a positive with rejectPositives, and reports G\'s entropy', () => {
  const nItems = 30;
  const data = csrFromRows([[1, 2, 3], [4]], nItems);
  const s = irganSampler({ ...DEFAULTS, pool: 5, negatives: 3, rejectPositives: true }, { train: data, nItems, popularity: new Int32Array(nItems) });
  const ctx = ctxOf(data, { score: (_u, items) => new Float32Array(items.length) }, 2);
  for (let r = 0; r < 200; r++) {
    const neg = s.sample(Int32Array.of(0, 1), Int32Array.of(1, 4), ctx);
    if (neg.layout !== 'per-row') throw new Error('per-row expected');
    for (let k = 0; k < 3; k++) assert.ok(![1, 2, 3].includes(neg.items[k]));
    for (let k = 3; k < 6; k++) assert.notEqual(neg.items[k], 4);
  }
  const extra = s.endEpoch!(ctx) as Record<string, number>;
  // G starts near uniform: the entropy of a softmax over 5 candidates is close to log 5
  assert.ok(extra.generatorEntropy > Math.log(5) - 0.2 && extra.generatorEntropy <= Math.log(5) + 1e-9, `entropy ${extra.generatorEntropy}`);
  assert.equal(typeof extra.reward, 'number');
  assert.equal(extra.generatorEpochs, 1);
});

function irganConfig(over: Record<string, unknown> = {}, sampler: Record<string, unknown> = {}): ReturnType<typeof resolveConfig> {
  return resolveConfig({
    name: 'irgan-synthetic', seed: 3, dataset: { kind: 'synthetic', users: 300, items: 120, interactionsPerUser: 12, clusters: 4 },
    model: { kind: 'mf', dim: 16, init: { dist: 'normal', std: 0.1 } },
    loss: { kind: 'bpr' }, sampler: { kind: 'irgan', negatives: 1, dim: 16, gLr: 0.05, rejectPositives: true, ...sampler },
    optimizer: { lr: 0.01, l2: 1e-4 }, train: { epochs: 6, batchSize: 256 },
    eval: { every: 1, ks: [20], selectMetric: 'recall@20', selectOn: 'valid', patience: 0, workers: 1, popularityGroups: 0 },
    ...over,
  });
}

test('MF + BPR with IRGAN negatives learns on synthetic data; the sampler event carries entropy and reward', async () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-irgan-'));
  try {
    const events: RunEvent[] = [];
    const r = await train({ config: irganConfig(), baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
    assert.equal(r.status, 'finished', r.reason);
    const recall = events.filter((e): e is Extract<RunEvent, { kind: 'eval' }> => e.kind === 'eval' && e.split === 'valid').map((e) => e.metrics['recall@20']);
    assert.ok(recall.length >= 5, `evaluations: ${recall.length}`);
    assert.ok(recall[recall.length - 1] > recall[0] + 0.05, `valid recall@20 ${recall.join(', ')}`);
    const samplerEvents = events.filter((e): e is Extract<RunEvent, { kind: 'sampler' }> => e.kind === 'sampler');
    assert.equal(samplerEvents.length, 6);
    for (const e of samplerEvents) {
      const x = e.extra as Record<string, number>;
      assert.ok(x.generatorEntropy > 0 && x.generatorEntropy <= Math.log(120) + 1e-9, `entropy ${x.generatorEntropy}`);
      assert.ok(x.reward >= -1 && x.reward <= 1, `reward ${x.reward}`);
    }
    // the discriminator learns to score positives higher, and G is pulled towards them: the mean reward rises
    const rewards = samplerEvents.map((e) => (e.extra as Record<string, number>).reward);
    assert.ok(rewards[rewards.length - 1] > rewards[0], `rewards ${rewards.join(', ')}`);
  } finally {
    fs.rmSync(runs, { recursive: true, force: true });
  }
});

test('G pre-trained from a previous run\'s checkpoint starts sharper than a random G; a mismatched checkpoint is a clear error', async () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-irgan-pre-'));
  try {
    const pre = await train({ config: irganConfig({ name: 'pretrain', sampler: { kind: 'uniform', negatives: 1 } }), baseDir: runs, runsDir: runs });
    assert.equal(pre.status, 'finished', pre.reason);
    const firstEntropy = async (sampler: Record<string, unknown>): Promise<number> => {
      const events: RunEvent[] = [];
      const r = await train({ config: irganConfig({ train: { epochs: 1, batchSize: 256 } }, sampler), baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
      assert.equal(r.status, 'finished', r.reason);
      const e = events.find((x): x is Extract<RunEvent, { kind: 'sampler' }> => x.kind === 'sampler')!;
      return (e.extra as Record<string, number>).generatorEntropy;
    };
    const random = await firstEntropy({});
    const pretrained = await firstEntropy({ from: path.relative(runs, pre.runDir) });
    assert.ok(pretrained < random - 0.3, `entropy with a pre-trained G ${pretrained}, random G ${random}`);
    const other = irganConfig({ dataset: { kind: 'synthetic', users: 300, items: 100, interactionsPerUser: 12, clusters: 4 } }, { from: path.relative(runs, pre.runDir) });
    await assert.rejects(train({ config: other, baseDir: runs, runsDir: runs }), /sampler\.from: checkpoint .* 300 users × 120 items, the dataset 300 × 100/);
  } finally {
    fs.rmSync(runs, { recursive: true, force: true });
  }
});
