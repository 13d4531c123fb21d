/**
 * MixGCF (algorithms.md §10) on hand-made hop embeddings: the hop-wise choice is the candidate whose positive-mixed
 * embedding scores highest against the pooled user, the synthesised row is the mean (or sum) over hops of
 * α·e_pos + (1−α)·e_choice with the drawn α, positives are never candidates; and LightGCN + MixGCF trains through the
 * loop. (The gradient through synthesised rows into every hop is checked against finite differences in
 * models-lightgcn.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mixgcf } from '../../src/engine/samplers/mixgcf';
import { EmbeddingTable } from '../../src/engine/tensor/embedding';
import { Rng } from '../../src/engine/rng';
import { train } from '../../src/engine/train';
import { resolveConfig } from '../../src/engine/config/validate';
import type { SamplerContext } from '../../src/engine/samplers/types';
import type { RunEvent } from '../../src/protocol/events';
import { csrFromRows } from '../fixtures/data/helpers';

const table = (rows: number[][]): EmbeddingTable => new EmbeddingTable(rows.length, rows[0].length, Float32Array.from(rows.flat()));

// 1 user, 6 items (item 0 is the user's positive). D = 2, user = (1, 0): scores are the first coordinate.
const train1 = csrFromRows([[0]], 6);
const hop0 = table([[0.5, 0], [0.1, 1], [0.9, 0], [0.2, 0], [0.3, 5], [-1, 0]]); // hop 0: item 2 is the hardest
const hop1 = table([[0.2, 1], [0.4, 0], [0.1, 0], [0.3, 0], [2.0, 0], [0, 0]]); // hop 1: item 4 is the hardest
const users = table([[1, 0]]);

function ctx(embeddings: Record<string, EmbeddingTable>, seed = 1): SamplerContext {
  return {
    rng: new Rng(seed), train: train1, nItems: 6, popularity: new Int32Array(6), epoch: 1,
    scorer: { score: () => { throw new Error('MixGCF scores itself'); } }, embeddings: () => embeddings,
  };
}

for (const pooling of ['mean', 'sum'] as const) {
  test(`hop-wise choice and the synthesised row on hand-made embeddings (${pooling} pooling, α fixed at 0.25)`, () => {
    const s = mixgcf.create({ candidates: 200, pooling, alphaLow: 0.25, alphaHigh: 0.25, negatives: 2, rejectPositives: true }, { train: train1, nItems: 6, popularity: new Int32Array(6) });
    const neg = s.sample(Int32Array.of(0), Int32Array.of(0), ctx({ users, items: hop0, 'items@0': hop0, 'items@1': hop1 }));
    assert.equal(neg.layout, 'per-row');
    if (neg.layout !== 'per-row' || !neg.synth) throw new Error('expected synthesised per-row negatives');
    assert.equal(neg.n, 2);
    const w = pooling === 'mean' ? 0.5 : 1;
    for (let r = 0; r < 2; r++) {
      assert.deepEqual(Array.from(neg.synth.refs.subarray(r * 4, r * 4 + 4)), [0, 2, 0, 4], 'hop 0 picks item 2, hop 1 item 4, each mixed with the positive 0');
      assert.deepEqual(Array.from(neg.synth.weights.subarray(r * 4, r * 4 + 4)), [w * 0.25, w * 0.75, w * 0.25, w * 0.75]);
      assert.equal(neg.items[r], 2, 'the row names its hop-0 choice');
      // the L2 term's layer-0 mixture (the code's ‖neg_gcn_embs[:, :, 0, :]‖²): α_0·e_{i⁺} + (1 − α_0)·e_{j*_0}, unpooled
      assert.deepEqual(Array.from(neg.synth.ego!.refs.subarray(r * 2, r * 2 + 2)), [0, 2]);
      assert.deepEqual(Array.from(neg.synth.ego!.weights.subarray(r * 2, r * 2 + 2)), [0.25, 0.75]);
    }
    assert.deepEqual(neg.synth.termSources, ['items@0', 'items@0', 'items@1', 'items@1']);
  });
}

test('concat pooling: hop l is chosen by the user\'s own hop l (not the pooled user), the mixtures land at columns l·D; final: the last hop alone', () => {
  // hop 1 scored by the hop-1 user (0, 1) picks item 2 (second coordinate 2.0); the pooled user (1, 0) would pick item 4
  const hop1c = table([[0.2, 1], [0.4, 0.3], [0.1, 2.0], [0.3, 0], [2.0, -1], [0, 0]]);
  const wide = table([[1, 0, 0, 1]]);
  const sources = { users: wide, items: table([[0, 0, 0, 0]]), 'users@0': table([[1, 0]]), 'users@1': table([[0, 1]]), 'items@0': hop0, 'items@1': hop1c };
  const opts = (pooling: 'concat' | 'final') => ({ candidates: 200, pooling, alphaLow: 0.25, alphaHigh: 0.25, negatives: 1, rejectPositives: true });
  const data = { train: train1, nItems: 6, popularity: new Int32Array(6) };
  const neg = mixgcf.create(opts('concat'), data).sample(Int32Array.of(0), Int32Array.of(0), ctx(sources));
  if (neg.layout !== 'per-row' || !neg.synth) throw new Error('expected synthesised per-row negatives');
  assert.deepEqual(Array.from(neg.synth.refs), [0, 2, 0, 2], 'hop 0 by (1, 0): item 2; hop 1 by (0, 1): item 2');
  assert.deepEqual(Array.from(neg.synth.weights), [0.25, 0.75, 0.25, 0.75], 'concatenated, not averaged');
  assert.deepEqual(Array.from(neg.synth.termOffsets!), [0, 0, 2, 2]);
  // final: the user is the pooled one (hop L's), only hop L's mixture scores; the ego L2 still takes hop 0's choice
  const fin = mixgcf.create(opts('final'), data).sample(Int32Array.of(0), Int32Array.of(0), ctx({ users, items: hop1, 'items@0': hop0, 'items@1': hop1 }));
  if (fin.layout !== 'per-row' || !fin.synth) throw new Error('expected synthesised per-row negatives');
  assert.deepEqual(Array.from(fin.synth.refs), [0, 2, 0, 4]);
  assert.deepEqual(Array.from(fin.synth.weights), [0, 0, 0.25, 0.75]);
  assert.equal(fin.synth.termOffsets, undefined);
  assert.deepEqual(Array.from(fin.synth.ego!.refs), [0, 2]);
});

test('the negative is pooled as the backbone pools users and positives: a mismatch with model.pooling is a clear error', () => {
  const data = { train: train1, nItems: 6, popularity: new Int32Array(6) };
  const model = (pooling: 'mean' | 'sum') => ({ kind: 'lightgcn' as const, layers: 1, pooling, dim: 2, score: 'dot' as const, evalScore: 'same' as const, init: { dist: 'normal' as const, std: 0.1 }, userDropout: 0, fastPath: true });
  const opts = (pooling: 'mean' | 'sum') => ({ candidates: 4, pooling, alphaLow: 0, alphaHigh: 1, negatives: 1, rejectPositives: true });
  assert.throws(() => mixgcf.create(opts('sum'), { ...data, model: model('mean') }), /\$\.sampler\.pooling \("sum"\) must equal \$\.model\.pooling \("mean"\)/);
  assert.throws(() => mixgcf.create(opts('mean'), { ...data, model: model('sum') }), /must equal \$\.model\.pooling \("sum"\)/);
  mixgcf.create(opts('sum'), { ...data, model: model('sum') });
  // sum pooling: the synthesised row Σ_l (α·p^(l) + (1 − α)·c^(l)) scored by the summed user, as the code's pool=sum
  const s = mixgcf.create({ ...opts('sum'), candidates: 200, alphaLow: 0.25, alphaHigh: 0.25 }, { ...data, model: model('sum') });
  const neg = s.sample(Int32Array.of(0), Int32Array.of(0), ctx({ users, items: hop0, 'items@0': hop0, 'items@1': hop1 }));
  if (neg.layout !== 'per-row' || !neg.synth) throw new Error('expected synthesised per-row negatives');
  const row = [0, 0];
  for (let t = 0; t < 4; t++) {
    const src = neg.synth.termSources[t] === 'items@0' ? hop0 : hop1;
    for (let d = 0; d < 2; d++) row[d] += neg.synth.weights[t] * src.data[neg.synth.refs[t] * 2 + d];
  }
  // hop 0: 0.25·(0.5, 0) + 0.75·(0.9, 0); hop 1: 0.25·(0.2, 1) + 0.75·(2.0, 0) → (0.8 + 1.55, 0.25)
  assert.ok(Math.abs(row[0] - 2.35) < 1e-6 && Math.abs(row[1] - 0.25) < 1e-6, `synthesised row ${row}`);
});

test('α ~ U(alphaLow, alphaHigh) per row and hop; the positive is never a candidate; MF (no hops) mixes positives only', () => {
  const s = mixgcf.create({ candidates: 3, pooling: 'mean', alphaLow: 0.2, alphaHigh: 0.6, negatives: 1, rejectPositives: true }, { train: train1, nItems: 6, popularity: new Int32Array(6) });
  const alphas: number[] = [];
  for (let t = 0; t < 300; t++) {
    const neg = s.sample(Int32Array.of(0), Int32Array.of(0), ctx({ users, items: hop0 }, t + 2));
    if (neg.layout !== 'per-row' || !neg.synth) throw new Error('expected synthesised rows');
    assert.deepEqual(neg.synth.termSources, ['items', 'items']);
    assert.notEqual(neg.synth.refs[1], 0, 'candidate is not the positive');
    alphas.push(neg.synth.weights[0]);
    assert.ok(Math.abs(neg.synth.weights[0] + neg.synth.weights[1] - 1) < 1e-6);
  }
  assert.ok(Math.min(...alphas) >= 0.2 && Math.max(...alphas) <= 0.6);
  const mean = alphas.reduce((a, b) => a + b, 0) / alphas.length;
  assert.ok(Math.abs(mean - 0.4) < 0.03, `mean α ${mean}`); // sd of the mean ≈ 0.115/√300 ≈ 0.007
});

for (const [name, model, pooling] of [
  ['', {}, 'mean'],
  [' (concat pooling, message dropout 0.1)', { pooling: 'concat', messageDropout: 0.1 }, 'concat'],
] as const) test(`LightGCN + MixGCF with K-pair BPR${name} trains through the loop and improves on its first evaluation`, async () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-mixgcf-'));
  try {
    const config = resolveConfig({
      name: 'lgn-mixgcf', dataset: { kind: 'synthetic', users: 300, items: 200, interactionsPerUser: 15, clusters: 5 },
      model: { kind: 'lightgcn', layers: 2, dim: 16, init: { dist: 'xavier' }, ...model },
      loss: { kind: 'bpr', form: 'kpair' }, sampler: { kind: 'mixgcf', negatives: 1, candidates: 8, pooling },
      optimizer: { lr: 0.01, l2: 1e-4, lazy: false }, train: { epochs: 5, batchSize: 256 },
      eval: { every: 1, ks: [20], selectMetric: 'recall@20', selectOn: 'test', patience: 0, workers: 1, popularityGroups: 0 },
    });
    const events: RunEvent[] = [];
    const r = await train({ config, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
    assert.equal(r.status, 'finished', r.reason);
    const recall = events.filter((e): e is Extract<RunEvent, { kind: 'eval' }> => e.kind === 'eval').map((e) => e.metrics['recall@20']);
    assert.ok(Math.max(...recall.slice(1)) > recall[0], recall.join(', '));
    const sampler = events.find((e): e is Extract<RunEvent, { kind: 'sampler' }> => e.kind === 'sampler')!;
    assert.ok(sampler.extra && 'alpha' in sampler.extra);
  } finally {
    fs.rmSync(runs, { recursive: true, force: true });
  }
});
