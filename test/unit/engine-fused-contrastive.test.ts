/**
 * The fused many-negative step (tensor/fused-contrastive.ts via step/many-negatives.ts) against the tfjs autograd
 * step: from the same tables, several Adam steps with duplicate users and items, for every loss with a fused form
 * (SSM with and without the logQ correction, Adap-τ, CCL, MMCL, the GDNS group hinge, K-pair BPR), shared, in-batch and
 * per-row negatives, with and without a sampler mask, cosine with user
 * dropout and dot scores, per-row temperatures, negatives not a multiple of the 8-column tile — the same losses,
 * per-row losses and tables (up to float rounding), and no tfjs tensor in the fused step. Plus finite differences of
 * the fused loss with respect to table entries.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { MfModel } from '../../src/engine/models/mf';
import { LightGcnModel } from '../../src/engine/models/lightgcn';
import { csrFromRows } from '../fixtures/data/helpers';
import { createStep, type TrainStep } from '../../src/engine/step/step';
import { initBackend, tf } from '../../src/engine/tensor/backend';
import { lossSpec } from '../../src/engine/losses/registry';
import { FusedContrastiveStep, fusedShapeSupported, type PerRowForm } from '../../src/engine/tensor/fused-contrastive';
import { Rng } from '../../src/engine/rng';
import type { ModelConfig, OptimizerConfig } from '../../src/engine/config/types';
import type { Loss } from '../../src/engine/losses/types';
import type { NegativeBatch } from '../../src/engine/samplers/types';
import type { StepTemperature } from '../../src/engine/step/types';

before(async () => {
  await initBackend('auto');
});

const D = 16, nU = 30, nI = 50, B = 12;

function makeModel(fastPath: boolean, score: 'dot' | 'cosine', dropout: number, lazy: boolean): MfModel & { step: TrainStep } {
  const modelCfg: ModelConfig = { kind: 'mf', dim: D, score, evalScore: 'same', init: { dist: 'normal', std: 0.3 }, userDropout: dropout, fastPath };
  const optCfg: OptimizerConfig = { kind: 'adam', lr: 0.01, l2: 0.05, l2Mode: 'batch', beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy };
  const model = new MfModel(nU, nI, modelCfg, optCfg, new Rng(3));
  return Object.assign(model, { step: createStep(model, modelCfg, optCfg) });
}

function makeLoss(name: string, opts: Record<string, unknown> = {}): Loss {
  const spec = lossSpec(name);
  const o: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(spec.options)) o[k] = (s as { default?: unknown }).default;
  return spec.create({ ...o, ...opts });
}

interface Case {
  name: string;
  loss: Loss;
  score: 'dot' | 'cosine';
  layout: 'shared' | 'in-batch' | 'per-row';
  N: number; // shared: negatives; in-batch: extra items; per-row: negatives of each row
  masked: boolean;
  temp: (rng: Rng) => StepTemperature;
  lazy?: boolean;
  /** the batch carries a logQ correction (random log q per positive and per column) */
  logQ?: boolean;
  /** positives per row (GDNS's group) */
  positives?: number;
}

