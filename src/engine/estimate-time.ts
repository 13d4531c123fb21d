/**
 * How long a run takes, from measurement: `measureTime` builds the run exactly as `train` does
 * (training/setup.ts, training/evaluate.ts), runs a few warm-up steps, times up to N steps (their median), one
 * start-up (reading the data, when the caller timed it, and starting the evaluation workers), one
 * epoch's own work (its shuffled rows, the sampler's row filter and end-of-epoch work, the temperature scheme's
 * start-of-epoch work), and one evaluation on a block of users scaled to all evaluated users. Nothing is written: no
 * run folder, no checkpoint. `planTime` is the arithmetic (pure, unit-tested):
 *
 *   total = start-up + epochs × (steps per epoch × step median + epoch work) + evaluations × evaluation time
 *   evaluations = ⌈epochs / eval.every⌉ (every eval.every-th epoch and the last one)
 *
 * With eval.patience > 0 (or a sweep's early stopping) a run may stop sooner: the figure is an upper bound.
 * Not counted: writing the per-epoch checkpoint (a file of the tables' size) and the sampler diagnostics (about 20
 * scored rows-batches an epoch) — covered by the Slurm executor's safety factor.
 */
import type { ExperimentConfig } from './config/types';
import type { Dataset, Interactions } from './data/types';
import { itemPopularity } from './data/csr';
import { loadDataset } from './data';
import { Evaluator, evaluatorOptionsFor } from './eval';
import { scoreWidth } from './models/types';
import { initBackend } from './tensor/backend';
import { KernelPool } from './wasm/pool';
import { Rng } from './rng';
import { asTables, buildTraining, trainingStep } from './training/setup';
import { evaluatedSplits, splitEvaluation } from './training/evaluate';
import { epochRows } from './training/rows';
import { formatDuration } from '../runs/progress';

/** What was measured, for one config shape (the epochs and eval.every are applied by `planTime`). */
export interface TimeMeasurement {
  /** training kernel threads and tfjs backend the steps ran with */
  threads: number;
  backend: string;
  /** false for MostPop: no training, one evaluation */
  trains: boolean;
  /** median seconds of the timed steps */
  stepSeconds: number;
  stepsTimed: number;
  warmupSteps: number;
  /** rows of one epoch (after the sampler's row filter) and steps of one epoch (⌈rows / batch size⌉) */
  rowsPerEpoch: number;
  batchSize: number;
  stepsPerEpoch: number;
  /** an epoch's own work besides its steps: shuffled rows, sampler row filter and end of epoch, temperature */
  epochWorkSeconds: number;
  /** the evaluation embeddings (LightGCN's propagation), once per evaluation */
  embeddingsSeconds: number;
  /** users timed, and seconds per evaluated user */
  evalUsersTimed: number;
  evalSecondsPerUser: number;
  /** users one evaluation scores: those with targets in each evaluated split (valid and test when selecting on valid) */
  evalUsers: number;
  /** once per run: reading the data (when the caller timed it) and starting the evaluation workers */
  loadSeconds: number;
  workerStartSeconds: number;
  /** how long the measurement itself took */
  measuredSeconds: number;
}

export interface TimeEstimate {
  measurement: TimeMeasurement;
  epochs: number;
  evaluations: number;
  /** steps per epoch × step median + epoch work */
  epochSeconds: number;
  /** embeddings + evaluated users × seconds per user */
  evaluationSeconds: number;
  /** epochs × epochSeconds */
  trainSeconds: number;
  /** evaluations × evaluationSeconds */
  evalTotalSeconds: number;
  /** loading the data + starting the evaluation workers, once */
  startSeconds: number;
  totalSeconds: number;
  /** why the total is an upper bound (patience), when it is */
  upperBound?: string;
}

/** Evaluations of a run of `epochs` epochs evaluated every `every`: epochs divisible by it, and the last one. */
export function evaluationCount(epochs: number, every: number): number {
  if (epochs <= 0) return 0;
  return Math.ceil(epochs / Math.max(1, every));
}

/** Steps of an epoch of `rows` rows in batches of `batchSize` (the last batch may be short). */
export function stepsPerEpoch(rows: number, batchSize: number): number {
  return Math.ceil(rows / Math.max(1, batchSize));
}

