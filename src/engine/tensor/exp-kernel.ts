/**
 * e^{s·z − shift} over a row (masked columns 0) and its sum, and the row max — the inner loops of the fused
 * log-sum-exp (tensor/ops.ts logSumExpRows), run by the SIMD kernels of wasm/kernels/scores.wat over a scratch heap.
 *
 * Why: the many-negative losses exponentiate a [B, N] block twice a step (the loss and Adap-τ's per-row loss at β = 1);
 * V8's Math.exp costs ~15 ns an element (32 ms for 2048 × 1024 here), the kernel ~1–3 ns (docs/benchmarks.md).
 * exp is Cephes' expf vectorised (relative error ~1e-7 on top of the float32 rounding of the argument).
 */
import { Heap } from '../wasm/heap';
import type { ScoreRowExports } from '../wasm/tasks';

/** A growable scratch heap with the score-row kernels bound to it. One per process; callers copy results out. */
export class ExpKernel {
  private heap = new Heap();
  private k = this.heap.kernel<ScoreRowExports>('scores');

  private static shared: ExpKernel | null = null;
  /** tests turn the kernel off to exercise the Math.exp path (the only place the JS loop is chosen) */
  static enabled = true;
  /** null only when a caller turned the kernel off */
  static get(): ExpKernel | null {
    if (!ExpKernel.enabled) return null;
    return (ExpKernel.shared ??= new ExpKernel());
  }

  /** Float32Array views of consecutive regions of the given sizes (floats), valid until the next reserve. */
  reserve(...sizes: number[]): { views: Float32Array[]; offsets: number[] } {
    const total = sizes.reduce((a, b) => a + b, 0) * 4 + sizes.length * 64;
    if (total > this.heap.used) {
      this.heap = new Heap(total); // a fresh heap of the needed size (the old one is dropped)
      this.k = this.heap.kernel<ScoreRowExports>('scores');
      this.heap.alloc(total);
    }
    const views: Float32Array[] = [];
    const offsets: number[] = [];
    let at = 0;
    for (const s of sizes) {
      offsets.push(at);
      views.push(this.heap.f32(at, s));
      at += Math.ceil((s * 4) / 64) * 64;
    }
    return { views, offsets };
  }

  /** max of z[k] over k < count (a multiple of 4) where mask[k] ≠ 0; −∞ when there is none */
  rowMax(zAt: number, maskAt: number, count: number): number {
    return this.k.rowMax(zAt, maskAt, count * 4, 1, 0);
  }

  /** out[k] = e^{s·z[k] − shift} where mask[k] ≠ 0, else 0, for k < count (a multiple of 4; byte offsets); returns Σ out */
  rowExp(zAt: number, maskAt: number, outAt: number, count: number, s: number, shift: number): number {
    return this.k.rowExp(zAt, maskAt, outAt, count * 4, s, shift, 0);
  }
}
