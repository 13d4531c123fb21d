/**
 * The run directory: the durable truth about a training run (documented in docs/run-format.md).
 *
 *   <runs>/<id>/run.json        RunInfo (rewritten atomically: write temp file, then rename)
 *               config.json     the fully resolved config (defaults applied, sweep point substituted)
 *               metrics.jsonl   RunEvent records, one per line, append-only
 *               summary.json    RunSummary, written at every evaluation and at the end
 *               checkpoints/    best/ and last/: user.f32, item.f32 (little-endian float32, row-major) + meta.json
 *                               (each folder replaced as a whole: src/runs/checkpoint-files.ts)
 *               .heartbeat      touched every few seconds by the engine (src/runs/lease.ts)
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
  /** threads of the training kernels (train.threads resolved: 0 = one per core) */
  threads?: number;
  /** the SpMM / gemm kernels' implementation (train.kernels: native or wasm) */
  kernels?: string;
  versions: { reclab: string; node: string; tfjs?: string };
  progress?: { epoch: number; epochs: number; etaSeconds?: number };
  /** user annotations */
  note?: string;
  /** heartbeat: ISO time of the last run.json write by a live process */
  heartbeatAt?: string;
  /** member of a seed group: the group's id (`<runs>/<group>.group.json`) and this run's seed */
  group?: string;
  seed?: number;
  /** trial of a sweep (`<runs>/<sweep>.sweep.json`) */
  sweep?: { id: string; trial: number };
  /**
   * where the run executes when not in a local process: the Slurm job (`123` or `123_4` for an array task); while the
   * job waits, its scheduler state and reason (PENDING, JobArrayTaskLimit) as last seen by the sweep's controller
   */
  job?: { executor: string; id: string; state?: string; reason?: string };
  /** the engine process that owns the run while it is queued or running (src/runs/lease.ts) */
  lease?: RunLease;
}

/** Identifies an engine process beyond its pid: a pid alone may be reused, or come from another machine. */
export interface RunLease {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id (Linux): a pid from before a reboot is never ours */
  bootId?: string;
  /** process start time, clock ticks since boot (field 22 of /proc/<pid>/stat; Linux) */
  startTicks?: number;
  /** ISO time the lease was taken */
  since: string;
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
