/**
 * L2 on every propagated layer of the batch rows, as Adap-τ's LightGCN (junkangwu/Adap_tau `modules/LGN_tau.py`
 * Uniform_loss: `regularize` takes the gathered [B, L+1, D] hop stacks of the user, positive and negative rows, despite
 * its "take hop=0" comment): c·½Σ_rows Σ_{l=1..L} ‖e^(l)_row‖², its gradient c·e^(l)_row handed to the backbone as a
 * direct gradient of hop source `users@l` / `items@l` (carried back through Â like any hop gradient). Layer 0 is the
 * ego L2 the backbone already applies (models/types.ts EgoL2). Rows count once per occurrence, as the ego L2.
 */
import type { RowGradients, Sources } from '../models/types';

export function hopL2(src: Sources, c: number, users: Int32Array, items: Int32Array): { value: number; grads: RowGradients[] } {
  const grads: RowGradients[] = [];
  let value = 0;
  for (let l = 1; src[`users@${l}`]; l++) {
    for (const [side, rows] of [['users', users], ['items', items]] as const) {
      const t = src[`${side}@${l}`];
      if (!t) throw new Error(`hop L2: the backbone has no source ${side}@${l}`);
      const D = t.dim;
      const g = new Float32Array(rows.length * D);
      for (let r = 0; r < rows.length; r++) {
        const o = rows[r] * D;
        for (let d = 0; d < D; d++) {
          const x = t.data[o + d];
          value += x * x;
          g[r * D + d] = c * x;
        }
      }
      grads.push({ source: `${side}@${l}`, rows, grads: g });
    }
  }
  return { value: 0.5 * c * value, grads };
}
