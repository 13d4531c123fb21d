import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunStatus, RunEvent } from '../../src/protocol/events';
import type { RunRecord } from '../../src/runs/reader';
import type { RunInfo, RunSummary } from '../../src/runs/format';
import { buildTree, buildRows, matchesFilter, patchTree, type GroupRow, type RunRow, type SweepRow } from '../../src/extension/host/runTree';
import { bestMetric, describeRun, formatDuration, formatMetric, progressOf } from '../../src/extension/host/format';
import { csvCell, runsToCsv } from '../../src/extension/host/csv';
import { statusBarText } from '../../src/extension/host/statusText';
import { collectDatasets, datasetOf } from '../../src/extension/host/datasets';
import { choicesFromSchema, composeConfig, configFileName, MODEL_CHOICES } from '../../src/extension/host/templates';
import { expandGrid, formatOverrides, LaunchQueue } from '../../src/extension/host/queue';
import { resolveConfig } from '../../src/engine/config/validate';

function rec(id: string, status: RunStatus, extra: Partial<RunInfo> = {}, summary?: RunSummary): RunRecord {
  const info: RunInfo = {
    formatVersion: 1, id, name: extra.name ?? id, experiment: extra.experiment ?? 'exp', status,
    createdAt: extra.createdAt ?? '2026-11-22T10:00:00.000Z', versions: { reclab: '0', node: 'v20' }, ...extra,
  };
  return { id, dir: `/runs/${id}`, info, summary };
}

const summary = (v: number): RunSummary => ({ selectMetric: 'ndcg@20', selectSplit: 'valid', bestEpoch: 7, best: { 'ndcg@20': v, 'recall@20': 2 * v }, epochsRun: 10, wallSeconds: 3 });

test('format: durations, metrics, progress, best metric with fallback', () => {
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(200), '3m 20s');
  assert.equal(formatDuration(3 * 3600 + 54 * 60), '3h 54m');
  assert.equal(formatDuration(undefined), '–');
  assert.equal(formatMetric(0.123456), '0.1235');
  const r = rec('a', 'finished', {}, summary(0.2));
  assert.deepEqual(bestMetric(r, 'ndcg@20'), { metric: 'ndcg@20', kind: 'best', selectSplit: 'valid', values: { valid: 0.2 }, epochs: { valid: 7 } });
  assert.equal(bestMetric(r, 'mrr@10')?.metric, 'ndcg@20', 'falls back to the selection metric');
  const events: RunEvent[] = [
    { t: 1, kind: 'start', runId: 'a', name: 'a', backend: 'cpu', epochs: 9, stepsPerEpoch: 3, summary: '', dataset: { name: 's', users: 1, items: 1, train: 1, valid: 0, test: 1, density: 1, giniItemPopularity: 0 } },
    { t: 2, kind: 'epoch', epoch: 2, loss: 1, seconds: 1, examplesPerSec: 1, lr: 1, etaSeconds: 7 },
  ];
  assert.deepEqual(progressOf(rec('b', 'running'), events), { epoch: 2, epochs: 9, etaSeconds: 7 });
});

test('format: one-line descriptions per status', () => {
  assert.equal(describeRun(rec('a', 'running', { progress: { epoch: 1, epochs: 20, etaSeconds: 65 } }), 'ndcg@20'), 'epoch 1/20 · ETA 1m 05s');
  // from epoch 2 on the ETA is the mean wall time per epoch so far (evaluations included) times the epochs left,
  // counted down since the update that carried the progress
  const live = rec('a', 'running', { progress: { epoch: 4, epochs: 20, etaSeconds: 1 }, startedAt: '2026-11-22T10:00:00.000Z', heartbeatAt: '2026-11-22T10:00:40.000Z' });
  assert.equal(describeRun(live, 'ndcg@20', { now: Date.parse('2026-11-22T10:00:40.000Z') }), 'epoch 4/20 · ETA 2m 40s');
  assert.equal(describeRun(live, 'ndcg@20', { now: Date.parse('2026-11-22T10:00:50.000Z') }), 'epoch 4/20 · ETA 2m 30s');
  assert.equal(describeRun(rec('a', 'running'), 'ndcg@20', { stopping: true }), 'stopping…');
  assert.equal(describeRun(rec('a', 'finished', {}, summary(0.25)), 'ndcg@20'), 'ndcg@20 valid 0.2500 @ ep 7');
  assert.equal(describeRun(rec('a', 'finished', {}, summary(0.25)), 'recall@20'), 'recall@20 valid 0.5000 @ ep 7');
  assert.equal(
    describeRun(rec('a', 'finished', { reason: 'early stop: no improvement', progress: { epoch: 62, epochs: 150 } }, summary(0.25)), 'ndcg@20'),
    'ndcg@20 valid 0.2500 @ ep 7 · early stop at 62/150',
  );
  assert.match(describeRun(rec('a', 'failed', { reason: 'engine process ended unexpectedly (exit code 3)' }), 'ndcg@20'), /^failed: engine process/);
  assert.match(describeRun(rec('a', 'stopped', { progress: { epoch: 4, epochs: 50 } }), 'ndcg@20'), /^stopped at 4\/50/);
});

