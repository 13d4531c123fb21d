// Bundles each test file with esbuild (the same resolution as the shipped bundles) and runs them with node's test
// runner. Usage: node scripts/run-tests.mjs [unit|integration|slurm|webview|e2e ...] (default: all of them); the slurm suite starts a
// single-node Slurm cluster first (scripts/setup-slurm.sh).
// --beside-training (or RECLAB_TEST_BESIDE=1): a real training runs beside the tests for their whole duration (see
// scripts/beside-training.mjs and docs/reliability.md, "Tests that hold under load").
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { watPlugin } from './wat-plugin.mjs';
import { startBesideTraining } from './beside-training.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// arguments: suite names (folders of test/) or individual test files
const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const explicit = args.filter((a) => a.endsWith('.ts')).map((a) => path.resolve(a));
const suites = args.filter((a) => !a.endsWith('.ts'));
const chosen = suites.length || explicit.length ? suites : ['unit', 'integration', 'slurm', 'webview', 'e2e'];

// The browser and end-to-end suites install what they need (Debian chromium; Node 24 + code-server under .e2e/).
// Both scripts are idempotent and take well under a second once installed. With the prerequisites installed here,
// the suites must run: RECLAB_REQUIRE_E2E makes a missing prerequisite a failure instead of a skip.
const needs = new Set(chosen.concat(explicit.map((f) => path.basename(path.dirname(f)))));
const setup = (script) => {
  const r = spawnSync('bash', [path.join(root, 'scripts', script)], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) { console.error(`${script} failed (exit ${r.status})`); process.exit(1); }
};
// the Slurm suite runs against a real single-node cluster (Debian slurm-wlm + munge, started as root without systemd)
if (needs.has('slurm')) setup('setup-slurm.sh');
// the system-error tests run the CLI unprivileged (setpriv) when the suite runs as root
if (needs.has('integration')) setup('setup-setpriv.sh');
if (needs.has('e2e')) setup('setup-e2e.sh');
else if (needs.has('webview')) setup('setup-chromium.sh');
if (needs.has('e2e') || needs.has('webview')) process.env.RECLAB_REQUIRE_E2E = '1';
const files = [...explicit];
for (const s of chosen) {
  const dir = path.join(root, 'test', s);
  if (!fs.existsSync(dir)) continue;
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.test.ts')) files.push(path.join(dir, f));
}
if (!files.length) { console.error('no test files found'); process.exit(1); }
// one output folder per run, so concurrent runs (several engineers, or a watch) never delete each other's bundles
const out = path.join(root, '.test-build', String(process.pid));
fs.rmSync(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: files.map((f) => ({ in: f, out: path.relative(path.join(root, 'test'), f).replace(/\.ts$/, '') })),
  outdir: out, bundle: true, platform: 'node', target: 'node20', format: 'cjs', mainFields: ['module', 'main'],
  sourcemap: 'inline', logLevel: 'warning', plugins: [watPlugin], external: ['vscode', '@tensorflow/tfjs-node', 'playwright-core', 'esbuild'],
});
const built = files.map((f) => path.join(out, path.relative(path.join(root, 'test'), f).replace(/\.ts$/, '.js')));
const beside = process.argv.includes('--beside-training') || process.env.RECLAB_TEST_BESIDE === '1' ? await startBesideTraining(root) : undefined;
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...built], { stdio: 'inherit', cwd: root, env: { ...process.env, RECLAB_ROOT: root } });
fs.rmSync(out, { recursive: true, force: true });
// the training must still have been running when the tests ended, or they did not run beside it the whole time
const besideOk = beside ? await beside.stop() : true;
process.exit(r.status === 0 && !besideOk ? 1 : (r.status ?? 1));
