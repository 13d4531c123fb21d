/**
 * Every loss against an independent float64 implementation of its formula (./losses-reference.ts): the tfjs value
 * matches, and the tfjs gradients with respect to the score inputs (positives, negatives, per-column negatives)
 * match central differences of the reference, over several shapes, temperatures (global, per row, Adap-τ's β0),
 * margins, masks and logQ corrections.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfc from '@tensorflow/tfjs-core';
import { initBackend, tf } from '../../src/engine/tensor/backend';
import { Rng } from '../../src/engine/rng';
import { LOSSES } from '../../src/engine/losses/registry';
import { AliasTable } from '../../src/engine/samplers/alias';
import type { LossInputs } from '../../src/engine/losses/types';
import { adapTauRef, bceRef, cclRef, gdnsRef, isSoftmaxRef, mmclRef, msclRef, nceRef, ssmRef, ssmRows, type RefInputs } from './losses-reference';

before(async () => {
  await initBackend('auto');
});

interface Shape {
  B: number;
  P: number;
  N: number;
  /** scores in [−range, range] (cosines: 1) */
  range: number;
  mask?: boolean;
  tau?: number;
  tauRow?: boolean;
  posInvTau?: number;
  logQ?: boolean;
  negPerPositive?: boolean;
}

const f32 = (v: number): number => Math.fround(v);

function makeInputs(s: Shape, seed: number, kinks: number[]): RefInputs {
  const rng = new Rng(seed);
  // keep every score ≥ 2e-3 away from a hinge's kink, where a central difference would straddle it
  const draw = (): number => {
    for (;;) {
      const v = f32((rng.float() * 2 - 1) * s.range);
      if (kinks.every((k) => Math.abs(v - k) > 2e-3)) return v;
    }
  };
  const x: RefInputs = {
    B: s.B, P: s.P, N: s.N,
    pos: Array.from({ length: s.B * s.P }, draw),
    neg: Array.from({ length: s.B * s.N }, draw),
    tau: s.tau ?? 1,
  };
  if (s.mask) {
    // in-batch style: the diagonal (when square) plus a few random holes, never a whole row
    x.mask = Array.from({ length: s.B * s.N }, (_, e) => (e % s.N === Math.floor(e / s.N) % s.N || (rng.float() < 0.2 && e % s.N !== (Math.floor(e / s.N) + 1) % s.N) ? 0 : 1));
  }
  if (s.tauRow) x.tauRow = Array.from({ length: s.B }, () => f32(0.1 + rng.float() * 0.4));
  if (s.posInvTau !== undefined) x.posInvTau = s.posInvTau;
  if (s.logQ) {
    x.logQPos = Array.from({ length: s.B }, () => f32(Math.log(0.001 + rng.float() * 0.05)));
    x.logQNeg = Array.from({ length: s.B * s.N }, () => f32(Math.log(0.001 + rng.float() * 0.05)));
  }
  if (s.negPerPositive) x.negPerPositive = Array.from({ length: s.B * s.P * s.N }, draw);
  return x;
}

interface Case {
  loss: string;
  options: Record<string, unknown>;
  shape: Shape;
  reference: (x: RefInputs) => number;
  kinks?: number[];
}