test('run tree: grouping by experiment and dataset, flat, newest first, pending launches on top', () => {
  const records = [
    rec('r1', 'finished', { experiment: 'mf-bpr', dataset: 'yelp', createdAt: '2026-11-22T10:00:00Z' }),
    rec('r2', 'running', { experiment: 'mf-ssm', dataset: 'yelp', createdAt: '2026-11-22T11:00:00Z' }),
    rec('r3', 'failed', { experiment: 'mf-bpr', dataset: 'synthetic', createdAt: '2026-11-22T12:00:00Z' }),
  ];
  const pending = [{ id: 'q1', enqueuedAt: 0, request: { configPath: '/w/a.reclab.json', overrides: [], label: 'mf-bpr' } }];
  const byExp = buildTree(records, pending, { grouping: 'experiment', metric: 'ndcg@20' }) as GroupRow[];
  assert.deepEqual(byExp.map((g) => g.label), ['mf-bpr', 'mf-ssm']);
  assert.deepEqual(byExp[0]!.runs.map((r) => r.id), ['q1', 'r3', 'r1']);
  assert.equal(byExp[0]!.description, '3 runs · 1 queued');
  assert.equal(byExp[0]!.runs[0]!.contextValue, 'run.queued.pending');
  const byData = buildTree(records, [], { grouping: 'dataset', metric: 'ndcg@20' }) as GroupRow[];
  assert.deepEqual(byData.map((g) => [g.label, g.runs.length]), [['synthetic', 1], ['yelp', 2]]);
  const flat = buildTree(records, [], { grouping: 'flat', metric: 'ndcg@20' }) as RunRow[];
  assert.deepEqual(flat.map((r) => r.id), ['r3', 'r2', 'r1']);
  assert.deepEqual(flat.map((r) => r.contextValue), ['run.failed', 'run.running', 'run.finished']);
  // a pending launch that already has its run directory is shown once
  assert.equal(buildRows(records, [{ ...pending[0]!, id: 'r2' }], { grouping: 'flat', metric: 'ndcg@20' }).length, 3);
});

test('run tree: unreadable run folders are listed with the reason; a run\'s problems are in its tooltip', () => {
  const records = [{ ...rec('r1', 'finished'), problems: ['summary.json ignored: $.epochsRun is missing'] }];
  const unreadable = [{ id: 'broken', dir: '/runs/broken', reason: 'run.json: expected an object, got an array' }];
  const flat = buildTree(records, [], { grouping: 'flat', metric: 'ndcg@20', unreadable }) as RunRow[];
  assert.deepEqual(flat.map((r) => [r.id, r.contextValue]), [['r1', 'run.finished'], ['broken', 'run.unreadable']]);
  assert.equal(flat[1]!.description, 'unreadable: run.json: expected an object, got an array');
  assert.match(flat[1]!.tooltip, /expected an object, got an array/);
  assert.equal(flat[1]!.record, undefined);
  assert.match(flat[0]!.tooltip, /⚠ summary\.json ignored: \$\.epochsRun is missing/);
  const byExp = buildTree(records, [], { grouping: 'experiment', metric: 'ndcg@20', unreadable }) as GroupRow[];
  assert.deepEqual(byExp.map((g) => g.label), ['exp', 'unreadable runs']);
  assert.equal(buildRows(records, [], { grouping: 'flat', metric: 'ndcg@20', unreadable, filter: 'unreadable' }).length, 1);
});

test('run tree: the filter matches all words across name, status, dataset, note', () => {
  const r = rec('20261122-x', 'finished', { name: 'MF BPR', dataset: 'yelp2018', note: 'baseline for paper' }, summary(0.1));
  const row = buildRows([r], [], { grouping: 'flat', metric: 'ndcg@20' })[0]!;
  assert.ok(matchesFilter(r, row, 'bpr yelp'));
  assert.ok(matchesFilter(r, row, 'BASELINE finished'));
  assert.ok(!matchesFilter(r, row, 'bpr gowalla'));
  assert.equal(buildRows([r], [], { grouping: 'flat', metric: 'ndcg@20', filter: 'running' }).length, 0);
});

