/**
 * TensorBoard's debiased exponential moving average (tensorboard/components/vz_line_chart2/line-chart.ts,
 * `resmoothDataset`): s_n = last_n / (1 - w^n) with last_n = w·last_{n-1} + (1-w)·y_n, counting only finite values;
 * non-finite values pass through unsmoothed, and a constant series is left as it is.
 */
export function debiasedEma(values: ArrayLike<number>, weight: number, out = new Float64Array(values.length)): Float64Array {
  const s = new IncrementalEma(weight);
  s.extend(values, out, 0);
  return out;
}

/** The same smoothing, computed incrementally over an append-only series. */
export class IncrementalEma {
  private last = 0;
  private count = 0;
  /** weight^count, kept by multiplication (Math.pow per point dominated the cost on 2M-point views) */
  private weightPow = 1;
  private first: number | undefined;
  private constant = true;
  /** how many input values have been consumed */
  consumed = 0;

  constructor(readonly weight: number) {}

  /** Smooths values[from…] into out[from…] (out must be at least values.length long). */
  extend(values: ArrayLike<number>, out: Float64Array, from = this.consumed): void {
    const w = this.weight;
    for (let i = from; i < values.length; i++) {
      const y = values[i];
      if (!Number.isFinite(y)) {
        out[i] = y;
        continue;
      }
      if (this.first === undefined) this.first = y;
      else if (y !== this.first && this.constant) {
        this.constant = false;
      }
      this.last = this.last * w + (1 - w) * y;
      this.count++;
      this.weightPow *= w;
      const debias = w === 1 ? 1 : 1 - this.weightPow;
      out[i] = this.constant ? y : this.last / debias;
    }
    this.consumed = values.length;
  }
}
