/**
 * The run directory: the durable truth about a training run (documented in docs/run-format.md).
 *
 *   <runs>/<id>/run.json        RunInfo (rewritten atomically: write temp file, then rename)
 *               config.json     the fully resolved config (defaults applied, sweep point substituted)
 *               metrics.jsonl   RunEvent records, one per line, append-only
 *               summary.json    RunSummary, written at every evaluation and at the end
 *               checkpoints/    best/ and last/: user.f32, item.f32 (little-endian float32, row-major) + meta.json
 *               log.txt         human-readable log; the stderr tail of a crashed run is appended here
 */
import type { MetricValues, RunStatus, MetricKey } from '../protocol/events';
import type { ResultSummary } from './summary';

export const RUN_FILES = {
  info: 'run.json',
  config: 'config.json',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  log: 'log.txt',
  checkpoints: 'checkpoints',
} as const;

export const RUN_FORMAT_VERSION = 1;

export interface RunInfo {
  formatVersion: number;
  id: string;
  name: string;
  /** experiment name (config `name`), used to group runs */
  experiment: string;
  status: RunStatus;
  /** why the run ended when stopped or failed */
  reason?: string;
  pid?: number;
  /** ISO timestamps */
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** absolute path of the *.reclab.json this run came from, when there is one */
  configPath?: string;
  /** sweep point, e.g. {"optimizer.lr": 0.001} */
  sweepPoint?: Record<string, unknown>;
  dataset?: string;
  backend?: string;
  versions: { reclab: string; node: string; tfjs?: string };
  progress?: { epoch: number; epochs: number; etaSeconds?: number };
  /** user annotations */
  note?: string;
  /** heartbeat: ISO time of the last run.json write by a live process */
  heartbeatAt?: string;
}

/** Result fields (selection, values at the selected epoch, best/last/min/max): see summary.ts. */
export interface RunSummary extends ResultSummary {
  /** the metric that selects the best epoch, e.g. "ndcg@20" */
  selectMetric: MetricKey;
  selectSplit: 'test' | 'valid';
  bestEpoch?: number;
  best?: MetricValues;
  /** test metrics at the best epoch (same as best when selecting on test) */
  bestTest?: MetricValues;
  lastEpoch?: number;
  last?: MetricValues;
  epochsRun: number;
  wallSeconds: number;
  finalLoss?: number;
}
