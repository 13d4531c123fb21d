/**
 * The training loop. Produces RunEvents (to the run directory and to an optional listener) and nothing else: the
 * CLI, the child process the extension forks, and the tests all call `train`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExperimentConfig } from './config/types';
import type { Dataset } from './data/types';
import { hasItem, nnz } from './data/types';
import { loadDataset, datasetStats } from './data';
import { itemPopularity } from './data/csr';
import { Evaluator } from './eval';
import type { EvalResult } from './eval/types';
import { initBackend, tfjsVersion } from './tensor/backend';
import { readCheckpoint } from './checkpoint';
import { MfModel } from './models/mf';
import { lossSpec } from './losses/registry';
import { LogQCorrection } from './losses/logq';
import { samplerSpec } from './samplers/registry';
import type { NegativeBatch, Sampler, SamplerContext } from './samplers/types';
import { createTemperature, type TemperatureScheme } from './temperature';
import { Rng } from './rng';
import { percentiles } from './stats';
import { RunWriter } from '../runs/writer';
import type { RunSummary } from '../runs/format';
import type { EvalEvent, MetricValues, RunEvent, RunStatus } from '../protocol/events';
import { VERSION } from '../version';
import { checkMemory, estimateMemory, machineMemory } from './estimate';
import { runFolderError } from './text/system-error';

export interface TrainOptions {
  config: ExperimentConfig;
  /** folder the config's relative dataset paths are resolved against */
  baseDir: string;
  runsDir: string;
  runId?: string;
  configPath?: string;
  sweepPoint?: Record<string, unknown>;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** called once the run directory exists */
  onCreated?: (runId: string, runDir: string) => void;
  /** reuse a loaded dataset (sweeps, tests) */
  dataset?: Dataset;
  /** reuse an evaluator (sweeps) */
  evaluator?: Evaluator;
}

export interface TrainResult {
  runId: string;
  runDir: string;
  status: Exclude<RunStatus, 'queued' | 'running'>;
  reason?: string;
  summary: RunSummary;
}

class Stopped extends Error {}

export function describeConfig(c: ExperimentConfig): string {
  if (c.model.kind === 'mostpop') return 'MostPop';
  const neg = c.sampler.kind === 'in-batch' ? 'in-batch' : `${c.sampler.kind}×${c.sampler.negatives}`;
  const tau = c.temperature.kind === 'fixed' ? (c.model.score === 'cosine' || c.temperature.tau !== 1 ? ` · τ=${c.temperature.tau}` : '') : ` · τ=${c.temperature.kind}`;
  const opt = c.optimizer.kind === 'adam' && !c.optimizer.lazy ? 'adam (dense)' : c.optimizer.kind;
  const warm = c.model.init.from ? ` · from ${path.basename(path.resolve(c.model.init.from))}` : '';
  return `MF(${c.model.score}, d=${c.model.dim}) · ${c.loss.kind} · ${neg}${tau} · ${opt} lr=${c.optimizer.lr}${warm}`;
}

/** Training rows of one epoch: interaction-uniform (every pair once, shuffled) or user-uniform (LightGCN-PyTorch). */
function epochRows(ds: Dataset, mode: 'interaction' | 'user', rng: Rng): { users: Int32Array; items: Int32Array } {
  const { indptr, indices } = ds.train;
  if (mode === 'interaction') {
    const n = indices.length;
    const order = new Int32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    rng.shuffle(order);
    const users = new Int32Array(n);
    const items = new Int32Array(n);
    // row of each interaction, then permuted
    const rowOf = new Int32Array(n);
    for (let u = 0; u < ds.nUsers; u++) for (let k = indptr[u]; k < indptr[u + 1]; k++) rowOf[k] = u;
    for (let k = 0; k < n; k++) {
      users[k] = rowOf[order[k]];
      items[k] = indices[order[k]];
    }
    return { users, items };
  }
  const active: number[] = [];
  for (let u = 0; u < ds.nUsers; u++) if (indptr[u + 1] > indptr[u]) active.push(u);
  const per = Math.max(1, Math.floor(indices.length / Math.max(1, active.length)));
  const n = active.length * per;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  let k = 0;
  for (const u of active) {
    const start = indptr[u];
    const deg = indptr[u + 1] - start;
    for (let r = 0; r < per; r++, k++) {
      users[k] = u;
      items[k] = indices[start + rng.int(deg)];
    }
  }
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  return { users: order.map((i) => users[i]), items: order.map((i) => items[i]) };
}