const cases: Case[] = [
  { loss: 'bce', options: { scores: 'raw', negatives: 'mean', negativeWeight: 1, reduction: 'mean' }, shape: { B: 4, P: 1, N: 3, range: 3 }, reference: (x) => bceRef(x, { scores: 'raw', negatives: 'mean', negativeWeight: 1, reduction: 'mean' }) },
  { loss: 'bce', options: { scores: 'tau', negatives: 'sum', negativeWeight: 0.5, reduction: 'sum' }, shape: { B: 3, P: 1, N: 5, range: 1, tau: 0.3, mask: true }, reference: (x) => bceRef(x, { scores: 'tau', negatives: 'sum', negativeWeight: 0.5, reduction: 'sum' }) },
  { loss: 'bce', options: { scores: 'tau', negatives: 'mean', negativeWeight: 2, reduction: 'mean' }, shape: { B: 5, P: 1, N: 2, range: 1, tauRow: true }, reference: (x) => bceRef(x, { scores: 'tau', negatives: 'mean', negativeWeight: 2, reduction: 'mean' }) },
  { loss: 'ssm', options: { reduction: 'mean', logQ: 'none', logQAlpha: 0.01 }, shape: { B: 4, P: 1, N: 6, range: 1, tau: 0.1 }, reference: (x) => ssmRef(x, { reduction: 'mean' }) },
  { loss: 'ssm', options: { reduction: 'sum', logQ: 'none', logQAlpha: 0.01 }, shape: { B: 5, P: 1, N: 5, range: 1, tau: 0.2, mask: true }, reference: (x) => ssmRef(x, { reduction: 'sum' }) },
  { loss: 'ssm', options: { reduction: 'mean', logQ: 'exact', logQAlpha: 0.01 }, shape: { B: 4, P: 1, N: 7, range: 1, tau: 0.15, mask: true, logQ: true }, reference: (x) => ssmRef(x, { reduction: 'mean' }) },
  { loss: 'ssm', options: { reduction: 'mean', logQ: 'none', logQAlpha: 0.01 }, shape: { B: 3, P: 1, N: 4, range: 1, tauRow: true, posInvTau: 7 }, reference: (x) => ssmRef(x, { reduction: 'mean' }) },
  { loss: 'ccl', options: { margin: 0.9, negativeWeight: 150 }, shape: { B: 4, P: 1, N: 8, range: 1 }, reference: (x) => cclRef(x, { margin: 0.9, negativeWeight: 150 }), kinks: [0.9, 1] },
  { loss: 'ccl', options: { margin: 0.2, negativeWeight: null }, shape: { B: 3, P: 1, N: 6, range: 1, mask: true }, reference: (x) => cclRef(x, { margin: 0.2, negativeWeight: null }), kinks: [0.2, 1] },
  { loss: 'ccl', options: { margin: -0.3, negativeWeight: 2 }, shape: { B: 5, P: 1, N: 3, range: 1 }, reference: (x) => cclRef(x, { margin: -0.3, negativeWeight: 2 }), kinks: [-0.3, 1] },
  { loss: 'mmcl', options: { margins: [0.8, 0.5, 0.2], weights: [1, 0.5, 0.2] }, shape: { B: 4, P: 1, N: 9, range: 1 }, reference: (x) => mmclRef(x, { margins: [0.8, 0.5, 0.2], weights: [1, 0.5, 0.2] }), kinks: [0.8, 0.5, 0.2, 1] },
  { loss: 'mmcl', options: { margins: [0.9, 0.6, 0.3], weights: [150, 50, 10] }, shape: { B: 3, P: 1, N: 5, range: 1, mask: true }, reference: (x) => mmclRef(x, { margins: [0.9, 0.6, 0.3], weights: [150, 50, 10] }), kinks: [0.9, 0.6, 0.3, 1] },
  { loss: 'mmcl', options: { margins: [0.4], weights: [3] }, shape: { B: 2, P: 1, N: 4, range: 1 }, reference: (x) => cclRef(x, { margin: 0.4, negativeWeight: 3 }), kinks: [0.4, 1] },
  { loss: 'gdns-hinge', options: { margin: 0.1, positives: 1, pairs: 'sum', reduction: 'mean' }, shape: { B: 4, P: 1, N: 5, range: 2 }, reference: (x) => gdnsRef(x, { margin: 0.1, pairs: 'sum', reduction: 'mean' }) },
  { loss: 'gdns-hinge', options: { margin: 0.5, positives: 3, pairs: 'mean', reduction: 'sum' }, shape: { B: 3, P: 3, N: 4, range: 2, mask: true }, reference: (x) => gdnsRef(x, { margin: 0.5, pairs: 'mean', reduction: 'sum' }) },
  { loss: 'gdns-hinge', options: { margin: 1, positives: 2, pairs: 'sum', reduction: 'mean' }, shape: { B: 2, P: 2, N: 6, range: 3 }, reference: (x) => gdnsRef(x, { margin: 1, pairs: 'sum', reduction: 'mean' }) },
  { loss: 'adap-tau', options: { standardInfoNCE: false }, shape: { B: 4, P: 1, N: 6, range: 1, tauRow: true, posInvTau: 8.62 }, reference: (x) => adapTauRef(x, { standardInfoNCE: false }) },
  { loss: 'adap-tau', options: { standardInfoNCE: false }, shape: { B: 5, P: 1, N: 5, range: 1, tau: 0.12, mask: true }, reference: (x) => adapTauRef(x, { standardInfoNCE: false }) },
  { loss: 'adap-tau', options: { standardInfoNCE: true }, shape: { B: 3, P: 1, N: 4, range: 1, tauRow: true, posInvTau: 5 }, reference: (x) => adapTauRef(x, { standardInfoNCE: true }) },
  { loss: 'mscl', options: { positives: 1, alpha: 0.5, epsilon: 0 }, shape: { B: 4, P: 1, N: 4, range: 1, tau: 0.2, mask: true }, reference: (x) => msclRef(x, { alpha: 0.5, epsilon: 0 }) },
  { loss: 'mscl', options: { positives: 3, alpha: 0.45, epsilon: 1e-5 }, shape: { B: 4, P: 3, N: 4, range: 1, tau: 0.1, mask: true, negPerPositive: true }, reference: (x) => msclRef(x, { alpha: 0.45, epsilon: 1e-5 }) },
  { loss: 'mscl', options: { positives: 2, alpha: 0.6, epsilon: 1e-5 }, shape: { B: 3, P: 2, N: 5, range: 1, tau: 0.2 }, reference: (x) => msclRef(x, { alpha: 0.6, epsilon: 1e-5 }) },
  { loss: 'mscl', options: { positives: 2, alpha: 0.45, epsilon: 0.05 }, shape: { B: 3, P: 2, N: 3, range: 1, tauRow: true, negPerPositive: true }, reference: (x) => msclRef(x, { alpha: 0.45, epsilon: 0.05 }) },
  { loss: 'nce', options: { scores: 'raw', noise: 'exact', logQAlpha: 0.01, logZ: 0, reduction: 'mean' }, shape: { B: 4, P: 1, N: 5, range: 3, logQ: true }, reference: (x) => nceRef(x, { scores: 'raw', logZ: 0, reduction: 'mean' }) },
  { loss: 'nce', options: { scores: 'tau', noise: 'exact', logQAlpha: 0.01, logZ: 1.5, reduction: 'sum' }, shape: { B: 3, P: 1, N: 6, range: 1, tau: 0.2, mask: true, logQ: true }, reference: (x) => nceRef(x, { scores: 'tau', logZ: 1.5, reduction: 'sum' }) },
  { loss: 'nce', options: { scores: 'tau', noise: 'streaming', logQAlpha: 0.01, logZ: 0, reduction: 'mean' }, shape: { B: 5, P: 1, N: 4, range: 1, tauRow: true, logQ: true }, reference: (x) => nceRef(x, { scores: 'tau', logZ: 0, reduction: 'mean', drawShift: Math.log(5 * 4) }) },
  { loss: 'is-softmax', options: { proposal: 'sampler', weights: 'unbiased', proposalTemperature: 1, logQ: 'exact', logQAlpha: 0.01, includePositive: true, correctPositive: false, reduction: 'mean' }, shape: { B: 4, P: 1, N: 6, range: 1, tau: 0.2, logQ: true, mask: true }, reference: (x) => isSoftmaxRef(x, { weights: 'unbiased', includePositive: true, correctPositive: false, reduction: 'mean' }) },
  { loss: 'is-softmax', options: { proposal: 'sampler', weights: 'self-normalised', proposalTemperature: 1, logQ: 'exact', logQAlpha: 0.01, includePositive: false, correctPositive: false, reduction: 'sum' }, shape: { B: 3, P: 1, N: 5, range: 1, tauRow: true, posInvTau: 6, logQ: true }, reference: (x) => isSoftmaxRef(x, { weights: 'self-normalised', includePositive: false, correctPositive: false, reduction: 'sum' }) },
  { loss: 'is-softmax', options: { proposal: 'sampler', weights: 'self-normalised', proposalTemperature: 1, logQ: 'exact', logQAlpha: 0.01, includePositive: true, correctPositive: true, reduction: 'mean' }, shape: { B: 4, P: 1, N: 5, range: 1, tau: 0.15, logQ: true, mask: true }, reference: (x) => isSoftmaxRef(x, { weights: 'self-normalised', includePositive: true, correctPositive: true, reduction: 'mean' }) },
  // score-based proposal q̃ ∝ exp(s/T) held fixed at the evaluation point (stop-gradient): the reference captures it
  { loss: 'is-softmax', options: { proposal: 'score', weights: 'self-normalised', proposalTemperature: 0.5, logQ: 'exact', logQAlpha: 0.01, includePositive: true, correctPositive: false, reduction: 'mean' }, shape: { B: 3, P: 1, N: 6, range: 1, tau: 0.25 }, reference: scoreProposalReference(0.5) },
];

