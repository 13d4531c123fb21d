/**
 * The one message contract between the extension host and the RecLab webviews (dashboard and compare).
 *
 * Flow: the webview loads and posts `ready`; the host answers with one `snapshot` (everything recorded so far for the
 * runs on display), then `delta`s that carry only what was appended since (batched, at most `MAX_MESSAGES_PER_SECOND`).
 * A webview that is reloaded or re-shown posts `ready` again and receives a fresh snapshot, so the webview holds no
 * data of its own worth saving: `setState` keeps only view state (smoothing, axes, zoom, selection, filters).
 *
 * Scalar histories travel as columns of typed arrays (transferred efficiently by VS Code since 1.57); everything else
 * is plain JSON.
 */
import type { DatasetStats, Histogram, MetricKey, RunStatus } from './events';
import type { ResultSummary } from '../runs/summary';
import type { SweepMessage } from './sweep-view';
import type { ReproductionMessage } from './reproduction-view';

export const WEBVIEW_PROTOCOL_VERSION = 2;
/** Host-side cap on the message rate to a webview. */
export const MAX_MESSAGES_PER_SECOND = 30;

export type ViewKind = 'dashboard' | 'compare' | 'sweep' | 'reproduction';

/**
 * Series keys (one scalar per event):
 *   loss                         step events: mean training loss (x = the step)
 *   loss/<extra>                 step events: extra loss diagnostics
 *   epoch/loss, epoch/lr, epoch/examplesPerSec   epoch events
 *   eval/<split>/<metric@k>      eval events, e.g. eval/test/recall@20
 *   pop/<split>/<group label>    eval byPopularity: recall of one item-popularity group
 *   tau/global, tau/<percentile> temperature events (percentiles of per-user τ: min p5 p25 p50 p75 p95 max)
 *   neg/<percentile>, neg/mean   sampler events: scores of sampled negatives
 *   sampler/fnr, sampler/collision, sampler/<extra>[/<percentile>]   sampler diagnostics
 */
export type SeriesKey = string;

export type XAxisMode = 'step' | 'epoch' | 'wall';
export const X_AXIS_MODES: readonly XAxisMode[] = ['step', 'epoch', 'wall'];

/** Equal-length columns of one series: one row per recorded point, in recording order. */
export interface SeriesColumns {
  /** global optimisation step (for per-epoch events: epoch × steps per epoch) */
  step: Float64Array;
  /** fractional epoch (step events: step / steps per epoch) */
  epoch: Float64Array;
  /** seconds since the run started */
  wall: Float64Array;
  value: Float64Array;
}

/** Points of one series of one run; in a delta, the rows appended since the previous message. */
export interface SeriesChunk extends SeriesColumns {
  runId: string;
  key: SeriesKey;
}

/**
 * Series as they travel: every number of a message in ONE Float64Array (one ArrayBuffer), each chunk's step, epoch,
 * wall and value columns back to back from `offset`. One buffer per message rather than four per series: measured in
 * code-server, a snapshot carrying hundreds of separate typed arrays arrived with the later ones empty.
 */
export interface SeriesBatch {
  data: Float64Array;
  chunks: { runId: string; key: SeriesKey; offset: number; length: number }[];
}

export function packSeries(chunks: readonly SeriesChunk[]): SeriesBatch {
  let total = 0;
  for (const c of chunks) total += 4 * c.value.length;
  const data = new Float64Array(total);
  const out: SeriesBatch['chunks'] = [];
  let o = 0;
  for (const c of chunks) {
    const n = c.value.length;
    out.push({ runId: c.runId, key: c.key, offset: o, length: n });
    data.set(c.step, o);
    data.set(c.epoch, o + n);
    data.set(c.wall, o + 2 * n);
    data.set(c.value, o + 3 * n);
    o += 4 * n;
  }
  return { data, chunks: out };
}

/** The chunks of a batch, as views into its one buffer (no copies). */
export function unpackSeries(batch: SeriesBatch): SeriesChunk[] {
  const d = batch.data;
  return batch.chunks.map(({ runId, key, offset, length: n }) => ({
    runId,
    key,
    step: d.subarray(offset, offset + n),
    epoch: d.subarray(offset + n, offset + 2 * n),
    wall: d.subarray(offset + 2 * n, offset + 3 * n),
    value: d.subarray(offset + 3 * n, offset + 4 * n),
  }));
}

