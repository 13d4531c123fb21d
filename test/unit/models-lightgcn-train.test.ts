/**
 * LightGCN through the training loop: BPR learns (beats its first evaluation), the run records the backbone, its
 * checkpoints hold the ego tables and warm-start a second run; a cosine Adap-τ run with DNS (scored with the
 * propagated embeddings) and an SSM run with shared negatives train to finite losses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { train } from '../../src/engine/train';
import { resolveConfig } from '../../src/engine/config/validate';
import { readCheckpoint } from '../../src/engine/checkpoint';
import type { RunEvent } from '../../src/protocol/events';

const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-lightgcn-'));
process.on('exit', () => fs.rmSync(runs, { recursive: true, force: true }));
const dataset = { kind: 'synthetic', users: 300, items: 200, interactionsPerUser: 15, clusters: 5 };
const evalCfg = { every: 1, ks: [20], selectMetric: 'recall@20', selectOn: 'test', patience: 0, workers: 1, popularityGroups: 0 };

type EvalEv = Extract<RunEvent, { kind: 'eval' }>;

test('LightGCN-2 BPR trains, improves on its first evaluation, and records the backbone; its ego checkpoint warm-starts a run', async () => {
  const config = resolveConfig({
    name: 'lgn-bpr', dataset,
    model: { kind: 'lightgcn', layers: 2, dim: 16 },
    loss: { kind: 'bpr' }, sampler: { kind: 'uniform', negatives: 1 },
    optimizer: { lr: 0.01, l2: 1e-4, lazy: false }, train: { epochs: 6, batchSize: 256 }, eval: evalCfg,
  });
  const events: RunEvent[] = [];
  const r = await train({ config, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
  assert.equal(r.status, 'finished');
  const start = events.find((e) => e.kind === 'start') as Extract<RunEvent, { kind: 'start' }>;
  assert.match(start.summary, /^LightGCN-2\(dot, d=16\)/);
  const evals = events.filter((e): e is EvalEv => e.kind === 'eval').map((e) => e.metrics['recall@20']);
  assert.equal(evals.length, 6);
  assert.ok(Math.max(...evals.slice(1)) > evals[0], `recall@20 over epochs: ${evals.join(', ')}`);
  const meta = JSON.parse(fs.readFileSync(path.join(r.runDir, 'checkpoints', 'best', 'meta.json'), 'utf8'));
  assert.equal(meta.model, 'lightgcn');
  const ck = readCheckpoint(r.runDir, 'best');
  assert.equal(ck.users.length, 300 * 16);

  // warm start from the ego checkpoint at lr ~0: the first evaluation reproduces the best one
  const warm = resolveConfig({ ...config, name: 'lgn-warm', model: { ...config.model, init: { ...config.model.init, from: r.runDir } }, optimizer: { ...config.optimizer, lr: 1e-12 }, train: { ...config.train, epochs: 1 } });
  const ev2: RunEvent[] = [];
  await train({ config: warm, baseDir: runs, runsDir: runs, onEvent: (e) => ev2.push(e) });
  const again = ev2.find((e): e is EvalEv => e.kind === 'eval')!.metrics['recall@20'];
  assert.ok(Math.abs(again - r.summary.best!['recall@20']) < 1e-6, `warm start ${again} vs best ${r.summary.best!['recall@20']}`);
});

for (const [name, over] of [
  ['Adap-τ (cosine, in-batch) + dot evaluation', { model: { kind: 'lightgcn', layers: 3, dim: 16, score: 'cosine', evalScore: 'dot', init: { dist: 'xavier' } }, loss: { kind: 'adap-tau' }, temperature: { kind: 'adaptive', warmupEpochs: 1 }, sampler: { kind: 'in-batch' } }],
  ['SSM (cosine) with DNS negatives scored on the propagated embeddings', { model: { kind: 'lightgcn', layers: 1, dim: 16, score: 'cosine' }, loss: { kind: 'ssm' }, sampler: { kind: 'dns', negatives: 4, candidates: 16 } }],
  ['CCL with shared negatives', { model: { kind: 'lightgcn', layers: 2, dim: 16, score: 'cosine' }, loss: { kind: 'ccl' }, sampler: { kind: 'shared', negatives: 64 } }],
  ['Adap-τ and message dropout 0.1 (the Yelp2018 example\'s setting)', { model: { kind: 'lightgcn', layers: 3, dim: 16, score: 'cosine', evalScore: 'dot', init: { dist: 'xavier' }, messageDropout: 0.1 }, loss: { kind: 'adap-tau' }, temperature: { kind: 'adaptive', warmupEpochs: 1 }, sampler: { kind: 'in-batch' } }],
  ['BPR, concat pooling, DNS negatives scored on the 48-wide embeddings', { model: { kind: 'lightgcn', layers: 2, dim: 16, pooling: 'concat' }, loss: { kind: 'bpr' }, sampler: { kind: 'dns', negatives: 1, candidates: 8 } }],
  ['SSM in-batch (the fused kernels on 48-wide rows), concat pooling and edge dropout', { model: { kind: 'lightgcn', layers: 2, dim: 16, score: 'cosine', pooling: 'concat', edgeDropout: 0.1 }, loss: { kind: 'ssm' }, sampler: { kind: 'in-batch' } }],
  ['BPR, final pooling', { model: { kind: 'lightgcn', layers: 2, dim: 16, pooling: 'final' }, loss: { kind: 'bpr' }, sampler: { kind: 'uniform', negatives: 1 } }],
] as const) {
  test(`LightGCN with ${name} trains to finite losses and evaluates`, async () => {
    const config = resolveConfig({ name: 'lgn-x', dataset, ...over, optimizer: { lr: 0.01, l2: 1e-4 }, train: { epochs: 2, batchSize: 128 }, eval: evalCfg } as Record<string, unknown>);
    const events: RunEvent[] = [];
    const r = await train({ config, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
    assert.equal(r.status, 'finished', r.reason);
    // checkpoints hold the ego tables, model.dim wide whatever the pooling
    assert.equal(readCheckpoint(r.runDir, 'best').items.length, 200 * 16);
    const epochs = events.filter((e): e is Extract<RunEvent, { kind: 'epoch' }> => e.kind === 'epoch');
    assert.equal(epochs.length, 2);
    assert.ok(epochs.every((e) => Number.isFinite(e.loss)));
    const last = events.filter((e): e is EvalEv => e.kind === 'eval').at(-1)!;
    assert.ok(last.metrics['recall@20'] > 0);
  });
}
