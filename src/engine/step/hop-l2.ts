/**
 * L2 on every propagated layer of the batch rows, as Adap-τ's LightGCN (junkangwu/Adap_tau `modules/LGN_tau.py`
 * Uniform_loss: `regularize` takes the gathered [B, L+1, D] hop stacks of the user, positive and negative rows, despite
 * its "take hop=0" comment): c·½Σ_rows Σ_{l=1..L} ‖e^(l)_row‖², its gradient c·e^(l)_row handed to the backbone as a
 * direct gradient of hop source `users@l` / `items@l` (carried back through Â like any hop gradient). Layer 0 is the
 * ego L2 the backbone already applies (models/types.ts EgoL2). Rows count once per occurrence, as the ego L2.
 */
import type { RowGradients, Sources } from '../models/types';

export function hopL2(
  src: Sources, c: number, users: Int32Array, items: Int32Array, weightedItems?: { rows: Int32Array; weights: Float32Array },
): { value: number; grads: RowGradients[] } {
  const grads: RowGradients[] = [];
  let value = 0;
  for (let l = 1; src[`users@${l}`]; l++) {
    const lists = [['users', users, null], ['items', items, null]] as [string, Int32Array, Float32Array | null][];
    if (weightedItems) lists.push(['items', weightedItems.rows, weightedItems.weights]); // rows counted w times each
    for (const [side, rows, w] of lists) {
      const t = src[`${side}@${l}`];
      if (!t) throw new Error(`hop L2: the backbone has no source ${side}@${l}`);
      const D = t.dim;
      const g = new Float32Array(rows.length * D);
      for (let r = 0; r < rows.length; r++) {
        const o = rows[r] * D, wr = w ? w[r] : 1;
        for (let d = 0; d < D; d++) {
          const x = t.data[o + d];
          value += wr * x * x;
          g[r * D + d] = c * wr * x;
        }
      }
      grads.push({ source: `${side}@${l}`, rows, grads: g });
    }
  }
  return { value: 0.5 * c * value, grads };
}

/**
 * The L2 of synthesised negatives on their ego-layer mixture m_r = Σ_t w_rt·e⁰[ref_rt] (SynthesisedRows.ego; MixGCF's
 * `‖neg_gcn_embs[:, :, 0, :]‖²`): c·½Σ_r ‖m_r‖², gradient c·w_rt·m_r into each referenced ego row.
 */
export function mixedEgoL2(src: Sources, ego: { terms: number; refs: Int32Array; weights: Float32Array }, c: number): { value: number; grads: RowGradients[] } {
  const source = src['items@0'] ? 'items@0' : 'items';
  const t = src[source];
  const D = t.dim;
  const T = ego.terms;
  const R = ego.refs.length / T;
  const g = new Float32Array(R * T * D);
  const m = new Float64Array(D);
  let value = 0;
  for (let r = 0; r < R; r++) {
    m.fill(0);
    for (let k = 0; k < T; k++) {
      const w = ego.weights[r * T + k];
      const o = ego.refs[r * T + k] * D;
      for (let d = 0; d < D; d++) m[d] += w * t.data[o + d];
    }
    for (let d = 0; d < D; d++) value += m[d] * m[d];
    for (let k = 0; k < T; k++) {
      const w = c * ego.weights[r * T + k];
      const o = (r * T + k) * D;
      for (let d = 0; d < D; d++) g[o + d] = w * m[d];
    }
  }
  return { value: 0.5 * c * value, grads: [{ source, rows: ego.refs, grads: g }] };
}
