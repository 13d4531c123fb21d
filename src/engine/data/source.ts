/** What a loader produces before k-core filtering and splitting. */
import type { TimedInteractions } from './csr';
import type { Interactions } from './types';

export type Progress = (fraction: number, message: string) => void;

interface SourceBase {
  name: string;
  userIds: string[];
  itemIds: string[];
  /** explicit negatives (exposed, not clicked), in the same index space, when the source has them */
  negatives?: Interactions;
}

/** A source that comes with its own train/test split (LightGCN files, the synthetic generator). */
export interface GivenSource extends SourceBase {
  kind: 'given';
  train: Interactions;
  test: Interactions;
}

/** A source with one pool of interactions (CSV, MovieLens), with timestamps when the format has them. */
export interface PoolSource extends SourceBase {
  kind: 'pool';
  all: Interactions;
  timed: TimedInteractions | null;
}

export type Source = GivenSource | PoolSource;