/** the self-normalised reference with log q̃ = s/T of the scores it is first called with (held fixed afterwards) */
function scoreProposalReference(T: number): (x: RefInputs) => number {
  let fixed: number[] | null = null;
  return (x) => {
    fixed ??= x.neg.map((s) => s / T);
    return isSoftmaxRef(x, { weights: 'self-normalised', includePositive: true, correctPositive: false, reduction: 'mean', logQNeg: fixed });
  };
}

/** the loss on tensors built from x, with pos / neg / negPerPositive as the differentiated arguments */
function tfLoss(name: string, options: Record<string, unknown>, x: RefInputs, wantPerRow = false): { value: number; grads: Float32Array[]; perRow?: Float32Array } {
  const loss = LOSSES[name].create(options);
  return tf.tidy(() => {
    // with per-column negatives the loss reads those instead of `neg`, so they are the differentiated argument
    const negT = tf.tensor2d(x.neg, [x.B, x.N]);
    const args: tfc.Tensor[] = [tf.tensor2d(x.pos, [x.B, x.P]), x.negPerPositive ? tf.tensor3d(x.negPerPositive, [x.B, x.P, x.N]) : negT];
    const fixed: Omit<LossInputs, 'pos' | 'neg'> = {
      negMask: x.mask ? tf.tensor2d(x.mask, [x.B, x.N]) : undefined,
      logQPos: x.logQPos ? tf.tensor2d(x.logQPos, [x.B, 1]) : undefined,
      logQNeg: x.logQNeg ? tf.tensor2d(x.logQNeg, [x.B, x.N]) : undefined,
      tau: x.tau,
      tauPerRow: x.tauRow ? tf.tensor1d(x.tauRow) : undefined,
      posInvTau: x.posInvTau,
      wantPerRow,
    };
    let perRow: Float32Array | undefined;
    const f = (pos: tfc.Tensor, negatives: tfc.Tensor): tfc.Scalar => {
      const out = x.negPerPositive
        ? loss.compute({ ...fixed, pos: pos as tfc.Tensor2D, neg: negT, negPerPositive: negatives as tfc.Tensor3D })
        : loss.compute({ ...fixed, pos: pos as tfc.Tensor2D, neg: negatives as tfc.Tensor2D });
      if (out.perRow) perRow = out.perRow.dataSync() as Float32Array;
      return out.loss;
    };
    const { value, grads } = tf.valueAndGrads(f as (...a: tfc.Tensor[]) => tfc.Scalar)(args);
    return { value: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array), perRow };
  });
}

