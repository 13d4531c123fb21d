// esbuild plugin: `import bytes from './kernels/x.wat'` gives the compiled WebAssembly module as a Uint8Array.
// The kernels (src/engine/wasm/kernels/*.wat) are WebAssembly text assembled by wabt at build time; a kernel that does
// not parse or validate fails the build (and the test runner, which bundles with the same plugin) with its
// file:line:column. Used by esbuild.mjs, scripts/run-tests.mjs and bench/bundle.mjs.
import fs from 'node:fs';
import wabtInit from 'wabt';

let wabt;
const FEATURES = { simd: true, threads: true, sat_float_to_int: true, bulk_memory: true, mutable_globals: true };

/** Assembles one .wat file; throws with wabt's located message when it does not parse or validate. */
export async function assembleWat(file) {
  wabt ??= await wabtInit();
  const text = await fs.promises.readFile(file, 'utf8');
  const mod = wabt.parseWat(file, text, FEATURES);
  try {
    mod.resolveNames();
    mod.validate(FEATURES);
    return mod.toBinary({ write_debug_names: true }).buffer;
  } finally {
    mod.destroy();
  }
}

export const watPlugin = {
  name: 'wat',
  setup(build) {
    build.onLoad({ filter: /\.wat$/ }, async (args) => {
      try {
        return { contents: await assembleWat(args.path), loader: 'binary', watchFiles: [args.path] };
      } catch (e) {
        return { errors: [{ text: `WebAssembly kernel ${args.path} does not assemble: ${e.message}` }] };
      }
    });
  },
};
