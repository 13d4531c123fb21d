/**
 * Training: loads the data, builds the backbone, the sampler, the loss and the temperature scheme, and runs the
 * epoch loop. Model selection (./training/selection.ts) decides best epochs, patience, lr decay and reloads; the
 * recorder (./training/recorder.ts) writes the run directory from the events. The CLI, the child process the
 * extension forks, and the tests all call `train`.
 */
import path from 'node:path';
import type { ExperimentConfig } from './config/types';
import type { Dataset } from './data/types';
import { nnz } from './data/types';
import { loadDataset, datasetStats } from './data';
import { itemPopularity } from './data/csr';
import { Evaluator, evaluatorOptionsFor } from './eval';
import type { EvalResult } from './eval/types';
import { initBackend } from './tensor/backend';
import { KernelPool } from './wasm/pool';
import { nativeAddon } from './native/addon';
import { backboneSpec } from './models/registry';
import { scoreWidth } from './models/types';
import { Rng } from './rng';
import { Recorder, type FinalStatus } from './training/recorder';
import { ModelSelection } from './training/selection';
import { SamplerDiagnostics } from './training/diagnostics';
import { countActive, epochRows, rowsPerEpochOf } from './training/rows';
import { asTables, buildTraining, trainingStep } from './training/setup';
import { evaluatedSplits, splitEvaluation } from './training/evaluate';
import type { RunSummary } from '../runs/format';
import type { EvalEvent, RunEvent } from '../protocol/events';
import { checkMemory, estimateMemory, machineMemory } from './estimate';
import { runFolderError } from './text/system-error';
import { encodePerUser, writePerUser } from '../runs/per-user';
import type { RunInfo } from '../runs/format';

export interface TrainOptions {
  config: ExperimentConfig;
  /** folder the config's relative dataset paths are resolved against */
  baseDir: string;
  runsDir: string;
  runId?: string;
  configPath?: string;
  sweepPoint?: Record<string, unknown>;
  /** recorded in run.json: the seed group, the sweep trial, the executor's job (src/scale) */
  membership?: Pick<RunInfo, 'group' | 'seed' | 'sweep' | 'job'>;
  /** called after each evaluation on the selection split; returning a reason stops the run (a sweep's ASHA) */
  onSelection?: (epoch: number, value: number, best: number) => string | undefined | Promise<string | undefined>;
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
  status: FinalStatus;
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
  return `${backboneSpec(c.model.kind).label(c.model)}(${c.model.score}, d=${c.model.dim}) · ${c.loss.kind} · ${neg}${tau} · ${opt} lr=${c.optimizer.lr}${warm}`;
}

/** The run's recorder (it creates the run folder), with a system error put in words (the runs folder is a file …). */
function createRecorder(opts: TrainOptions): Recorder {
  try {
    return new Recorder(opts);
  } catch (e) {
    throw runFolderError(e, opts.runsDir, opts.runId);
  }
}