function writeCheckpoint(dir: string, model: MfModel, epoch: number, metrics?: MetricValues): void {
  fs.writeFileSync(path.join(dir, 'user.f32'), Buffer.from(model.users.data.buffer, model.users.data.byteOffset, model.users.data.byteLength));
  fs.writeFileSync(path.join(dir, 'item.f32'), Buffer.from(model.items.data.buffer, model.items.data.byteOffset, model.items.data.byteLength));
  fs.writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({ epoch, users: model.users.rows, items: model.items.rows, dim: model.users.dim, dtype: 'float32', layout: 'row-major', metrics }, null, 2) + '\n',
  );
}

/** RunWriter.create, with a system error put in words (the runs folder is a file, read-only, the id exists …). */
function createRunFolder(runsDir: string, init: Parameters<typeof RunWriter.create>[1], config: unknown, runId?: string): RunWriter {
  try {
    return RunWriter.create(runsDir, init, config);
  } catch (e) {
    throw runFolderError(e, runsDir, runId);
  }
}

/** Yields to the event loop so stop messages, signals and IPC flushes get through a synchronous training loop. */
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const c = opts.config;
  const writer = createRunFolder(
    opts.runsDir,
    {
      id: opts.runId,
      name: opts.sweepPoint && Object.keys(opts.sweepPoint).length ? `${c.name} ${Object.entries(opts.sweepPoint).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}` : c.name,
      experiment: c.name,
      configPath: opts.configPath,
      sweepPoint: opts.sweepPoint,
      versions: { reclab: VERSION, node: process.version, tfjs: tfjsVersion },
    },
    c,
    opts.runId,
  );
  opts.onCreated?.(writer.info.id, writer.dir);
  const t0 = Date.now();
  const emit = (e: RunEvent): void => {
    writer.append(e);
    opts.onEvent?.(e);
  };
  const log = (level: 'info' | 'warn' | 'error', message: string): void => {
    writer.log(`[${level}] ${message}`);
    emit({ t: Date.now(), kind: 'log', level, message });
  };
  const summary: RunSummary = { selectMetric: c.eval.selectMetric, selectSplit: c.eval.selectOn, epochsRun: 0, wallSeconds: 0 };
  writer.updateInfo({ status: 'running', pid: process.pid, startedAt: new Date().toISOString(), progress: { epoch: 0, epochs: c.train.epochs } });
  writer.log(`run ${writer.info.id} started (pid ${process.pid})`);

  const checkStop = (): void => {
    if (opts.signal?.aborted) throw new Stopped(String(opts.signal.reason ?? 'stopped by user'));
  };
  let evaluator = opts.evaluator;
  const ownEvaluator = !evaluator;
  let epoch = 0;
  let best = null as { epoch: number; value: number; metrics: MetricValues; test?: MetricValues } | null;

  const finish = (status: TrainResult['status'], reason?: string): TrainResult => {
    summary.wallSeconds = (Date.now() - t0) / 1000;
    summary.epochsRun = epoch;
    writer.writeSummary(summary);
    emit({
      t: Date.now(), kind: 'end', status, ...(reason ? { reason } : {}), epochs: epoch, seconds: summary.wallSeconds,
      ...(best ? { best: { epoch: best.epoch, metric: c.eval.selectMetric, value: best.value, metrics: best.metrics } } : {}),
    });
    writer.updateInfo({ status, ...(reason ? { reason } : {}), endedAt: new Date().toISOString(), pid: undefined });
    writer.log(`run ended: ${status}${reason ? ` (${reason})` : ''}`);
    writer.close();
    return { runId: writer.info.id, runDir: writer.dir, status, reason, summary };
  };

  try {
    emit({ t: Date.now(), kind: 'phase', phase: 'load', message: 'loading dataset' });
    const ds = opts.dataset ?? (await loadDataset(c, opts.baseDir, (f, m) => emit({ t: Date.now(), kind: 'phase', phase: 'load', progress: f, message: m }), opts.signal));
    checkStop();
    const stats = datasetStats(ds);
    checkMemory(estimateMemory(c, stats), machineMemory(process.memoryUsage().rss)); // before the tables are allocated
    const backend = await initBackend(c.train.backend);
    writer.updateInfo({ backend, dataset: stats.name });
    const popularity = itemPopularity(ds.train);
    const rng = new Rng(c.seed);
    const isMostPop = c.model.kind === 'mostpop';
    const trainRows = nnz(ds.train);
    const active = countActive(ds);
    const rowsPerEpoch = c.train.sampling === 'interaction' ? trainRows : active * Math.max(1, Math.floor(trainRows / Math.max(1, active)));
    const stepsPerEpoch = isMostPop ? 0 : Math.ceil(rowsPerEpoch / c.train.batchSize);
    emit({
      t: Date.now(), kind: 'start', runId: writer.info.id, name: writer.info.name, backend,
      epochs: isMostPop ? 0 : c.train.epochs, stepsPerEpoch, dataset: stats, summary: describeConfig(c),
    });
    log('info', `${describeConfig(c)} on ${stats.name} (${stats.users} users, ${stats.items} items, ${stats.train} train) · backend ${backend}`);
    if (c.eval.selectOn === 'test') log('info', 'model selection on the test set (the papers\' protocol)');

    evaluator ??= new Evaluator({ workers: c.eval.workers });
    const evalScore = c.model.evalScore === 'same' ? c.model.score : c.model.evalScore;
    const evaluate = async (users: Float32Array, items: Float32Array, dim: number, split: 'test' | 'valid', score: 'dot' | 'cosine'): Promise<EvalResult> => {
      const target = split === 'test' ? ds.test : ds.valid!;
      const mask = split === 'test' && ds.valid ? [ds.train, ds.valid] : [ds.train];
      return evaluator!.evaluate(
        {
          users, items, dim, score, mask, target, ks: c.eval.ks, metrics: c.eval.metrics, blockUsers: c.eval.blockUsers,
          popularity: c.eval.popularityGroups > 0 ? { counts: popularity, groups: c.eval.popularityGroups, k: Math.max(...c.eval.ks.filter((k) => k <= 20), c.eval.ks[0]) } : undefined,
        },
        { signal: opts.signal, onProgress: (f) => emit({ t: Date.now(), kind: 'phase', phase: 'eval', progress: f }) },
      );
    };
    /** evaluates on the selection split (and on test when selecting on valid), emits events, tracks the best */
    const evaluateEpoch = async (ep: number, users: Float32Array, items: Float32Array, dim: number, score: 'dot' | 'cosine'): Promise<boolean> => {
      const splits: ('test' | 'valid')[] = c.eval.selectOn === 'valid' ? ['valid', 'test'] : ['test'];
      let improved = false;
      for (const split of splits) {
        const r = await evaluate(users, items, dim, split, score);
        const ev: EvalEvent = { t: Date.now(), kind: 'eval', epoch: ep, split, metrics: r.metrics, seconds: r.seconds, users: r.users, byPopularity: r.byPopularity };
        if (split === c.eval.selectOn) {
          const value = r.metrics[c.eval.selectMetric];
          improved = !best || value > best.value;
          if (improved) best = { epoch: ep, value, metrics: r.metrics };
          ev.selection = { metric: c.eval.selectMetric, value, best: improved };
          summary.last = r.metrics;
          summary.lastEpoch = ep;
        }
        if (split === 'test' && best && best.epoch === ep) best.test = r.metrics;
        emit(ev);
      }
      if (best) {
        summary.bestEpoch = best.epoch;
        summary.best = best.metrics;
        summary.bestTest = best.test ?? (c.eval.selectOn === 'test' ? best.metrics : summary.bestTest);
      }
      writer.writeSummary({ ...summary, epochsRun: ep, wallSeconds: (Date.now() - t0) / 1000 });
      return improved;
    };

    if (isMostPop) {
      const items = Float32Array.from(popularity);
      const users = new Float32Array(ds.nUsers).fill(1);
      await evaluateEpoch(0, users, items, 1, 'dot');
      return finish('finished');
    }

    const lossS = lossSpec(c.loss.kind);
    if (lossS.requiresCosine && c.model.score !== 'cosine') throw new Error(`loss "${c.loss.kind}" needs cosine scores: set model.score to "cosine"`);
    const loss = lossS.create(c.loss);
    const positivesPerRow = lossS.positivesPerRow?.(c.loss) ?? 1;
    const sampler: Sampler = samplerSpec(c.sampler.kind).create(c.sampler as never, { train: ds.train, nItems: ds.nItems, popularity, baseDir: opts.baseDir });
    const logQSettings = lossS.logQ?.(c.loss) ?? null;
    const logQ = logQSettings ? new LogQCorrection(logQSettings, popularity, sampler) : null;
    const model = new MfModel(ds.nUsers, ds.nItems, c.model, c.optimizer, rng.fork());
    if (c.model.init.from) {
      const ck = readCheckpoint(path.resolve(opts.baseDir, c.model.init.from), 'best');
      if (ck.nUsers !== ds.nUsers || ck.nItems !== ds.nItems || ck.dim !== c.model.dim) {
        throw new Error(`$.model.init.from: the checkpoint ${ck.dir} has ${ck.nUsers} users × ${ck.nItems} items × dim ${ck.dim}, this run ${ds.nUsers} × ${ds.nItems} × ${c.model.dim}`);
      }
      model.users.data.set(ck.users);
      model.items.data.set(ck.items);
      log('info', `embeddings initialised from ${ck.dir}`);
    }
    const temperature: TemperatureScheme = createTemperature(c.temperature, ds);
    const sampleRng = rng.fork();
    const stepRng = rng.fork();
    const ctx: SamplerContext = { rng: sampleRng, train: ds.train, nItems: ds.nItems, popularity, scorer: model, epoch: 0 };
    const epochSeconds: number[] = [];
    let bad = 0;
    let globalStep = 0;
    const B = c.train.batchSize;
    const bestDir = writer.checkpointDir('best');
    /** the best epoch's tables, kept in memory for train.reloadBestOnPlateau */
    let bestTables: { epoch: number; users: Float32Array; items: Float32Array } | null = null;

    for (epoch = 1; epoch <= c.train.epochs; ) {
      checkStop();
      const te = Date.now();
      ctx.epoch = epoch;
      temperature.startEpoch({ epoch, data: ds, users: model.users, items: model.items });
      emit({ t: Date.now(), kind: 'phase', phase: 'train', progress: 0, message: `epoch ${epoch}` });
      const rows = epochRows(ds, c.train.sampling, sampleRng);
      const n = rows.users.length;
      const steps = Math.ceil(n / B);
      const diag = new SamplerDiagnostics(Math.max(1, Math.floor(steps / 20)));
      let epochLoss = 0;
      let windowLoss = 0;
      let windowSteps = 0;
      let lastYield = Date.now();
      for (let s = 0; s < steps; s++) {
        const users = rows.users.subarray(s * B, Math.min(n, (s + 1) * B));
        const first = rows.items.subarray(s * B, Math.min(n, (s + 1) * B));
        const pos = positivesPerRow === 1 ? first : extraPositives(ds, users, first, positivesPerRow, sampleRng);
        const neg = sampler.sample(users, first, ctx);
        diag.observe(s, users, first, neg, model, ds);
        const temp = temperature.forBatch(users);
        const r = model.step({ users, pos, positivesPerRow, neg, logQ: logQ?.forStep(pos, positivesPerRow, neg) }, loss, temp, stepRng);
        if (!Number.isFinite(r.loss)) throw new Error(`training diverged: loss is ${r.loss} at epoch ${epoch}, step ${s + 1} (try a lower learning rate or temperature)`);
        if (r.perRow && temperature.observe) temperature.observe(users, r.perRow);
        epochLoss += r.loss;
        windowLoss += r.loss;
        windowSteps++;
        globalStep++;
        if (windowSteps === c.train.logEvery || s === steps - 1) {
          emit({ t: Date.now(), kind: 'step', epoch, step: globalStep, loss: windowLoss / windowSteps, steps: windowSteps });
          windowLoss = 0;
          windowSteps = 0;
        }
        if (Date.now() - lastYield > 50) {
          await yieldNow();
          lastYield = Date.now();
          checkStop();
        }
      }
      const seconds = (Date.now() - te) / 1000;
      epochSeconds.push(seconds);
      const meanEpoch = epochSeconds.slice(-5).reduce((a, b) => a + b, 0) / Math.min(5, epochSeconds.length);
      const etaSeconds = meanEpoch * (c.train.epochs - epoch);
      summary.finalLoss = epochLoss / steps;
      emit({ t: Date.now(), kind: 'epoch', epoch, loss: epochLoss / steps, seconds, examplesPerSec: n / seconds, lr: model.lr, etaSeconds });
      const extra = sampler.endEpoch?.(ctx) ?? undefined;
      emit({ t: Date.now(), kind: 'sampler', epoch, sampler: c.sampler.kind, ...diag.report(), ...(extra ? { extra } : {}) });
      const tempReport = temperature.report();
      if (tempReport) emit({ t: Date.now(), kind: 'temperature', epoch, ...tempReport });
      writer.updateInfo({ progress: { epoch, epochs: c.train.epochs, etaSeconds } });
      log('info', `epoch ${epoch}/${c.train.epochs} loss ${(epochLoss / steps).toFixed(5)} ${seconds.toFixed(2)}s`);

      let stop = false;
      if (epoch % c.eval.every === 0 || epoch === c.train.epochs) {
        const improved = await evaluateEpoch(epoch, model.users.data, model.items.data, c.model.dim, evalScore);
        if (improved) {
          bad = 0;
          writeCheckpoint(bestDir, model, epoch, summary.best);
          if (c.train.reloadBestOnPlateau) bestTables = { epoch, users: model.users.data.slice(), items: model.items.data.slice() };
        } else if (c.eval.patience > 0 && ++bad >= c.eval.patience) {
          if (c.train.lrDecayOnPlateau > 0 && model.lr > c.optimizer.lr * 1e-4) {
            model.lr *= c.train.lrDecayOnPlateau;
            bad = 0;
            log('info', `no improvement for ${c.eval.patience} evaluations: lr → ${model.lr}`);
            if (bestTables) {
              model.users.data.set(bestTables.users);
              model.items.data.set(bestTables.items);
              log('info', `reloaded the embeddings of the best epoch (${bestTables.epoch})`);
            }
          } else {
            log('info', `early stop: no improvement of ${c.eval.selectMetric} for ${c.eval.patience} evaluations (best at epoch ${best?.epoch})`);
            stop = true;
          }
        }
      }
      writeCheckpoint(writer.checkpointDir('last'), model, epoch, summary.last);
      if (stop) break;
      epoch++;
    }
    epoch = Math.min(epoch, c.train.epochs);
    return finish('finished');
  } catch (e) {
    if (e instanceof Stopped || opts.signal?.aborted) {
      // aborting may surface as our Stopped, an AbortError, or the signal's reason rethrown by the evaluator
      return finish('stopped', opts.signal?.reason !== undefined ? String(opts.signal.reason) : 'stopped');
    }
    const err = e instanceof Error ? e : new Error(String(e));
    writer.log(err.stack ?? err.message);
    const r = finish('failed', err.message);
    (err as Error & { result?: TrainResult }).result = r;
    throw err;
  } finally {
    if (ownEvaluator && evaluator) await evaluator.close();
  }
}

