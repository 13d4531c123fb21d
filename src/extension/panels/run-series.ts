/**
 * Turns a run's RunEvents into the webview's columnar series (see SeriesKey in src/protocol/webview.ts).
 * Pure (no vscode): the panels, the browser harness and the benchmark all use it.
 */
import type { DatasetStats, Percentiles, RunEvent } from '../../protocol/events';
import type { RunExtras, SeriesChunk } from '../../protocol/webview';

const PERCENTILES: (keyof Percentiles)[] = ['min', 'p5', 'p25', 'p50', 'p75', 'p95', 'max'];
const MAX_PROBLEMS = 20;

interface PendingColumns {
  step: number[];
  epoch: number[];
  wall: number[];
  value: number[];
}

/** What the start event says about a run, for its header. */
export interface RunStartFacts {
  summary?: string;
  stepsPerEpoch?: number;
  epochs?: number;
  datasetStats?: DatasetStats;
  backend?: string;
  startedAt?: number;
}

/**
 * Accumulates events of one run and hands out the rows added since the last `drain()`. Feed it the whole history
 * first (snapshot) and then the appended events (deltas); x coordinates stay consistent because the run start and the
 * steps per epoch are remembered.
 */
export class RunSeriesAccumulator {
  readonly start: RunStartFacts = {};
  private pending = new Map<string, PendingColumns>();
  private lastStep = 0;
  private extras: RunExtras;
  private extrasDirty = false;

  constructor(readonly runId: string, startedAtMs?: number) {
    this.start.startedAt = startedAtMs;
    this.extras = { runId };
  }

  add(events: readonly RunEvent[]): void {
    for (const e of events) this.addOne(e);
  }

  /** The rows appended since the previous drain, as typed-array chunks (one per series key). */
  drain(): SeriesChunk[] {
    const out: SeriesChunk[] = [];
    for (const [key, c] of this.pending) {
      out.push({
        runId: this.runId,
        key,
        step: Float64Array.from(c.step),
        epoch: Float64Array.from(c.epoch),
        wall: Float64Array.from(c.wall),
        value: Float64Array.from(c.value),
      });
    }
    this.pending.clear();
    return out;
  }

  /** The extras when they changed since the last call (or always with `force`). */
  takeExtras(force = false): RunExtras | undefined {
    if (!force && !this.extrasDirty) return undefined;
    this.extrasDirty = false;
    return { ...this.extras };
  }

