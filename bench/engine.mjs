// Engine benchmark: the rows of issue 9's table — SSM step (2048 × 1024 shared, cosine), CCL step (512 × 800 shared,
// dense Adam), MF-BPR epoch and full evaluation (K = 20) — plus peak RSS.
// Usage: npm run bench -- [--data ../shared/data/yelp2018] [--epochs 3] [--rows ssm,ccl,bpr,eval[,perrow]] [--threads 0] [--kernels native|wasm]
//                         [--dim 64] [--batch 2048] [--negatives 1] [--fast-path false] [--workers 0] [--backend auto]
//                         [--loss bpr] [--sampler uniform] [--model mf|lightgcn] [--layers 3]
// Without --data (or when the folder is missing) the epoch and evaluation run on the built-in synthetic default.
// Bundles the current source into .bench/engine/ with esbuild, trains with evaluation after every epoch, runs the two
// step rows through bench/step.mjs, and prints medians, then one `ROW <name> <wall> <unit> cpu <cpu> <unit>` line per
// row (bench/peers.mjs reads those). The machine is noisy: read ratios, not single numbers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, loadBundle, root } from './bundle.mjs';

const dataArg = arg('data', '');
const dataDir = dataArg ? path.resolve(dataArg) : '';
const useData = dataDir && fs.existsSync(path.join(dataDir, 'train.txt'));
if (dataArg && !useData) console.warn(`warning: ${dataDir}/train.txt not found; using the synthetic default`);
const epochs = Number(arg('epochs', '3'));
const rows = arg('rows', 'ssm,ccl,bpr,eval').split(',');
const threads = arg('threads', '0');
const kernels = arg('kernels', 'native'); // train.kernels
const out = [];
const row = (name, wall, cpu, unit) => out.push(`ROW ${name} ${wall.toPrecision(4)} ${unit} cpu ${cpu.toPrecision(4)} ${unit}`);
// perrow (not in issue 9's table; --rows perrow): the Adap-τ reference's layout, 2048 rows × 1024 negatives of their own
const stepRows = [['ssm', ['--loss', 'ssm']], ['ccl', ['--loss', 'ccl', '--batch', '512', '--negatives', '800', '--lazy', 'false']],
  ['perrow', ['--loss', 'adap-tau', '--temp', 'adaptive', '--layout', 'per-row', '--negatives', '1024']]];
for (const [name, flags] of stepRows) {
  if (!rows.includes(name)) continue;
  const text = execFileSync(process.execPath, [path.join(root, 'bench/step.mjs'), ...flags, '--threads', threads, '--kernels', kernels, '--steps', arg('steps', '20')], { encoding: 'utf8' });
  const m = /step median ([\d.]+) ms.*CPU median ([\d.]+) ms/.exec(text);
  if (!m) throw new Error(`bench/step.mjs printed no step median:\n${text}`);
  console.log(`${name.padEnd(9)} ${text.split('\n')[0]}`);
  row(name, Number(m[1]), Number(m[2]), 'ms');
}
if (!rows.includes('bpr') && !rows.includes('eval')) {
  for (const l of out) console.log(l);
  process.exit(0);
}

const { train, resolveConfig } = await loadBundle('engine', 'bench/engine-entry.ts');

const config = resolveConfig({
  name: 'bench-mf-bpr',
  dataset: useData ? { kind: 'lightgcn', path: dataDir } : { kind: 'synthetic' },
  split: { validRatio: 0 },
  model: { kind: arg('model', 'mf'), layers: Number(arg('layers', '3')), dim: Number(arg('dim', '64')), init: { dist: 'normal', std: 0.1 }, fastPath: arg('fast-path', 'true') !== 'false' },
  loss: { kind: arg('loss', 'bpr') },
  sampler: { kind: arg('sampler', 'uniform'), negatives: Number(arg('negatives', '1')) },
  optimizer: { kind: 'adam', lr: 1e-3, l2: 1e-4, ...(arg('model', 'mf') === 'lightgcn' ? { lazy: false } : {}) },
  train: { epochs, batchSize: Number(arg('batch', '2048')), backend: arg('backend', 'auto'), logEvery: 50, threads: Number(threads), kernels },
  eval: { every: 1, ks: [20], metrics: ['recall', 'ndcg'], selectMetric: 'recall@20', selectOn: 'test', patience: 0, workers: Number(arg('workers', '0')), popularityGroups: 0 },
});
const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-bench-'));
const epochSec = [];
const evalSec = [];
// CPU time of the process (every thread: the kernel pool, the evaluation workers) from the previous event to the epoch
// and evaluation events
const epochCpu = [];
const evalCpu = [];
const cpuNow = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };
let start;
let mark = 0;
const t0 = performance.now();
await train({
  config, baseDir: root, runsDir,
  onEvent: (e) => {
    if (e.kind === 'start') start = e, mark = cpuNow();
    if (e.kind === 'epoch') epochSec.push(e.seconds), epochCpu.push(cpuNow() - mark), mark = cpuNow();
    if (e.kind === 'eval') evalSec.push(e.seconds), evalCpu.push(cpuNow() - mark), mark = cpuNow();
  },
});
const wall = (performance.now() - t0) / 1000;
fs.rmSync(runsDir, { recursive: true, force: true });
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const rssMB = process.resourceUsage().maxRSS / 1024;
// LightGCN-3 BPR: issue 10's goals (epoch ≤ 60 s with exact propagation every step, full evaluation ≤ 4 s)
const TARGET = arg('model', 'mf') === 'lightgcn' ? { epoch: 60, eval: 4, rssMB: 1536 } : { epoch: 4, eval: 4, rssMB: 1536 };
const ds = start.dataset;
console.log(`data      ${ds.name}: ${ds.users} users × ${ds.items} items, ${ds.train} train, ${ds.test} test`);
console.log(`config    ${start.summary} · batch ${config.train.batchSize} · backend ${start.backend} · ${os.availableParallelism()} cores`);
console.log(`epoch     median ${median(epochSec).toFixed(2)} s over ${epochSec.length} (${epochSec.map((s) => s.toFixed(2)).join(', ')})  target ≤ ${TARGET.epoch} s  ratio ${(median(epochSec) / TARGET.epoch).toFixed(2)}`);
console.log(`eval      median ${median(evalSec).toFixed(2)} s over ${evalSec.length} (${evalSec.map((s) => s.toFixed(2)).join(', ')})  target ≤ ${TARGET.eval} s  ratio ${(median(evalSec) / TARGET.eval).toFixed(2)}`);
console.log(`peak RSS  ${rssMB.toFixed(0)} MB  target ≤ ${TARGET.rssMB} MB  ratio ${(rssMB / TARGET.rssMB).toFixed(2)}`);
console.log(`wall      ${wall.toFixed(1)} s (load + ${epochs} epochs + ${evalSec.length} evaluations); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (rows.includes('bpr')) row('bpr', median(epochSec), median(epochCpu), 's');
if (rows.includes('eval')) row('eval', median(evalSec), median(evalCpu), 's');
for (const l of out) console.log(l);
