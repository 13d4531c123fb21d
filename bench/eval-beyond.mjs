// Cost of the beyond-accuracy metrics (coverage, gini, arp, aplt) in the worker-pool evaluator, and of sampled metrics,
// on a LightGCN split with random N(0, 0.1²) embeddings. Interleaved pairs: accuracy only vs accuracy + beyond.
// Usage: node bench/eval-beyond.mjs [--data ../shared/data/yelp2018] [--pairs 3] [--workers 2] [--sampled 100,1000]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { watPlugin } from '../scripts/wat-plugin.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
};
const dataDir = path.resolve(arg('data', path.join(root, '../shared/data/yelp2018')));
const pairs = Number(arg('pairs', '3'));
const workers = Number(arg('workers', '2'));
const sampled = arg('sampled', '100,1000').split(',').filter(Boolean).map(Number);
const out = path.join(root, '.bench/eval-beyond');
fs.mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { eval: 'src/engine/eval/index.ts', 'eval-worker': 'src/engine/eval/worker.ts', data: 'src/engine/data/index.ts' },
  absWorkingDir: root, outdir: out, bundle: true, platform: 'node', target: 'node20', format: 'cjs',
  mainFields: ['module', 'main'], logLevel: 'error', external: ['@tensorflow/tfjs-node'],
  plugins: [watPlugin], // the WebAssembly kernels (src/engine/wasm/kernels/*.wat)
});
process.env.RECLAB_ROOT = root;
const require = createRequire(import.meta.url);
const { Evaluator, evaluateSampled } = require(path.join(out, 'eval.js'));
const { loadDataset } = require(path.join(out, 'data.js'));

const split = { method: 'given', testRatio: 0, validRatio: 0, seed: 1, kcore: { user: 0, item: 0 } };
const ds = await loadDataset({ dataset: { kind: 'lightgcn', path: dataDir }, split, seed: 1 }, root);
const counts = new Int32Array(ds.nItems);
for (const i of ds.train.indices) counts[i]++;
let s = 1;
const gauss = (n) => Float32Array.from({ length: n }, () => {
  const u = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const v = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return 0.1 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
});
const dim = 64;
const base = {
  users: gauss(ds.nUsers * dim), items: gauss(ds.nItems * dim), dim, score: 'dot', mask: [ds.train], target: ds.test,
  ks: [10, 20, 50], itemCounts: counts, blockUsers: 256,
};
const ACC = ['recall', 'ndcg', 'precision', 'hit', 'mrr'];
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ev = new Evaluator({ workers });
await ev.workerInfo();
const measure = async (metrics) => {
  const c0 = process.cpuUsage();
  const r = await ev.evaluate({ ...base, metrics });
  const c = process.cpuUsage(c0);
  return { wall: r.seconds, cpu: (c.user + c.system) / 1e6, r };
};
const acc = [], beyond = [];
let last;
for (let p = 0; p < pairs; p++) {
  acc.push(await measure(ACC));
  last = await measure([...ACC, 'coverage', 'gini', 'arp', 'aplt']);
  beyond.push(last);
}
await ev.close();
console.log(`data ${path.basename(dataDir)}: ${ds.nUsers} users × ${ds.nItems} items, ks 10/20/50, workers ${workers}`);
if (pairs > 0) {
console.log(`accuracy only:        median wall ${median(acc.map((x) => x.wall)).toFixed(2)} s, cpu ${median(acc.map((x) => x.cpu)).toFixed(2)} s`);
console.log(`+ coverage/gini/arp/aplt: median wall ${median(beyond.map((x) => x.wall)).toFixed(2)} s, cpu ${median(beyond.map((x) => x.cpu)).toFixed(2)} s`);
console.log(`  ${['coverage@20', 'gini@20', 'arp@20', 'aplt@20'].map((k) => `${k}=${last.r.metrics[k].toFixed(4)}`).join(' ')}`);
}
for (const n of sampled) {
  const c0 = process.cpuUsage();
  const r = evaluateSampled({ ...base, metrics: ACC }, { negatives: n, seed: 1 });
  const c = process.cpuUsage(c0);
  console.log(`sampled, ${n} negatives (one thread): wall ${r.seconds.toFixed(2)} s, cpu ${((c.user + c.system) / 1e6).toFixed(2)} s, recall@20/s${n}=${r.metrics[`recall@20/s${n}`].toFixed(4)}`);
}
console.log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
