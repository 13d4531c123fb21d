/**
 * Data layer entry point: read the configured source, k-core filter it, split it, and return a Dataset.
 * Loaders only read; nothing is written anywhere.
 */
import path from 'node:path';
import type { DatasetConfig, SplitConfig } from '../config/types';
import { loadCsv } from './csv';
import { DatasetError } from './errors';
import { loadLightGcn } from './lightgcn';
import { loadMovieLens } from './movielens';
import type { Progress, Source } from './source';
import { applyKcore, splitSource } from './split';
import { generateSyntheticAsync } from './synthetic';
import { resolveCatalogDataset } from '../catalog/store';
import { nnz, type Dataset, type Interactions } from './types';
import { subtractInteractions } from './csr';

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
    negatives: core.negatives ? withoutPositives(core.negatives, [train, valid, test]) : null,
    userIds: core.userIds,
    itemIds: core.itemIds,
  };
}

/** explicit negatives minus any item the user also has as a positive (a low rating next to a high one, a re-click) */
function withoutPositives(negatives: Interactions, positives: (Interactions | null)[]): Interactions {
  let out = negatives;
  for (const p of positives) if (p) out = subtractInteractions(out, p);
  return out;
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
    case 'catalog':
      return loadCatalogSource(dataset, baseDir, onProgress, signal);
    default:
      throw new DatasetError(`unknown dataset kind "${(dataset as { kind: string }).kind}"`);
  }
}

/**
 * A catalogue dataset: found in the cache (verified) or fetched into it first — the one case where loading writes,
 * and only into the cache folder — then read by the loader of its format under its catalogue name.
 */
async function loadCatalogSource(dataset: Extract<DatasetConfig, { kind: 'catalog' }>, baseDir: string, onProgress?: Progress, signal?: AbortSignal): Promise<Source> {
  const from = dataset.from && !/^https?:\/\//.test(dataset.from) ? path.resolve(baseDir, dataset.from) : dataset.from;
  const { entry, dataset: resolved } = await resolveCatalogDataset(dataset.catalog, {
    fetch: dataset.fetch !== false, from,
    onProgress: (p) => onProgress?.(0, `fetching ${p.file}: ${p.total ? Math.round((100 * p.received) / p.total) + '%' : `${p.received} bytes`}`),
    onMessage: (m) => onProgress?.(0, m),
  });
  if (dataset.ratingThreshold !== undefined && (resolved.kind === 'csv' || resolved.kind === 'movielens')) {
    resolved.ratingThreshold = dataset.ratingThreshold;
  }
  const source = await loadSource(resolved, baseDir, onProgress, signal);
  return { ...source, name: entry.name };
}
