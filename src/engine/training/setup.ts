/**
 * What a training run is built from, and what one of its steps does: the loss, the sampler, the logQ correction, the
 * backbone, the step, the temperature scheme and the sampler's context (`buildTraining`), and one step on a batch of
 * rows (`trainingStep`). `train` (src/engine/train.ts) runs its epoch loop over them; `measureTime`
 * (src/engine/estimate-time.ts) times a few of the same steps, so the estimate measures exactly what a run does.
 */
import path from 'node:path';
import type { ExperimentConfig } from '../config/types';
import type { Dataset } from '../data/types';
import { readCheckpoint } from '../checkpoint';
import { backboneSpec } from '../models/registry';
import { scoreWidth, type Backbone } from '../models/types';
import { EmbeddingTable } from '../tensor/embedding';
import { createStep, type TrainStep } from '../step/step';
import type { StepResult } from '../step/types';
import { lossSpec } from '../losses/registry';
import type { Loss } from '../losses/types';
import { LogQCorrection } from '../losses/logq';
import { samplerSpec } from '../samplers/registry';
import type { NegativeBatch, Sampler, SamplerContext } from '../samplers/types';
import { createTemperature, type TemperatureScheme } from '../temperature';
import type { Rng } from '../rng';
import { extraPositives } from './rows';

export interface Training {
  loss: Loss;
  /** positives per row of multi-positive losses (1 otherwise) */
  positivesPerRow: number;
  sampler: Sampler;
  logQ: LogQCorrection | null;
  model: Backbone;
  step: TrainStep;
  temperature: TemperatureScheme;
  ctx: SamplerContext;
  sampleRng: Rng;
  stepRng: Rng;
}

/**
 * Builds a run's parts from its config and loaded data, in the order (and with the random streams) `train` uses.
 * `log` hears what is worth a line in the run's log (embeddings initialised from a checkpoint).
 */
export function buildTraining(c: ExperimentConfig, ds: Dataset, popularity: Int32Array, rng: Rng, baseDir: string, log?: (message: string) => void): Training {
  const lossS = lossSpec(c.loss.kind);
  if (lossS.requiresCosine && c.model.score !== 'cosine') throw new Error(`loss "${c.loss.kind}" needs cosine scores: set model.score to "cosine"`);
  const loss = lossS.create(c.loss);
  const positivesPerRow = lossS.positivesPerRow?.(c.loss) ?? 1;
  const sampler: Sampler = samplerSpec(c.sampler.kind).create(c.sampler as never, { train: ds.train, nItems: ds.nItems, popularity, negatives: ds.negatives ?? null, baseDir, model: c.model });
  const logQSettings = lossS.logQ?.(c.loss) ?? null;
  const logQ = logQSettings ? new LogQCorrection(logQSettings, popularity, sampler) : null;
  const model = backboneSpec(c.model.kind).create({ nUsers: ds.nUsers, nItems: ds.nItems, train: ds.train }, c.model, c.optimizer, rng.fork());
  const step = createStep(model, c.model, c.optimizer);
  if (c.model.init.from) {
    const ck = readCheckpoint(path.resolve(baseDir, c.model.init.from), 'best');
    if (ck.nUsers !== ds.nUsers || ck.nItems !== ds.nItems || ck.dim !== c.model.dim) {
      throw new Error(`$.model.init.from: the checkpoint ${ck.dir} has ${ck.nUsers} users × ${ck.nItems} items × dim ${ck.dim}, this run ${ds.nUsers} × ${ds.nItems} × ${c.model.dim}`);
    }
    model.load({ users: ck.users, items: ck.items });
    log?.(`embeddings initialised from ${ck.dir}`);
  }
  const temperature = createTemperature(c.temperature, ds);
  const sampleRng = rng.fork();
  const stepRng = rng.fork();
  const ctx: SamplerContext = { rng: sampleRng, train: ds.train, nItems: ds.nItems, popularity, scorer: model, embeddings: () => model.forward(), dots: model.indexedDots, epoch: 0 };
  return { loss, positivesPerRow, sampler, logQ, model, step, temperature, ctx, sampleRng, stepRng };
}

/**
 * One training step on a batch of (user, first positive) rows: the extra positives, the negatives, the temperature,
 * the optimisation step. `observe` sees the negatives before the step (the sampler diagnostics).
 */
export function trainingStep(t: Training, ds: Dataset, users: Int32Array, first: Int32Array, observe?: (neg: NegativeBatch) => void): StepResult {
  const pos = t.positivesPerRow === 1 ? first : extraPositives(ds, users, first, t.positivesPerRow, t.sampleRng);
  const neg = t.sampler.sample(users, first, t.ctx);
  observe?.(neg);
  const temp = t.temperature.forBatch(users);
  const r = t.step.run({ users, pos, positivesPerRow: t.positivesPerRow, neg, logQ: t.logQ?.forStep(pos, t.positivesPerRow, neg) }, t.loss, temp, t.stepRng);
  if (r.perRow && t.temperature.observe) t.temperature.observe(users, r.perRow);
  return r;
}

/** A backbone's evaluation embeddings as tables (for the temperature schemes that measure them). */
export function asTables(b: Backbone): { users: EmbeddingTable; items: EmbeddingTable } {
  const e = b.evalEmbeddings();
  const W = scoreWidth(b);
  return { users: new EmbeddingTable(b.nUsers, W, e.users), items: new EmbeddingTable(b.nItems, W, e.items) };
}
