// Benchmark of the full-ranking evaluator on a LightGCN-format split with random N(0, 0.1²) embeddings.
// Usage: node bench/eval.mjs [--data ../shared/data/yelp2018] [--workers 2,1] [--runs 5] [--block 256]
//        [--backend native|wasm|cpu] [--scan auto|js] [--score dot|cosine] [--dim 64] [--k 20] [--users N] [--sync]
// Bundles src/engine/eval (and its worker) into .bench/eval/ with esbuild, so it always measures the current source.
import * as esbuild from 'esbuild';
import { watPlugin } from '../scripts/wat-plugin.mjs';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const TARGET_SECONDS = 4;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const dataDir = path.resolve(arg('data', path.join(root, '../shared/data/yelp2018')));
const workerCounts = arg('workers', String(os.availableParallelism())).split(',').map(Number);
const runs = Number(arg('runs', '5'));
const blockUsers = Number(arg('block', '256'));
const backend = arg('backend', 'wasm');
const scan = arg('scan', 'auto');
const score = arg('score', 'dot');
const dim = Number(arg('dim', '64'));
const k = Number(arg('k', '20'));
const userLimit = Number(arg('users', '0'));
const withSync = process.argv.includes('--sync');

const out = path.join(root, '.bench/eval');
fs.mkdirSync(out, { recursive: true });
// the engine's loader when it exists (src/engine/data/index.ts), else the minimal parser below
const hasLoader = fs.existsSync(path.join(root, 'src/engine/data/index.ts'));
await esbuild.build({ plugins: [watPlugin],
  entryPoints: {
    'eval': 'src/engine/eval/index.ts', 'eval-worker': 'src/engine/eval/worker.ts',
    ...(hasLoader ? { 'data': 'src/engine/data/index.ts' } : {}),
  },
  absWorkingDir: root, outdir: out, bundle: true, platform: 'node', target: 'node20', format: 'cjs',
  mainFields: ['module', 'main'], logLevel: 'error', external: ['@tensorflow/tfjs-node'],
});
process.env.RECLAB_ROOT = root; // lets the worker find dist/wasm
const require = createRequire(import.meta.url);
const { Evaluator, evaluateSync } = require(path.join(out, 'eval.js'));
const loadDataset = hasLoader ? require(path.join(out, 'data.js')).loadDataset : null;

/** LightGCN format: one line per user, `uid item item …`; an empty list is allowed. */
function readLightGcn(file) {
  const rows = [];
  let maxItem = -1;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const parts = line.trim().split(/\s+/).filter(Boolean).map(Number);
    if (!parts.length) continue;
    const items = Int32Array.from(new Set(parts.slice(1))).sort();
    for (const i of items) if (i > maxItem) maxItem = i;
    rows[parts[0]] = items;
  }
  return { rows, maxItem };
}
function toCsr(rows, nUsers, nItems) {
  const indptr = new Int32Array(nUsers + 1);
  for (let u = 0; u < nUsers; u++) indptr[u + 1] = indptr[u] + (rows[u]?.length ?? 0);
  const indices = new Int32Array(indptr[nUsers]);
  for (let u = 0; u < nUsers; u++) if (rows[u]) indices.set(rows[u], indptr[u]);
  return { nUsers, nItems, indptr, indices };
}
function gaussian(n, std, seed) {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform())) * std, t = 2 * Math.PI * uniform();
    a[i] = r * Math.cos(t);
    if (i + 1 < n) a[i + 1] = r * Math.sin(t);
  }
  return a;
}

async function load() {
  if (loadDataset) {
    const split = { method: 'given', testRatio: 0, validRatio: 0, seed: 1, kcore: { user: 0, item: 0 } };
    const ds = await loadDataset({ dataset: { kind: 'lightgcn', path: dataDir }, split, seed: 1 }, root);
    return { via: 'loadDataset', nUsers: ds.nUsers, nItems: ds.nItems, trainCsr: ds.train, testCsr: ds.test };
  }
  const train = readLightGcn(path.join(dataDir, 'train.txt'));
  const test = readLightGcn(path.join(dataDir, 'test.txt'));
  const nUsers = Math.max(train.rows.length, test.rows.length);
  const nItems = Math.max(train.maxItem, test.maxItem) + 1;
  return { via: 'bench parser', nUsers, nItems, trainCsr: toCsr(train.rows, nUsers, nItems), testCsr: toCsr(test.rows, nUsers, nItems) };
}
/** keeps the target rows of the first `limit` users only */
function firstUsers(m, limit) {
  if (!(limit > 0) || limit >= m.nUsers) return m;
  const indptr = Int32Array.from(m.indptr, (p, u) => (u <= limit ? p : m.indptr[limit]));
  return { ...m, indptr, indices: m.indices.subarray(0, m.indptr[limit]) };
}

const tLoad = performance.now();
const loaded = await load();
const { nUsers, nItems, trainCsr } = loaded;
const testCsr = firstUsers(loaded.testCsr, userLimit);
const counts = new Int32Array(nItems);
for (const i of trainCsr.indices) counts[i]++;
console.log(`data ${path.basename(dataDir)}: ${nUsers} users × ${nItems} items, train ${trainCsr.indptr[nUsers]}, ` +
  `test ${testCsr.indptr[nUsers]} (${loaded.via}, ${((performance.now() - tLoad) / 1000).toFixed(2)} s)`);

const req = {
  users: gaussian(nUsers * dim, 0.1, 1), items: gaussian(nItems * dim, 0.1, 2), dim, score,
  mask: [trainCsr], target: testCsr, ks: [k], metrics: ['recall', 'ndcg', 'precision', 'hit', 'mrr'],
  popularity: { counts, groups: 5, k }, blockUsers,
};
const rssBefore = process.resourceUsage().maxRSS / 1024;
console.log(`peak RSS before any evaluation ${rssBefore.toFixed(0)} MB (bench data and embeddings)`);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

for (const workers of workerCounts) {
  const ev = new Evaluator({ workers, backend, scan });
  const tStart = performance.now();
  const info = await ev.workerInfo();
  const startup = (performance.now() - tStart) / 1000;
  const times = [];
  const cpu = [];
  let last;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    last = await ev.evaluate(req);
    const c = process.cpuUsage(c0);
    times.push(last.seconds);
    cpu.push((c.user + c.system) / 1e6);
  }
  await ev.close();
  const med = median(times);
  console.log(`workers=${workers} backend=${info[0].backend}/${info[0].scan} block=${blockUsers} score=${score}: ` +
    `median ${med.toFixed(3)} s over ${runs} runs [${times.map((t) => t.toFixed(2)).join(' ')}], ` +
    `${(med / TARGET_SECONDS).toFixed(2)}× the ${TARGET_SECONDS} s target, worker start-up ${startup.toFixed(2)} s`);
  // CPU seconds of the whole process (all threads): on a shared machine, wall time also measures the neighbours
  console.log(`  cpu ${median(cpu).toFixed(2)} s per evaluation (median), i.e. ${(median(cpu) / workers).toFixed(2)} s wall if ` +
    `${workers} core(s) were free; load average ${os.loadavg()[0].toFixed(2)}`);
  console.log(`  users ${last.users}, ${Object.entries(last.metrics).map(([m, v]) => `${m}=${v.toFixed(5)}`).join(' ')}`);
}
if (withSync) {
  const r = evaluateSync(req);
  console.log(`evaluateSync (plain JS, 1 thread): ${r.seconds.toFixed(2)} s, recall@${k}=${r.metrics[`recall@${k}`].toFixed(5)}`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (main thread and workers: one process)`);