function centralDifferences(reference: (x: RefInputs) => number, x: RefInputs, key: 'pos' | 'neg' | 'negPerPositive'): number[] {
  const h = 1e-6;
  const values = x[key]!;
  return values.map((_, e) => {
    const plus = { ...x, [key]: values.map((v, i) => (i === e ? v + h : v)) };
    const minus = { ...x, [key]: values.map((v, i) => (i === e ? v - h : v)) };
    return (reference(plus) - reference(minus)) / (2 * h);
  });
}

cases.forEach((c, i) => {
  const label = `${c.loss} ${JSON.stringify(c.options)} B=${c.shape.B} P=${c.shape.P} N=${c.shape.N}${c.shape.tau ? ` τ=${c.shape.tau}` : ''}${c.shape.tauRow ? ' τ per row' : ''}${c.shape.posInvTau ? ` β0=${c.shape.posInvTau}` : ''}${c.shape.mask ? ' masked' : ''}${c.shape.logQ ? ' logQ' : ''}${c.shape.negPerPositive ? ' per-column negatives' : ''}`;
  test(`loss value and gradients = float64 reference and its finite differences: ${label}`, () => {
    const x = makeInputs(c.shape, 100 + i, c.kinks ?? []);
    const got = tfLoss(c.loss, c.options, x);
    const want = c.reference(x);
    assert.ok(Math.abs(got.value - want) <= 1e-5 * Math.max(1, Math.abs(want)), `value ${got.value} vs reference ${want}`);
    const keys: ('pos' | 'neg' | 'negPerPositive')[] = ['pos', x.negPerPositive ? 'negPerPositive' : 'neg'];
    let nonZero = 0;
    for (const [arg, key] of keys.entries()) {
      const g = got.grads[arg];
      const fd = centralDifferences(c.reference, x, key);
      fd.forEach((d, e) => {
        if (Math.abs(d) > 1e-6) nonZero++;
        assert.ok(Math.abs(g[e] - d) <= 1e-4 + 1e-3 * Math.abs(d), `∂/∂${key}[${e}]: tfjs ${g[e]} vs finite difference ${d}`);
      });
    }
    assert.ok(nonZero > 0, 'the case exercises some gradient');
  });
});

