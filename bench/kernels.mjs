// The gemm kernel alone, one thread, at the fused SSM step's three shapes (B = 2048, N = 1024, D = 64): S = Û·N̂ᵀ,
// ∂Û = ∂S·N̂ and ∂N̂ = ∂Sᵀ·Û (A read down its columns, in kc = 64 chunks as the pool task runs it), on the wasm kernel
// and on each native variant this CPU has, interleaved so that a changing load hits all alike. GFLOP/s from the
// median over --reps repetitions. With --data (a LightGCN-format folder): also the SpMM Â·X of that graph (D = 64) on the
// wasm kernel and each native variant. Usage: node bench/kernels.mjs [--reps 20] [--data ../shared/data/yelp2018]
import os from 'node:os';
import { arg, loadBundle } from './bundle.mjs';

const m = await loadBundle('kernels', 'bench/kernels-entry.ts');
const reps = Number(arg('reps', '20'));
const B = 2048, N = 1024, D = 64;
const heap = new m.Heap(64 << 20);
const f32 = (n) => { const at = heap.alloc(n * 4); const a = heap.f32(at, n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return at; };
const U = f32(B * D), Nt = f32(D * N), Nn = f32(N * D), S = f32(B * N), dU = f32(B * D), dN = f32(N * D);
const addon = m.nativeAddon();
const wasm = m.instantiate('gemm', heap.memory), native = m.nativeGemm(heap.memory, addon);
const products = {
  'S = Û·N̂ᵀ': (k) => k.gemm(U, D * 4, 4, Nt, N * 4, S, N * 4, B, N, D, 0),
  '∂Û = ∂S·N̂': (k) => k.gemm(S, N * 4, 4, Nn, D * 4, dU, D * 4, B, D, N, 0),
  '∂N̂ = ∂Sᵀ·Û': (k) => { for (let k0 = 0; k0 < B; k0 += 64) k.gemm(S + k0 * N * 4, 4, N * 4, U + k0 * D * 4, D * 4, dN, D * 4, N, D, 64, k0 > 0 ? 1 : 0); },
};
const buffers = new Map();
const variants = [['wasm', null], ...['scalar', 'avx2', 'avx512'].filter((i) => addon.setIsa(i)).map((i) => [`native ${i}`, i])];
const times = Object.fromEntries(variants.flatMap(([v]) => Object.keys(products).map((p) => [`${v}|${p}`, []])));
for (let r = 0; r < reps + 2; r++) {
  for (const [name, isa] of variants) {
    if (isa) addon.setIsa(isa);
    for (const [p, run] of Object.entries(products)) {
      const t = performance.now();
      run(isa ? native : wasm);
      if (r >= 2) times[`${name}|${p}`].push(performance.now() - t);
    }
  }
}
addon.setIsa(addon.bestIsa());
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const flop = 2 * B * N * D;
console.log(`gemm, one thread, B=${B} N=${N} D=${D} (${(flop / 1e9).toFixed(2)} GFLOP each) · load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const [name] of variants) {
  const row = Object.keys(products).map((p) => { const ms = median(times[`${name}|${p}`]); return `${p} ${ms.toFixed(2)} ms (${(flop / ms / 1e6).toFixed(0)} GFLOP/s)`; });
  console.log(`${name.padEnd(14)} ${row.join(' · ')}`);
}

const dataArg = arg('data', '');
if (dataArg) {
  const g = await loadBundle('lightgcn', 'bench/lightgcn-entry.ts');
  const path = await import('node:path');
  const config = g.resolveConfig({ name: 'kernels', dataset: { kind: 'lightgcn', path: path.resolve(dataArg) }, split: { validRatio: 0 }, model: { kind: 'lightgcn', dim: 64 }, eval: { selectOn: 'test' } });
  const ds = await g.loadDataset(config, process.cwd());
  const a = g.normalizedAdjacency(ds.train);
  const spmmTimes = Object.fromEntries(variants.map(([v]) => [v, []]));
  for (let r = 0; r < reps + 2; r++) {
    for (const [name, isa] of variants) {
      g.KernelPool.configure(1, isa ? 'native' : 'wasm');
      if (isa) addon.setIsa(isa);
      const buf = r === 0 || !buffers.has(name) ? buffers.set(name, g.graphBuffers(a, 64, 2)).get(name) : buffers.get(name);
      if (r === 0) buf.buffers[0].fill(0.5);
      const t = performance.now();
      buf.spmm(buf.buffers[0], buf.buffers[1]);
      if (r >= 2) spmmTimes[name].push(performance.now() - t);
    }
  }
  addon.setIsa(addon.bestIsa());
  console.log(`Â·X, one thread, ${a.nodes} nodes, ${a.indices.length} non-zeros, D = 64 · load ${os.loadavg()[0].toFixed(1)}: ` +
    variants.map(([name]) => `${name} ${median(spmmTimes[name]).toFixed(1)} ms`).join(' · '));
  g.KernelPool.get().close();
}
