// RecLab against its PyTorch peer (bench/peers/torch_bench.py) on the rows of issue 9's table, in interleaved pairs:
// for each pair and row, RecLab's run and the peer's run back to back (alternating which goes first), the ratio
// RecLab / PyTorch of their medians, then the median ratio over the pairs — wall time and process CPU time, with the
// load average of each pair (the machine is shared; CPU-time ratios are the less load-sensitive ones).
// Usage: npm run bench:peers -- [--rows ssm,ccl,bpr,eval[,perrow]] [--pairs 3] [--data ../shared/data/yelp2018] [--threads 0] [--kernels native|wasm]
// Needs python3-torch (Debian); bench/peers/setup.sh gives it Debian's OpenBLAS and jemalloc, one intra-op thread.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, root } from './bundle.mjs';

const rows = arg('rows', 'ssm,ccl,bpr,eval').split(',');
const pairs = Number(arg('pairs', '3'));
const defaultData = path.join(root, '../shared/data/yelp2018');
const data = arg('data', fs.existsSync(path.join(defaultData, 'train.txt')) ? defaultData : '');
const threads = arg('threads', '0');
const kernels = arg('kernels', 'native'); // RecLab's train.kernels
const GOAL = { ssm: 0.4, ccl: 0.4, bpr: 0.25, eval: 0.5 };

let env;
try {
  const lines = execFileSync('bash', [path.join(root, 'bench/peers/setup.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
  env = { ...process.env, ...Object.fromEntries(lines.map((l) => l.split(/=(.*)/s).slice(0, 2))), OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
} catch (e) {
  console.error(`bench:peers needs python3-torch (apt-get install -y python3-torch): ${e.message.split('\n')[0]}`);
  process.exit(3);
}

const parse = (text) => Object.fromEntries([...text.matchAll(/^ROW (\w+) ([\d.e+]+) (\w+) cpu ([\d.e+]+) \w+$/gm)].map((m) => [m[1], { wall: Number(m[2]), cpu: Number(m[4]), unit: m[3] }]));
const ours = (row) => parse(execFileSync(process.execPath, [path.join(root, 'bench/engine.mjs'), '--rows', row, '--threads', threads, '--kernels', kernels, '--epochs', '2', ...(data ? ['--data', data] : [])], { encoding: 'utf8' }))[row];
const peer = (row) => parse(execFileSync('/usr/bin/python3', [path.join(root, 'bench/peers/torch_bench.py'), '--rows', row, ...(data ? ['--data', data] : [])], { encoding: 'utf8', env }))[row];
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

console.log(`RecLab (${threads === '0' ? os.availableParallelism() : threads} threads, ${kernels} kernels) vs PyTorch ${execFileSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', env }).trim()} (1 thread, OpenBLAS, jemalloc); ${pairs} interleaved pairs; data ${data || 'random, Yelp2018-shaped'}`);
const result = {};
for (let p = 0; p < pairs; p++) {
  for (const row of rows) {
    const load0 = os.loadavg()[0];
    const [a, b] = p % 2 === 0 ? [ours(row), peer(row)] : (([x, y]) => [y, x])([peer(row), ours(row)]);
    const load = (load0 + os.loadavg()[0]) / 2;
    (result[row] ??= []).push({ a, b, load });
    console.log(`pair ${p + 1} ${row.padEnd(4)} RecLab ${a.wall} ${a.unit} (cpu ${a.cpu})  PyTorch ${b.wall} ${b.unit} (cpu ${b.cpu})  ratio ${(a.wall / b.wall).toFixed(2)} (cpu ${(a.cpu / b.cpu).toFixed(2)})  load ${load.toFixed(1)}`);
  }
}
console.log('\n| work | RecLab | PyTorch | ratio (wall) | ratio (CPU time) | goal | load |\n|---|---|---|---|---|---|---|');
for (const row of rows) {
  const r = result[row];
  const u = r[0].a.unit;
  console.log(`| ${row} | ${median(r.map((x) => x.a.wall)).toPrecision(3)} ${u} | ${median(r.map((x) => x.b.wall)).toPrecision(3)} ${u} | ${median(r.map((x) => x.a.wall / x.b.wall)).toFixed(2)} | ${median(r.map((x) => x.a.cpu / x.b.cpu)).toFixed(2)} | ${GOAL[row] ? `≤ ${GOAL[row]}` : '—'} | ${Math.min(...r.map((x) => x.load)).toFixed(1)}–${Math.max(...r.map((x) => x.load)).toFixed(1)} |`);
}