test('ssm and adap-tau report the per-row loss at τ = 1 (no logQ) only when asked', () => {
  const x = makeInputs({ B: 4, P: 1, N: 5, range: 1, tauRow: true, posInvTau: 9, mask: true, logQ: true }, 7, []);
  for (const [name, options, includePositive] of [['ssm', { reduction: 'mean', logQ: 'exact', logQAlpha: 0.01 }, true], ['adap-tau', { standardInfoNCE: false }, false], ['adap-tau', { standardInfoNCE: true }, true]] as const) {
    const asked = tfLoss(name, options, x, true);
    const want = ssmRows(x, includePositive, true);
    assert.ok(asked.perRow, `${name} returns perRow`);
    want.forEach((w, b) => assert.ok(Math.abs(asked.perRow![b] - w) < 1e-4, `${name} row ${b}: ${asked.perRow![b]} vs ${w}`));
    assert.equal(tfLoss(name, options, x, false).perRow, undefined);
  }
});

test('adap-tau at β0 = β_u = 1/τ with the positive included is sampled softmax', () => {
  const x = makeInputs({ B: 4, P: 1, N: 6, range: 1, tau: 0.2, mask: true }, 9, []);
  const a = tfLoss('adap-tau', { standardInfoNCE: true }, x).value;
  const s = tfLoss('ssm', { reduction: 'mean', logQ: 'none', logQAlpha: 0.01 }, x).value;
  assert.ok(Math.abs(a - s) < 1e-5, `${a} vs ${s}`);
});

test('mscl with α = 0.5, ε = 0 and one positive is half of InfoNCE', () => {
  const x = makeInputs({ B: 5, P: 1, N: 5, range: 1, tau: 0.2, mask: true }, 11, []);
  const m = tfLoss('mscl', { positives: 1, alpha: 0.5, epsilon: 0 }, x).value;
  const s = tfLoss('ssm', { reduction: 'mean', logQ: 'none', logQAlpha: 0.01 }, x).value;
  assert.ok(Math.abs(m - s / 2) < 1e-5, `${m} vs ${s}/2`);
});

test('a mask of all ones equals no mask; masked negatives get exactly zero gradient', () => {
  for (const c of cases.filter((k) => !k.shape.negPerPositive)) {
    const x = makeInputs({ ...c.shape, mask: true }, 21, c.kinks ?? []);
    const got = tfLoss(c.loss, c.options, x);
    x.mask!.forEach((m, e) => { if (m === 0) assert.equal(got.grads[1][e], 0, `${c.loss}: masked neg[${e}] has gradient ${got.grads[1][e]}`); });
    const ones = { ...x, mask: x.mask!.map(() => 1) };
    const plain = { ...x, mask: undefined };
    assert.ok(Math.abs(tfLoss(c.loss, c.options, ones).value - tfLoss(c.loss, c.options, plain).value) < 1e-5, c.loss);
  }
});

test('nce on a hand-computed case: one row, s_pos = 2, negatives 0.5 and −1, uniform q = 1/4, k = 2', () => {
  // k·q = 1/2, so e^{Δ} = 2·e^{s}: ℓ = ln(1 + 1/(2e²)) + ln(1 + 2√e) + ln(1 + 2/e) = 2.07494…
  const x: RefInputs = { B: 1, P: 1, N: 2, pos: [2], neg: [0.5, -1], tau: 1, logQPos: [Math.log(0.25)], logQNeg: [Math.log(0.25), Math.log(0.25)] };
  const got = tfLoss('nce', { scores: 'raw', noise: 'exact', logQAlpha: 0.01, logZ: 0, reduction: 'mean' }, x);
  assert.ok(Math.abs(got.value - 2.0749413) < 1e-5, `nce = ${got.value}`);
  // ∂ℓ/∂s_pos = −σ(−Δ_pos) = −1/(1 + 2e²); ∂ℓ/∂s_j = σ(Δ_j) = 2e^{s_j}/(1 + 2e^{s_j})
  assert.ok(Math.abs(got.grads[0][0] + 1 / (1 + 2 * Math.E ** 2)) < 1e-5, `∂/∂pos ${got.grads[0][0]}`);
  [0.5, -1].forEach((s, j) => assert.ok(Math.abs(got.grads[1][j] - (2 * Math.exp(s)) / (1 + 2 * Math.exp(s))) < 1e-5, `∂/∂neg[${j}] ${got.grads[1][j]}`));
});