test('csv: one row per evaluation with the epoch loss, metric columns sorted, cells escaped', () => {
  const events: RunEvent[] = [
    { t: 1, kind: 'epoch', epoch: 1, loss: 0.5, seconds: 1, examplesPerSec: 1, lr: 1, etaSeconds: 1 },
    { t: 2, kind: 'eval', epoch: 1, split: 'valid', metrics: { 'recall@20': 0.3, 'ndcg@20': 0.2, 'recall@10': 0.1 }, seconds: 0.5, users: 9 },
  ];
  const csv = runsToCsv([{ record: rec('r1', 'finished', { name: 'a, "b"' }), events }]);
  const [head, row] = csv.trim().split('\n');
  assert.equal(head, 'run_id,run_name,experiment,dataset,status,epoch,split,train_loss,eval_seconds,ndcg@20,recall@10,recall@20');
  assert.equal(row, 'r1,"a, ""b""",exp,,finished,1,valid,0.5,0.5,0.2,0.1,0.3');
  assert.equal(csvCell(Number.NaN), '');
});

test('status bar: progress, ETA, more runs and queue', () => {
  assert.equal(statusBarText([], 0), undefined);
  assert.match(statusBarText([], 2)!.text, /2 queued/);
  const s = statusBarText([
    rec('a', 'running', { name: 'mf-bpr', progress: { epoch: 1, epochs: 20, etaSeconds: 90 } }),
    rec('b', 'running', { name: 'mf-ssm' }),
  ], 1)!;
  assert.equal(s.text, '$(sync~spin) mf-bpr · 1/20 · 5% · ETA 1m 30s +1 · 1 queued');
  assert.match(s.tooltip, /mf-bpr: epoch 1\/20 · 5% · ETA 1m 30s/);
  assert.equal(s.runId, 'a');
});

test('datasets: configs grouped by dataset, stats attached', () => {
  assert.equal(datasetOf({ dataset: { kind: 'lightgcn', path: 'data/yelp2018' } })?.label, 'yelp2018 (lightgcn)');
  assert.equal(datasetOf({})?.kind, 'synthetic');
  const stats = { name: 'yelp2018', users: 10, items: 5, train: 30, valid: 0, test: 5, density: 0.6, giniItemPopularity: 0.3 };
  const list = collectDatasets([
    { path: '/w/a.reclab.json', json: { dataset: { kind: 'lightgcn', path: 'data/yelp2018' } } },
    { path: '/w/b.reclab.json', json: { dataset: { kind: 'lightgcn', path: 'data/yelp2018' } } },
    { path: '/w/c.reclab.json', json: { dataset: { kind: 'synthetic', users: 100, items: 50 } } },
    { path: '/w/bad.reclab.json', json: undefined },
  ], (p) => (p === '/w/b.reclab.json' ? stats : undefined));
  assert.deepEqual(list.map((d) => [d.label, d.configs.length, !!d.stats]), [['synthetic 100×50', 1, false], ['yelp2018 (lightgcn)', 2, true]]);
});

test('templates: choices come from the schema; composed configs are small and named', () => {
  const schema = { properties: {
    loss: { oneOf: [{ description: 'BPR', properties: { kind: { const: 'bpr' } } }, { description: 'SSM', properties: { kind: { const: 'ssm' } } }] },
    sampler: { oneOf: [{ description: 'uniform', properties: { kind: { const: 'uniform' } } }] },
  } };
  const c = choicesFromSchema(schema);
  assert.deepEqual(c.losses.map((l) => l.kind), ['bpr', 'ssm']);
  assert.deepEqual(c.datasets.map((l) => l.kind), ['synthetic'], 'falls back when the schema has no branch');
  const cfg = composeConfig({ name: 'My Exp', dataset: 'lightgcn', model: MODEL_CHOICES[1]!, loss: 'ssm', sampler: 'uniform' });
  assert.deepEqual(cfg.dataset, { kind: 'lightgcn', path: 'data/yelp2018' });
  assert.deepEqual(cfg.loss, { kind: 'ssm' });
  assert.equal(configFileName('My Exp #2'), 'my-exp-2.reclab.json');
  // LightGCN is offered, and its composed config is valid: 3 layers, dense Adam as the reference codes
  const lgn = MODEL_CHOICES.find((m) => m.model.kind === 'lightgcn');
  assert.ok(lgn, MODEL_CHOICES.map((m) => m.label).join(', '));
  const g = resolveConfig(composeConfig({ name: 'graph', dataset: 'synthetic', model: lgn, loss: 'bpr', sampler: 'uniform' }));
  assert.equal(g.model.kind, 'lightgcn');
  assert.equal(g.model.layers, 3);
  assert.equal(g.optimizer.lazy, false);
  assert.match(String(composeConfig({ name: 'graph', dataset: 'synthetic', model: lgn, loss: 'bpr', sampler: 'uniform' }).description), /^LightGCN \(3 layers\)/);
});