/** The run's time from a measurement: the arithmetic of the module comment. */
export function planTime(c: Pick<ExperimentConfig, 'train' | 'eval'>, m: TimeMeasurement): TimeEstimate {
  const epochs = m.trains ? c.train.epochs : 0;
  const evaluations = m.trains ? evaluationCount(epochs, c.eval.every) : 1;
  const epochSeconds = m.trains ? m.stepsPerEpoch * m.stepSeconds + m.epochWorkSeconds : 0;
  const evaluationSeconds = m.embeddingsSeconds + m.evalUsers * m.evalSecondsPerUser;
  const trainSeconds = epochs * epochSeconds;
  const evalTotalSeconds = evaluations * evaluationSeconds;
  const startSeconds = m.loadSeconds + m.workerStartSeconds;
  const upperBound = m.trains && c.eval.patience > 0 ? `eval.patience ${c.eval.patience} may stop the run sooner: an upper bound` : undefined;
  return { measurement: m, epochs, evaluations, epochSeconds, evaluationSeconds, trainSeconds, evalTotalSeconds, startSeconds, totalSeconds: startSeconds + trainSeconds + evalTotalSeconds, ...(upperBound ? { upperBound } : {}) };
}

export interface MeasureOptions {
  /** timed steps at most (default 10) */
  steps?: number;
  /** stop timing steps after this many seconds (default 5), whichever comes first; at least one step is timed */
  maxSeconds?: number;
  /** untimed steps first (default 2): the kernels' first calls, tfjs's first graph */
  warmupSteps?: number;
  /** kernel threads to measure with (default: the config's train.threads, 0 = one per core) */
  threads?: number;
  signal?: AbortSignal;
  /** reuse an evaluator (its workers start once); otherwise one is started and closed */
  evaluator?: Evaluator;
  /** seconds the caller spent loading `ds` (a run reads its data once; 0 when not timed) */
  loadSeconds?: number;
}

const now = (): number => performance.now() / 1000;
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Users with at least one target in `t`. */
function usersWithTargets(t: Interactions): number[] {
  const out: number[] = [];
  for (let u = 0; u < t.nUsers; u++) if (t.indptr[u + 1] > t.indptr[u]) out.push(u);
  return out;
}

/** `t` with only the given users' rows kept (the others empty, so the evaluator skips them). */
function keepUsers(t: Interactions, users: number[]): Interactions {
  const keep = new Uint8Array(t.nUsers);
  for (const u of users) keep[u] = 1;
  const indptr = new Int32Array(t.nUsers + 1);
  const parts: number[] = [];
  for (let u = 0; u < t.nUsers; u++) {
    if (keep[u]) for (let k = t.indptr[u]; k < t.indptr[u + 1]; k++) parts.push(t.indices[k]);
    indptr[u + 1] = parts.length;
  }
  return { nUsers: t.nUsers, nItems: t.nItems, indptr, indices: Int32Array.from(parts) };
}

/**
 * Measures a run of `c` on the loaded `ds` (see the module comment). The kernel pool is configured with the threads
 * measured with; the evaluator is the caller's or one of the config's size, closed at the end.
 */
