// What bench/lightgcn.mjs needs: LightGCN, its graph product (kernel and reference), one step, the Yelp2018 loader.
export { LightGcnModel } from '../src/engine/models/lightgcn';
export { normalizedAdjacency, spmmReference } from '../src/engine/models/graph';
export { graphBuffers } from '../src/engine/models/spmm';
export { createStep } from '../src/engine/step/step';
export { lossSpec } from '../src/engine/losses/registry';
export { loadDataset } from '../src/engine/data';
export { resolveConfig } from '../src/engine/config/validate';
export { initBackend } from '../src/engine/tensor/backend';
export { Rng } from '../src/engine/rng';
export { KernelPool } from '../src/engine/wasm/pool';
export { dropoutKey, dropoutThreshold } from '../src/engine/models/dropout';
