// What bench/step.mjs needs: one MfModel step at a chosen shape, bundled from the current source.
export { MfModel } from '../src/engine/models/mf';
export { TrainStep } from '../src/engine/step/step';
export { lossSpec } from '../src/engine/losses/registry';
export { initBackend, tf } from '../src/engine/tensor/backend';
export { Rng } from '../src/engine/rng';
export { KernelPool } from '../src/engine/wasm/pool';
export { FusedContrastiveStep } from '../src/engine/tensor/fused-contrastive';