export async function measureTime(c: ExperimentConfig, ds: Dataset, baseDir: string, o: MeasureOptions = {}): Promise<TimeMeasurement> {
  const t0 = now();
  const check = (): void => o.signal?.throwIfAborted();
  const backend = await initBackend(c.train.backend);
  const threads = KernelPool.configure(o.threads ?? c.train.threads, c.train.kernels).threads;
  const popularity = itemPopularity(ds.train);
  const trains = c.model.kind !== 'mostpop';
  const warmupSteps = trains ? Math.max(0, o.warmupSteps ?? 2) : 0;
  const maxSteps = Math.max(1, o.steps ?? 10);
  const maxSeconds = o.maxSeconds ?? 5;
  const stepTimes: number[] = [];
  let rowsPerEpoch = 0;
  let epochWorkSeconds = 0;
  let embeddingsSeconds = 0;
  let users: Float32Array;
  let items: Float32Array;
  let dim: number;
  const evalScore = c.model.evalScore === 'same' ? c.model.score : c.model.evalScore;
  let score: 'dot' | 'cosine' = evalScore;
  if (trains) {
    const t = buildTraining(c, ds, popularity, new Rng(c.seed), baseDir);
    const { model, sampler, temperature, ctx, sampleRng } = t;
    // an epoch's own work, as train() does it at the start of an epoch …
    let w0 = now();
    ctx.epoch = 1;
    temperature.startEpoch({ epoch: 1, data: ds, ...asTables(model) });
    const allRows = epochRows(ds, c.train.sampling, sampleRng);
    const rows = sampler.filterRows?.(allRows, ctx) ?? allRows;
    epochWorkSeconds += now() - w0;
    rowsPerEpoch = rows.users.length;
    const B = c.train.batchSize;
    const steps = stepsPerEpoch(rowsPerEpoch, B);
    // … its steps: warm-up, then timed until N steps or the time budget
    const timedStart = now();
    for (let s = 0; s < warmupSteps + maxSteps && steps > 0; s++) {
      check();
      const k = s % steps;
      const u = rows.users.subarray(k * B, Math.min(rowsPerEpoch, (k + 1) * B));
      const first = rows.items.subarray(k * B, Math.min(rowsPerEpoch, (k + 1) * B));
      const s0 = now();
      trainingStep(t, ds, u, first);
      if (s >= warmupSteps) stepTimes.push(now() - s0);
      await yieldNow(); // Ctrl-C gets through between steps
      if (stepTimes.length && now() - timedStart > maxSeconds) break;
    }
    check();
    // … and its end
    w0 = now();
    sampler.endEpoch?.(ctx);
    epochWorkSeconds += now() - w0;
    w0 = now();
    const e = model.evalEmbeddings();
    embeddingsSeconds = now() - w0;
    users = e.users;
    items = e.items;
    dim = scoreWidth(model);
  } else {
    users = new Float32Array(ds.nUsers).fill(1);
    items = Float32Array.from(popularity);
    dim = 1;
    score = 'dot';
  }
  check();

  // one evaluation: a block of users of the first evaluated split (two blocks a worker), scaled to every evaluated user
  const evaluator = o.evaluator ?? new Evaluator(evaluatorOptionsFor(c));
  try {
    const splits = evaluatedSplits(c);
    const splitTarget = (s: 'test' | 'valid'): Interactions => (s === 'test' ? ds.test : ds.valid!);
    const evalUsers = splits.reduce((a, s) => a + usersWithTargets(splitTarget(s)).length, 0);
    const candidates = usersWithTargets(splitTarget(splits[0]));
    const evaluate = splitEvaluation(c, ds, evaluator, popularity);
    // warm-up: the workers start and load tfjs once per run, not once per evaluation
    const w0 = now();
    await evaluate(users, items, dim, splits[0], score, { signal: o.signal, target: keepUsers(splitTarget(splits[0]), candidates.slice(0, 1)) });
    const workerStartSeconds = now() - w0;
    const timed = candidates.slice(0, Math.max(1, c.eval.blockUsers * evaluator.workers * 2));
    const target = keepUsers(splitTarget(splits[0]), timed);
    const e0 = now();
    await evaluate(users, items, dim, splits[0], score, { signal: o.signal, target });
    const evalSeconds = now() - e0;
    return {
      threads, backend, trains, stepSeconds: stepTimes.length ? median(stepTimes) : 0, stepsTimed: stepTimes.length, warmupSteps,
      rowsPerEpoch, batchSize: c.train.batchSize, stepsPerEpoch: trains ? stepsPerEpoch(rowsPerEpoch, c.train.batchSize) : 0, epochWorkSeconds, embeddingsSeconds,
      evalUsersTimed: timed.length, evalSecondsPerUser: timed.length ? evalSeconds / timed.length : 0, evalUsers,
      loadSeconds: o.loadSeconds ?? 0, workerStartSeconds, measuredSeconds: now() - t0,
    };
  } finally {
    if (!o.evaluator) await evaluator.close();
  }
}

/**
 * The fields that change neither a step's nor an evaluation's cost: configs that differ only in them are measured
 * once (`measurementKey`). Anything not listed counts, so an unlisted field costs a measurement, never a wrong figure.
 */
const COST_NEUTRAL = ['name', 'description', 'seed', 'sweep', 'repeat', 'search', 'executor', 'optimizer.lr', 'train.epochs', 'train.logEvery', 'eval.every', 'eval.patience', 'eval.selectMetric'];

/** Configs with the same key share a measurement (a sweep over lr, epochs or seeds is measured once). */
export function measurementKey(c: ExperimentConfig): string {
  const copy = JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
  for (const p of COST_NEUTRAL) {
    const parts = p.split('.');
    let o = copy as Record<string, unknown> | undefined;
    for (const k of parts.slice(0, -1)) o = o?.[k] as Record<string, unknown> | undefined;
    if (o) delete o[parts[parts.length - 1]];
  }
  return canonicalJson(copy);
}