const tauRows = (rng: Rng): Float32Array => Float32Array.from({ length: B }, () => 0.1 + 0.2 * rng.float());
const cases: Case[] = [
  { name: 'SSM mean, shared 13, cosine', loss: makeLoss('ssm'), score: 'cosine', layout: 'shared', N: 13, masked: false, temp: () => ({ tau: 0.2 }) },
  { name: 'SSM sum + per-row loss, shared 16 masked, dot', loss: makeLoss('ssm', { reduction: 'sum' }), score: 'dot', layout: 'shared', N: 16, masked: true, temp: () => ({ tau: 0.5, wantsPerRowLoss: true }) },
  { name: 'SSM, in-batch + 5 extra, cosine', loss: makeLoss('ssm'), score: 'cosine', layout: 'in-batch', N: 5, masked: false, temp: () => ({ tau: 0.3 }) },
  { name: 'SSM, in-batch masked, no extra, cosine', loss: makeLoss('ssm'), score: 'cosine', layout: 'in-batch', N: 0, masked: true, temp: () => ({ tau: 0.3 }) },
  { name: 'Adap-τ per-user τ, β0, per-row loss, shared 20, dense Adam', loss: makeLoss('adap-tau'), score: 'cosine', layout: 'shared', N: 20, masked: false, lazy: false,
    temp: (rng) => ({ tau: 0.2, tauPerRow: tauRows(rng), posInvTau: 7, wantsPerRowLoss: true }) },
  { name: 'Adap-τ standard InfoNCE, shared 9 masked', loss: makeLoss('adap-tau', { standardInfoNCE: true }), score: 'cosine', layout: 'shared', N: 9, masked: true,
    temp: (rng) => ({ tau: 0.2, tauPerRow: tauRows(rng), posInvTau: 5 }) },
  { name: 'CCL w 150, shared 24, dense Adam', loss: makeLoss('ccl', { margin: 0.2 }), score: 'cosine', layout: 'shared', N: 24, masked: false, lazy: false, temp: () => ({ tau: 1 }) },
  { name: 'CCL sum (w null), shared 11 masked', loss: makeLoss('ccl', { margin: 0.1, negativeWeight: null }), score: 'cosine', layout: 'shared', N: 11, masked: true, temp: () => ({ tau: 1 }) },
  { name: 'CCL, in-batch + 3 extra', loss: makeLoss('ccl', { margin: 0 }), score: 'cosine', layout: 'in-batch', N: 3, masked: false, temp: () => ({ tau: 1 }) },
  { name: 'K-pair BPR, shared 8, dot', loss: makeLoss('bpr', { form: 'kpair' }), score: 'dot', layout: 'shared', N: 8, masked: false, temp: () => ({ tau: 0.1 }) },
  // per-row negatives (the Adap-τ reference's layout): each row its own K; K = 5 and 8 (padding and none)
  { name: 'SSM, per-row 5, cosine', loss: makeLoss('ssm'), score: 'cosine', layout: 'per-row', N: 5, masked: false, temp: () => ({ tau: 0.2 }) },
  { name: 'Adap-τ per-user τ, β0, per-row loss, per-row 8, dense Adam', loss: makeLoss('adap-tau'), score: 'cosine', layout: 'per-row', N: 8, masked: false, lazy: false,
    temp: (rng) => ({ tau: 0.2, tauPerRow: tauRows(rng), posInvTau: 7, wantsPerRowLoss: true }) },
  { name: 'CCL w 150, per-row 6', loss: makeLoss('ccl', { margin: 0.2 }), score: 'cosine', layout: 'per-row', N: 6, masked: false, temp: () => ({ tau: 1 }) },
  { name: 'K-pair BPR, per-row 3, dot', loss: makeLoss('bpr', { form: 'kpair' }), score: 'dot', layout: 'per-row', N: 3, masked: false, temp: () => ({ tau: 0.1 }) },
  // MMCL: several (margin, weight) hinges; margins straddling the scores so every term is active somewhere
  { name: 'MMCL 3 margins, shared 24, dense Adam', loss: makeLoss('mmcl', { margins: [0.4, 0.1, -0.3], weights: [15, 5, 1] }), score: 'cosine', layout: 'shared', N: 24, masked: false, lazy: false, temp: () => ({ tau: 1 }) },
  { name: 'MMCL 2 margins, in-batch + 3 extra masked', loss: makeLoss('mmcl', { margins: [0.2, -0.2], weights: [10, 2] }), score: 'cosine', layout: 'in-batch', N: 3, masked: true, temp: () => ({ tau: 1 }) },
  { name: 'MMCL defaults, per-row 7', loss: makeLoss('mmcl', { margins: [0.3, 0, -0.3], weights: [150, 50, 10] }), score: 'cosine', layout: 'per-row', N: 7, masked: false, temp: () => ({ tau: 1 }) },
  // the GDNS group hinge with one positive: Σ_j max(0, s_j − s⁺ + γ), a margin relative to the positive
  { name: 'GDNS hinge γ 0.5, shared 13, dot', loss: makeLoss('gdns-hinge', { margin: 0.5 }), score: 'dot', layout: 'shared', N: 13, masked: false, temp: () => ({ tau: 1 }) },
  { name: 'GDNS hinge pairs mean, sum over rows, shared 10 masked, cosine', loss: makeLoss('gdns-hinge', { margin: 0.3, pairs: 'mean', reduction: 'sum' }), score: 'cosine', layout: 'shared', N: 10, masked: true, temp: () => ({ tau: 1 }) },
  { name: 'GDNS hinge, in-batch + 2 extra, cosine', loss: makeLoss('gdns-hinge', { margin: 0.2 }), score: 'cosine', layout: 'in-batch', N: 2, masked: false, temp: () => ({ tau: 1 }) },
  { name: 'GDNS hinge pairs mean, per-row 5, dot', loss: makeLoss('gdns-hinge', { margin: 0.4, pairs: 'mean' }), score: 'dot', layout: 'per-row', N: 5, masked: false, temp: () => ({ tau: 1 }) },
  // a group of positives per row: Σ_i Σ_j max(0, s_j − s_i + γ)
  { name: 'GDNS hinge, 2 positives, shared 9 masked, dot', loss: makeLoss('gdns-hinge', { margin: 0.5, positives: 2 }), score: 'dot', layout: 'shared', N: 9, masked: true, positives: 2, temp: () => ({ tau: 1 }) },
  { name: 'GDNS hinge, 3 positives, pairs mean, in-batch + 2 extra, cosine', loss: makeLoss('gdns-hinge', { margin: 0.3, positives: 3, pairs: 'mean' }), score: 'cosine', layout: 'in-batch', N: 2, masked: false, positives: 3,
    temp: () => ({ tau: 1 }) },
  { name: 'GDNS hinge, 2 positives, per-row 4, dot, dense Adam', loss: makeLoss('gdns-hinge', { margin: 1, positives: 2 }), score: 'dot', layout: 'per-row', N: 4, masked: false, positives: 2, lazy: false,
    temp: () => ({ tau: 1 }) },
  // MSCL: K positives per row, each against its own denominator (in-batch: every row's k-th positive, plus the extras)
  { name: 'MSCL K 3, in-batch + 2 extra, cosine', loss: makeLoss('mscl', { positives: 3 }), score: 'cosine', layout: 'in-batch', N: 2, masked: false, positives: 3, temp: () => ({ tau: 0.2 }) },
  { name: 'MSCL K 2 α 0.6, in-batch masked, no extra, per-user τ', loss: makeLoss('mscl', { positives: 2, alpha: 0.6 }), score: 'cosine', layout: 'in-batch', N: 0, masked: true, positives: 2,
    temp: (rng) => ({ tau: 0.2, tauPerRow: tauRows(rng) }) },
  { name: 'MSCL K 2 α 0.5 ε 0, shared 11 masked, dense Adam', loss: makeLoss('mscl', { positives: 2, alpha: 0.5, epsilon: 0 }), score: 'cosine', layout: 'shared', N: 11, masked: true, positives: 2, lazy: false,
    temp: () => ({ tau: 0.3 }) },
  { name: 'MSCL K 3, per-row 5', loss: makeLoss('mscl', { positives: 3 }), score: 'cosine', layout: 'per-row', N: 5, masked: false, positives: 3, temp: () => ({ tau: 0.25 }) },
  { name: 'MSCL K 1, in-batch + 3 extra', loss: makeLoss('mscl', { positives: 1 }), score: 'cosine', layout: 'in-batch', N: 3, masked: false, temp: () => ({ tau: 0.2 }) },
  // SSM with the logQ correction: log q per column (shared, in-batch) or per entry (per-row), and the positive's own
  { name: 'SSM logQ, shared 13 masked, cosine', loss: makeLoss('ssm', { logQ: 'exact' }), score: 'cosine', layout: 'shared', N: 13, masked: true, logQ: true, temp: () => ({ tau: 0.2 }) },
  { name: 'SSM logQ sum + per-row loss, in-batch + 4 extra, dot', loss: makeLoss('ssm', { logQ: 'exact', reduction: 'sum' }), score: 'dot', layout: 'in-batch', N: 4, masked: false, logQ: true,
    temp: () => ({ tau: 0.5, wantsPerRowLoss: true }) },
  { name: 'SSM logQ per-user τ, per-row 6, cosine', loss: makeLoss('ssm', { logQ: 'streaming' }), score: 'cosine', layout: 'per-row', N: 6, masked: false, logQ: true,
    temp: (rng) => ({ tau: 0.2, tauPerRow: tauRows(rng) }) },
];

