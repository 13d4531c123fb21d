/** Losses by name. A new loss is one file exporting a LossSpec, added here. */
import type { LossSpec } from './types';
import { bpr } from './bpr';

export const LOSSES: Record<string, LossSpec<any>> = {
  [bpr.name]: bpr,
};

export function lossSpec(name: string): LossSpec<any> {
  const s = LOSSES[name];
  if (!s) throw new Error(`unknown loss "${name}" (known: ${Object.keys(LOSSES).join(', ')})`);
  return s;
}
