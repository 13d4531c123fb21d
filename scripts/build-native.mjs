// Builds the native kernels (native/binding.gyp → native/build/Release/reclab_kernels.node) with node-gyp and copies
// the addon to dist/native/reclab-kernels.node, where the engine, the CLI and the extension's engine child find it
// (src/engine/native/addon.ts). Called by esbuild.mjs, so `npm ci` (prepare) and `npm run build` build it; make keeps
// it incremental. node-gyp is npm's own (npm_config_node_gyp in npm scripts, else the one beside this node's npm),
// compiling against this node's installed headers (no download). A failed build fails the build: the default
// train.kernels is "native". RECLAB_SKIP_NATIVE=1 skips it on a machine without a C compiler (then train with
// train.kernels = "wasm").
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = path.join(root, 'native');
const out = path.join(root, 'dist', 'native', 'reclab-kernels.node');

export function buildNative() {
  if (process.env.RECLAB_SKIP_NATIVE === '1') {
    console.log('reclab: native kernels skipped (RECLAB_SKIP_NATIVE=1); train with train.kernels = "wasm"');
    return;
  }
  const prefix = path.join(path.dirname(process.execPath), '..');
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  const gyp = candidates.find((p) => fs.existsSync(p));
  if (!gyp) throw new Error(`native kernels: node-gyp not found (looked at ${candidates.join(', ')}); set RECLAB_SKIP_NATIVE=1 to build without them`);
  // this node's own headers when they are installed beside it (Debian: /usr/include/node), so node-gyp never downloads
  const nodedir = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
  const run = (args) => {
    const r = spawnSync(process.execPath, [gyp, ...args, ...nodedir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(r.stdout + r.stderr);
      throw new Error(`native kernels: node-gyp ${args[0]} failed (exit ${r.status}); set RECLAB_SKIP_NATIVE=1 to build without them`);
    }
  };
  if (!fs.existsSync(path.join(dir, 'build', 'Makefile')) && !fs.existsSync(path.join(dir, 'build', 'binding.sln'))) run(['configure']);
  run(['build']);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // a new file renamed over the old one: a process that has the old addon loaded keeps its (unchanged) mapping
  fs.copyFileSync(path.join(dir, 'build', 'Release', 'reclab_kernels.node'), `${out}.tmp`);
  fs.renameSync(`${out}.tmp`, out);
}
