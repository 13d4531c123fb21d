/**
 * Which implementation runs the SpMM family, the gemm, Adam and MF's fused dot step (train.kernels): the native addon
 * (native/src/*.c, AVX2 / AVX-512 with a portable C variant; src/engine/native/) or the WebAssembly SIMD kernels
 * (./kernels/*.wat). The other kernels are WebAssembly either way. Kept apart from the kernels so the config schema
 * can name the choice cheaply.
 */
export type KernelImpl = 'native' | 'wasm';
export const KERNEL_IMPLS: readonly KernelImpl[] = ['native', 'wasm'];
/** the default of train.kernels (docs/benchmarks.md, "Session 6: native kernels") */
export const DEFAULT_KERNELS: KernelImpl = 'native';
