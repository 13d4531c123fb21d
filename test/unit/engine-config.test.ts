import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, applyOverrides, expandSweep, resolveConfig, resolveSweep } from '../../src/engine/config/validate';
import { editorSchema } from '../../src/engine/config/schema';

const problems = (raw: unknown): string[] => {
  try {
    resolveConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
};

test('a minimal config gets every default', () => {
  const c = resolveConfig({ name: 'x' });
  assert.equal(c.dataset.kind, 'synthetic');
  assert.equal(c.model.dim, 64);
  assert.equal(c.loss.kind, 'bpr');
  assert.equal((c.loss as { form?: string }).form, 'mean');
  assert.equal(c.sampler.negatives, 1);
  assert.equal(c.optimizer.kind, 'adam');
  assert.deepEqual(c.eval.ks, [10, 20, 50]);
  assert.equal(c.eval.selectOn, 'valid');
});

test('unknown keys and bad values name the JSON path and what was expected', () => {
  assert.deepEqual(problems({ name: 'x', optimizer: { lrr: 1 } }), ['$.optimizer: unknown key "lrr"']);
  assert.deepEqual(problems({ name: 'x', train: { epochs: 'ten' } }), ['$.train.epochs: expected integer']);
  assert.deepEqual(problems({ name: 'x', optimizer: { lr: -1 } }), ['$.optimizer.lr: must be > 0']);
  assert.match(problems({ name: 'x', loss: { kind: 'nope' } })[0], /^\$\.loss\.kind: expected one of "bpr"/);
  assert.deepEqual(problems({ name: 'x', loss: { kind: 'bpr', form: 'triple' } }), ['$.loss.form: expected one of "mean", "kpair"']);
  assert.deepEqual(problems({ name: 'x', eval: { ks: [20, 0] } }), ['$.eval.ks[1]: must be >= 1']);
  assert.deepEqual(problems({}), ['$: missing required key "name"']);
});

test('cross-field checks: valid selection needs a validation split; selection metric must be computed', () => {
  assert.match(problems({ name: 'x', split: { validRatio: 0 } })[0], /^\$\.eval\.selectOn: "valid" needs a validation split/);
  assert.match(problems({ name: 'x', eval: { selectMetric: 'recall@15' } })[0], /^\$\.eval\.selectMetric: K=15 is not in \$\.eval\.ks/);
});

test('--set overrides parse JSON values and create paths', () => {
  const r = applyOverrides({ name: 'x' }, ['optimizer.lr=0.01', 'eval.ks=[5,20]', 'name=other']);
  assert.deepEqual(r, { name: 'other', optimizer: { lr: 0.01 }, eval: { ks: [5, 20] } });
});

test('a sweep expands into the grid, and a bad point names itself', () => {
  const raw = { name: 'x', sweep: { 'optimizer.lr': [0.1, 0.01], 'model.dim': [8, 16, 32] } };
  const pts = expandSweep(raw);
  assert.equal(pts.length, 6);
  assert.deepEqual(pts[5].point, { 'optimizer.lr': 0.01, 'model.dim': 32 });
  assert.equal((pts[5].raw.model as { dim: number }).dim, 32);
  assert.equal(pts[0].raw.sweep, undefined);
  assert.equal(resolveSweep(raw).length, 6);
  assert.throws(() => resolveSweep({ name: 'x', sweep: { 'optimizer.lr': [0.1, -1] } }), /sweep point 2 \{"optimizer.lr":-1\}: .*\$\.optimizer\.lr: must be > 0/s);
});

test('the editor schema lists every loss and sampler option as a oneOf branch', () => {
  const s = editorSchema() as { properties: Record<string, { oneOf?: { properties: Record<string, unknown> }[] }> };
  const loss = s.properties.loss.oneOf!;
  assert.ok(loss.some((b) => 'form' in b.properties));
  assert.ok(s.properties.sampler.oneOf!.every((b) => 'negatives' in b.properties));
  assert.ok(s.properties.dataset.oneOf!.length >= 4);
});
