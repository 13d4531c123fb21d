// Micro-benchmark of one training step of the many-negative path (no data set needed: random ids).
// Usage: node bench/step.mjs [--loss ccl] [--layout shared|per-row|in-batch] [--batch 2048] [--negatives 1024] [--steps 20]
//                            [--dim 64] [--temp fixed|adaptive] [--score cosine|dot] [--dropout 0.1] [--fast-path false] [--lazy false]
//                            [--threads 0 (= every core)] [--logq true (SSM with a logQ correction: random log q per column)]
//                            [--positives 1 (positives per row, for losses with that option: gdns-hinge, mscl)]
//                            [--kernels native|wasm|alternate (train.kernels; alternate: rounds of both in turn, one line each)]
//                            [--rounds 3 (alternate: rounds of --steps steps per implementation)]
//                            [--per-row auto|fold|gather (per-row negatives read from the table and folded, or gathered)]
// Prints the median step time and the implied Yelp2018 epoch time (1,237,259 interactions).
import { arg, loadBundle } from './bundle.mjs';

const { MfModel, TrainStep, lossSpec, initBackend, Rng, tf, KernelPool, FusedContrastiveStep } = await loadBundle('step', 'bench/step-entry.ts');
FusedContrastiveStep.perRowForm = arg('per-row', 'auto');
const kernelsArg = arg('kernels', 'native');
const kernelsList = kernelsArg === 'alternate' ? ['native', 'wasm'] : [kernelsArg];
const rounds = kernelsArg === 'alternate' ? Number(arg('rounds', '3')) : 1;
const threads = KernelPool.configure(Number(arg('threads', '0')), kernelsList[0]).threads; // train.threads: 0 = every core
const backend = await initBackend(arg('backend', 'auto'));
const B = Number(arg('batch', '2048'));
const N = Number(arg('negatives', '1024'));
const D = Number(arg('dim', '64'));
const steps = Number(arg('steps', '20'));
const layout = arg('layout', 'shared');
const lossName = arg('loss', 'ccl');
const nUsers = 31668, nItems = 38048;
const rng = new Rng(1);
const score = arg('score', 'cosine');
const model = new MfModel(nUsers, nItems, { dim: D, score, init: { dist: 'normal', std: 0.1 }, userDropout: Number(arg('dropout', score === 'cosine' ? '0.1' : '0')), fastPath: arg('fast-path', 'true') !== 'false' },
  { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2: 1e-3, l2Mode: 'batch', lazy: arg('lazy', 'true') !== 'false' }, rng);
const step = new TrainStep(model, { cosine: score === 'cosine', userDropout: Number(arg('dropout', score === 'cosine' ? '0.1' : '0')), l2: 1e-3, l2Mode: 'batch', fused: arg('fast-path', 'true') !== 'false' });
const spec = lossSpec(lossName);
const opts = {};
for (const [k, s] of Object.entries(spec.options)) opts[k] = s.default;
const logQ = arg('logq', 'false') === 'true';
if (logQ) opts.logQ = 'exact';
const P = Number(arg('positives', '1'));
if (P > 1) opts.positives = P;
const loss = spec.create(opts);
const adaptive = arg('temp', 'fixed') === 'adaptive';
const ints = (n, max) => Int32Array.from({ length: n }, () => rng.int(max));
// per implementation: wall and CPU time of the process per step (CPU: less sensitive to other jobs on a shared machine)
const timesOf = Object.fromEntries(kernelsList.map((k) => [k, []]));
const cpuOf = Object.fromEntries(kernelsList.map((k) => [k, []]));
for (let round = 0; round < rounds; round++) for (const kernels of kernelsList) {
const times = timesOf[kernels], cpu = cpuOf[kernels];
KernelPool.configure(threads, kernels); // a new pool when the implementation changes; its first steps are not timed
for (let s = 0; s < steps + 3; s++) {
  const users = ints(B, nUsers);
  const pos = ints(B * P, nItems);
  const neg = layout === 'shared' ? { layout, items: ints(N, nItems) } : layout === 'in-batch' ? { layout } : { layout: 'per-row', n: N, items: ints(B * N, nItems) };
  // ids skewed like real data (popular items and active users repeat within a batch)
  const temp = adaptive
    ? { tau: 0.1, tauPerRow: Float32Array.from({ length: B }, () => 0.08 + 0.04 * rng.float()), posInvTau: 8.6, wantsPerRowLoss: true }
    : { tau: 0.1 };
  // log q around a uniform sampler's −log|I|, spread like a popularity sampler's (per column; per-row: per entry)
  const logq = (n) => Float32Array.from({ length: n }, () => -Math.log(nItems) + 3 * (rng.float() - 0.5));
  const logQBatch = logQ ? { pos: logq(B), neg: logq(layout === 'shared' ? N : layout === 'in-batch' ? B : B * N) } : undefined;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  step.run({ users, pos, positivesPerRow: P, neg, logQ: logQBatch }, loss, temp, rng);
  const c1 = process.cpuUsage(c0);
  if (s >= 3) times.push(performance.now() - t0), cpu.push((c1.user + c1.system) / 1000);
}
}
for (const kernels of kernelsList) {
  const times = timesOf[kernels].sort((a, b) => a - b), cpu = cpuOf[kernels].sort((a, b) => a - b);
  const med = times[times.length >> 1];
  const epoch = (1237259 / B) * med / 1000;
  console.log(`${backend} ${threads} thread${threads > 1 ? 's' : ''} ${kernels} kernels ${lossName}${logQ ? ' logQ' : ''}${P > 1 ? ` ${P} positives` : ''} ${score} ${layout} B=${B} N=${N} D=${D}: step median ${med.toFixed(1)} ms (min ${times[0].toFixed(1)}), Yelp2018 epoch ≈ ${epoch.toFixed(1)} s; CPU median ${cpu[cpu.length >> 1].toFixed(1)} ms; load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
}
const mem = tf.memory();
console.log(`tfjs after the run: ${mem.numTensors} tensors, ${(mem.numBytes / 1e6).toFixed(1)} MB; process RSS peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