type Batch = Parameters<TrainStep['run']>[0];

function makeBatch(c: Case, rng: Rng): Batch {
  const batch = makeBatchRows(c, rng);
  if (!c.logQ) return batch;
  // log q in [−8, −2], as a sampler's log-probabilities; the columns as LogQCorrection lays them out
  const logq = (n: number): Float32Array => Float32Array.from({ length: n }, () => -2 - 6 * rng.float());
  const columns = batch.neg.layout === 'per-row' ? B * c.N : batch.neg.layout === 'shared' ? c.N : B + c.N;
  return { ...batch, logQ: { pos: logq(B), neg: logq(columns) } };
}

function makeBatchRows(c: Case, rng: Rng): Batch {
  // few users and items for many rows: duplicates within a step, and items that are both positive and negative
  const users = Int32Array.from({ length: B }, () => rng.int(nU / 3));
  const P = c.positives ?? 1;
  const pos = Int32Array.from({ length: B * P }, () => rng.int(nI / 3));
  if (c.layout === 'per-row') {
    return { users, pos, positivesPerRow: P, neg: { layout: 'per-row', n: c.N, items: Int32Array.from({ length: B * c.N }, () => rng.int(nI / 3)) } };
  }
  const items = Int32Array.from({ length: c.N }, () => rng.int(nI / 3));
  const cols = c.layout === 'shared' ? c.N : B + c.N;
  const mask = c.masked ? Float32Array.from({ length: B * cols }, (_, e) => (e % cols === e % 7 || rng.float() < 0.2 ? 0 : 1)) : undefined;
  if (mask && c.layout === 'in-batch') for (let b = 0; b < B; b++) mask[b * cols + b] = 0;
  const neg: NegativeBatch = c.layout === 'shared' ? { layout: 'shared', items, mask } : { layout: 'in-batch', extra: c.N ? items : undefined, mask };
  return { users, pos, positivesPerRow: P, neg };
}

