/** Builds the RunHeader a webview shows from a run record (run.json + summary.json) and its start event. */
import type { RunRecord } from '../../runs/reader';
import type { RunHeader } from '../../protocol/webview';
import type { RunStartFacts } from './run-series';

export function toRunHeader(record: RunRecord, start?: RunStartFacts): RunHeader {
  const { info, summary } = record;
  const header: RunHeader = {
    id: record.id,
    name: info.name,
    experiment: info.experiment,
    status: info.status,
    reason: info.reason,
    dataset: info.dataset ?? start?.datasetStats?.name,
    datasetStats: start?.datasetStats,
    backend: info.backend ?? start?.backend,
    summary: start?.summary,
    createdAt: info.createdAt,
    startedAt: info.startedAt,
    endedAt: info.endedAt,
    progress: info.progress ?? (start?.epochs ? { epoch: summary?.epochsRun ?? 0, epochs: start.epochs } : undefined),
    stepsPerEpoch: start?.stepsPerEpoch,
    selectMetric: summary?.selectMetric,
    wallSeconds: summary?.wallSeconds,
    sweepPoint: info.sweepPoint,
    heartbeatAt: info.heartbeatAt,
    ...(info.group ? { group: info.group, seed: info.seed } : {}),
  };
  if (summary) {
    const { selectMetric, selectSplit, bestEpoch, best, bestTest, lastEpoch, last, selection, atSelection, stats } = summary;
    header.result = { selectMetric, selectSplit, bestEpoch, best, bestTest, lastEpoch, last, selection, atSelection, stats };
  }
  if (summary?.best && summary.bestEpoch !== undefined && summary.selectMetric in summary.best) {
    header.best = { epoch: summary.bestEpoch, metric: summary.selectMetric, value: summary.best[summary.selectMetric] };
  }
  return header;
}