test('queue: FIFO under a concurrency limit; overrides as JSON; sweep grids', () => {
  const q = new LaunchQueue();
  for (const id of ['a', 'b', 'c']) q.push({ id, enqueuedAt: 0, request: { configPath: 'x', overrides: [], label: id } });
  assert.deepEqual(q.takeReady(1, 2).map((x) => x.id), ['a']);
  assert.deepEqual(q.takeReady(2, 2).map((x) => x.id), []);
  assert.equal(q.remove('c')?.id, 'c');
  assert.deepEqual(q.takeReady(0, 4).map((x) => x.id), ['b']);
  assert.deepEqual(formatOverrides({ 'optimizer.lr': 0.001, 'train.backend': 'wasm', 'eval.ks': [10, 20] }),
    ['optimizer.lr=0.001', 'train.backend="wasm"', 'eval.ks=[10,20]']);
  assert.deepEqual(expandGrid({ 'optimizer.lr': [1, 2], 'model.dim': [8, 16, 32] }).length, 6);
  assert.deepEqual(expandGrid({ a: [1, 2], b: ['x'] }), [{ a: 1, b: 'x' }, { a: 2, b: 'x' }]);
  assert.deepEqual(expandGrid(undefined), []);
});

test('run tree: sweep points under one sweep node with short, consistent labels (queued and run alike)', () => {
  const records = [
    rec('a', 'finished', { experiment: 'mf', name: 'mf optimizer.lr=0.01', sweepPoint: { 'optimizer.lr': 0.01 }, createdAt: '2026-11-22T10:00:00Z' }),
    rec('b', 'running', { experiment: 'mf', name: 'mf optimizer.lr=0.001', sweepPoint: { 'optimizer.lr': 0.001 }, createdAt: '2026-11-22T10:01:00Z' }),
    rec('c', 'finished', { experiment: 'mf', createdAt: '2026-11-22T09:00:00Z' }),
  ];
  const pending = [{ id: 'q', enqueuedAt: 0, request: { configPath: '/w/mf.reclab.json', overrides: [], label: 'mf', sweepPoint: { 'optimizer.lr': 0.0001 } } }];
  const [g] = buildTree(records, pending, { grouping: 'experiment', metric: 'ndcg@20' }) as GroupRow[];
  assert.equal(g!.runs.length, 4, 'commands on the group still get every run');
  const [sweep, single] = g!.children! as [SweepRow, RunRow];
  assert.equal(sweep.kind, 'sweep');
  assert.equal(sweep.label, 'sweep: lr');
  assert.deepEqual(sweep.runs.map((r) => r.label), ['lr=0.0001', 'lr=0.001', 'lr=0.01']);
  assert.equal(sweep.description, '3 points · 1 running · 1 queued');
  assert.equal(single.id, 'c');
});

test('run tree: a new tick updates rows in place; only changed rows are reported', () => {
  const live = (epoch: number) => [
    rec('r1', 'running', { progress: { epoch, epochs: 10 }, createdAt: '2026-11-22T11:00:00Z' }),
    rec('r2', 'finished', { createdAt: '2026-11-22T10:00:00Z' }, summary(0.2)),
  ];
  const opts = { grouping: 'experiment' as const, metric: 'ndcg@20' };
  const current = buildTree(live(1), [], opts);
  const row = (current[0] as GroupRow).children![0] as RunRow;
  const changed = patchTree(current, buildTree(live(2), [], opts));
  assert.ok(Array.isArray(changed));
  assert.deepEqual((changed as RunRow[]).map((n) => n.id), ['r1'], 'only the running row');
  assert.equal((current[0] as GroupRow).children![0], row, 'the same node object, updated');
  assert.match(row.description, /^epoch 2\/10/);
  assert.deepEqual(patchTree(current, buildTree(live(2), [], opts)), [], 'nothing changed: nothing reported');
  assert.equal(patchTree(current, buildTree([...live(2), rec('r3', 'queued', { createdAt: '2026-11-22T12:00:00Z' })], [], opts)), 'structure');
});
