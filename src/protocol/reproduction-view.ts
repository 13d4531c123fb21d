/**
 * The reproduction view's part of the host ↔ webview contract (src/protocol/webview.ts has the rest).
 *
 * Flow: `reclab reproduce` writes `<suite>.results.json` (src/suites/report.ts) whenever a row's state changes; the
 * host watches that file (debounced) and, for rows that are running, reads their run folders (run.json's progress and
 * the evaluations so far); the webview posts `ready` ({view: 'reproduction'}) and gets one `reproduction` message
 * with the whole view, then a fresh one whenever something changed. A suite has a handful of rows: every message is
 * complete, and the webview keeps only view state.
 */
import type { SuiteResults } from '../suites/report';

/** A running row's progress, read from its run folder. */
export interface ReproductionLive {
  epoch: number;
  epochs: number;
  /** the run's selection so far: its epoch and the test metrics there (the suite's metrics), when it has evaluated */
  best?: { epoch: number; split: 'test' | 'valid'; metrics: Record<string, number> };
  heartbeatAt?: string;
}

export interface ReproductionViewData {
  /** the results file on display */
  file: string;
  results: SuiteResults;
  /** by row id: rows running now */
  live: Record<string, ReproductionLive>;
}

export interface ReproductionMessage {
  type: 'reproduction';
  protocol: number;
  data: ReproductionViewData;
}