function countActive(ds: Dataset): number {
  let a = 0;
  for (let u = 0; u < ds.nUsers; u++) if (ds.train.indptr[u + 1] > ds.train.indptr[u]) a++;
  return a;
}

/** K positives per row for multi-positive losses: the row's own positive, then K−1 more of the user's items drawn with replacement (MSCL). */
function extraPositives(ds: Dataset, users: Int32Array, first: Int32Array, k: number, rng: Rng): Int32Array {
  const out = new Int32Array(users.length * k);
  const { indptr, indices } = ds.train;
  for (let b = 0; b < users.length; b++) {
    const u = users[b];
    const start = indptr[u];
    const deg = indptr[u + 1] - start;
    out[b * k] = first[b];
    for (let j = 1; j < k; j++) out[b * k + j] = indices[start + rng.int(deg)];
  }
  return out;
}

/**
 * Sampler diagnostics on a subsample of steps: scores of the sampled negatives under the model at sampling time, the
 * share that are the user's held-out test items (false negatives) and the share that are training positives. Shared
 * and in-batch layouts are read through their first 64 columns (in-batch: the other rows' positives, then extras);
 * columns the sampler's mask removes are not negatives and are skipped.
 */
class SamplerDiagnostics {
  private scores: number[] = [];
  private total = 0;
  private inTest = 0;
  private inTrain = 0;
  constructor(private readonly every: number) {}

