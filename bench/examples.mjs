// Trains every synthetic example as it is (`node bin/reclab.js train examples/<name>.reclab.json`) and tabulates where
// each one peaked: the epoch its selection chose against the last epoch it ran, why it ended, and NDCG@20 on the
// selection split and on test at the chosen epoch. An example that peaks at its last epoch was stopped before it
// converged. Yelp2018 examples (yelp2018-*) are left out: they need ../shared and hours.
//
// Usage: node bench/examples.mjs [--only a,b] [--skip a,b] [--lock FILE] [--out FILE.md] [--runs-dir D] [--set path=value …]
//   --timeout S  kills a training still running after S seconds (default 1200) and records it as "timeout"
//   --set        passed to every training (e.g. --set train.epochs=60 to see where each example would peak)
//   --lock FILE  runs each training under `flock FILE` (a shared machine's heavy-job lock), one at a time
//   --out FILE   writes the markdown table there (default: stdout only)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const only = arg('--only')?.split(',');
const skipped = arg('--skip')?.split(',') ?? [];
const sets = process.argv.flatMap((a, i) => (a === '--set' ? ['--set', process.argv[i + 1]] : []));
const lock = arg('--lock');
const timeoutMs = Number(arg('--timeout') ?? 1200) * 1000;
const out = arg('--out');
// the examples' own runs folder by default: hard-rank and dfn read the latest synthetic-mf-bpr checkpoint from ../runs
const runsDir = path.resolve(arg('--runs-dir') ?? path.join(root, 'runs'));
// an example that reads another's checkpoint (hard-rank, dfn) needs synthetic-mf-bpr first
const first = ['synthetic-mf-bpr'];
const names = fs.readdirSync(path.join(root, 'examples'))
  .filter((f) => f.endsWith('.reclab.json') && !f.startsWith('yelp2018-'))
  .map((f) => f.replace(/\.reclab\.json$/, ''))
  .filter((n) => (!only || only.includes(n)) && !skipped.includes(n))
  .sort((a, b) => (first.includes(b) ? 1 : 0) - (first.includes(a) ? 1 : 0) || a.localeCompare(b));

const rows = [];
for (const name of names) {
  const file = path.join(root, 'examples', `${name}.reclab.json`);
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  const id = `ex-${name}-${Date.now().toString(36)}`;
  const cmd = ['node', path.join(root, 'bin', 'reclab.js'), 'train', file, '--runs-dir', runsDir, '--id', id, '--quiet', ...sets];
  // SIGKILL: a training whose main thread blocks never runs a JS signal handler
  const opts = { stdio: 'inherit', timeout: timeoutMs, killSignal: 'SIGKILL' };
  const r = lock ? spawnSync('flock', [lock, ...cmd], opts) : spawnSync(cmd[0], cmd.slice(1), opts);
  const dir = path.join(runsDir, id);
  const read = (f) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch {
      return undefined;
    }
  };
  const summary = read('summary.json');
  const run = read('run.json');
  const sel = summary?.selection;
  const row = {
    name, epochs: Number(sets.find((x) => x.startsWith('train.epochs='))?.split('=')[1] ?? config.train?.epochs),
    status: r.error?.code === 'ETIMEDOUT' ? 'timeout' : run?.status ?? `exit ${r.status}`, reason: run?.reason ?? '',
    bestEpoch: sel?.epoch, lastEpoch: summary?.lastEpoch, split: sel?.split,
    valid: summary?.atSelection?.valid?.['ndcg@20'], test: summary?.atSelection?.test?.['ndcg@20'], seconds: summary?.wallSeconds,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}

const f4 = (x) => (typeof x === 'number' ? x.toFixed(4) : '–');
const ended = (r) => (r.status !== 'finished' ? r.status : /early stop/.test(r.reason) ? 'early stop' : 'all epochs');
const lines = [
  `| example | epochs | best epoch | last epoch | ended | NDCG@20 valid | NDCG@20 test | wall (s) |`,
  `|---|---|---|---|---|---|---|---|`,
  ...rows.map((r) => `| ${r.name} | ${r.epochs ?? '–'} | ${r.bestEpoch ?? '–'} | ${r.lastEpoch ?? '–'} | ${ended(r)} | ${f4(r.valid)} | ${f4(r.test)} | ${typeof r.seconds === 'number' ? Math.round(r.seconds) : '–'} |`),
];
const table = lines.join('\n');
console.log(`\n${table}\n\nload average: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
if (out) fs.writeFileSync(out, `${table}\n`);