/** Yields to the event loop so stop messages, signals and IPC flushes get through a synchronous training loop. */
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const c = opts.config;
  const rec = createRecorder(opts);
  opts.onCreated?.(rec.runId, rec.dir);
  const emit = (e: RunEvent): void => rec.emit(e);
  const log = (level: 'info' | 'warn' | 'error', message: string): void => rec.log(level, message);
  rec.started();

  const checkStop = (): void => {
    if (opts.signal?.aborted) throw new Stopped(String(opts.signal.reason ?? 'stopped by user'));
  };
  let evaluator = opts.evaluator;
  const ownEvaluator = !evaluator;
  let epoch = 0;
  const selection = new ModelSelection(c.eval, c.train, c.optimizer.lr);

  const finish = (status: FinalStatus, reason?: string): TrainResult => {
    rec.finish(status, epoch, reason);
    return { runId: rec.runId, runDir: rec.dir, status, reason, summary: rec.summary };
  };

  try {
    emit({ t: Date.now(), kind: 'phase', phase: 'load', message: 'loading dataset' });
    const ds = opts.dataset ?? (await loadDataset(c, opts.baseDir, (f, m) => emit({ t: Date.now(), kind: 'phase', phase: 'load', progress: f, message: m }), opts.signal));
    checkStop();
    const stats = datasetStats(ds);
    checkMemory(estimateMemory(c, stats), machineMemory(process.memoryUsage().rss)); // before the tables are allocated
    const backend = await initBackend(c.train.backend);
    const pool = KernelPool.configure(c.train.threads, c.train.kernels);
    const threads = pool.threads;
    rec.writer.updateInfo({ backend, dataset: stats.name, threads, kernels: pool.kernels });
    const popularity = itemPopularity(ds.train);
    const rng = new Rng(c.seed);
    const isMostPop = c.model.kind === 'mostpop';
    const trainRows = nnz(ds.train);
    const active = countActive(ds);
    const stepsPerEpoch = isMostPop ? 0 : Math.ceil(rowsPerEpochOf(c.train.sampling, trainRows, active) / c.train.batchSize);
    emit({
      t: Date.now(), kind: 'start', runId: rec.runId, name: rec.writer.info.name, backend,
      epochs: isMostPop ? 0 : c.train.epochs, stepsPerEpoch, dataset: stats, summary: describeConfig(c),
    });
    log('info', `${describeConfig(c)} on ${stats.name} (${stats.users} users, ${stats.items} items, ${stats.train} train) · backend ${backend}`);
    if (c.eval.selectOn === 'test') log('info', 'model selection on the test set (the papers\' protocol)');
    if (pool.kernels === 'native') {
      // which variant runs: AVX-512 / AVX2 (3–5× the wasm kernels), or the portable C on a CPU without AVX2 + FMA (about wasm's speed)
      const isa = nativeAddon().isa();
      log('info', `native kernels (${isa}${isa === 'scalar' ? ': this CPU lacks AVX2 + FMA, the portable C variant runs, about the speed of train.kernels "wasm"' : ''}) on ${threads} thread(s)`);
    }

    evaluator ??= new Evaluator(evaluatorOptionsFor(c));
    const evalScore = c.model.evalScore === 'same' ? c.model.score : c.model.evalScore;
    const evaluate = splitEvaluation(c, ds, evaluator, popularity);
    /** evaluates on the selection split (and on test when selecting on valid), emits events; true when a new best */
    /** the per-user values of the best epoch so far, as checkpoint files */
    let bestPerUser: Record<string, Uint8Array> | undefined;
    let bestPerUserFiles: Parameters<typeof writePerUser>[1][] = [];
    const evaluateEpoch = async (ep: number, users: Float32Array, items: Float32Array, dim: number, score: 'dot' | 'cosine'): Promise<boolean> => {
      const splits = evaluatedSplits(c);
      let improved = false;
      const perUser: { split: 'test' | 'valid'; r: EvalResult }[] = [];
      for (const split of splits) {
        const r = await evaluate(users, items, dim, split, score, { signal: opts.signal, onProgress: (f) => emit({ t: Date.now(), kind: 'phase', phase: 'eval', progress: f }) });
        perUser.push({ split, r });
        const ev: EvalEvent = { t: Date.now(), kind: 'eval', epoch: ep, split, metrics: r.metrics, seconds: r.seconds, users: r.users, byPopularity: r.byPopularity };
        if (split === c.eval.selectOn) {
          improved = selection.offer(ep, r.metrics);
          ev.selection = { metric: c.eval.selectMetric, value: r.metrics[c.eval.selectMetric], best: improved };
        }
        if (split === 'test') selection.offerTest(ep, r.metrics);
        emit(ev);
      }
      if (improved) {
        // the best epoch's per-user values go into the best checkpoint's folder (swapped in whole with it), for paired
        // tests between runs and groups (reclab compare --test)
        bestPerUser = Object.fromEntries(perUser.filter((x) => x.r.perUser).map(({ split, r }) => [`per-user-${split}.bin`, new Uint8Array(encodePerUser({ split, epoch: ep, ...r.perUser! }))]));
        bestPerUserFiles = perUser.filter((x) => x.r.perUser).map(({ split, r }) => ({ split, epoch: ep, ...r.perUser! }));
      }
      return improved;
    };

    if (isMostPop) {
      const items = Float32Array.from(popularity);
      const users = new Float32Array(ds.nUsers).fill(1);
      await evaluateEpoch(0, users, items, 1, 'dot');
      // MostPop has no checkpoint: its per-user values get a best/ folder of their own
      for (const f of bestPerUserFiles) writePerUser(rec.dir, f);
      return finish('finished');
    }

    const t = buildTraining(c, ds, popularity, rng, opts.baseDir, (m) => log('info', m));
    const { model, sampler, temperature, ctx, sampleRng } = t;
    const epochSeconds: number[] = [];
    /** why a sweep's scheduler stopped this run early (ASHA), if it did */
    let pruned: string | undefined;
    let earlyStop: string | undefined;
    let globalStep = 0;
    const B = c.train.batchSize;
    let lastRows: { users: Int32Array; items: Int32Array } | undefined; // the previous epoch's rows: their arrays are reused

    for (epoch = 1; epoch <= c.train.epochs; ) {
      checkStop();
      const te = Date.now();
      ctx.epoch = epoch;
      temperature.startEpoch({ epoch, data: ds, ...asTables(model) });
      emit({ t: Date.now(), kind: 'phase', phase: 'train', progress: 0, message: `epoch ${epoch}` });
      const allRows = (lastRows = epochRows(ds, c.train.sampling, sampleRng, lastRows));
      const rows = sampler.filterRows?.(allRows, ctx) ?? allRows;
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
        const r = trainingStep(t, ds, users, first, (neg) => diag.observe(s, users, first, neg, model, ds));
        if (!Number.isFinite(r.loss)) throw new Error(`training diverged: loss is ${r.loss} at epoch ${epoch}, step ${s + 1} (try a lower learning rate or temperature)`);
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
      emit({ t: Date.now(), kind: 'epoch', epoch, loss: epochLoss / steps, seconds, examplesPerSec: n / seconds, lr: model.lr, etaSeconds });
      const extra = sampler.endEpoch?.(ctx) ?? undefined;
      emit({ t: Date.now(), kind: 'sampler', epoch, sampler: c.sampler.kind, ...diag.report(!!ds.negatives), ...(extra ? { extra } : {}) });
      const tempReport = temperature.report();
      if (tempReport) emit({ t: Date.now(), kind: 'temperature', epoch, ...tempReport });
      rec.progress(epoch, etaSeconds);
      log('info', `epoch ${epoch}/${c.train.epochs} loss ${(epochLoss / steps).toFixed(5)} ${seconds.toFixed(2)}s`);

      let stop = false;
      if (epoch % c.eval.every === 0 || epoch === c.train.epochs) {
        const e = model.evalEmbeddings();
        const improved = await evaluateEpoch(epoch, e.users, e.items, scoreWidth(model), evalScore);
        if (improved) rec.checkpoint('best', model, epoch, rec.summary.best, bestPerUser);
        const decision = selection.afterEvaluation(epoch, improved, model);
        for (const m of decision.messages) log('info', m);
        stop = decision.stop;
        // a run that ends early says why (run.json reason, end event): the views show it instead of a bare 40 % bar
        if (decision.stop) earlyStop = decision.messages[decision.messages.length - 1];
      }
      if (opts.onSelection && rec.summary.lastEpoch === epoch && selection.best) {
        const reason = await opts.onSelection(epoch, rec.summary.last![c.eval.selectMetric], selection.best.value);
        if (reason) {
          log('info', reason);
          pruned = reason;
          stop = true;
        }
      }
      rec.checkpoint('last', model, epoch, rec.summary.last);
      if (stop) break;
      epoch++;
    }
    epoch = Math.min(epoch, c.train.epochs);
    return pruned ? finish('stopped', pruned) : finish('finished', earlyStop);
  } catch (e) {
    if (e instanceof Stopped || opts.signal?.aborted) {
      // aborting may surface as our Stopped, an AbortError, or the signal's reason rethrown by the evaluator
      return finish('stopped', opts.signal?.reason !== undefined ? String(opts.signal.reason) : 'stopped');
    }
    const err = e instanceof Error ? e : new Error(String(e));
    rec.writer.log(err.stack ?? err.message);
    const r = finish('failed', err.message);
    (err as Error & { result?: TrainResult }).result = r;
    throw err;
  } finally {
    if (ownEvaluator && evaluator) await evaluator.close();
  }
}