/** JSON with object keys sorted, so that the same config written in another order has the same key. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * The estimate as lines under the memory table: one part a line, "  <part>  <seconds> s  (<how>)". The seconds are
 * printed with 3 decimals (the step median with 6), and the total is the sum of the three parts printed above it.
 */
export function formatTime(e: TimeEstimate): string {
  const m = e.measurement;
  const row = (name: string, value: string, how: string): string => `  ${name.padEnd(17)} ${value.padStart(14)}  (${how})`;
  const sec = (x: number, digits = 3): string => `${x.toFixed(digits)} s`;
  const out = [`time (measured with ${m.threads} thread${m.threads === 1 ? '' : 's'}, backend ${m.backend}; the measurement took ${m.measuredSeconds.toFixed(1)} s):`];
  if (m.trains) {
    out.push(
      row('step median', sec(m.stepSeconds, 6), `${m.stepsTimed} steps timed after ${m.warmupSteps} warm-up`),
      row('steps per epoch', String(m.stepsPerEpoch), `⌈${m.rowsPerEpoch} rows / batch ${m.batchSize}⌉`),
      row('epoch work', sec(m.epochWorkSeconds), 'shuffled rows, sampler and temperature, once an epoch'),
      row('epoch time', sec(e.epochSeconds), 'steps per epoch × step median + epoch work'),
    );
  }
  out.push(
    row('evaluation time', sec(e.evaluationSeconds), `${m.evalUsers} users, ${m.evalUsersTimed} of them timed${m.embeddingsSeconds >= 0.0005 ? `; embeddings ${sec(m.embeddingsSeconds)}` : ''}`),
    row('start-up', sec(e.startSeconds), `${m.loadSeconds ? `reading the data ${sec(m.loadSeconds)} + ` : ''}evaluation workers ${sec(m.workerStartSeconds)}, once`),
    row('training', sec(e.trainSeconds), `${e.epochs} epochs × epoch time`),
    row('evaluations', sec(e.evalTotalSeconds), `${e.evaluations} × evaluation time, at epochs divisible by eval.every and the last`),
    row('total', sec(e.totalSeconds), `start-up + training + evaluations = ${formatDuration(e.totalSeconds)}${e.upperBound ? `; ${e.upperBound}` : ''}`),
  );
  return out.join('\n');
}

/**
 * Time estimates for many configs (a sweep's trials), each distinct config shape (`measurementKey`, with the data
 * folder and the threads) measured once and each dataset read once; the epochs, eval.every and patience of every
 * config are applied to its shape's measurement. What the Slurm executor uses to fill --time.
 */
export class TimeEstimates {
  private readonly measurements = new Map<string, Promise<TimeMeasurement>>();
  private readonly datasets = new Map<string, Promise<{ ds: Dataset; seconds: number }>>();
  constructor(private readonly o: Pick<MeasureOptions, 'steps' | 'maxSeconds'> = {}) {}

  /** distinct shapes measured so far */
  get measured(): number {
    return this.measurements.size;
  }

  async estimate(c: ExperimentConfig, baseDir: string, o: { threads?: number; signal?: AbortSignal } = {}): Promise<TimeEstimate & { key: string }> {
    const threads = c.train.threads || o.threads || 0;
    const key = JSON.stringify([baseDir, threads, measurementKey(c)]);
    let m = this.measurements.get(key);
    if (!m) {
      m = this.dataset(c, baseDir, o.signal).then(({ ds, seconds }) => measureTime(c, ds, baseDir, { ...this.o, threads, signal: o.signal, loadSeconds: seconds }));
      m.catch(() => this.measurements.delete(key)); // a failed or aborted measurement is tried again next time
      this.measurements.set(key, m);
    }
    return { ...planTime(c, await m), key };
  }

  private dataset(c: ExperimentConfig, baseDir: string, signal?: AbortSignal): Promise<{ ds: Dataset; seconds: number }> {
    const key = JSON.stringify([baseDir, c.dataset, c.split, c.seed]);
    let d = this.datasets.get(key);
    if (!d) {
      const t0 = now();
      d = loadDataset(c, baseDir, undefined, signal).then((ds) => ({ ds, seconds: now() - t0 }));
      d.catch(() => this.datasets.delete(key));
      this.datasets.set(key, d);
    }
    return d;
  }
}
