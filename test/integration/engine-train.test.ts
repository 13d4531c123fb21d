import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { train } from '../../src/engine/train';
import { resolveConfig } from '../../src/engine/config/validate';
import { readEvents, readRunInfo, readSummary } from '../../src/runs/reader';
import type { RunEvent } from '../../src/protocol/events';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-train-'));
const small = (extra: Record<string, unknown> = {}) =>
  resolveConfig({
    name: 'small',
    dataset: { kind: 'synthetic', users: 600, items: 400, interactionsPerUser: 20, clusters: 8 },
    model: { dim: 32 },
    optimizer: { lr: 0.01, l2: 1e-4 },
    train: { epochs: 8, batchSize: 512 },
    eval: { every: 2, ks: [20], selectMetric: 'ndcg@20', patience: 0, popularityGroups: 3, workers: 1 },
    ...extra,
  });

test('MF-BPR beats MostPop on NDCG@20 by a clear margin on the synthetic data', async () => {
  const runs = tmp();
  const mf = await train({ config: small(), baseDir: runs, runsDir: runs });
  const pop = await train({ config: small({ model: { kind: 'mostpop' } }), baseDir: runs, runsDir: runs });
  const mfN = mf.summary.bestTest!['ndcg@20'];
  const popN = pop.summary.bestTest!['ndcg@20'];
  assert.equal(mf.status, 'finished');
  assert.ok(mfN > 1.5 * popN && mfN - popN > 0.03, `MF ndcg@20 ${mfN} vs MostPop ${popN}`);
});

test('the same config and seed give identical metrics; the run directory is complete', async () => {
  const runs = tmp();
  const events: RunEvent[] = [];
  const a = await train({ config: small(), baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
  const b = await train({ config: small(), baseDir: runs, runsDir: runs });
  assert.deepEqual(a.summary.best, b.summary.best);
  assert.equal(a.summary.finalLoss, b.summary.finalLoss);
  for (const f of ['run.json', 'config.json', 'metrics.jsonl', 'summary.json', 'log.txt', 'checkpoints/best/user.f32', 'checkpoints/last/meta.json']) {
    assert.ok(fs.existsSync(path.join(a.runDir, f)), f);
  }
  const info = readRunInfo(a.runDir)!;
  assert.equal(info.status, 'finished');
  assert.equal(info.backend && info.backend.length > 0, true);
  const onDisk = readEvents(a.runDir);
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(events)), 'metrics.jsonl holds exactly the emitted events');
  const kinds = new Set(onDisk.map((e) => e.kind));
  for (const k of ['start', 'step', 'epoch', 'eval', 'sampler', 'end']) assert.ok(kinds.has(k as RunEvent['kind']), k);
  assert.equal(onDisk.filter((e) => e.kind === 'epoch').length, 8);
  const evals = onDisk.filter((e): e is Extract<RunEvent, { kind: 'eval' }> => e.kind === 'eval');
  assert.ok(evals.some((e) => e.split === 'valid' && e.selection) && evals.some((e) => e.split === 'test'));
  assert.equal(evals[0].byPopularity?.groups.length, 3);
  const summary = readSummary(a.runDir)!;
  assert.equal(summary.selectSplit, 'valid');
  assert.ok(summary.bestEpoch! >= 2);
  // steps are logged with a mean loss per window; the epoch loss decreases
  const epochs = onDisk.filter((e): e is Extract<RunEvent, { kind: 'epoch' }> => e.kind === 'epoch');
  assert.ok(epochs[7].loss < epochs[0].loss);
});

test('an aborted run is marked stopped, keeps its metrics and says why', async () => {
  const runs = tmp();
  const ac = new AbortController();
  const r = await train({
    config: small({ train: { epochs: 50, batchSize: 256 } }), baseDir: runs, runsDir: runs, signal: ac.signal,
    onEvent: (e) => { if (e.kind === 'epoch' && e.epoch === 2) ac.abort('stopped by test'); },
  });
  assert.equal(r.status, 'stopped');
  const info = readRunInfo(r.runDir)!;
  assert.equal(info.status, 'stopped');
  assert.equal(info.reason, 'stopped by test');
  const ev = readEvents(r.runDir);
  assert.ok(ev.filter((e) => e.kind === 'epoch').length >= 2);
  assert.equal(ev[ev.length - 1].kind, 'end');
});

test('a failing run is marked failed with the reason, and the error names the file', async () => {
  const runs = tmp();
  const cfg = small({ dataset: { kind: 'lightgcn', path: 'does-not-exist' }, split: { validRatio: 0 }, eval: { selectOn: 'test', ks: [20], selectMetric: 'ndcg@20' } });
  await assert.rejects(train({ config: cfg, baseDir: runs, runsDir: runs }), /does-not-exist/);
  const dir = fs.readdirSync(runs).map((d) => path.join(runs, d))[0];
  const info = readRunInfo(dir)!;
  assert.equal(info.status, 'failed');
  assert.match(info.reason!, /does-not-exist/);
});

