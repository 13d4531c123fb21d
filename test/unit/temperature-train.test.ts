/** Adap-τ through the training loop: temperature events per epoch, per-user spread from epoch 2, β0 from the gap after warm-up. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { train } from '../../src/engine/train';
import { resolveConfig } from '../../src/engine/config/validate';
import type { RunEvent } from '../../src/protocol/events';

test('Adap-τ emits a temperature event per epoch: equal τ_u in epoch 1, a spread afterwards, β0 from the measured gap after warm-up', async () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-tau-'));
  const config = resolveConfig({
    name: 'adap-tau-small',
    dataset: { kind: 'synthetic', users: 400, items: 300, interactionsPerUser: 20, clusters: 6 },
    model: { dim: 16, score: 'cosine', init: { dist: 'xavier' } },
    loss: { kind: 'adap-tau' },
    temperature: { kind: 'adaptive', warmupEpochs: 2 },
    sampler: { kind: 'uniform', negatives: 16, rejectPositives: false },
    optimizer: { lr: 0.01, l2: 1e-5 },
    train: { epochs: 4, batchSize: 256 },
    eval: { every: 4, ks: [20], selectMetric: 'ndcg@20', patience: 0, workers: 1, popularityGroups: 0 },
  });
  const events: RunEvent[] = [];
  const r = await train({ config, baseDir: runs, runsDir: runs, onEvent: (e) => events.push(e) });
  assert.equal(r.status, 'finished');
  const temps = events.filter((e): e is Extract<RunEvent, { kind: 'temperature' }> => e.kind === 'temperature');
  assert.deepEqual(temps.map((t) => t.epoch), [1, 2, 3, 4]);
  const [e1, e2, e3] = temps;
  assert.equal(e1.perUser!.min, e1.perUser!.max);
  assert.ok(Math.abs(e1.perUser!.p50 - e1.global) < 1e-6);
  assert.equal(e2.global, e1.global, 'the warm-up β0 does not depend on the model');
  assert.ok(e2.perUser!.max > e2.perUser!.min * 1.01, `per-user τ spread in epoch 2: ${JSON.stringify(e2.perUser)}`);
  assert.notEqual(e3.global, e1.global, 'after warm-up β0 comes from the measured gap');
  assert.equal(e2.histogram!.counts.reduce((a, b) => a + b, 0), 400);
  const epochs = events.filter((e): e is Extract<RunEvent, { kind: 'epoch' }> => e.kind === 'epoch');
  assert.ok(epochs.every((e) => Number.isFinite(e.loss)));
});