/** What a view shows about a run besides its scalar series. */
export interface RunHeader {
  id: string;
  name: string;
  experiment: string;
  status: RunStatus;
  reason?: string;
  dataset?: string;
  datasetStats?: DatasetStats;
  backend?: string;
  /** "MF(cos, d=64) · ssm · uniform×1024 · τ=adaptive" from the start event */
  summary?: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  progress?: { epoch: number; epochs: number; etaSeconds?: number };
  stepsPerEpoch?: number;
  selectMetric?: MetricKey;
  best?: { epoch: number; metric: MetricKey; value: number };
  /** the run's result as summary.json defines it (src/runs/summary.ts): selection, every split at that epoch, stats */
  result?: ResultSummary;
  /** ISO time of the last run.json update (progress clock for the smoothed ETA) */
  heartbeatAt?: string;
  wallSeconds?: number;
  sweepPoint?: Record<string, unknown>;
  /** member of a seed group (`<runs>/<group>.group.json`) with this seed */
  group?: string;
  seed?: number;
}

/**
 * compare: the paired tests (src/scale/compare.ts pairedComparison) when exactly two runs or two seed groups are
 * shown: per-user test values at each run's selected epoch, paired t-test and Wilcoxon, Holm across the metrics.
 */
export interface PairedTestResult {
  /** the two sides: run ids, or group ids */
  a: { id: string; label: string; kind: 'run' | 'group' };
  b: { id: string; label: string; kind: 'run' | 'group' };
  users?: number;
  selectSplit?: string;
  rows?: { metric: string; meanA: number; meanB: number; pT: number; pTHolm: number; pW: number; pWHolm: number }[];
  /** why there is no test (no per-user values kept, different users, …) */
  error?: string;
}

/** Latest non-scalar diagnostics of a run. */
export interface RunExtras {
  runId: string;
  /** per-user temperature histogram of the latest temperature event */
  tauHistogram?: { epoch: number; histogram: Histogram };
  /** recall by item-popularity group of the latest evaluation */
  popularity?: { epoch: number; split: 'test' | 'valid'; k: number; groups: { label: string; items: number; recall: number }[] };
  /** the latest warnings and errors from the run's log events (newest last, at most 20) */
  problems?: { t: number; level: 'warn' | 'error'; message: string }[];
}

export interface SnapshotMessage {
  type: 'snapshot';
  protocol: number;
  view: ViewKind;
  /** the runs on display, in display order */
  runs: RunHeader[];
  series: SeriesBatch;
  extras: RunExtras[];
  /** resolved configs of the runs on display (compare: config diff) */
  configs: Record<string, unknown>;
  /** compare: every run the host knows, for the run picker */
  catalog?: RunHeader[];
  /** compare: paired tests when exactly two runs or two seed groups are shown */
  paired?: PairedTestResult;
}

export interface DeltaMessage {
  type: 'delta';
  /** 1, 2, … since the last snapshot; a gap means a lost message and the webview asks for a new snapshot */
  seq: number;
  /** headers that changed (status, progress, best); for compare also catalog additions */
  runs: RunHeader[];
  series: SeriesBatch;
  extras: RunExtras[];
  removed: string[];
}

export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type HostToWebview = SnapshotMessage | DeltaMessage | ErrorMessage | SweepMessage | ReproductionMessage;

export type ExportFormat = 'csv' | 'json';

export type WebviewToHost =
  /** the webview is listening; the host (re)sends a snapshot */
  | { type: 'ready'; view: ViewKind }
  /** dashboard stop button */
  | { type: 'stopRun'; runId: string }
  /** save exported chart or run data; the host asks where */
  | { type: 'export'; format: ExportFormat; suggestedName: string; content: string }
  /** compare: open one run's dashboard */
  | { type: 'openDashboard'; runId: string }
  /** compare: the runs to show changed (the host answers with a new snapshot) */
  | { type: 'selectRuns'; runIds: string[] };

/** State a panel's webview persists with setState, read back by the panel serializer after a reload. */
export interface PersistedViewState {
  view: ViewKind;
  runIds: string[];
  /** sweep view: the sweep on display (`<runs>/<sweepId>.sweep.json`) */
  sweepId?: string;
  /** reproduction view: the results file on display (`<suite>.results.json`) */
  resultsFile?: string;
  /** view-only settings, opaque to the host */
  ui?: unknown;
}
