// Engine benchmark: MF-BPR epoch time, full-evaluation time and peak RSS.
// Usage: npm run bench -- [--data ../shared/data/yelp2018] [--epochs 3] [--dim 64] [--batch 2048] [--negatives 1] [--fast-path false]
//                         [--workers 0] [--backend auto] [--loss bpr] [--sampler uniform] [--model mf|lightgcn] [--layers 3]
// Without --data (or when the folder is missing) it runs on the built-in synthetic default.
// Bundles the current source into .bench/engine/ with esbuild, then trains with evaluation after every epoch and
// prints medians (the machine is noisy: read ratios, not single numbers).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, loadBundle, root } from './bundle.mjs';

const dataArg = arg('data', '');
const dataDir = dataArg ? path.resolve(dataArg) : '';
const useData = dataDir && fs.existsSync(path.join(dataDir, 'train.txt'));
if (dataArg && !useData) console.warn(`warning: ${dataDir}/train.txt not found; using the synthetic default`);
const epochs = Number(arg('epochs', '3'));

const { train, resolveConfig } = await loadBundle('engine', 'bench/engine-entry.ts');

const config = resolveConfig({
  name: 'bench-mf-bpr',
  dataset: useData ? { kind: 'lightgcn', path: dataDir } : { kind: 'synthetic' },
  split: { validRatio: 0 },
  model: { kind: arg('model', 'mf'), layers: Number(arg('layers', '3')), dim: Number(arg('dim', '64')), init: { dist: 'normal', std: 0.1 }, fastPath: arg('fast-path', 'true') !== 'false' },
  loss: { kind: arg('loss', 'bpr') },
  sampler: { kind: arg('sampler', 'uniform'), negatives: Number(arg('negatives', '1')) },
  optimizer: { kind: 'adam', lr: 1e-3, l2: 1e-4, ...(arg('model', 'mf') === 'lightgcn' ? { lazy: false } : {}) },
  train: { epochs, batchSize: Number(arg('batch', '2048')), backend: arg('backend', 'auto'), logEvery: 50 },
  eval: { every: 1, ks: [20], metrics: ['recall', 'ndcg'], selectMetric: 'recall@20', selectOn: 'test', patience: 0, workers: Number(arg('workers', '0')), popularityGroups: 0 },
});
const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-bench-'));
const epochSec = [];
const evalSec = [];
let start;
const t0 = performance.now();
await train({
  config, baseDir: root, runsDir,
  onEvent: (e) => {
    if (e.kind === 'start') start = e;
    if (e.kind === 'epoch') epochSec.push(e.seconds);
    if (e.kind === 'eval') evalSec.push(e.seconds);
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
console.log(`wall      ${wall.toFixed(1)} s (load + ${epochs} epochs + ${evalSec.length} evaluations)`);
