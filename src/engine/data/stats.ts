/** Summary numbers shown when a run starts. */
import type { DatasetStats } from '../../protocol/events';
import { itemPopularity } from './csr';
import { nnz, type Dataset } from './types';

/**
 * Gini coefficient of non-negative values: Σ_k (2k − n + 1)·x_(k) / (n·Σx) over the values sorted ascending
 * (k 0-based). 0 when all are equal, 1 − 1/n when one value holds everything; 0 for an all-zero input.
 */
export function gini(values: ArrayLike<number>): number {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  let total = 0;
  let weighted = 0;
  for (let k = 0; k < n; k++) {
    total += sorted[k];
    weighted += (2 * k - n + 1) * sorted[k];
  }
  return total > 0 ? weighted / (n * total) : 0;
}

/** Counts, density (all splits over users × items) and the Gini of training item popularity. */
export function datasetStats(ds: Dataset): DatasetStats {
  const train = nnz(ds.train);
  const valid = ds.valid ? nnz(ds.valid) : 0;
  const test = nnz(ds.test);
  const cells = ds.nUsers * ds.nItems;
  return {
    name: ds.name,
    users: ds.nUsers,
    items: ds.nItems,
    train,
    valid,
    test,
    density: cells > 0 ? (train + valid + test) / cells : 0,
    giniItemPopularity: gini(itemPopularity(ds.train)),
  };
}
