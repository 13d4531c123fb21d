// LightGCN micro-benchmark on real graph shapes: the product Â·X (SIMD kernel vs the plain reference) and one
// LightGCN BPR training step (full propagation forward, back-propagation to the ego tables, dense Adam), with the
// implied epoch time. The full epoch and the full evaluation: `npm run bench -- --model lightgcn --data …`.
// Usage: node bench/lightgcn.mjs [--data ../shared/data/yelp2018] [--layers 3] [--dim 64] [--batch 2048] [--steps 10]
//                                [--products 10] [--reference true] [--threads 1] [--message-dropout 0] [--edge-dropout 0]
//                                [--drop-passes 0] (> 0: one layer's pass without / with dropout, interleaved)
//                                [--pooling mean|sum|concat|final]
//                                [--kernels native|wasm|alternate] (train.kernels; alternate: --rounds rounds of the product
//                                and the step on each implementation in turn, medians per implementation, nothing else)
// Without --data (or when the folder is missing) it runs on the built-in synthetic default.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, loadBundle } from './bundle.mjs';

const m = await loadBundle('lightgcn', 'bench/lightgcn-entry.ts');
const dataArg = arg('data', '');
const dataDir = dataArg ? path.resolve(dataArg) : '';
const useData = dataDir && fs.existsSync(path.join(dataDir, 'train.txt'));
if (dataArg && !useData) console.warn(`warning: ${dataDir}/train.txt not found; using the synthetic default`);
const D = Number(arg('dim', '64'));
const L = Number(arg('layers', '3'));
const B = Number(arg('batch', '2048'));
const config = m.resolveConfig({
  name: 'bench-lightgcn', dataset: useData ? { kind: 'lightgcn', path: dataDir } : { kind: 'synthetic' }, split: { validRatio: 0 },
  model: { kind: 'lightgcn', layers: L, dim: D, init: { dist: 'normal', std: 0.1 }, messageDropout: Number(arg('message-dropout', '0')), edgeDropout: Number(arg('edge-dropout', '0')), pooling: arg('pooling', 'mean') },
  loss: { kind: 'bpr' }, sampler: { kind: 'uniform', negatives: 1 }, optimizer: { kind: 'adam', lazy: false, lr: 1e-3, l2: 1e-4 },
  train: { batchSize: B }, eval: { selectOn: 'test' },
});
const ds = await m.loadDataset(config, process.cwd());
await m.initBackend('auto');
const kernelsArg = arg('kernels', 'native');
const threads = m.KernelPool.configure(Number(arg('threads', '1')), kernelsArg === 'alternate' ? 'native' : kernelsArg).threads;
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const a = m.normalizedAdjacency(ds.train);
console.log(`graph     ${ds.name}: ${a.nodes} nodes, ${a.indices.length} non-zeros, D ${D} · ${threads} thread(s) of ${os.availableParallelism()} cores · load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

if (kernelsArg === 'alternate') await alternate();
const products = Number(arg('products', '10'));
const g = m.graphBuffers(a, D, 2);
const rng = new m.Rng(1);
g.buffers[0].set(Float32Array.from({ length: a.nodes * D }, () => rng.normal()));
// wall time, and the process's CPU time (user + system, all threads): the one less sensitive to a loaded machine
const cpuMs = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const kernelMs = [], kernelCpu = [];
for (let k = 0; k < products + 2; k++) {
  const t = performance.now(), c = cpuMs();
  g.spmm(g.buffers[0], g.buffers[1]);
  if (k >= 2) kernelMs.push(performance.now() - t), kernelCpu.push(cpuMs() - c);
}
console.log(`Â·X       ${g.engine === "reference" ? "reference" : `${m.KernelPool.get().kernels} kernels`}: median ${median(kernelMs).toFixed(1)} ms (cpu ${median(kernelCpu).toFixed(1)} ms) over ${kernelMs.length}`);
if (arg('reference', 'true') !== 'false') {
  const y = new Float32Array(a.nodes * D);
  const refMs = [];
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    m.spmmReference(a, g.buffers[0], y, D);
    refMs.push(performance.now() - t);
  }
  console.log(`Â·X       plain TypeScript reference: median ${median(refMs).toFixed(1)} ms over ${refMs.length}`);
}

// one layer's fused pass without and with dropout (the masks hashed inside the kernel), interleaved so that a changing
// load hits every variant alike: the per-pass cost of model.messageDropout / model.edgeDropout
const passReps = Number(arg('drop-passes', '0'));
if (passReps > 0) {
  const gp = m.graphBuffers(a, D, 3);
  gp.buffers[0].set(g.buffers[0]);
  const key = (hop, kind) => m.dropoutKey(9, 1, hop, kind);
  const variants = [
    ['no dropout (spmmFused)', null],
    ['message 0.1', { edge: 0, message: 0.1 }],
    ['edge 0.1', { edge: 0.1, message: 0 }],
    ['edge 0.1 + message 0.1', { edge: 0.1, message: 0.1 }],
  ];
  const wall = variants.map(() => []), cpu = variants.map(() => []);
  for (let rep = 0; rep < passReps + 1; rep++) {
    variants.forEach(([, p], i) => {
      const t = performance.now(), c = cpuMs();
      if (!p) gp.spmmFused(gp.buffers[0], gp.buffers[1], null, 0, gp.buffers[2], 1);
      else gp.spmmDrop(gp.buffers[0], gp.buffers[1], null, 0, gp.buffers[2], 1, {
        edgeKey: key(1, 'edge'), edgeThr: m.dropoutThreshold(p.edge), edgeScale: 1 / (1 - p.edge), transpose: false,
        msgKey: key(1, 'message'), msgThr: m.dropoutThreshold(p.message), msgScale: 1 / (1 - p.message),
      });
      if (rep > 0) wall[i].push(performance.now() - t), cpu[i].push(cpuMs() - c);
    });
  }
  variants.forEach(([name], i) => console.log(`pass      ${name.padEnd(24)} median ${median(wall[i]).toFixed(1)} ms (cpu ${median(cpu[i]).toFixed(1)} ms) over ${passReps}`));
}

// the step with the batch-row shortcuts (the default: the last layer for the batch's rows only, backward's first
// product over the batch's columns) and without them (model.everyRow), alternating step by step in one run
const models = [false, true].map((everyRow) => {
  const model = new m.LightGcnModel(ds.train, config.model, config.optimizer, new m.Rng(2));
  model.everyRow = everyRow;
  return { model, step: m.createStep(model, config.model, config.optimizer), ms: [], cpu: [] };
});
const model = models[0].model;
const loss = m.lossSpec('bpr').create({ form: 'mean', reduction: 'mean' });
const steps = Number(arg('steps', '10'));
const ints = (n, max) => Int32Array.from({ length: n }, () => rng.int(max));
// rows as training draws them: interactions uniformly (users and positives weighted by their degree)
const nnz = ds.train.indptr[ds.nUsers];
const userOf = (k) => { let lo = 0, hi = ds.nUsers; while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (ds.train.indptr[mid] <= k) lo = mid; else hi = mid; } return lo; };
for (let s = 0; s < steps + 2; s++) {
  const ks = ints(B, nnz);
  const batch = { users: Int32Array.from(ks, userOf), pos: Int32Array.from(ks, (k) => ds.train.indices[k]), positivesPerRow: 1, neg: { layout: 'per-row', n: 1, items: ints(B, ds.nItems) } };
  for (const x of s % 2 ? [...models].reverse() : models) {
    const t = performance.now(), c = cpuMs();
    x.step.run(batch, loss, { tau: 1 }, rng);
    if (s >= 2) x.ms.push(performance.now() - t), x.cpu.push(cpuMs() - c);
  }
}
const [fast, every] = models;
const stepMs = fast.ms, stepCpu = fast.cpu;
const fwdMs = [], fwdCpu = [];
for (let k = 0; k < 3; k++) {
  model.load(model.parameters());
  const t = performance.now(), c = cpuMs();
  model.evalEmbeddings();
  fwdMs.push(performance.now() - t), fwdCpu.push(cpuMs() - c);
}
console.log(`propagate LightGCN-${L} ${config.model.pooling} pooling, evaluation embeddings (${L} products + the layer mean): median ${median(fwdMs).toFixed(1)} ms (cpu ${median(fwdCpu).toFixed(1)} ms) — the evaluation's extra cost over MF's`);
const rows = ds.train.indptr[ds.nUsers];
const epochS = (Math.ceil(rows / B) * median(stepMs)) / 1000;
m.KernelPool.get().close();
const drop = config.model.messageDropout || config.model.edgeDropout ? ` message dropout ${config.model.messageDropout}, edge dropout ${config.model.edgeDropout}` : '';
console.log(`step      every row (no batch-row shortcuts): median ${median(every.ms).toFixed(1)} ms (cpu ${median(every.cpu).toFixed(1)} ms) over ${every.ms.length}`);
console.log(`step      LightGCN-${L}${drop} BPR B=${B}: median ${median(stepMs).toFixed(1)} ms (cpu ${median(stepCpu).toFixed(1)} ms) over ${stepMs.length} (${2 * L} products + dense Adam; cpu ${(median(stepCpu) / median(every.cpu)).toFixed(2)}× of every row's); epoch of ${Math.ceil(rows / B)} steps ≈ ${epochS.toFixed(1)} s  goal ≤ 60 s  ratio ${(epochS / 60).toFixed(2)}`);

/**
 * --kernels alternate: the product Â·X and the training step on the native and the wasm kernels in turn (a new pool for
 * each; its first two products and steps are not timed), --rounds times, so both see the same load; then exits.
 */
async function alternate() {
  const rounds = Number(arg('rounds', '3')), products = Number(arg('products', '10')), steps = Number(arg('steps', '10'));
  const g = m.graphBuffers(a, D, 2);
  const rng = new m.Rng(1);
  g.buffers[0].set(Float32Array.from({ length: a.nodes * D }, () => rng.normal()));
  const model = new m.LightGcnModel(ds.train, config.model, config.optimizer, new m.Rng(2));
  const step = m.createStep(model, config.model, config.optimizer);
  const loss = m.lossSpec('bpr').create({ form: 'mean', reduction: 'mean' });
  const nnz = ds.train.indptr[ds.nUsers];
  const userOf = (k) => { let lo = 0, hi = ds.nUsers; while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (ds.train.indptr[mid] <= k) lo = mid; else hi = mid; } return lo; };
  const ints = (n, max) => Int32Array.from({ length: n }, () => rng.int(max));
  const cpuMs = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
  const res = { native: { prod: [], prodCpu: [], step: [], stepCpu: [] }, wasm: { prod: [], prodCpu: [], step: [], stepCpu: [] } };
  for (let round = 0; round < rounds; round++) {
    for (const kernels of ['native', 'wasm']) {
      m.KernelPool.configure(threads, kernels);
      const r = res[kernels];
      for (let k = 0; k < products + 2; k++) {
        const t = performance.now(), c = cpuMs();
        g.spmm(g.buffers[0], g.buffers[1]);
        if (k >= 2) r.prod.push(performance.now() - t), r.prodCpu.push(cpuMs() - c);
      }
      for (let s = 0; s < steps + 2; s++) {
        const ks = ints(B, nnz);
        const batch = { users: Int32Array.from(ks, userOf), pos: Int32Array.from(ks, (k) => ds.train.indices[k]), positivesPerRow: 1, neg: { layout: 'per-row', n: 1, items: ints(B, ds.nItems) } };
        const t = performance.now(), c = cpuMs();
        step.run(batch, loss, { tau: 1 }, rng);
        if (s >= 2) r.step.push(performance.now() - t), r.stepCpu.push(cpuMs() - c);
      }
    }
  }
  const rows = ds.train.indptr[ds.nUsers], stepsPerEpoch = Math.ceil(rows / B);
  for (const kernels of ['native', 'wasm']) {
    const r = res[kernels];
    const epochS = (stepsPerEpoch * median(r.step)) / 1000;
    console.log(`Â·X       ${kernels.padEnd(6)} ${threads} thread(s): median ${median(r.prod).toFixed(1)} ms (cpu ${median(r.prodCpu).toFixed(1)} ms) over ${r.prod.length}`);
    console.log(`step      ${kernels.padEnd(6)} LightGCN-${L} BPR B=${B}: median ${median(r.step).toFixed(1)} ms (cpu ${median(r.stepCpu).toFixed(1)} ms) over ${r.step.length}; epoch of ${stepsPerEpoch} steps ≈ ${epochS.toFixed(1)} s  goal ≤ 60 s  ratio ${(epochS / 60).toFixed(2)}`);
  }
  console.log(`load      ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (at the end; ${rounds} rounds of ${products} products and ${steps} steps per implementation)`);
  m.KernelPool.get().close();
  process.exit(0);
}