  private addOne(e: RunEvent): void {
    if (this.start.startedAt === undefined) this.start.startedAt = e.t;
    const wall = (e.t - (this.start.startedAt ?? e.t)) / 1000;
    switch (e.kind) {
      case 'start':
        this.start.summary = e.summary;
        this.start.stepsPerEpoch = e.stepsPerEpoch;
        this.start.epochs = e.epochs;
        this.start.datasetStats = e.dataset;
        this.start.backend = e.backend;
        this.start.startedAt = e.t;
        return;
      case 'step': {
        this.lastStep = e.step;
        const epoch = this.start.stepsPerEpoch ? e.step / this.start.stepsPerEpoch : e.epoch;
        this.push('loss', e.step, epoch, wall, e.loss);
        if (e.extra) for (const [k, v] of Object.entries(e.extra)) this.push(`loss/${k}`, e.step, epoch, wall, v);
        return;
      }
      case 'epoch': {
        const step = this.stepOfEpoch(e.epoch);
        this.push('epoch/loss', step, e.epoch, wall, e.loss);
        this.push('epoch/lr', step, e.epoch, wall, e.lr);
        this.push('epoch/examplesPerSec', step, e.epoch, wall, e.examplesPerSec);
        return;
      }
      case 'eval': {
        const step = this.stepOfEpoch(e.epoch);
        for (const [m, v] of Object.entries(e.metrics)) this.push(`eval/${e.split}/${m}`, step, e.epoch, wall, v);
        if (e.byPopularity) {
          for (const g of e.byPopularity.groups) this.push(`pop/${e.split}/${g.label}`, step, e.epoch, wall, g.recall);
          if (e.split === 'test' || !this.extras.popularity || this.extras.popularity.split === 'valid') {
            this.extras.popularity = { epoch: e.epoch, split: e.split, k: e.byPopularity.k, groups: e.byPopularity.groups };
            this.extrasDirty = true;
          }
        }
        return;
      }
      case 'temperature': {
        const step = this.stepOfEpoch(e.epoch);
        this.push('tau/global', step, e.epoch, wall, e.global);
        if (e.perUser) for (const p of PERCENTILES) this.push(`tau/${p}`, step, e.epoch, wall, e.perUser[p]);
        if (e.histogram) {
          this.extras.tauHistogram = { epoch: e.epoch, histogram: e.histogram };
          this.extrasDirty = true;
        }
        return;
      }
      case 'sampler': {
        const step = this.stepOfEpoch(e.epoch);
        for (const p of PERCENTILES) this.push(`neg/${p}`, step, e.epoch, wall, e.negScore[p]);
        this.push('neg/mean', step, e.epoch, wall, e.negScore.mean);
        this.push('sampler/fnr', step, e.epoch, wall, e.falseNegativeRate);
        this.push('sampler/collision', step, e.epoch, wall, e.positiveCollisionRate);
        // datasets with explicit negatives: their share, and the false-negative rate of the other negatives
        if (e.explicitNegativeRate !== undefined) this.push('sampler/explicitNegativeRate', step, e.epoch, wall, e.explicitNegativeRate);
        if (e.falseNegativeRateOther !== undefined) this.push('sampler/falseNegativeRateOther', step, e.epoch, wall, e.falseNegativeRateOther);
        for (const [k, v] of Object.entries(e.extra ?? {})) {
          if (typeof v === 'number') this.push(`sampler/${k}`, step, e.epoch, wall, v);
          else for (const p of PERCENTILES) this.push(`sampler/${k}/${p}`, step, e.epoch, wall, v[p]);
        }
        return;
      }
      case 'log':
        if (e.level !== 'info') {
          const problems = [...(this.extras.problems ?? []), { t: e.t, level: e.level, message: e.message }];
          this.extras.problems = problems.slice(-MAX_PROBLEMS);
          this.extrasDirty = true;
        }
        return;
      case 'phase':
      case 'end':
        return;
    }
  }

  private stepOfEpoch(epoch: number): number {
    return this.start.stepsPerEpoch ? epoch * this.start.stepsPerEpoch : this.lastStep;
  }

  private push(key: string, step: number, epoch: number, wall: number, value: number): void {
    let c = this.pending.get(key);
    if (!c) {
      c = { step: [], epoch: [], wall: [], value: [] };
      this.pending.set(key, c);
    }
    c.step.push(step);
    c.epoch.push(epoch);
    c.wall.push(wall);
    c.value.push(value);
  }
}

/** Concatenates chunks of the same run and key (keeps first-seen order). */
export function mergeChunks(chunks: readonly SeriesChunk[]): SeriesChunk[] {
  const byKey = new Map<string, SeriesChunk[]>();
  for (const c of chunks) {
    const k = `${c.runId}\u0000${c.key}`;
    const list = byKey.get(k);
    if (list) list.push(c);
    else byKey.set(k, [c]);
  }
  const out: SeriesChunk[] = [];
  for (const list of byKey.values()) {
    if (list.length === 1) {
      out.push(list[0]);
      continue;
    }
    const cat = (col: 'step' | 'epoch' | 'wall' | 'value') => {
      const n = list.reduce((s, c) => s + c[col].length, 0);
      const a = new Float64Array(n);
      let o = 0;
      for (const c of list) {
        a.set(c[col], o);
        o += c[col].length;
      }
      return a;
    };
    out.push({ runId: list[0].runId, key: list[0].key, step: cat('step'), epoch: cat('epoch'), wall: cat('wall'), value: cat('value') });
  }
  return out;
}
