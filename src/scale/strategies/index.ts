/** The search strategies, by name (one file each). */
import { grid } from './grid';
import { random } from './random';
import { tpe } from './tpe';
import type { SearchStrategy } from './types';

export const STRATEGIES: Record<string, SearchStrategy> = { grid, random, tpe };

export function strategy(name: string): SearchStrategy {
  const s = STRATEGIES[name];
  if (!s) throw new Error(`unknown search strategy "${name}" (known: ${Object.keys(STRATEGIES).join(', ')})`);
  return s;
}

export type { Observation, ProposeContext, SearchStrategy } from './types';
