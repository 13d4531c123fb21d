#!/usr/bin/env node
// The reclab CLI. In a source checkout (src/ present) the bundle is built first when dist/cli.js is missing or older
// than any source file (or the native kernels' addon older than native/src), so `node bin/reclab.js …` and `npx reclab …` work right after `npm ci` (which also builds,
// through the `prepare` script). An installed extension ships only dist/ and runs it as is.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'dist', 'cli.js');

function newestSource(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  const src = path.join(root, 'src');
  if (!fs.existsSync(path.join(root, 'esbuild.mjs')) || !fs.existsSync(src)) return false;
  if (!fs.existsSync(bundle)) return true;
  if (newestSource(src) > fs.statSync(bundle).mtimeMs) return true;
  // the native kernels (native/, built by the same build): missing, or older than their sources
  const native = path.join(root, 'native', 'src'), addon = path.join(root, 'dist', 'native', 'reclab-kernels.node');
  if (!fs.existsSync(native) || process.env.RECLAB_SKIP_NATIVE === '1') return false;
  return !fs.existsSync(addon) || newestSource(native) > fs.statSync(addon).mtimeMs;
}

if (needsBuild()) {
  process.stderr.write('reclab: building dist/ (first run, or the sources changed)…\n');
  const r = spawnSync(process.execPath, [path.join(root, 'esbuild.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`reclab: the build failed (exit ${r.status}); run \`npm ci\` and \`npm run build\` in ${root}\n`);
    process.exit(1);
  }
}
if (!fs.existsSync(bundle)) {
  process.stderr.write(`reclab: ${bundle} is missing; run \`npm run build\` in ${root}\n`);
  process.exit(1);
}
require(bundle);
