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
import type { LossInputs } from '../../src/engine/losses/types';
import { adapTauRef, bceRef, cclRef, gdnsRef, mmclRef, msclRef, ssmRef, ssmRows, type RefInputs } from './losses-reference';

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
];

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
