/**
 * The uniform sampler's per-row draws natively (native/src/sample.c) when the kernel pool runs the native kernels
 * (train.kernels): the same xoshiro128** stream and rejection rule as the JS loop (samplers/reject.ts), so the same
 * items — about 5× faster on Yelp2018, where the binary searches in scattered CSR rows miss the caches.
 */
import type { Interactions } from '../data/types';
import type { Rng } from '../rng';
import { KernelPool } from '../wasm/pool';
import { nativeAddon } from './addon';

export type UniformRows = (rng: Rng, train: Interactions, nItems: number, users: Int32Array, n: number, reject: boolean, out: Int32Array) => void;

const state = new Uint32Array(4);

const uniformRows: UniformRows = (rng, train, nItems, users, n, reject, out) => {
  rng.saveState(state);
  nativeAddon().uniformRows(train.indptr, train.indices, users, out, state, nItems, n, reject ? 1 : 0);
  rng.loadState(state);
};

/** The native draws when the pool's kernels are native, else null (the caller's JS loop). */
export function nativeUniformRows(): UniformRows | null {
  return KernelPool.get().native ? uniformRows : null;
}
