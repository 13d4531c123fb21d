# The native kernels (docs/architecture.md, "Native kernels"): plain C over N-API, built by node-gyp at `npm ci` /
# `npm run build` time (scripts/build-native.mjs) and copied to dist/native/reclab-kernels.node.
# The AVX2+FMA and AVX-512 variants are selected at run time (__builtin_cpu_supports) through per-function target
# attributes, so the whole addon is compiled for the baseline ISA and still loads on any x86-64 (or other) CPU.
{
  "targets": [
    {
      "target_name": "reclab_kernels",
      "sources": ["src/addon.c", "src/spmm.c", "src/gemm.c", "src/isa.c", "src/rows.c", "src/gather.c",
                  "src/adam.c", "src/mfdot.c", "src/sample.c", "src/index.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": [
        "-std=gnu11", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter",
        # only explicit FMA intrinsics fuse: the scalar path rounds as the WebAssembly kernels do (mul, then add)
        "-ffp-contract=off",
        "-fno-math-errno"
      ]
    }
  ]
}