  observe(step: number, users: Int32Array, firstPositives: Int32Array, neg: NegativeBatch, model: MfModel, ds: Dataset): void {
    if (step % this.every !== 0) return;
    const B = users.length;
    const rowsToCheck = Math.min(B, 256);
    const columns = neg.layout === 'shared' ? neg.items.length : neg.layout === 'in-batch' ? B + (neg.extra?.length ?? 0) : 0;
    for (let b = 0; b < rowsToCheck; b++) {
      const u = users[b];
      const cand: number[] = [];
      if (neg.layout === 'per-row') cand.push(...neg.items.subarray(b * neg.n, (b + 1) * neg.n));
      else {
        const extra = neg.layout === 'in-batch' ? neg.extra : undefined;
        for (let c = 0; c < columns && cand.length < 64; c++) {
          if (neg.layout === 'in-batch' && c === b) continue;
          if (neg.mask && neg.mask[b * columns + c] === 0) continue;
          cand.push(neg.layout === 'shared' ? neg.items[c] : c < B ? firstPositives[c] : extra![c - B]);
        }
      }
      if (!cand.length) continue;
      const items = Int32Array.from(cand);
      const s = model.score(Int32Array.of(u), items, items.length);
      for (let k = 0; k < items.length; k++) {
        this.scores.push(s[k]);
        this.total++;
        if (hasItem(ds.test, u, items[k])) this.inTest++;
        if (hasItem(ds.train, u, items[k])) this.inTrain++;
      }
    }
  }

  report(): { negScore: ReturnType<typeof percentiles> & { mean: number }; falseNegativeRate: number; positiveCollisionRate: number } {
    const p = percentiles(this.scores);
    const mean = this.scores.length ? this.scores.reduce((a, b) => a + b, 0) / this.scores.length : 0;
    return { negScore: { ...p, mean }, falseNegativeRate: this.total ? this.inTest / this.total : 0, positiveCollisionRate: this.total ? this.inTrain / this.total : 0 };
  }
}
