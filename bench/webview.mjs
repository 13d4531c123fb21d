// Webview streaming benchmark: bundles bench/webview-run.ts (like scripts/run-tests.mjs does for tests) and runs it.
// Needs the webview bundles (node esbuild.mjs) and Debian chromium (scripts/setup-chromium.sh).
// Usage: node bench/webview.mjs   (env: BENCH_RUNS=10 BENCH_STEPS=200000 BENCH_SECONDS=10)
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
if (!fs.existsSync(path.join(root, 'dist/webview/compare.js'))) {
  console.error('dist/webview/compare.js is missing: run `node esbuild.mjs` first');
  process.exit(1);
}
const out = path.join(root, '.bench/webview-run.cjs');
await esbuild.build({
  entryPoints: [path.join(root, 'bench/webview-run.ts')], outfile: out, bundle: true, platform: 'node', target: 'node20',
  format: 'cjs', sourcemap: 'inline', logLevel: 'warning', external: ['playwright-core', 'esbuild', 'vscode'],
});
const r = spawnSync(process.execPath, ['--max-old-space-size=4096', out], { stdio: 'inherit', cwd: root, env: { ...process.env, RECLAB_ROOT: root } });
process.exit(r.status ?? 1);