/** Runs f with the per-row negatives in the given form (gathered rows, or read from the table and folded). */
function withPerRowForm<T>(form: PerRowForm, f: () => T): T {
  const keep = FusedContrastiveStep.perRowForm;
  FusedContrastiveStep.perRowForm = form;
  try {
    return f();
  } finally {
    FusedContrastiveStep.perRowForm = keep;
  }
}

for (const c of cases) {
  for (const dropout of c.score === 'cosine' ? [0, 0.2] : [0]) for (const form of c.layout === 'per-row' ? (['gather', 'fold'] as const) : (['auto'] as const)) {
    test(`fused many-negative step = tfjs step over 4 Adam steps (${c.name}${dropout ? ', user dropout 0.2' : ''}${form === 'auto' ? '' : `, ${form}ed`})`, () => withPerRowForm(form, () => {
      const fast = makeModel(true, c.score, dropout, c.lazy ?? true);
      const slow = makeModel(false, c.score, dropout, c.lazy ?? true);
      const rng = new Rng(9);
      for (let s = 0; s < 4; s++) {
        const batch = makeBatch(c, rng);
        const temp = c.temp(rng);
        const before = tf.memory().numTensors;
        const counted = counting(c.loss);
        const a = fast.step.run(batch, counted, temp, new Rng(100 + s));
        assert.equal(counted.calls, 0, 'the fused step never asks tfjs for the loss');
        assert.equal(tf.memory().numTensors, before, 'the fused step keeps no tensor');
        const b = slow.step.run(batch, c.loss, temp, new Rng(100 + s));
        assert.ok(Math.abs(a.loss - b.loss) < 2e-5 * Math.max(1, Math.abs(b.loss)), `step ${s}: loss ${a.loss} vs ${b.loss}`);
        assert.equal(!!a.perRow, !!b.perRow, 'per-row loss given by both or neither');
        if (a.perRow && b.perRow) for (let r = 0; r < B; r++) assert.ok(Math.abs(a.perRow[r] - b.perRow[r]) < 2e-5 * (1 + Math.abs(b.perRow[r])), `per-row ${r}: ${a.perRow[r]} vs ${b.perRow[r]}`);
      }
      for (const [name, x, y] of [['users', fast.users.data, slow.users.data], ['items', fast.items.data, slow.items.data]] as const) {
        let worst = 0;
        for (let k = 0; k < x.length; k++) worst = Math.max(worst, Math.abs(x[k] - y[k]));
        assert.ok(worst < 2e-5, `${name} differ by ${worst}`);
      }
    }));
  }
}

