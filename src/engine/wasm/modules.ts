/**
 * The engine's WebAssembly kernels: readable sources in kernels/*.wat, assembled by wabt at build time
 * (scripts/wat-plugin.mjs) and compiled here once per process. A kernel that does not compile is an error, never a
 * silent fallback: the JavaScript loops run only where a caller explicitly chooses them (tests, `dim % 4 ≠ 0`).
 */
import adam from './kernels/adam.wat';
import gemm from './kernels/gemm.wat';
import mfdot from './kernels/mfdot.wat';
import rows from './kernels/rows.wat';
import scan from './kernels/scan.wat';
import scores from './kernels/scores.wat';
import spmm from './kernels/spmm.wat';

const sources = { adam, gemm, mfdot, rows, scan, scores, spmm } as const;
export type KernelName = keyof typeof sources;

const compiled = new Map<KernelName, WebAssembly.Module>();

/** The compiled module of a kernel (throws with the kernel's name if this runtime cannot compile it). */
export function kernelModule(name: KernelName): WebAssembly.Module {
  let m = compiled.get(name);
  if (!m) {
    try {
      m = new WebAssembly.Module(sources[name]);
    } catch (e) {
      throw new Error(`WebAssembly kernel ${name}.wat failed to compile (WebAssembly SIMD is required): ${(e as Error).message}`);
    }
    compiled.set(name, m);
  }
  return m;
}

/** Instantiates a kernel over a memory (imported as env.mem, or env.memory for the scan kernel). */
export function instantiate<T>(name: KernelName, memory: WebAssembly.Memory): T {
  const env: WebAssembly.ModuleImports = name === 'scan' ? { memory } : { mem: memory };
  return new WebAssembly.Instance(kernelModule(name), { env }).exports as T;
}
