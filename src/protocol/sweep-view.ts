/**
 * The sweep view's part of the host ↔ webview contract (src/protocol/webview.ts has the rest).
 *
 * Flow, as for the other views: the webview posts `ready` ({view: 'sweep'}); the host answers with one `sweep`
 * message holding the whole view (the sweep record's settings and trials, each trial joined with its run's result
 * from summary.json), and sends a fresh one whenever the record file or a member run changes (at most
 * `MAX_MESSAGES_PER_SECOND`). A sweep is small (tens to hundreds of trials), so every message is complete: there are
 * no deltas to lose, and the webview keeps only view state (brushes, picked parameter, summary kind).
 */
import type { ParamSpec } from '../engine/config/types';
import type { RunStatus } from './events';
import type { ResultSummary } from '../runs/summary';

export type SweepTrialStatus = 'pending' | RunStatus;

export interface SweepViewTrial {
  index: number;
  /** dotted config path → value */
  point: Record<string, unknown>;
  status: SweepTrialStatus;
  /** ASHA stopped it (run status `stopped`, reason "pruned by ASHA …") */
  pruned: boolean;
  /** why it stopped or failed */
  reason?: string;
  runId?: string;
  /** the sweep record's value: the best selection metric the run reached (selection split) */
  value?: number;
  /** the run's result as summary.json defines it (src/runs/summary.ts); absent before its first evaluation */
  result?: ResultSummary;
  progress?: { epoch: number; epochs: number };
}

export interface SweepViewDecision {
  t: number;
  trial: number;
  kind: string;
  action?: 'continue' | 'stop';
  message: string;
}

export interface SweepViewData {
  id: string;
  name: string;
  experiment: string;
  status: 'running' | 'finished' | 'stopped' | 'failed';
  reason?: string;
  strategy: string;
  /** the selection metric (higher is better) */
  metric: string;
  space: Record<string, ParamSpec>;
  scheduler: { kind: 'none' | 'asha'; minEpochs: number; eta: number };
  budget: { runs: number; wallSeconds: number };
  executor: string;
  activeSeconds: number;
  updatedAt: string;
  trials: SweepViewTrial[];
  /** the newest decisions (at most 200), oldest first */
  decisions: SweepViewDecision[];
}

export interface SweepMessage {
  type: 'sweep';
  protocol: number;
  data: SweepViewData;
}
