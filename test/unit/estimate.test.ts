import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMemory, estimateMemory, formatEstimate, MemoryLimitError, shapeFromConfig } from '../../src/engine/estimate';
import { resolveConfig } from '../../src/engine/config/validate';

const base = { name: 'e', dataset: { kind: 'synthetic', users: 100_000, items: 20_000, interactionsPerUser: 10 }, model: { dim: 64 }, eval: { workers: 2 } };
const part = (e: ReturnType<typeof estimateMemory>, re: RegExp): number => e.parts.filter((p) => re.test(p.name)).reduce((a, p) => a + p.bytes, 0);

test('estimateMemory: tables and optimiser state follow users, items, dim and the optimiser', () => {
  const lazy = estimateMemory(resolveConfig(base), undefined, { cores: 2 });
  assert.equal(part(lazy, /^embedding tables$/), 120_000 * 64 * 4);
  assert.equal(part(lazy, /Adam moments/), 2 * 120_000 * 64 * 4);
  assert.equal(part(lazy, /dense Adam/), 0);
  const dense = estimateMemory(resolveConfig({ ...base, optimizer: { lazy: false } }), undefined, { cores: 2 });
  assert.ok(part(dense, /dense Adam full gradient/) >= 120_000 * 64 * 4);
  assert.ok(dense.total > lazy.total);
  const sgd = estimateMemory(resolveConfig({ ...base, optimizer: { kind: 'sgd' } }), undefined, { cores: 2 });
  assert.equal(part(sgd, /Adam|Adagrad/), 0);
  const wide = estimateMemory(resolveConfig({ ...base, model: { dim: 128 } }), undefined, { cores: 2 });
  assert.equal(part(wide, /^embedding tables$/), 2 * part(lazy, /^embedding tables$/));
});

test('estimateMemory: evaluation blocks scale with blockUsers × items × workers; the shape can be given', () => {
  const a = estimateMemory(resolveConfig(base), undefined, { cores: 2 });
  const b = estimateMemory(resolveConfig({ ...base, eval: { workers: 4, blockUsers: 4096 } }), undefined, { cores: 2 });
  const blockA = 2 * 1024 * 20_000 * 4;
  const blockB = 4 * 4096 * 20_000 * 4;
  assert.ok(Math.abs(part(b, /evaluation workers/) - part(a, /evaluation workers/) - (blockB - blockA)) < 4 * 40 * 2 ** 20);
  // a given shape (a loaded dataset) replaces the config's sizes
  const file = resolveConfig({ ...base, dataset: { kind: 'csv', path: 'x.csv' }, split: { method: 'ratio' } });
  assert.equal(shapeFromConfig(file), null);
  const unknown = estimateMemory(file, undefined, { cores: 2 });
  assert.equal(unknown.exactShape, false);
  const known = estimateMemory(file, { users: 1000, items: 500, train: 8000, valid: 1000, test: 1000 }, { cores: 2 });
  assert.equal(known.exactShape, true);
  assert.equal(part(known, /^embedding tables$/), 1500 * 64 * 4);
  assert.match(formatEstimate(known), /1,000 users × 500 items/);
});

test('checkMemory refuses with the estimate and the machine memory; RECLAB_MEMORY_CHECK=off skips it', () => {
  const e = estimateMemory(resolveConfig(base), undefined, { cores: 2 });
  const GB = 2 ** 30;
  assert.doesNotThrow(() => checkMemory(e, { total: 16 * GB, available: 8 * GB }, {}));
  assert.throws(() => checkMemory(e, { total: e.total / 2, available: e.total / 4 }, {}), (err: Error) => {
    assert.ok(err instanceof MemoryLimitError);
    assert.match(err.message, /needs about [\d.]+ [MG]B of memory \(.*\) but this machine has [\d.]+ MB/);
    return true;
  });
  assert.throws(() => checkMemory(e, { total: 16 * GB, available: e.total / 2 }, {}), /only [\d.]+ MB of 16\.0 GB is available now/);
  assert.throws(() => checkMemory(e, { total: 16 * GB, available: 8 * GB, limit: e.total / 2 }, {}), /\(its memory limit\)/);
  assert.doesNotThrow(() => checkMemory(e, { total: e.total / 2, available: 0 }, { RECLAB_MEMORY_CHECK: 'off' }));
});
