// Shared by the benchmarks that run engine code: bundle an entry from the current source with esbuild (as the build
// and the test runner do) into .bench/<name>/ and load it; plus the --name value argument parser.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { watPlugin } from '../scripts/wat-plugin.mjs';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export async function loadBundle(name, entry) {
  const out = path.join(root, '.bench', name);
  fs.mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: { [name]: entry }, absWorkingDir: root, outdir: out, bundle: true, platform: 'node',
    target: 'node20', format: 'cjs', mainFields: ['module', 'main'], logLevel: 'error', external: ['@tensorflow/tfjs-node'], plugins: [watPlugin],
  });
  process.env.RECLAB_ROOT = root; // lets the engine find dist/wasm
  return createRequire(import.meta.url)(path.join(out, `${name}.js`));
}

/** The value after --name on the command line, or the fallback. */
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
};
