import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMemory, estimateMemory, formatEstimate, MemoryLimitError, shapeFromConfig } from '../../src/engine/estimate';
import { resolveConfig } from '../../src/engine/config/validate';
import { DEFAULT_TILE_ITEMS } from '../../src/engine/eval/types';
import { evaluationCount, formatTime, measurementKey, planTime, stepsPerEpoch, type TimeMeasurement } from '../../src/engine/estimate-time';
import { rowsPerEpochOf } from '../../src/engine/training/rows';
import { formatSlurmTime, parseSlurmTime, sbatchOptions, slurmTimeMinutes, TIME_FACTOR, TIME_MARGIN_MINUTES } from '../../src/scale/slurm/commands';

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
  // the WebAssembly kernels score blockUsers × items at once; the native ones a tile of DEFAULT_TILE_ITEMS items
  const wasm = { ...base, train: { kernels: 'wasm' as const } };
  const a = estimateMemory(resolveConfig(wasm), undefined, { cores: 2 });
  const b = estimateMemory(resolveConfig({ ...wasm, eval: { workers: 4, blockUsers: 4096 } }), undefined, { cores: 2 });
  const tiled = estimateMemory(resolveConfig({ ...wasm, train: { kernels: 'native' } }), undefined, { cores: 2 });
  assert.ok(Math.abs(part(a, /evaluation workers/) - part(tiled, /evaluation workers/) - 2 * 1024 * (20_000 - DEFAULT_TILE_ITEMS) * 4) < 1024);
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

