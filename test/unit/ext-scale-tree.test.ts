/**
 * The Runs tree's scale parts (plain model, no vscode): a seed group is a node of its own described by mean ± std over
 * its runs' best test values; a run waiting in Slurm's queue shows its job id and Slurm's state and can be stopped
 * (context value run.queued.slurm matches the Stop menu); once it runs it looks like a local run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunStatus } from '../../src/protocol/events';
import type { RunRecord } from '../../src/runs/reader';
import type { RunInfo, RunSummary } from '../../src/runs/format';
import { buildTree, type GroupRow, type RunRow } from '../../src/extension/host/runTree';

function rec(id: string, status: RunStatus, extra: Partial<RunInfo> = {}, summary?: RunSummary): RunRecord {
  const info: RunInfo = {
    formatVersion: 1, id, name: extra.name ?? id, experiment: extra.experiment ?? 'exp', status,
    createdAt: extra.createdAt ?? '2026-11-22T10:00:00.000Z', versions: { reclab: '0', node: 'v20' }, ...extra,
  };
  return { id, dir: `/runs/${id}`, info, summary };
}
const summary = (v: number): RunSummary => ({ selectMetric: 'ndcg@20', selectSplit: 'valid', bestEpoch: 7, best: { 'ndcg@20': v }, bestTest: { 'ndcg@20': v }, epochsRun: 10, wallSeconds: 3 });
const stopMenu = /^run\.(running|queued)/; // package.json: view/item/context of reclab.stopRun

test('a seed group is its own node: mean ± std of the best test metric over its seeds', () => {
  const records = [
    rec('a', 'finished', { group: 'g1', seed: 1, experiment: 'mf-bpr' }, summary(0.1)),
    rec('b', 'finished', { group: 'g1', seed: 2, experiment: 'mf-bpr' }, summary(0.2)),
    rec('c', 'running', { group: 'g1', seed: 3, experiment: 'mf-bpr' }),
    rec('d', 'finished', { experiment: 'mf-bpr' }, summary(0.3)),
  ];
  const groups = buildTree(records, [], { grouping: 'experiment', metric: 'ndcg@20' }) as GroupRow[];
  const seeds = groups.find((g) => g.key === 'seeds:g1')!;
  assert.deepEqual(seeds.runs.map((r) => r.id).sort(), ['a', 'b', 'c']);
  assert.equal(seeds.label, 'mf-bpr · seed group');
  // mean 0.15, sample std 0.0707
  assert.equal(seeds.description, 'ndcg@20 0.1500 ± 0.0707 · 3 seeds · 1 running');
  assert.deepEqual(groups.find((g) => g.key === 'mf-bpr')!.runs.map((r) => r.id), ['d']);
});

test('a queued Slurm job shows its job id and state; Stop applies; once running it reads like a local run', () => {
  const pending = rec('p', 'queued', { job: { executor: 'slurm', id: '12_3', state: 'PENDING', reason: 'JobArrayTaskLimit' } });
  const running = rec('r', 'running', { job: { executor: 'slurm', id: '12_1' }, progress: { epoch: 2, epochs: 10 } });
  const [p, r] = [pending, running].map((x) => (buildTree([x], [], { grouping: 'flat', metric: 'ndcg@20' }) as RunRow[])[0]);
  assert.equal(p.description, 'Slurm 12_3 · PENDING (JobArrayTaskLimit)');
  assert.equal(p.contextValue, 'run.queued.slurm');
  assert.match(p.contextValue, stopMenu);
  assert.equal(r.contextValue, 'run.running');
  assert.match(r.description, /Slurm 12_1$/);
});
