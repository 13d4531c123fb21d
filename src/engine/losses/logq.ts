/**
 * log q of every logit column of a step, for the logQ correction of sampled softmax (Yi et al. RecSys'19, §2.2).
 *
 * - exact: the sampler's own log q when it has one (uniform: −log|I|; popularity: its α-power law; mixed: the
 *   mixture); in-batch columns of a sampler without one use the item frequency c_j/|R| (interaction-uniform rows draw
 *   positives ∝ c_j). The positive gets the same q as a column holding its item.
 * - streaming: Yi et al.'s Algorithm 2 with one slot per item (dense item ids make the hash the identity, so there are
 *   no collisions to correct): per step t, for each distinct item y among the step's columns,
 *   B[y] ← (1−α)·B[y] + α·(t − A[y]), A[y] ← t, q̂_y = 1/B[y]. An item's first sighting sets B[y] = t + 1 (its gap
 *   since the start) instead of blending with an arbitrary initial B.
 * The constant batch-size factor between "probability per draw" and "per step" cancels inside the softmax.
 */
import type { NegativeBatch, Sampler } from '../samplers/types';
import type { LogQSettings } from './types';

export interface StepLogQ {
  /** [B·P] log q of each positive */
  pos: Float32Array;
  /** per-row layout: [B·N]; shared and in-batch: one value per column */
  neg: Float32Array;
}

export class LogQCorrection {
  private readonly logFrequency: Float32Array;
  private readonly lastStep: Float64Array | null;
  private readonly meanGap: Float64Array | null;
  private step = 0;

  constructor(
    private readonly settings: LogQSettings,
    popularity: Int32Array,
    private readonly sampler: Sampler,
  ) {
    let total = 0;
    for (let j = 0; j < popularity.length; j++) total += popularity[j];
    // items never seen in training get half an occurrence, so log q stays finite (they never appear in-batch anyway)
    this.logFrequency = Float32Array.from(popularity, (c) => Math.log(Math.max(c, 0.5) / Math.max(total, 1)));
    const streaming = settings.mode === 'streaming';
    this.lastStep = streaming ? new Float64Array(popularity.length).fill(-1) : null;
    this.meanGap = streaming ? new Float64Array(popularity.length) : null;
  }

  /** Column items of a step: per-row / shared negatives, or in-batch the rows' first positives then the extras. */
  private static columns(firstPositives: Int32Array, neg: NegativeBatch): Int32Array {
    if (neg.layout !== 'in-batch') return neg.items;
    if (!neg.extra?.length) return firstPositives;
    const out = new Int32Array(firstPositives.length + neg.extra.length);
    out.set(firstPositives);
    out.set(neg.extra, firstPositives.length);
    return out;
  }

  forStep(pos: Int32Array, positivesPerRow: number, neg: NegativeBatch): StepLogQ {
    const B = pos.length / positivesPerRow;
    const first = positivesPerRow === 1 ? pos : Int32Array.from({ length: B }, (_, b) => pos[b * positivesPerRow]);
    const columns = LogQCorrection.columns(first, neg);
    if (this.settings.mode === 'streaming') {
      this.observe(pos, columns);
      return { pos: this.estimated(pos), neg: this.estimated(columns) };
    }
    return { pos: this.exact(pos, neg.layout === 'in-batch'), neg: this.exact(columns, neg.layout === 'in-batch') };
  }

  private exact(items: Int32Array, inBatch: boolean): Float32Array {
    if (this.sampler.logQ) return this.sampler.logQ(items);
    if (!inBatch) throw new Error('logQ "exact" needs a sampler with a closed-form q (sampler.logQ); use "streaming" or another sampler');
    return Float32Array.from(items, (j) => this.logFrequency[j]);
  }

  private observe(pos: Int32Array, columns: Int32Array): void {
    const t = this.step++;
    const last = this.lastStep!;
    const gap = this.meanGap!;
    const alpha = this.settings.alpha;
    for (const items of [pos, columns]) {
      for (let k = 0; k < items.length; k++) {
        const y = items[k];
        if (last[y] === t) continue; // once per step: q is the probability of appearing in a step
        gap[y] = last[y] < 0 ? t + 1 : (1 - alpha) * gap[y] + alpha * (t - last[y]);
        last[y] = t;
      }
    }
  }

  private estimated(items: Int32Array): Float32Array {
    const gap = this.meanGap!;
    return Float32Array.from(items, (y) => -Math.log(Math.max(gap[y], 1)));
  }
}
