/** The sweep view's pure model (webview/sweep/model.ts) and the host's view data (src/extension/panels/sweep-session.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SweepViewData, SweepViewTrial } from '../../src/protocol/sweep-view';
import type { ResultSummary } from '../../src/runs/summary';
import { axisPosition, buildModel, METRIC_AXIS, paramAxis, trialClass, trialValue, varyingParameters } from '../../webview/sweep/model';
import { sweepViewData } from '../../src/extension/panels/sweep-session';
import type { SweepRecord } from '../../src/runs/records';
import type { RunRecord } from '../../src/runs/reader';

const result = (selected: number, epoch: number, last: number, max: number): ResultSummary => ({
  selectMetric: 'ndcg@20', selectSplit: 'valid',
  selection: { metric: 'ndcg@20', split: 'valid', epoch, value: selected },
  atSelection: { valid: { 'ndcg@20': selected }, test: { 'ndcg@20': selected + 0.5 } },
  stats: {
    valid: { 'ndcg@20': { last, lastEpoch: 9, min: 0.01, minEpoch: 1, max, maxEpoch: epoch } },
    // a test curve whose maximum is higher: never what the view shows
    test: { 'ndcg@20': { last: 0.9, lastEpoch: 9, min: 0.01, minEpoch: 1, max: 0.99, maxEpoch: 3 } },
  },
});

const trial = (index: number, point: Record<string, unknown>, status: SweepViewTrial['status'], r?: ResultSummary, pruned = false): SweepViewTrial =>
  ({ index, point, status, pruned, ...(r ? { result: r, runId: `run-${index}` } : {}) });

const data: SweepViewData = {
  id: 's', name: 's', experiment: 'e', status: 'running', strategy: 'random', metric: 'ndcg@20',
  space: {
    'optimizer.lr': { type: 'log-uniform', min: 1e-4, max: 1e-1 },
    'model.dim': { type: 'integer', min: 8, max: 64 },
    'loss.kind': { type: 'choice', values: ['bpr', 'ssm'] },
    'sampler.negatives': { type: 'choice', values: [1] },
  },
  scheduler: { kind: 'asha', minEpochs: 1, eta: 3 }, budget: { runs: 6, wallSeconds: 0 }, executor: 'local', activeSeconds: 3, updatedAt: '', decisions: [],
  trials: [
    trial(0, { 'optimizer.lr': 0.01, 'model.dim': 32, 'loss.kind': 'bpr', 'sampler.negatives': 1 }, 'finished', result(0.3, 8, 0.28, 0.3)),
    trial(1, { 'optimizer.lr': 0.001, 'model.dim': 8, 'loss.kind': 'ssm', 'sampler.negatives': 1 }, 'stopped', result(0.1, 1, 0.1, 0.1), true),
    trial(2, { 'optimizer.lr': 0.1, 'model.dim': 64, 'loss.kind': 'bpr', 'sampler.negatives': 1 }, 'finished', result(0.2, 4, 0.15, 0.2)),
    trial(3, { 'optimizer.lr': 0.0001, 'model.dim': 16, 'loss.kind': 'nope', 'sampler.negatives': 1 }, 'failed'),
    trial(4, { 'optimizer.lr': 0.05, 'model.dim': 20, 'loss.kind': 'ssm', 'sampler.negatives': 1 }, 'stopped', result(0.05, 2, 0.04, 0.05)),
  ],
};

test('varying parameters, axes (log for log-uniform, slots for choices) and positions', () => {
  assert.deepEqual(varyingParameters(data), ['optimizer.lr', 'model.dim', 'loss.kind']);
  const lr = paramAxis('optimizer.lr', data.space['optimizer.lr'], [0.01]);
  assert.equal(lr.scale, 'log');
  assert.ok(Math.abs(axisPosition(lr, 1e-2)! - 2 / 3) < 1e-12, 'log position');
  const loss = paramAxis('loss.kind', data.space['loss.kind'], ['bpr', 'nope']);
  assert.deepEqual(loss.categories, ['"bpr"', '"ssm"', '"nope"']);
  assert.equal(axisPosition(loss, 'ssm'), 0.5);
  const dim = paramAxis('model.dim', data.space['model.dim'], [8, 64]);
  assert.equal(axisPosition(dim, 36), 0.5);
});

test('values come from the run summary: the selection at the selected epoch, or last / min / max of the selection split', () => {
  const t = data.trials[0];
  assert.equal(trialValue(t, 'ndcg@20', 'best'), 0.3);
  assert.equal(trialValue(t, 'ndcg@20', 'last'), 0.28);
  assert.equal(trialValue(t, 'ndcg@20', 'max'), 0.3, 'the valid maximum, not the test curve\'s 0.99');
  assert.equal(trialValue(data.trials[3], 'ndcg@20', 'best'), undefined);
});

test('classes: best, ASHA-pruned, user-stopped and failed are told apart', () => {
  const m = buildModel(data, { params: varyingParameters(data), kind: 'best', brushes: {} });
  assert.equal(m.bestIndex, 0);
  assert.deepEqual([...m.classes], [[0, 'best'], [1, 'pruned'], [2, 'finished'], [3, 'failed'], [4, 'stopped']]);
  assert.equal(trialClass({ ...data.trials[2], status: 'running' }, 0), 'running');
  assert.equal(m.selected.size, 5);
  assert.deepEqual(m.importance.map((i) => i.path).sort(), ['loss.kind', 'model.dim', 'optimizer.lr']);
});

test('brushes filter on parameters and on the metric; a trial without a value fails a metric brush', () => {
  const params = varyingParameters(data);
  const byLoss = buildModel(data, { params, kind: 'best', brushes: { 'loss.kind': [0, 0.25] } });
  assert.deepEqual([...byLoss.selected].sort(), [0, 2], 'bpr only');
  const m0 = buildModel(data, { params, kind: 'best', brushes: {} });
  const a = m0.metricAxis!;
  const p = (v: number) => axisPosition(a, v)!;
  const top = buildModel(data, { params, kind: 'best', brushes: { [METRIC_AXIS]: [p(0.15), 1] } });
  assert.deepEqual([...top.selected].sort(), [0, 2]);
  // a brush on an axis not shown does not filter
  const hidden = buildModel(data, { params: ['model.dim'], kind: 'best', brushes: { 'loss.kind': [0, 0.25] } });
  assert.equal(hidden.selected.size, 5);
});

test('host view data: the run status while it trains, pruned from ASHA\'s reason, the run summary joined', () => {
  const record = {
    id: 's', name: 's', experiment: 'e', status: 'running', strategy: 'random', metric: 'ndcg@20', space: data.space,
    search: { scheduler: { kind: 'asha', minEpochs: 1, eta: 3 }, budget: { runs: 3, wallSeconds: 0 } }, executor: { kind: 'local' },
    activeSeconds: 1, updatedAt: 'now', decisions: [{ t: 1, trial: 0, kind: 'propose', message: 'trial 0' }],
    trials: [
      { index: 0, point: { 'model.dim': 8 }, status: 'queued', runId: 'r0' },
      { index: 1, point: { 'model.dim': 16 }, status: 'stopped', runId: 'r1', reason: 'pruned by ASHA at rung 0 (epoch 1): …' },
      { index: 2, point: { 'model.dim': 32 }, status: 'pending' },
    ],
  } as unknown as SweepRecord;
  const runs: Record<string, RunRecord> = {
    r0: { id: 'r0', dir: '/r0', info: { status: 'running', progress: { epoch: 2, epochs: 9 } } as never, summary: { ...result(0.2, 2, 0.2, 0.2), epochsRun: 2, wallSeconds: 1 } as never },
  };
  const v = sweepViewData(record, (id) => runs[id]);
  assert.equal(v.trials[0].status, 'running');
  assert.deepEqual(v.trials[0].progress, { epoch: 2, epochs: 9 });
  assert.equal(v.trials[0].result?.selection?.value, 0.2);
  assert.equal(v.trials[1].pruned, true);
  assert.equal(v.trials[2].status, 'pending');
  assert.equal(v.decisions.length, 1);
});