test('folded per-row negatives: the named rows once each, ascending, their occurrence counts, the positives alone in itemIds; a row number outside the table is refused', () => {
  const rng = new Rng(8);
  const Dd = 8, ni = 6, b = 4, K = 5;
  const U = Float32Array.from({ length: 5 * Dd }, () => rng.normal()), I = Float32Array.from({ length: ni * Dd }, () => rng.normal());
  const negs = Int32Array.from({ length: b * K }, (_, e) => [5, 1, 5, 3][e % 4]);
  const input = (negItems: Int32Array) => ({
    users: Int32Array.from([0, 1, 2, 1]), pos: Int32Array.from([0, 1, 2, 0]), negItems, layout: 'per-row' as const, perRow: K, userTable: U, itemTable: I,
    dim: Dd, cosine: true, dropout: 0, rng: new Rng(1), form: makeLoss('ssm').fused!, tau: 0.3,
  });
  const out = withPerRowForm('fold', () => new FusedContrastiveStep().step(input(negs)));
  assert.ok(out.folded, 'the folded form');
  assert.deepEqual([...out.folded.rows], [1, 3, 5]);
  assert.deepEqual([...out.folded.counts], [5, 5, 10]);
  assert.deepEqual([...out.itemIds], [0, 1, 2, 0]);
  assert.equal(out.folded.grads.length, 3 * Dd);
  const gathered = withPerRowForm('gather', () => new FusedContrastiveStep().step(input(negs)));
  assert.equal(gathered.folded, undefined);
  assert.ok(Math.abs(out.loss - gathered.loss) < 1e-6, `the same loss (${out.loss} vs ${gathered.loss})`);
  for (const [r, row] of [1, 3, 5].entries()) {
    for (let d = 0; d < Dd; d++) {
      let g = 0;
      for (let e = 0; e < b * K; e++) if (negs[e] === row) g += gathered.itemGrads[(b + e) * Dd + d];
      assert.ok(Math.abs(out.folded.grads[r * Dd + d] - g) < 1e-5, `row ${row}[${d}]: folded ${out.folded.grads[r * Dd + d]} vs summed ${g}`);
    }
  }
  const bad = Int32Array.from(negs);
  bad[7] = ni;
  assert.throws(() => withPerRowForm('fold', () => new FusedContrastiveStep().step(input(bad))), /negative 7 names item 6, outside the table's 6 rows/);
});

test('auto: per-row negatives are folded when the batch names more than 3 × the table\'s rows, gathered otherwise', () => {
  const Dd = 8, rng = new Rng(2);
  const U = Float32Array.from({ length: 4 * Dd }, () => rng.normal()), I = Float32Array.from({ length: 10 * Dd }, () => rng.normal());
  const run = (K: number) => new FusedContrastiveStep().step({
    users: Int32Array.from([0, 1, 2, 3]), pos: Int32Array.from([0, 1, 2, 3]), negItems: Int32Array.from({ length: 4 * K }, (_, e) => e % 10), layout: 'per-row', perRow: K,
    userTable: U, itemTable: I, dim: Dd, cosine: false, dropout: 0, rng: new Rng(1), form: makeLoss('ssm').fused!, tau: 0.3,
  });
  assert.equal(run(7).folded, undefined, '28 named rows, a table of 10: gathered');
  assert.ok(run(8).folded, '32 named rows, more than 3 × a table of 10: folded');
});

for (const [what, caseName, form] of [['in-batch', 'in-batch', 'auto'], ['per-row, folded', 'SSM, per-row 5, cosine', 'fold']] as const) test(`LightGCN with the L2 on every layer (optimizer.l2Layers "all", Adap-τ\'s LGN_tau; ${what}): fused step = tfjs step, and the hop L2 moves the tables`, () => withPerRowForm(form, () => {
  const graphRng = new Rng(21);
  const train = csrFromRows(Array.from({ length: nU }, () => Array.from({ length: 4 }, () => graphRng.int(nI))), nI);
  const make = (fastPath: boolean, l2Layers: 'ego' | 'all') => {
    const modelCfg: ModelConfig = { kind: 'lightgcn', layers: 2, dim: D, score: 'cosine', evalScore: 'same', init: { dist: 'normal', std: 0.3 }, userDropout: 0, fastPath };
    const optCfg: OptimizerConfig = { kind: 'adam', lr: 0.01, l2: 0.5, l2Mode: 'batch', l2Layers, beta1: 0.9, beta2: 0.999, eps: 1e-8, lazy: false };
    const model = new LightGcnModel(train, modelCfg, optCfg, new Rng(3));
    return Object.assign(model, { step: createStep(model, modelCfg, optCfg) });
  };
  const fast = make(true, 'all');
  const slow = make(false, 'all');
  const ego = make(true, 'ego');
  // SSM, in-batch + 5 extra, cosine (LGN_tau's in-batch setting); per-row: the ego and hop L2 of folded rows by count
  const c = caseName === 'in-batch' ? cases[2] : cases.find((x) => x.name === caseName)!;
  const rng = new Rng(9);
  for (let s = 0; s < 3; s++) {
    const batch = makeBatch(c, rng);
    const counted = counting(c.loss);
    const a = fast.step.run(batch, counted, { tau: 0.3 }, new Rng(100 + s));
    assert.equal(counted.calls, 0, 'the fused step took it');
    const b = slow.step.run(batch, c.loss, { tau: 0.3 }, new Rng(100 + s));
    const e = ego.step.run(batch, c.loss, { tau: 0.3 }, new Rng(100 + s));
    assert.ok(Math.abs(a.loss - b.loss) < 2e-5 * Math.max(1, Math.abs(b.loss)), `step ${s}: loss ${a.loss} vs ${b.loss}`);
    if (s === 0) assert.ok(a.loss > e.loss + 1e-4, `the hop L2 adds to the loss (${a.loss} vs ego only ${e.loss})`);
  }
  let worst = 0;
  let moved = 0;
  for (const [x, y, z] of [[fast.users.data, slow.users.data, ego.users.data], [fast.items.data, slow.items.data, ego.items.data]] as const) {
    for (let k = 0; k < x.length; k++) {
      worst = Math.max(worst, Math.abs(x[k] - y[k]));
      moved = Math.max(moved, Math.abs(x[k] - z[k]));
    }
  }
  assert.ok(worst < 2e-5, `fused and tfjs tables differ by ${worst}`);
  assert.ok(moved > 1e-4, 'the hop L2 changes the update');
}));

/** The loss with a counter of its tfjs `compute` calls (the fused path never makes one). */
function counting(loss: Loss): Loss & { calls: number } {
  const out = { ...loss, calls: 0, compute: (x: Parameters<Loss['compute']>[0]) => (out.calls++, loss.compute(x)) };
  return out;
}

test('the fused step leaves synthesised per-row negatives, several positives (but GDNS\'s group and MSCL), is-softmax to tfjs; model.fastPath false turns it off', () => {
  const rng = new Rng(4);
  const users = Int32Array.from({ length: 4 }, (_, b) => b), pos = Int32Array.from({ length: 4 }, (_, b) => b + 4);
  const shared: NegativeBatch = { layout: 'shared', items: Int32Array.from([10, 11, 12]) };
  const tfjsCalls = (fastPath: boolean, lossName: string, batch: Parameters<TrainStep['run']>[0], opts = {}): number => {
    const loss = counting(makeLoss(lossName, opts));
    const r = makeModel(fastPath, 'cosine', 0, true).step.run(batch, loss, { tau: 0.5 }, rng);
    assert.ok(Number.isFinite(r.loss));
    return loss.calls;
  };
  assert.equal(tfjsCalls(true, 'ssm', { users, pos, positivesPerRow: 1, neg: shared }), 0, 'shared SSM: fused');
  assert.equal(tfjsCalls(false, 'ssm', { users, pos, positivesPerRow: 1, neg: shared }), 1, 'model.fastPath false: tfjs');
  assert.equal(tfjsCalls(true, 'ssm', { users, pos, positivesPerRow: 1, neg: { layout: 'per-row', n: 2, items: Int32Array.from({ length: 8 }, (_, k) => 10 + k) } }), 0, 'per-row: fused');
  const synth = { terms: 1, termSources: ['items'], refs: Int32Array.from({ length: 8 }, (_, k) => 10 + k), weights: new Float32Array(8).fill(1) };
  assert.equal(tfjsCalls(true, 'ssm', { users, pos, positivesPerRow: 1, neg: { layout: 'per-row', n: 2, items: Int32Array.from({ length: 8 }, (_, k) => 10 + k), synth } }), 1, 'synthesised per-row rows: tfjs');
  assert.equal(tfjsCalls(true, 'ssm', { users, pos: Int32Array.from({ length: 8 }, (_, k) => k + 4), positivesPerRow: 2, neg: shared }), 1, 'two positives: tfjs');
  assert.equal(tfjsCalls(true, 'ssm', { users, pos, positivesPerRow: 1, neg: shared, logQ: { pos: new Float32Array(4), neg: new Float32Array(3) } }, { logQ: 'exact' }), 0, 'SSM with logQ: fused');
  assert.equal(tfjsCalls(true, 'is-softmax', { users, pos, positivesPerRow: 1, neg: shared, logQ: { pos: new Float32Array(4), neg: new Float32Array(3) } }), 1, 'importance-sampled softmax: tfjs');
  assert.ok(!fusedShapeSupported(16, 1, 'shared', true, makeLoss('ccl').fused!, 4), 'a form that does not take logQ refuses a batch with it');
  assert.equal(tfjsCalls(true, 'bpr', { users, pos, positivesPerRow: 1, neg: shared }), 1, 'BPR mean form has no fused form: tfjs');
  assert.equal(tfjsCalls(true, 'mmcl', { users, pos, positivesPerRow: 1, neg: shared }), 0, 'MMCL: fused');
  assert.equal(tfjsCalls(true, 'gdns-hinge', { users, pos, positivesPerRow: 1, neg: shared }), 0, 'GDNS hinge, one positive: fused');
  assert.equal(tfjsCalls(true, 'gdns-hinge', { users, pos: Int32Array.from({ length: 8 }, (_, k) => k + 4), positivesPerRow: 2, neg: shared }, { positives: 2 }), 0, 'GDNS hinge, a group of 2 positives: fused');
  assert.equal(tfjsCalls(true, 'ccl', { users, pos: Int32Array.from({ length: 8 }, (_, k) => k + 4), positivesPerRow: 2, neg: shared }), 1, 'CCL with 2 positives (a positive term): tfjs');
  assert.equal(tfjsCalls(true, 'mscl', { users, pos: Int32Array.from({ length: 8 }, (_, k) => k + 4), positivesPerRow: 2, neg: { layout: 'in-batch' } }, { positives: 2 }), 0, 'MSCL in-batch: fused');
  const users6 = Int32Array.from({ length: 6 }, (_, b) => b);
  assert.equal(tfjsCalls(true, 'mscl', { users: users6, pos: Int32Array.from({ length: 12 }, (_, k) => k + 4), positivesPerRow: 2, neg: { layout: 'in-batch' } }, { positives: 2 }), 1,
    'MSCL in-batch with B not a multiple of 4 (column blocks would not be whole vectors): tfjs');
});

test('finite differences: the fused gradients of SSM (per-row τ, ± logQ), CCL, MMCL, the GDNS hinge (dot; 1 and 2 positives), MSCL (2 positives, shared), Adap-τ (β0) and K-pair BPR (dot) match central differences of the fused loss, through dropout', () => {
  const rng = new Rng(21);
  const Dd = 8, nu = 6, ni = 9, b = 5, n = 7;
  const logQ = { pos: Float32Array.from({ length: b }, (_, r) => -3 - 0.5 * r), neg: Float32Array.from({ length: n }, (_, j) => -2 - 0.7 * j) };
  for (const [lossName, opts, cosine] of [
    ['ssm', {}, true], ['ccl', { margin: 0.1 }, true], ['adap-tau', {}, true], ['bpr', { form: 'kpair' }, false],
    ['ssm', { logQ: 'exact' }, true], ['mmcl', { margins: [0.3, 0, -0.4], weights: [3, 2, 1] }, true], ['gdns-hinge', { margin: 0.5 }, false],
    ['gdns-hinge', { margin: 0.5, positives: 2 }, false], ['mscl', { positives: 2 }, true],
  ] as const) {
    const loss = makeLoss(lossName, opts);
    const U = Float32Array.from({ length: nu * Dd }, () => rng.normal() * 0.5);
    const I = Float32Array.from({ length: ni * Dd }, () => rng.normal() * 0.5);
    const users = Int32Array.from([0, 1, 2, 1, 3]);
    const P = 'positives' in opts ? opts.positives : 1;
    const pos = P === 1 ? Int32Array.from([0, 1, 2, 3, 1]) : Int32Array.from([0, 2, 1, 3, 2, 4, 3, 0, 1, 6]);
    const negs = Int32Array.from([4, 5, 6, 7, 8, 0, 5]);
    const tauPerRow = Float32Array.from({ length: b }, (_, r) => 0.3 + 0.1 * r);
    const kernel = new FusedContrastiveStep();
    const run = (): { loss: number; gu: Float32Array; gi: Float32Array; ids: Int32Array } => {
      const o = kernel.step({
        users, pos, positivesPerRow: P, negItems: negs, layout: 'shared', userTable: U, itemTable: I, dim: Dd, cosine, dropout: 0.2, rng: new Rng(5),
        form: loss.fused!, tau: 0.4, tauPerRow: lossName === 'ssm' || lossName === 'adap-tau' ? tauPerRow : undefined, posInvTau: lossName === 'adap-tau' ? 3 : undefined,
        logQ: 'logQ' in opts ? logQ : undefined,
      });
      return { loss: o.loss, gu: Float32Array.from(o.userGrads), gi: Float32Array.from(o.itemGrads), ids: Int32Array.from(o.itemIds) };
    };
    const base = run();
    assert.equal(base.ids.length, b * P + n);
    const h = 1e-2;
    const check = (table: Float32Array, row: number, d: number, analytic: number, what: string): void => {
      const keep = table[row * Dd + d];
      table[row * Dd + d] = keep + h;
      const up = run().loss;
      table[row * Dd + d] = keep - h;
      const down = run().loss;
      table[row * Dd + d] = keep;
      const numeric = (up - down) / (2 * h);
      assert.ok(Math.abs(numeric - analytic) < 2e-2 * Math.max(1, Math.abs(numeric)), `${lossName} ${what}: analytic ${analytic} vs numeric ${numeric}`);
    };
    for (const row of [1, 3]) for (const d of [0, 5]) {
      let g = 0;
      users.forEach((u, r) => { if (u === row) g += base.gu[r * Dd + d]; });
      check(U, row, d, g, `∂user ${row}[${d}]`);
    }
    for (const row of [1, 5, 8]) for (const d of [2, 7]) {
      let g = 0;
      base.ids.forEach((it, r) => { if (it === row) g += base.gi[r * Dd + d]; });
      check(I, row, d, g, `∂item ${row}[${d}]`);
    }
  }
});
