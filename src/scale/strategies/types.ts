import type { SearchConfig } from '../../engine/config/types';
import type { Rng } from '../../engine/rng';
import type { Param, Point } from '../space';

/** A finished (or stopped) trial as a strategy sees it: its point and its selection value (higher is better). */
export interface Observation {
  point: Point;
  /** the best selection metric the run reached; undefined when it failed or has not evaluated yet */
  value?: number;
}

export interface ProposeContext {
  params: Param[];
  /** 0-based index of the trial being proposed */
  index: number;
  /** every earlier trial, in order (pending ones without a value) */
  history: Observation[];
  /** seeded per trial, so a resumed sweep proposes what the original would have */
  rng: Rng;
  settings: SearchConfig;
}

/** A search strategy: proposes the next point, or null when it has nothing more to propose (the grid's end). */
export interface SearchStrategy {
  name: string;
  description: string;
  /** true when the strategy has a natural end (grid); others need a budget */
  finite: boolean;
  propose(ctx: ProposeContext): Point | null;
}
