/**
 * Data layer entry point: read the configured source, k-core filter it, split it, and return a Dataset.
 * Loaders only read; nothing is written anywhere.
 */
import type { DatasetConfig, SplitConfig } from '../config/types';
import { loadCsv } from './csv';
import { DatasetError } from './errors';
import { loadLightGcn } from './lightgcn';
import { loadMovieLens } from './movielens';
import type { Progress, Source } from './source';
import { applyKcore, splitSource } from './split';
import { generateSyntheticAsync } from './synthetic';
import { nnz, type Dataset } from './types';

export { DatasetError } from './errors';
export { datasetStats, gini } from './stats';
export {
  emptyInteractions,
  fromPairs,
  fromTimedPairs,
  itemPopularity,
  mergeInteractions,
  row,
  subtractInteractions,
  toPairs,
  userDegrees,
} from './csr';
export type { TimedInteractions } from './csr';
export type { Dataset, Interactions } from './types';
export { hasItem, nnz } from './types';

export async function loadDataset(
  cfg: { dataset: DatasetConfig; split: SplitConfig; seed: number },
  baseDir: string,
  onProgress?: Progress,
  /** stops loading within a chunk (throws the signal's reason) */
  signal?: AbortSignal,
): Promise<Dataset> {
  const source = await loadSource(cfg.dataset, baseDir, onProgress, signal);
  signal?.throwIfAborted();
  onProgress?.(0.97, 'splitting');
  const core = applyKcore(source, cfg.split.kcore);
  const { train, valid, test } = splitSource(core, cfg.split);
  if (nnz(train) === 0) throw new DatasetError(`${core.name}: the training split is empty`);
  if (nnz(test) === 0) {
    throw new DatasetError(`${core.name}: the test split is empty (no user has two or more interactions, or the test file lists no items)`);
  }
  onProgress?.(1, 'dataset ready');
  return {
    name: core.name,
    nUsers: core.userIds.length,
    nItems: core.itemIds.length,
    train,
    valid,
    test,
    userIds: core.userIds,
    itemIds: core.itemIds,
  };
}

export async function loadSource(dataset: DatasetConfig, baseDir: string, onProgress?: Progress, signal?: AbortSignal): Promise<Source> {
  switch (dataset.kind) {
    case 'synthetic':
      return generateSyntheticAsync(dataset, signal);
    case 'lightgcn':
      return loadLightGcn(dataset, baseDir, onProgress, signal);
    case 'csv':
      return loadCsv(dataset, baseDir, onProgress, signal);
    case 'movielens':
      return loadMovieLens(dataset, baseDir, onProgress, signal);
    default:
      throw new DatasetError(`unknown dataset kind "${(dataset as { kind: string }).kind}"`);
  }
}