test('estimateMemory: per-row negatives the fused step folds cost four item tables, not B·K gathered rows; the tfjs path and losses without a fused form still gather', () => {
  const perRow = (loss: string, extra: Record<string, unknown> = {}) =>
    resolveConfig({ ...base, model: { dim: 64, score: 'cosine', ...extra }, loss: { kind: loss }, sampler: { kind: 'uniform', negatives: 1024 }, train: { batchSize: 2048 } });
  const step = (e: ReturnType<typeof estimateMemory>): number => part(e, /^training step/);
  const folded = estimateMemory(perRow('adap-tau'), undefined, { cores: 2 });
  assert.match(folded.parts.find((p) => p.name.startsWith('training step'))!.name, /item table ×4/);
  assert.equal(step(folded), 4096 * 64 * 4 * 3 + 4 * 20_000 * 64 * 4 + 2048 * 1024 * 4 * 3);
  const gathered = estimateMemory(perRow('adap-tau', { fastPath: false }), undefined, { cores: 2 });
  assert.equal(step(gathered), (4096 + 2048 * 1024) * 64 * 4 * 3 + 2048 * 1024 * 4 * 3);
  assert.ok(step(gathered) > 20 * step(folded));
  assert.equal(step(estimateMemory(perRow('nce'), undefined, { cores: 2 })), step(gathered), 'NCE has no fused form');
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

// ---- the time estimate's arithmetic (src/engine/estimate-time.ts) and the Slurm time limit (src/scale/slurm/commands.ts)

const measurement = (over: Partial<TimeMeasurement> = {}): TimeMeasurement => ({
  threads: 2, backend: 'wasm', trains: true, stepSeconds: 0.25, stepsTimed: 10, warmupSteps: 2, rowsPerEpoch: 10_000, batchSize: 1024,
  stepsPerEpoch: 10, epochWorkSeconds: 0.5, embeddingsSeconds: 0.1, evalUsersTimed: 500, evalSecondsPerUser: 0.002, evalUsers: 1500,
  loadSeconds: 1.5, workerStartSeconds: 0.5, measuredSeconds: 4, ...over,
});

test('evaluationCount: every eval.every-th epoch and the last one; stepsPerEpoch: ⌈rows / batch⌉; rows of an epoch', () => {
  assert.equal(evaluationCount(10, 1), 10);
  assert.equal(evaluationCount(10, 3), 4); // epochs 3, 6, 9 and 10
  assert.equal(evaluationCount(9, 3), 3); // 3, 6, 9 (the last is one of them)
  assert.equal(evaluationCount(2, 5), 1); // only the last
  assert.equal(evaluationCount(0, 1), 0);
  assert.equal(stepsPerEpoch(10_000, 1024), 10); // 9 full batches and one of 784
  assert.equal(stepsPerEpoch(10_240, 1024), 10);
  assert.equal(stepsPerEpoch(10_241, 1024), 11);
  assert.equal(rowsPerEpochOf('interaction', 64_800, 3000), 64_800);
  assert.equal(rowsPerEpochOf('user', 64_800, 2900), 2900 * 22); // ⌊64800 / 2900⌋ = 22 rows per active user
});

test('planTime: start-up + epochs × (steps × step median + epoch work) + evaluations × evaluation time, by hand', () => {
  const c = resolveConfig({ ...base, train: { epochs: 20 }, eval: { every: 5, patience: 0 } });
  const e = planTime(c, measurement());
  assert.equal(e.epochs, 20);
  assert.equal(e.evaluations, 4);
  assert.ok(Math.abs(e.epochSeconds - (10 * 0.25 + 0.5)) < 1e-12); // 3 s
  assert.ok(Math.abs(e.evaluationSeconds - (0.1 + 1500 * 0.002)) < 1e-12); // 3.1 s
  assert.ok(Math.abs(e.trainSeconds - 60) < 1e-9);
  assert.ok(Math.abs(e.evalTotalSeconds - 12.4) < 1e-9);
  assert.equal(e.startSeconds, 2);
  assert.ok(Math.abs(e.totalSeconds - 74.4) < 1e-9);
  assert.equal(e.upperBound, undefined);
  // patience: the same figure, said to be an upper bound
  const p = planTime(resolveConfig({ ...base, train: { epochs: 20 }, eval: { every: 5, patience: 3 } }), measurement());
  assert.ok(Math.abs(p.totalSeconds - 74.4) < 1e-9);
  assert.match(p.upperBound!, /patience 3 .*upper bound/);
  // MostPop: no training, one evaluation
  const mp = planTime(resolveConfig({ ...base, model: { kind: 'mostpop' } }), measurement({ trains: false, stepSeconds: 0, stepsPerEpoch: 0, epochWorkSeconds: 0, embeddingsSeconds: 0 }));
  assert.deepEqual([mp.epochs, mp.evaluations, mp.trainSeconds], [0, 1, 0]);
  assert.ok(Math.abs(mp.totalSeconds - (2 + 1500 * 0.002)) < 1e-12);
  // the printed parts add up: training = epochs × epoch time, total = start-up + training + evaluations
  const text = formatTime(e);
  for (const [name, v] of [['epoch time', 3], ['training', 60], ['evaluations', 12.4], ['start-up', 2], ['total', 74.4]] as const) {
    assert.match(text, new RegExp(`  ${name} +${v.toFixed(3).replace('.', '\\.')} s`), name);
  }
  assert.match(text, /measured with 2 threads/);
});

test('measurementKey: lr, epochs, eval.every, patience and seeds share a measurement; dim, batch size and sampler do not', () => {
  const k = (o: Record<string, unknown>): string => measurementKey(resolveConfig({ ...base, ...o }));
  const a = k({});
  assert.equal(k({ optimizer: { lr: 0.01 } }), a);
  assert.equal(k({ seed: 7, train: { epochs: 3 }, eval: { every: 2, patience: 1, workers: 2 } }), a);
  assert.notEqual(k({ model: { dim: 32 } }), a);
  assert.notEqual(k({ train: { batchSize: 512 } }), a);
  assert.notEqual(k({ sampler: { kind: 'popularity' } }), a);
  assert.notEqual(k({ eval: { workers: 1 } }), a);
});

test('Slurm time limit: the estimate × 1.5 + 10 min, rounded up to whole minutes; MM under an hour, D-HH:MM:SS above', () => {
  assert.equal(TIME_FACTOR, 1.5);
  assert.equal(TIME_MARGIN_MINUTES, 10);
  assert.equal(slurmTimeMinutes(0), 10);
  assert.equal(slurmTimeMinutes(40), 11); // 60 s → 1 min + 10
  assert.equal(slurmTimeMinutes(40.001), 12); // just over a minute rounds up
  assert.equal(slurmTimeMinutes(74.4), 12); // 111.6 s = 1.86 min → 11.86 → 12
  assert.equal(slurmTimeMinutes(3600), 100); // 1.5 h + 10 min
  assert.equal(formatSlurmTime(12), '12');
  assert.equal(formatSlurmTime(59), '59');
  assert.equal(formatSlurmTime(60), '0-01:00:00');
  assert.equal(formatSlurmTime(100), '0-01:40:00');
  assert.equal(formatSlurmTime(1440 + 61), '1-01:01:00');
  // and back, as scontrol prints TimeLimit
  for (const [t, m] of [['12', 12], ['00:12:00', 12], ['01:40:00', 100], ['1-01:01:00', 1501], ['0-01:40:00', 100], ['2-00', 2880], ['5:30', 5.5]] as const) assert.equal(parseSlurmTime(t), m, t);
  for (const m of [10, 59, 60, 61, 1439, 1440, 4000]) assert.equal(parseSlurmTime(formatSlurmTime(m)), m);
  assert.deepEqual(sbatchOptions({}, undefined, 12), ['--time=12']);
  assert.deepEqual(sbatchOptions({ time: '1:00:00' }, undefined, 12), ['--time=1:00:00']); // given: kept
});
