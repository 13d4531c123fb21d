/**
 * A stand-in for dist/engine.js that follows the engine child contract (argv, IPC `started`/`event`, `{type:'stop'}`,
 * SIGTERM, run directory files, exit codes) with controllable timing and failures, read from the config's `fake`
 * section: { epochs, msPerEpoch, ignoreStop, crashAtEpoch, failBeforeRun }. Used by the process-manager tests and
 * the host event-loop benchmark.
 */
import fs from 'node:fs';
import path from 'node:path';

export const FAKE_ENGINE_SOURCE = String.raw`
const fs = require('fs'), path = require('path');
const argv = process.argv.slice(2);
const configPath = argv[1];
let runsDir = 'runs', id = 'run-' + Date.now(); const sets = [];
for (let i = 2; i < argv.length; i++) {
  if (argv[i] === '--runs-dir') runsDir = argv[++i];
  else if (argv[i] === '--id') id = argv[++i];
  else if (argv[i] === '--set') sets.push(argv[++i]);
}
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
for (const s of sets) {
  const eq = s.indexOf('='); const keys = s.slice(0, eq).split('.'); let v = s.slice(eq + 1);
  try { v = JSON.parse(v); } catch {}
  let o = config; for (const k of keys.slice(0, -1)) o = (o[k] = o[k] || {}); o[keys[keys.length - 1]] = v;
}
const f = config.fake || {};
if (f.failBeforeRun) { console.error('config error: $.loss.kind: unknown loss "nope"'); process.exit(1); }
let stop = false;
process.on('message', (m) => { if (m && m.type === 'stop' && !f.ignoreStop) stop = true; });
process.on('SIGTERM', () => { if (!f.ignoreStop) stop = true; });
process.on('SIGINT', () => { if (!f.ignoreStop) stop = true; });
const epochs = f.epochs ?? 3, ms = f.msPerEpoch ?? 100, stepsPerEpoch = f.stepsPerEpoch ?? 10;
const dir = path.join(runsDir, id);
fs.mkdirSync(dir, { recursive: true });
const writeJson = (file, v) => { const tmp = file + '.' + process.pid + '.tmp'; fs.writeFileSync(tmp, JSON.stringify(v, null, 2) + '\n'); fs.renameSync(tmp, file); };
const now = () => new Date().toISOString();
// the run lease (src/runs/lease.ts): pid + host + boot id + start time, so the host may signal this process
const statRest = (() => { try { const t = fs.readFileSync('/proc/self/stat', 'utf8'); return t.slice(t.lastIndexOf(')') + 2).split(' '); } catch { return null; } })();
const bootId = (() => { try { return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { return undefined; } })();
const lease = { pid: process.pid, host: require('os').hostname(), bootId, startTicks: statRest ? Number(statRest[19]) : undefined, since: new Date().toISOString() };
let info = { formatVersion: 1, id, name: config.name, experiment: config.name, status: 'running', pid: process.pid, lease,
  createdAt: now(), startedAt: now(), configPath: path.resolve(configPath), dataset: 'synthetic', backend: 'fake',
  versions: { reclab: '0.0.0', node: process.version }, progress: { epoch: 0, epochs } };
writeJson(path.join(dir, 'run.json'), info);
writeJson(path.join(dir, 'config.json'), config);
const metrics = fs.openSync(path.join(dir, 'metrics.jsonl'), 'a');
const send = (m) => { if (process.connected) try { process.send(m); } catch {} };
const emit = (event) => { fs.writeSync(metrics, JSON.stringify(event) + '\n'); send({ type: 'event', runId: id, event }); };
send({ type: 'started', runId: id, runDir: dir, pid: process.pid });
console.log('fake engine: training ' + id);
emit({ t: Date.now(), kind: 'start', runId: id, name: config.name, backend: 'fake', epochs, stepsPerEpoch,
  dataset: { name: 'synthetic', users: 100, items: 50, train: 1000, valid: 0, test: 200, density: 0.2, giniItemPopularity: 0.4 },
  summary: 'fake' });
const t0 = Date.now(); let best = 0, step = 0, epoch = 0;
function tick() {
  epoch++;
  if (f.crashAtEpoch === epoch) { console.error('fatal: out of memory in epoch ' + epoch); process.exit(3); }
  for (let s = 0; s < stepsPerEpoch; s++) emit({ t: Date.now(), kind: 'step', epoch, step: ++step, loss: 1 / step, steps: 1 });
  const eta = (epochs - epoch) * ms / 1000;
  emit({ t: Date.now(), kind: 'epoch', epoch, loss: 1 / epoch, seconds: ms / 1000, examplesPerSec: 1000, lr: 0.001, etaSeconds: eta });
  const ndcg = 0.05 + 0.1 * (1 - Math.exp(-epoch / 3));
  const isBest = ndcg > best; if (isBest) best = ndcg;
  emit({ t: Date.now(), kind: 'eval', epoch, split: 'test', metrics: { 'ndcg@20': ndcg, 'recall@20': ndcg * 1.8 }, seconds: 0.01, users: 100,
    selection: { metric: 'ndcg@20', value: ndcg, best: isBest } });
  info = { ...info, progress: { epoch, epochs, etaSeconds: eta }, heartbeatAt: now() };
  writeJson(path.join(dir, 'run.json'), info);
  writeJson(path.join(dir, 'summary.json'), { selectMetric: 'ndcg@20', selectSplit: 'test', bestEpoch: epoch, best: { 'ndcg@20': best },
    last: { 'ndcg@20': ndcg }, lastEpoch: epoch, epochsRun: epoch, wallSeconds: (Date.now() - t0) / 1000 });
  if (stop || epoch >= epochs) return finish(stop ? 'stopped' : 'finished');
  setTimeout(tick, ms);
}
function finish(status) {
  emit({ t: Date.now(), kind: 'end', status, epochs: epoch, seconds: (Date.now() - t0) / 1000 });
  writeJson(path.join(dir, 'run.json'), { ...info, status, endedAt: now(), reason: status === 'stopped' ? 'stopped by the user' : undefined, pid: undefined, lease: undefined });
  fs.closeSync(metrics);
  process.exit(0);
}
setTimeout(tick, ms);
`;

/** Writes the fake engine into `dir` and returns its path. */
export function writeFakeEngine(dir: string): string {
  const file = path.join(dir, 'fake-engine.cjs');
  fs.writeFileSync(file, FAKE_ENGINE_SOURCE);
  return file;
}

/** Writes a config for the fake engine and returns its path. */
export function writeFakeConfig(dir: string, name: string, fake: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.reclab.json`);
  fs.writeFileSync(file, JSON.stringify({ name, fake }, null, 2));
  return file;
}