test('reloadBestOnPlateau: when the lr decays, the best epoch\'s embeddings come back (RecZoo protocol)', async () => {
  const runs = tmp();
  const events: RunEvent[] = [];
  // a high lr without L2 overfits within a few epochs; the decay factor is tiny so that after the reload the model
  // barely moves, and the next evaluation must land back on the best epoch's numbers
  const config = small({
    optimizer: { lr: 0.05, l2: 0 },
    train: { epochs: 12, batchSize: 512, lrDecayOnPlateau: 1e-6, reloadBestOnPlateau: true },
    eval: { every: 1, ks: [20], selectMetric: 'ndcg@20', patience: 2, popularityGroups: 0, workers: 1 },
  });
  await train({ config, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
  const valid = events.filter((e): e is Extract<RunEvent, { kind: 'eval' }> => e.kind === 'eval' && e.split === config.eval.selectOn);
  const reload = events.findIndex((e) => e.kind === 'log' && /reloaded the embeddings of the best epoch \((\d+)\)/.test(e.message));
  assert.ok(reload > 0, 'the run reached a plateau and reloaded the best epoch');
  const bestEpoch = Number((events[reload] as Extract<RunEvent, { kind: 'log' }>).message.match(/\((\d+)\)/)![1]);
  const at = (epoch: number) => valid.find((e) => e.epoch === epoch)!.metrics['ndcg@20'];
  const reloadEpoch = valid.filter((e) => events.indexOf(e) < reload).at(-1)!.epoch;
  assert.ok(at(reloadEpoch) < at(bestEpoch), 'the epoch that triggered the decay was worse than the best');
  assert.ok(Math.abs(at(reloadEpoch + 1) - at(bestEpoch)) < 1e-3, `after the reload: ${at(reloadEpoch + 1)} vs best ${at(bestEpoch)}`);
});

test('model.init.from starts from a previous run\'s best checkpoint, and a shape mismatch is a clear error', async () => {
  const runs = tmp();
  const first = await train({ config: small(), baseDir: runs, runsDir: runs });
  const bestValid = first.summary.best!['ndcg@20'];
  // a vanishing lr: the warm-started model is the checkpoint, so its first evaluation lands on the first run's best
  const events: RunEvent[] = [];
  const warm = small({ model: { dim: 32, init: { from: first.runDir } }, optimizer: { lr: 1e-12, l2: 0 }, train: { epochs: 1, batchSize: 512 } });
  await train({ config: warm, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
  const ev = events.find((e): e is Extract<RunEvent, { kind: 'eval' }> => e.kind === 'eval' && e.split === warm.eval.selectOn)!;
  assert.ok(Math.abs(ev.metrics['ndcg@20'] - bestValid) < 1e-6, `warm start ${ev.metrics['ndcg@20']} vs checkpoint ${bestValid}`);
  assert.ok(events.some((e) => e.kind === 'log' && e.message.includes('embeddings initialised from')));
  const cold = await train({ config: small({ optimizer: { lr: 1e-12, l2: 0 }, train: { epochs: 1, batchSize: 512 } }), baseDir: runs, runsDir: runs });
  assert.ok(cold.summary.best!['ndcg@20'] < bestValid - 0.02, 'without the checkpoint the same run is far worse');
  await assert.rejects(
    train({ config: small({ model: { dim: 16, init: { from: first.runDir } } }), baseDir: runs, runsDir: runs }),
    /\$\.model\.init\.from: the checkpoint .* dim 32, this run .* 16/,
  );
});

test('train.threads is recorded in run.json and does not change a fused many-negative run (SSM, shared negatives, 1 vs 2 threads)', async () => {
  const runs = tmp();
  const cfg = (threads: number) => small({
    model: { dim: 32, score: 'cosine', userDropout: 0.1 }, loss: { kind: 'ssm' }, temperature: { kind: 'fixed', tau: 0.2 },
    sampler: { kind: 'shared', negatives: 100 }, optimizer: { lr: 0.01, l2: 1e-4, lazy: false },
    train: { epochs: 4, batchSize: 512, threads },
  });
  const one = await train({ config: cfg(1), baseDir: runs, runsDir: runs });
  const two = await train({ config: cfg(2), baseDir: runs, runsDir: runs });
  assert.equal(readRunInfo(one.runDir)!.threads, 1);
  assert.equal(readRunInfo(two.runDir)!.threads, 2);
  assert.equal(two.summary.finalLoss, one.summary.finalLoss);
  assert.deepEqual(two.summary.best, one.summary.best);
});
