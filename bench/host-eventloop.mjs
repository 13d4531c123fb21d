// Extension-host event-loop delay while a training run is managed and watched.
//
// Drives the vscode-free host modules exactly as the extension wires them: the ProcessManager forks the real engine
// (dist/engine.js), the RunStore watches and tails the run directory, and on every store change the host rebuilds
// the Runs tree model and the status-bar text (what the views do). perf_hooks.monitorEventLoopDelay samples the
// host's event loop the whole time. Target: p99 <= 50 ms.
//
// Usage: node bench/host-eventloop.mjs [--epochs N] [--users N] [--runs N] [--json]
//   (run `npm run build` first; the host modules are bundled on the fly with esbuild into .bench/)
import * as esbuild from 'esbuild';
import { watPlugin } from '../scripts/wat-plugin.mjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const epochs = arg('epochs', 40);
const users = arg('users', 3000);
const runs = arg('runs', 1);
const engine = path.join(root, 'dist', 'engine.js');
if (!fs.existsSync(engine)) {
  console.error('dist/engine.js missing: run `npm run build` first');
  process.exit(1);
}

// bundle the host modules (TypeScript) the same way the extension bundle does
const outDir = path.join(root, '.bench');
fs.mkdirSync(outDir, { recursive: true });
const entry = path.join(outDir, 'host-modules.ts');
fs.writeFileSync(entry, [
  `export { RunStore } from '../src/runs/store';`,
  `export { ProcessManager } from '../src/extension/host/manager';`,
  `export { buildTree } from '../src/extension/host/runTree';`,
  `export { statusBarText } from '../src/extension/host/statusText';`,
  `export { progressOf } from '../src/extension/host/format';`,
].join('\n'));
await esbuild.build({ plugins: [watPlugin], entryPoints: [entry], outfile: path.join(outDir, 'host-modules.cjs'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
const { RunStore, ProcessManager, buildTree, statusBarText, progressOf } = createRequire(import.meta.url)(path.join(outDir, 'host-modules.cjs'));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-bench-host-'));
const runsDir = path.join(work, 'runs');
const config = path.join(work, 'bench.reclab.json');
fs.writeFileSync(config, JSON.stringify({
  name: 'bench-host', seed: 1,
  dataset: { kind: 'synthetic', users, items: Math.round(users * 2 / 3), interactionsPerUser: 30 },
  split: { validRatio: 0.1 }, model: { kind: 'mf', dim: 64 }, loss: { kind: 'bpr' }, sampler: { kind: 'uniform', negatives: 1 },
  optimizer: { kind: 'adam', lr: 0.005 }, train: { epochs, batchSize: 1024, logEvery: 1 },
  eval: { every: 1, ks: [20], selectMetric: 'ndcg@20', patience: 0 },
}));

const store = new RunStore(runsDir);
await store.start();
const manager = new ProcessManager({ enginePath: engine, runsDir, concurrency: 1, stopTimeoutMs: 10_000 });
let changes = 0, events = 0, treeBuilds = 0, outputBytes = 0;
store.onDidChange((c) => {
  changes++;
  events += c.newEvents.length;
  if (c.record) store.events(c.id); // what a dashboard snapshot asks for
  buildTree(store.list(), manager.queued(), { grouping: 'experiment', metric: 'ndcg@20' });
  treeBuilds++;
  const running = store.list().filter((r) => r.info.status === 'running');
  statusBarText(running.map((r) => ({ id: r.id, name: r.info.name, progress: progressOf(r) })), manager.queued().length);
});
store.onDidChange((c) => {
  if (c.record?.info.status === 'running' && !manager.isManaged(c.id)) manager.attach(c.record);
});
manager.onEvent((e) => { if (e.type === 'output') outputBytes += e.text.length; });

const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
const t0 = performance.now();
const ended = [];
const done = new Promise((resolve) => manager.onEvent((e) => {
  if (e.type === 'ended') {
    ended.push(e);
    if (ended.length === runs) resolve();
  }
}));
for (let i = 0; i < runs; i++) manager.enqueue({ configPath: config, overrides: [], label: 'bench-host' });
await done;
await new Promise((r) => setTimeout(r, 300)); // let the store see the final writes
h.disable();
const wall = (performance.now() - t0) / 1000;
const ms = (ns) => +(ns / 1e6).toFixed(2);
const result = {
  runs, epochs, users, wallSeconds: +wall.toFixed(1), statuses: ended.map((e) => e.status),
  storeChanges: changes, eventsRelayed: events, treeBuilds, outputBytes,
  eventLoopDelayMs: { p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) },
  targetP99Ms: 50,
};
result.pass = result.eventLoopDelayMs.p99 <= 50;
store.dispose();
manager.dispose();
fs.rmSync(work, { recursive: true, force: true });
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else {
  console.log(`host event loop while ${runs} run(s) of ${epochs} epochs trained (${users} users): ${result.wallSeconds}s wall, ${events} events, ${changes} store changes, ${treeBuilds} tree rebuilds`);
  console.log(`event-loop delay ms: p50 ${result.eventLoopDelayMs.p50} · p90 ${result.eventLoopDelayMs.p90} · p99 ${result.eventLoopDelayMs.p99} · max ${result.eventLoopDelayMs.max} (target p99 <= 50): ${result.pass ? 'PASS' : 'FAIL'}`);
}
process.exit(result.pass && ended.every((e) => e.status === 'finished') ? 0 : 1);