test('is-softmax: self-normalised with the positive corrected is ssm with logQ; unbiased differs by the −log N of the average', () => {
  const x = makeInputs({ B: 4, P: 1, N: 6, range: 1, tau: 0.2, logQ: true }, 31, []);
  const base = { proposal: 'sampler', proposalTemperature: 1, logQ: 'exact', logQAlpha: 0.01, reduction: 'mean' };
  const s = tfLoss('ssm', { reduction: 'mean', logQ: 'exact', logQAlpha: 0.01 }, x).value;
  const sn = tfLoss('is-softmax', { ...base, weights: 'self-normalised', includePositive: true, correctPositive: true }, x).value;
  assert.ok(Math.abs(sn - s) < 1e-5, `${sn} vs ssm ${s}`);
  // without the positive in Ẑ the two weightings differ by exactly log N per row
  const u = tfLoss('is-softmax', { ...base, weights: 'unbiased', includePositive: false, correctPositive: false }, x).value;
  const v = tfLoss('is-softmax', { ...base, weights: 'self-normalised', includePositive: false, correctPositive: false }, x).value;
  assert.ok(Math.abs(v - u - Math.log(6)) < 1e-5, `${v} − ${u} vs log 6`);
});

test('is-softmax unbiased: with many draws from a non-uniform q, Ẑ = (1/N)Σ e^{s_j}/q_j converges to the full partition function', () => {
  // a catalogue of 40 items with fixed scores; one row of N = 40 000 draws from q ∝ 1 + (j mod 5)
  const rng = new Rng(5);
  const nItems = 40;
  const scores = Array.from({ length: nItems }, () => rng.float() * 2 - 1);
  const weights = Array.from({ length: nItems }, (_, j) => 1 + (j % 5));
  const table = new AliasTable(weights);
  const N = 40_000;
  const neg: number[] = [];
  const logQNeg: number[] = [];
  for (let e = 0; e < N; e++) {
    const j = table.draw(rng);
    neg.push(scores[j]);
    logQNeg.push(Math.log(table.p[j]));
  }
  // positive excluded from Ẑ and scored 0: ℓ = log Ẑ
  const x: RefInputs = { B: 1, P: 1, N, pos: [0], neg, tau: 1, logQPos: [0], logQNeg };
  const got = tfLoss('is-softmax', { proposal: 'sampler', weights: 'unbiased', proposalTemperature: 1, logQ: 'exact', logQAlpha: 0.01, includePositive: false, correctPositive: false, reduction: 'mean' }, x).value;
  const Z = scores.reduce((a, s) => a + Math.exp(s), 0);
  assert.ok(Math.abs(got - Math.log(Z)) < 0.02, `log Ẑ = ${got} vs log Z = ${Math.log(Z)}`);
  // self-normalised weights do not estimate Z: the same row gives log Z + log N
  const sn = tfLoss('is-softmax', { proposal: 'sampler', weights: 'self-normalised', proposalTemperature: 1, logQ: 'exact', logQAlpha: 0.01, includePositive: false, correctPositive: false, reduction: 'mean' }, x).value;
  assert.ok(Math.abs(sn - got - Math.log(N)) < 1e-3, `${sn} − ${got} vs log N`);
});

test('nce streaming: log q per step becomes per draw by the draws of a step — B·N per-row, the columns when shared', () => {
  const x = makeInputs({ B: 3, P: 1, N: 4, range: 1, logQ: true }, 41, []);
  const options = { scores: 'raw', noise: 'streaming', logQAlpha: 0.01, logZ: 0, reduction: 'mean' };
  // per-row [B, N] log q: B·N = 12 draws a step
  assert.ok(Math.abs(tfLoss('nce', options, x).value - nceRef(x, { scores: 'raw', logZ: 0, reduction: 'mean', drawShift: Math.log(12) })) < 1e-5);
  // one shared row of column log q [1, N]: N = 4 draws a step
  const columns = x.logQNeg!.slice(0, 4);
  const got = tf.tidy(() => LOSSES.nce.create(options).compute({
    pos: tf.tensor2d(x.pos, [3, 1]), neg: tf.tensor2d(x.neg, [3, 4]), tau: 1,
    logQPos: tf.tensor2d(x.logQPos!, [3, 1]), logQNeg: tf.tensor2d(columns, [1, 4]),
  }).loss.dataSync()[0]);
  const want = nceRef({ ...x, logQNeg: [...columns, ...columns, ...columns] }, { scores: 'raw', logZ: 0, reduction: 'mean', drawShift: Math.log(4) });
  assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
});
