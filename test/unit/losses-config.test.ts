/** Config validation of the loss and temperature options: defaults, types, cross-field checks, editor schema. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from '../../src/engine/config/validate';
import { editorSchema } from '../../src/engine/config/schema';

const problems = (raw: Record<string, unknown>): string[] => {
  try {
    resolveConfig({ name: 'x', ...raw });
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
};
const cosine = { model: { score: 'cosine' } };

test('every loss resolves with its defaults', () => {
  const c = (loss: string, extra: Record<string, unknown> = cosine) => resolveConfig({ name: 'x', loss: { kind: loss }, ...extra }).loss as Record<string, unknown>;
  assert.deepEqual(c('bce', {}), { kind: 'bce', scores: 'raw', negatives: 'mean', negativeWeight: 1, reduction: 'mean' });
  assert.deepEqual(c('ssm', {}), { kind: 'ssm', reduction: 'mean', logQ: 'none', logQAlpha: 0.01 });
  assert.deepEqual(c('ccl'), { kind: 'ccl', margin: 0.9, negativeWeight: 150 });
  assert.deepEqual(c('mscl'), { kind: 'mscl', positives: 15, alpha: 0.45, epsilon: 1e-5 });
  assert.deepEqual(c('mmcl'), { kind: 'mmcl', margins: [0.9, 0.6, 0.3], weights: [150, 50, 10] });
  assert.deepEqual(c('gdns-hinge', {}), { kind: 'gdns-hinge', margin: 0.1, positives: 1, pairs: 'sum', reduction: 'mean' });
  assert.deepEqual(c('adap-tau'), { kind: 'adap-tau', standardInfoNCE: false });
  assert.equal(resolveConfig({ name: 'x', loss: { kind: 'ccl', negativeWeight: null }, ...cosine }).loss.negativeWeight, null);
});

test('bad loss options name their path', () => {
  assert.deepEqual(problems({ loss: { kind: 'ssm', logQ: 'yes' } }), ['$.loss.logQ: expected one of "none", "exact", "streaming"']);
  assert.deepEqual(problems({ loss: { kind: 'ssm', logQAlpha: 0 } }), ['$.loss.logQAlpha: must be > 0']);
  assert.deepEqual(problems({ loss: { kind: 'mscl', alpha: 1.5 }, ...cosine }), ['$.loss.alpha: must be <= 1']);
  assert.deepEqual(problems({ loss: { kind: 'mscl', positives: 0 }, ...cosine }), ['$.loss.positives: must be >= 1']);
  assert.deepEqual(problems({ loss: { kind: 'ccl', margin: 2 }, ...cosine }), ['$.loss.margin: must be <= 1']);
  assert.deepEqual(problems({ loss: { kind: 'mmcl', margins: [0.9, 'x'] }, ...cosine }), ['$.loss.margins[1]: expected number']);
  assert.deepEqual(problems({ loss: { kind: 'mmcl', margins: [0.9, 0.5], weights: [1, 2, 3] }, ...cosine }), ['$.loss.weights: expected 2 weights, one per margin (got 3)']);
  assert.deepEqual(problems({ loss: { kind: 'gdns-hinge', pairs: 'max' } }), ['$.loss.pairs: expected one of "sum", "mean"']);
  assert.deepEqual(problems({ loss: { kind: 'adap-tau', tau: 0.1 }, ...cosine }), ['$.loss: unknown key "tau"']);
});

test('cosine losses refuse a dot-product model', () => {
  for (const loss of ['ccl', 'mmcl', 'mscl', 'adap-tau']) {
    assert.deepEqual(problems({ loss: { kind: loss } }), [`$.model.score: loss "${loss}" needs cosine scores; set "cosine"`]);
  }
  assert.doesNotThrow(() => resolveConfig({ name: 'x', model: { kind: 'mostpop' }, loss: { kind: 'ccl' } }));
});

test('temperature: each scheme has its own options with defaults; unknown keys are errors', () => {
  assert.deepEqual(resolveConfig({ name: 'x' }).temperature, { kind: 'fixed', tau: 1 });
  assert.deepEqual(resolveConfig({ name: 'x', loss: { kind: 'ssm' }, temperature: { kind: 'adaptive-global' } }).temperature, {
    kind: 'adaptive-global', warmupEpochs: 100, warmupGap: 0.7, degreeQuantile: 0.2,
  });
  assert.deepEqual(resolveConfig({ name: 'x', loss: { kind: 'adap-tau' }, ...cosine, temperature: { kind: 'adaptive', scale: 0.25, base: 'quantile' } }).temperature, {
    kind: 'adaptive', warmupEpochs: 100, warmupGap: 0.7, degreeQuantile: 0.2, base: 'quantile', quantile: 0.9, scale: 0.25,
  });
  assert.deepEqual(problems({ temperature: { kind: 'fixed', tau: 0 } }), ['$.temperature.tau: must be > 0']);
  assert.deepEqual(problems({ loss: { kind: 'ssm' }, temperature: { kind: 'adaptive-global', scale: 1 } }), ['$.temperature: unknown key "scale"']);
  assert.deepEqual(problems({ loss: { kind: 'ssm' }, temperature: { kind: 'adaptive', base: 'median' } }), ['$.temperature.base: expected one of "mean", "quantile"']);
  assert.match(problems({ temperature: { kind: 'warm' } })[0], /^\$\.temperature\.kind: expected one of "fixed", "adaptive-global", "adaptive"/);
});

test('an adaptive temperature needs a loss that uses τ; per-user Adap-τ needs per-row losses', () => {
  assert.match(problems({ temperature: { kind: 'adaptive-global' } })[0], /^\$\.temperature\.kind: "adaptive-global" adapts a temperature that loss "bpr" does not use/);
  assert.match(problems({ loss: { kind: 'ccl' }, ...cosine, temperature: { kind: 'adaptive' } })[0], /loss "ccl" does not use/);
  assert.match(problems({ loss: { kind: 'mscl' }, ...cosine, temperature: { kind: 'adaptive' } })[0], /^\$\.temperature\.kind: "adaptive" learns per-user τ from per-row losses, which loss "mscl" does not report/);
  assert.doesNotThrow(() => resolveConfig({ name: 'x', loss: { kind: 'mscl' }, ...cosine, temperature: { kind: 'adaptive-global' } }));
  assert.doesNotThrow(() => resolveConfig({ name: 'x', loss: { kind: 'bce', scores: 'tau' }, temperature: { kind: 'adaptive-global' } }));
  assert.doesNotThrow(() => resolveConfig({ name: 'x', loss: { kind: 'ssm' }, temperature: { kind: 'adaptive' } }));
});

test('the editor schema lists every loss and temperature scheme as a oneOf branch', () => {
  const s = editorSchema() as { properties: Record<string, { oneOf?: { properties: Record<string, unknown> }[] }> };
  const losses = s.properties.loss.oneOf!.map((b) => (b.properties.kind as { const: string }).const);
  assert.deepEqual(losses.sort(), ['adap-tau', 'bce', 'bpr', 'ccl', 'gdns-hinge', 'is-softmax', 'mmcl', 'mscl', 'nce', 'ssm']);
  const temps = s.properties.temperature.oneOf!.map((b) => (b.properties.kind as { const: string }).const);
  assert.deepEqual(temps, ['fixed', 'adaptive-global', 'adaptive']);
  assert.ok('scale' in s.properties.temperature.oneOf![2].properties);
});

test('nce and is-softmax: defaults and the importance-sampling cross checks; survey sampler options resolve', () => {
  const c = (loss: Record<string, unknown>) => resolveConfig({ name: 'x', loss }).loss as Record<string, unknown>;
  assert.deepEqual(c({ kind: 'nce' }), { kind: 'nce', scores: 'raw', noise: 'exact', logQAlpha: 0.01, logZ: 0, reduction: 'mean' });
  assert.deepEqual(c({ kind: 'is-softmax' }), { kind: 'is-softmax', proposal: 'sampler', weights: 'unbiased', proposalTemperature: 1, logQ: 'exact', logQAlpha: 0.01, includePositive: true, correctPositive: false, reduction: 'mean' });
  assert.deepEqual(problems({ loss: { kind: 'is-softmax', proposal: 'score' } }), ['$.loss.weights: a score-based proposal has no known normaliser; use "self-normalised"']);
  assert.deepEqual(problems({ loss: { kind: 'is-softmax', logQ: 'streaming' } }), ['$.loss.weights: the streaming estimate is a per-step, not a normalised per-draw, probability; use "self-normalised"']);
  const sampler = (s: Record<string, unknown>) => resolveConfig({ name: 'x', sampler: s }).sampler as Record<string, unknown>;
  assert.equal(sampler({ kind: 'mh' }).burnIn, 20);
  assert.deepEqual(sampler({ kind: 'real-negatives' }).rest, { kind: 'uniform' });
  assert.equal(sampler({ kind: 'dfn', checkpoint: 'runs' }).hardShare, 0.2);
  assert.deepEqual(problems({ sampler: { kind: 'two-group', lowProbability: 2 } }), ['$.sampler.lowProbability: must be <= 1']);
});
