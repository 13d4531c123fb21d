// What bench/kernels.mjs needs: a heap, the wasm gemm, the native addon and its gemm binding.
export { Heap } from '../src/engine/wasm/heap';
export { instantiate } from '../src/engine/wasm/modules';
export { nativeAddon } from '../src/engine/native/addon';
export { nativeGemm } from '../src/engine/native/bind';
