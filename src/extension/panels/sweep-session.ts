/**
 * The host side of a sweep view: reads the sweep record `<runs>/<id>.sweep.json` (the state of a sweep is that file,
 * not memory) and joins each trial with its run's result (summary.json, through the run store), answers `ready` with
 * the whole view, and sends the whole view again when the record or a member run changes (throttled). Pure (no
 * vscode): the VS Code panel and the browser harness drive the same class.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readSweep, type SweepRecord } from '../../runs/records';
import type { RunRecord } from '../../runs/reader';
import { MAX_MESSAGES_PER_SECOND, WEBVIEW_PROTOCOL_VERSION, type HostToWebview, type WebviewToHost } from '../../protocol/webview';
import type { SweepViewData, SweepViewTrial } from '../../protocol/sweep-view';
import type { Clock, PanelRunStore } from './panel-session';
import { ViewSession } from './view-session';

const MAX_DECISIONS = 200;

/** The view of a sweep: its record's settings and trials, each joined with its run (when the store has it). */
export function sweepViewData(record: SweepRecord, runOf: (runId: string) => RunRecord | undefined): SweepViewData {
  const trials = record.trials.map((t): SweepViewTrial => {
    const run = t.runId ? runOf(t.runId) : undefined;
    const info = run?.info;
    // the run's own status is the fresher one while it trains (the record learns the end when the trial reports it)
    const status = t.status === 'pending' || !info || isEnded(t.status) ? t.status : info.status;
    const reason = t.reason ?? info?.reason;
    const pruned = !!t.pruned || (status === 'stopped' && !!reason?.startsWith('pruned by ASHA'));
    const out: SweepViewTrial = { index: t.index, point: t.point, status, pruned };
    if (reason) out.reason = reason;
    if (t.runId) out.runId = t.runId;
    if (t.value !== undefined) out.value = t.value;
    const s = run?.summary;
    if (s) {
      const { selectMetric, selectSplit, bestEpoch, best, bestTest, lastEpoch, last, selection, atSelection, stats } = s;
      out.result = { selectMetric, selectSplit, bestEpoch, best, bestTest, lastEpoch, last, selection, atSelection, stats };
    }
    if (info?.progress) out.progress = { epoch: info.progress.epoch, epochs: info.progress.epochs };
    return out;
  });
  return {
    id: record.id,
    name: record.name,
    experiment: record.experiment,
    status: record.status,
    ...(record.reason ? { reason: record.reason } : {}),
    strategy: record.strategy,
    metric: record.metric,
    space: record.space,
    scheduler: record.search.scheduler,
    budget: record.search.budget,
    executor: record.executor.kind,
    activeSeconds: record.activeSeconds,
    updatedAt: record.updatedAt,
    trials,
    decisions: record.decisions.slice(-MAX_DECISIONS).map((d) => ({ t: d.t, trial: d.trial, kind: d.kind, ...(d.action ? { action: d.action } : {}), message: d.message })),
  };
}

const isEnded = (s: string): boolean => s === 'finished' || s === 'stopped' || s === 'failed';

export interface SweepSessionOptions {
  /** the sweep record file */
  file: string;
  store: PanelRunStore;
  post(message: HostToWebview): unknown;
  /** commands other than ready (open a run's dashboard, stop a trial's run, export) */
  onCommand?(message: WebviewToHost): void;
  /** how often the record file is checked for changes (it is written by other processes: trials, Slurm tasks) */
  pollMs?: number;
  clock?: Clock;
  minIntervalMs?: number;
}

export class SweepSession extends ViewSession<SweepViewData> {
  private timer: unknown;
  private lastSentAt = -Infinity;
  private readonly clock: Clock;
  private readonly minIntervalMs: number;
  private readonly subscription: { dispose(): void };
  private readonly poller: ReturnType<typeof setInterval> | undefined;
  private runIds = new Set<string>();
  private fileStamp = '';

  constructor(private readonly opts: SweepSessionOptions) {
    super(opts.post, opts.onCommand);
    this.clock = opts.clock ?? { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
    this.minIntervalMs = Math.max(opts.minIntervalMs ?? 100, 1000 / MAX_MESSAGES_PER_SECOND);
    this.subscription = opts.store.onDidChange((c) => {
      if (this.runIds.has(c.id)) this.schedule();
    });
    if (opts.pollMs !== 0) this.poller = setInterval(() => this.checkFile(), opts.pollMs ?? 500);
  }

  get sweepId(): string {
    return path.basename(this.opts.file).replace(/\.sweep\.json$/, '');
  }

  /** The view as it is now; undefined when the record is missing or unreadable. */
  build(): SweepViewData | undefined {
    const record = readSweep(this.opts.file);
    if (!record) return undefined;
    this.runIds = new Set(record.trials.map((t) => t.runId).filter((id): id is string => !!id));
    return sweepViewData(record, (id) => this.opts.store.get(id));
  }

  /** Re-reads the record when its file changed (size or mtime), and sends when the view differs. */
  checkFile(): void {
    let stamp = 'missing';
    try {
      const st = fs.statSync(this.opts.file);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      /* removed: the next send says so */
    }
    if (stamp === this.fileStamp) return;
    this.fileStamp = stamp;
    this.schedule();
  }

  private schedule(): void {
    if (!this.ready || this.disposed || this.timer !== undefined) return;
    const wait = Math.max(0, this.lastSentAt + this.minIntervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.send();
    }, wait);
  }

  protected view(): SweepViewData | string {
    return this.build() ?? `${path.basename(this.opts.file)}: the sweep record is missing or unreadable (was it deleted?)`;
  }

  protected message(data: SweepViewData): HostToWebview {
    return { type: 'sweep', protocol: WEBVIEW_PROTOCOL_VERSION, data };
  }

  protected override sent(): void {
    this.lastSentAt = this.clock.now();
  }

  override dispose(): void {
    super.dispose();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
    this.subscription.dispose();
  }
}
