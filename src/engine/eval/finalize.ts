import type { MetricValues } from '../../protocol/events';
import { giniIndex, itemCoverage } from './beyond';
import { exposureOffset, popularityOffset, type MetricLayout } from './layout';
import type { PopularityGroups } from './popularity';
import type { EvalTables } from './tables';
import type { EvalResult } from './types';

/** Turns summed per-user metrics into averages over the evaluated users (0 when there are none). */
export function finalizeResult(
  layout: MetricLayout,
  sums: Float64Array,
  users: number,
  seconds: number,
  groups: PopularityGroups | null,
  targetsPerGroup: Float64Array | null,
  tables?: Pick<EvalTables, 'evalUsers' | 'perUser'>,
): EvalResult {
  const metrics: MetricValues = {};
  const userIndex = new Map(layout.userMetrics.map((m, mi) => [m, mi]));
  for (const m of layout.metrics) {
    layout.ks.forEach((k, ki) => {
      const mi = userIndex.get(m);
      if (mi !== undefined) {
        metrics[`${m}@${k}`] = users > 0 ? sums[mi * layout.ks.length + ki] / users : 0;
        return;
      }
      const start = exposureOffset(layout) + ki * layout.nItems;
      const exposure = sums.subarray(start, start + layout.nItems);
      metrics[`${m}@${k}`] = m === 'coverage' ? itemCoverage(exposure) : giniIndex(exposure);
    });
  }
  const result: EvalResult = { metrics, users, seconds };
  if (tables?.perUser) {
    // copied out of the shared buffer, which the scorers may reuse
    result.perUser = { users: Int32Array.from(tables.evalUsers), keys: Object.keys(metrics), values: Float32Array.from(tables.perUser) };
  }
  if (groups && targetsPerGroup) {
    const base = popularityOffset(layout);
    result.byPopularity = {
      k: layout.popularityK,
      groups: groups.labels.map((label, g) => ({
        label,
        items: groups.items[g],
        recall: targetsPerGroup[g] > 0 ? sums[base + g] / targetsPerGroup[g] : 0,
      })),
    };
  }
  return result;
}
