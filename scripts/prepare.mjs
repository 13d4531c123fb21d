// `npm ci` / `npm install` in a checkout runs this (npm's `prepare`): builds dist/ so that the CLI
// (`node bin/reclab.js`, `npx reclab`) works at once. Skipped quietly when the dev tools are not installed
// (`npm ci --omit=dev`): bin/reclab.js then says how to build.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
if (!fs.existsSync(path.join(root, 'node_modules', 'esbuild')) || !fs.existsSync(path.join(root, 'src'))) {
  console.log('reclab prepare: esbuild or src/ not present, build skipped');
  process.exit(0);
}
const r = spawnSync(process.execPath, [path.join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
