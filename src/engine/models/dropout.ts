/**
 * LightGCN's edge and message dropout (MixGCF / Adap-τ `GraphConv`: `_sparse_dropout` of Â's non-zeros and
 * `nn.Dropout` of each hop's aggregated embedding; models/lightgcn.ts) as counter-based masks: a kept/dropped bit is a
 * hash of (key, index), so nothing is stored, backward recomputes the forward's masks, and the bits are the same on
 * any number of threads, in the SIMD kernel (wasm/kernels/spmm.wat, which has the same formulas) and here.
 *   edge (a → b) kept      ⇔  mix(mix(a ^ k) + b) >>> 8 ≥ thr
 *   element i kept         ⇔  mix(i ^ k) >>> 8 ≥ thr                 (i = row·D + d; one round, as it runs on every element)
 * mix = lowbias32 (C. Wellons' 32-bit integer hash), thr = round(p·2^24): the keep probability is 1 − thr/2^24 (p to
 * within 3·10⁻⁸); kept values are scaled by 1/(1 − p) as the references do. A key is a hash of (seed, step, hop, kind):
 * new masks at every training step and hop, independent edge and message masks.
 */

/** lowbias32 */
export function mix(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** the mask key of one propagation's hop l (1..L) and kind (edge or message) */
export function dropoutKey(seed: number, step: number, hop: number, kind: 'edge' | 'message'): number {
  return mix((mix((mix(seed ^ (kind === 'edge' ? 0x51ed27 : 0x3c6ef3)) + step) >>> 0) + hop) >>> 0);
}

/** round(p·2^24): the threshold the 24-bit hashes are compared with (0 = no dropout) */
export function dropoutThreshold(p: number): number {
  return Math.round(p * 16777216);
}

/** is Â's entry (a, b) dropped under key k? */
export function edgeDropped(k: number, a: number, b: number, thr: number): boolean {
  return mix((mix((a ^ k) >>> 0) + b) >>> 0) >>> 8 < thr;
}

/** is element i (row·D + d) of a hop kept under key k? */
export function messageKept(k: number, i: number, thr: number): boolean {
  return mix((i ^ k) >>> 0) >>> 8 >= thr;
}

/** One hop's masks, as the SpMM pass takes them (thr 0 = none). */
export interface HopDropout {
  edgeKey: number;
  edgeThr: number;
  edgeScale: number;
  /** backward's transposed product: entry (r, c) uses the mask of (c, r) */
  transpose: boolean;
  msgKey: number;
  msgThr: number;
  msgScale: number;
}
