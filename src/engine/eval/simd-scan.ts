/**
 * The top-K candidate scan (wasm/kernels/scan.wat) over the tfjs wasm backend's own memory, so it reads the matMul
 * output in place: the address of the next 16-float group holding a value above a threshold.
 */
import { instantiate } from '../wasm/modules';

export type ScanAbove = (bytePtr: number, byteEnd: number, threshold: number) => number;

/** Binds the scanner to `memory` (throws if the kernel cannot compile: WebAssembly SIMD is required). */
export function createScanAbove(memory: WebAssembly.Memory): ScanAbove {
  return instantiate<{ scan: ScanAbove }>('scan', memory).scan;
}
