/**
 * The recorder turns the trainer's events into the run directory: metrics.jsonl (every event), log.txt, run.json
 * (status, progress), summary.json (kept current from the evaluation events) and checkpoints. It forwards every
 * event to the caller's listener. The trainer decides; the recorder writes.
 */
import type { ExperimentConfig } from '../config/types';
import type { Backbone } from '../models/types';
import { RunWriter } from '../../runs/writer';
import type { RunInfo, RunSummary } from '../../runs/format';
import { SummaryTracker } from '../../runs/summary';
import type { MetricValues, RunEvent, RunStatus } from '../../protocol/events';
import { VERSION } from '../../version';
import { tfjsVersion } from '../tensor/backend';

export type FinalStatus = Exclude<RunStatus, 'queued' | 'running'>;

export interface RecorderOptions {
  config: ExperimentConfig;
  runsDir: string;
  runId?: string;
  configPath?: string;
  sweepPoint?: Record<string, unknown>;
  /** seed group, sweep trial, executor job (src/scale), recorded in run.json */
  membership?: Pick<RunInfo, 'group' | 'seed' | 'sweep' | 'job'>;
  onEvent?: (e: RunEvent) => void;
}

export class Recorder {
  readonly writer: RunWriter;
  readonly summary: RunSummary;
  private readonly results: SummaryTracker;
  private readonly t0 = Date.now();
  private readonly c: ExperimentConfig;
  private best: { epoch: number; value: number; metrics: MetricValues } | null = null;

  constructor(private readonly opts: RecorderOptions) {
    const c = (this.c = opts.config);
    const point = opts.sweepPoint && Object.keys(opts.sweepPoint).length ? opts.sweepPoint : null;
    const seed = opts.membership?.seed !== undefined ? ` seed=${opts.membership.seed}` : '';
    this.writer = RunWriter.create(
      opts.runsDir,
      {
        id: opts.runId,
        name: (point ? `${c.name} ${Object.entries(point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}` : c.name) + seed,
        experiment: c.name,
        configPath: opts.configPath,
        sweepPoint: opts.sweepPoint,
        ...opts.membership,
        versions: { reclab: VERSION, node: process.version, tfjs: tfjsVersion },
      },
      c,
    );
    this.summary = { selectMetric: c.eval.selectMetric, selectSplit: c.eval.selectOn, epochsRun: 0, wallSeconds: 0 };
    this.results = new SummaryTracker(c.eval.selectMetric, c.eval.selectOn);
  }

  get runId(): string {
    return this.writer.info.id;
  }
  get dir(): string {
    return this.writer.dir;
  }
  get seconds(): number {
    return (Date.now() - this.t0) / 1000;
  }

  started(): void {
    this.writer.updateInfo({ status: 'running', pid: process.pid, startedAt: new Date().toISOString(), progress: { epoch: 0, epochs: this.c.train.epochs } });
    this.writer.log(`run ${this.writer.info.id} started (pid ${process.pid})`);
  }

  emit(e: RunEvent): void {
    this.writer.append(e);
    if (e.kind === 'eval') this.onEval(e);
    else if (e.kind === 'epoch') this.summary.finalLoss = e.loss;
    this.opts.onEvent?.(e);
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.writer.log(`[${level}] ${message}`);
    this.emit({ t: Date.now(), kind: 'log', level, message });
  }

  /**
   * summary.json from the evaluation events, by the one definition every view reads (src/runs/summary.ts): the
   * selected epoch, every split's metrics at it (best / bestTest / atSelection), last / min / max per split
   */
  private onEval(e: Extract<RunEvent, { kind: 'eval' }>): void {
    const s = this.summary;
    this.results.add(e.epoch, e.split, e.metrics);
    this.results.fill(s);
    if (e.split === this.c.eval.selectOn && e.selection?.best) this.best = { epoch: e.epoch, value: e.selection.value, metrics: e.metrics };
    this.writer.writeSummary({ ...s, epochsRun: e.epoch, wallSeconds: this.seconds });
  }

  progress(epoch: number, etaSeconds?: number): void {
    this.writer.updateInfo({ progress: { epoch, epochs: this.c.train.epochs, ...(etaSeconds !== undefined ? { etaSeconds } : {}) } });
  }

  /** checkpoints/<which>/: the backbone's trainable tables (a graph's ego embeddings) and meta.json, swapped in whole */
  checkpoint(which: 'best' | 'last', backbone: Backbone, epoch: number, metrics?: MetricValues, extra: Record<string, Uint8Array> = {}): void {
    const p = backbone.parameters();
    const bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    // extra: files that belong to this epoch, e.g. the best epoch's per-user values (src/runs/per-user.ts)
    this.writer.writeCheckpoint(which, { 'user.f32': bytes(p.users), 'item.f32': bytes(p.items), ...extra },
      { epoch, users: backbone.nUsers, items: backbone.nItems, dim: backbone.dim, dtype: 'float32', layout: 'row-major', model: backbone.kind, metrics });
  }

  finish(status: FinalStatus, epochs: number, reason?: string): void {
    const summary = this.summary;
    summary.wallSeconds = this.seconds;
    summary.epochsRun = epochs;
    const best = this.best;
    const end: RunEvent = {
      t: Date.now(), kind: 'end', status, ...(reason ? { reason } : {}), epochs, seconds: summary.wallSeconds,
      ...(best ? { best: { epoch: best.epoch, metric: this.c.eval.selectMetric, value: best.value, metrics: best.metrics } } : {}),
    };
    // each final write is attempted even when the disk is full; what could not be written is reported, and a run.json
    // left `running` is shown failed by the lease once this process exits
    const errors = this.writer.end(summary, end, { status, ...(reason ? { reason } : {}), endedAt: new Date().toISOString() });
    this.opts.onEvent?.(end);
    for (const e of errors) this.writer.log(`[error] ${e.message}`);
    this.writer.log(`run ended: ${status}${reason ? ` (${reason})` : ''}`);
    this.writer.close();
  }
}
