// Builds every bundle: node (engine child, CLI, eval worker, extension host) and browser (webviews).
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { watPlugin } from './scripts/wat-plugin.mjs';
import { buildNative } from './scripts/build-native.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const root = path.dirname(new URL(import.meta.url).pathname);
const exists = (p) => fs.existsSync(path.join(root, p));

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // tfjs-core's "main" is a CJS build without gradient registrations; the ESM build is the one to bundle
  mainFields: ['module', 'main'],
  sourcemap: 'linked',
  minify: production,
  logLevel: 'warning',
  // vscode is provided by the host; tfjs-node is an optional native accelerator loaded at run time when installed
  external: ['vscode', '@tensorflow/tfjs-node'],
  plugins: [watPlugin], // WebAssembly kernels: src/engine/wasm/kernels/*.wat assembled at build time
  define: { __RECLAB_VERSION__: JSON.stringify(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version) },
};

const nodeEntries = {
  'engine': 'src/cli/engine-child.ts',
  'cli': 'src/cli/main.ts',
  'eval-worker': 'src/engine/eval/worker.ts',
  'kernel-worker': 'src/engine/wasm/pool-worker.ts',
  'extension': 'src/extension/extension.ts',
};
const webEntries = {
  'webview/dashboard': 'webview/dashboard/main.ts',
  'webview/compare': 'webview/compare/main.ts',
  'webview/sweep': 'webview/sweep/main.ts',
  'webview/reproduction': 'webview/reproduction/main.ts',
};

const present = (entries) => Object.fromEntries(Object.entries(entries).filter(([, src]) => exists(src)));

function copyAssets() {
  const wasmSrc = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  const wasmDst = path.join(root, 'dist/wasm');
  fs.mkdirSync(wasmDst, { recursive: true });
  for (const f of fs.readdirSync(wasmSrc)) if (f.endsWith('.wasm')) fs.copyFileSync(path.join(wasmSrc, f), path.join(wasmDst, f));
  const schemaSrc = path.join(root, 'dist/schema');
  fs.mkdirSync(schemaSrc, { recursive: true });
}

const builds = [
  { ...nodeCommon, entryPoints: present(nodeEntries), outdir: 'dist' },
];
const web = present(webEntries);
if (Object.keys(web).length) {
  builds.push({
    bundle: true, platform: 'browser', format: 'esm', target: 'es2022', sourcemap: 'linked', minify: production,
    logLevel: 'warning', entryPoints: web, outdir: 'dist', loader: { '.css': 'css', '.ttf': 'file' },
  });
}

copyAssets();
buildNative(); // the native kernels (native/, node-gyp): dist/native/reclab-kernels.node
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  // the JSON Schema is emitted as a file for contributes.jsonValidation and the docs
  if (exists('dist/cli.js')) {
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), 'schema', '--out', path.join(root, 'dist/schema/reclab.schema.json')], { stdio: 'inherit' });
  }
}
