// A real training beside the tests (`node scripts/run-tests.mjs --beside-training …`, or RECLAB_TEST_BESIDE=1): the
// suite must pass with another training running on the same (2-core) machine. This starts `node bin/reclab.js train`
// on synthetic data with one kernel thread and one evaluation worker and more epochs than any suite lasts, waits until
// it is really training (its first training step in metrics.jsonl), and returns `stop()`, which checks that it is
// still training, stops it — only that child, through its own handle: SIGTERM, then SIGKILL if it has not exited
// after 60 s — prints what it did (epochs, load average) and removes its runs folder.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const config = {
  name: 'beside-the-tests',
  dataset: { kind: 'synthetic', users: 20000, items: 10000, interactionsPerUser: 20, clusters: 16 },
  model: { dim: 64 },
  train: { epochs: 1000000, batchSize: 2048, threads: 1 },
  eval: { ks: [20], selectMetric: 'ndcg@20', every: 5, workers: 1, patience: 1000000 },
};

const load = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function lines(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export async function startBesideTraining(root) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-beside-'));
  const file = path.join(dir, 'beside.reclab.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  const runDir = path.join(dir, 'runs', 'beside');
  const metrics = path.join(runDir, 'metrics.jsonl');
  const log = fs.openSync(path.join(dir, 'train.log'), 'w');
  const child = spawn(process.execPath, [path.join(root, 'bin', 'reclab.js'), 'train', file, '--runs-dir', path.join(dir, 'runs'), '--id', 'beside', '--quiet'], { cwd: dir, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exit;
  child.once('exit', (code, signal) => (exit = { code, signal }));
  const t0 = Date.now();
  // wait on the condition (a training step recorded), not on time; the limit is only reached by a broken engine
  while (!lines(metrics).some((l) => l.includes('"kind":"step"'))) {
    if (exit) throw new Error(`the training beside the tests exited (${exit.code ?? exit.signal}) before training: ${fs.readFileSync(path.join(dir, 'train.log'), 'utf8').slice(-2000)}`);
    if (Date.now() - t0 > 600_000) throw new Error('the training beside the tests did not start training within 10 minutes');
    await sleep(200);
  }
  console.log(`beside-training: pid ${child.pid} training ${config.dataset.users} users × ${config.dataset.items} items, d = ${config.model.dim}, 1 thread (run ${runDir}); load average ${load()}`);
  const started = Date.now();

  return {
    async stop() {
      const alive = !exit;
      const epochs = lines(metrics).filter((l) => l.includes('"kind":"epoch"')).length;
      const steps = lines(metrics).filter((l) => l.includes('"kind":"step"')).length;
      const loadAtEnd = load();
      if (alive) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => { if (!exit) child.kill('SIGKILL'); }, 60_000);
        await gone;
        clearTimeout(timer);
      }
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      let status = '?';
      try { status = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')).status; } catch { /* reported below */ }
      console.log(`beside-training: ${alive ? 'still training at the end' : `EXITED EARLY (${exit.code ?? exit.signal})`} after ${minutes} min beside the tests; ${steps} step records, ${epochs} epoch records; run ${status}; load average at the end ${loadAtEnd}`);
      if (!alive) console.log(fs.readFileSync(path.join(dir, 'train.log'), 'utf8').slice(-2000));
      fs.rmSync(dir, { recursive: true, force: true });
      return alive;
    },
  };
}
