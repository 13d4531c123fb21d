// Every registered loss × a representative sampler on the synthetic default, a few epochs each; writes
// the measured table of docs/methods.md, between its `methods-table` markers (Recall@20, NDCG@20 on test at the best
// validation epoch, mean epoch time).
//
// The loss list is read from src/engine/losses/registry.ts at run time (bundled with esbuild), so a newly registered
// loss is benchmarked without editing this file. Each loss runs the config of its example (examples/<loss>.reclab.json,
// examples/synthetic-mf-<loss>.reclab.json, else the first synthetic example that trains it) when there is one, else a default: cosine scores when the loss needs
// them, 256 shared uniform negatives for cosine losses, one uniform negative otherwise.
//
// Then every registered sampler that has its own synthetic example (examples/<sampler>.reclab.json) gets a row with
// that example's loss; samplers that rank with a previous run (hard-rank, dfn) first get a short synthetic-mf-bpr run
// in the runs folder. `--only` takes loss and sampler names (rows of either kind).
//
// usage: node bench/methods.mjs [--epochs 3] [--only bpr,ssm,mh] [--out docs/methods.md] [--runs-dir DIR]
//        [--fast-path false] (every run on the tfjs autograd step: model.fastPath false, to compare with the fused kernels)
import { loadBundle } from './bundle.mjs';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
};
const epochs = Number(arg('epochs', '3'));
const fastPath = arg('fast-path', 'true') !== 'false';
const only = arg('only', '')?.split(',').filter(Boolean) ?? [];
const out = path.resolve(root, arg('out', 'docs/methods.md'));
const runsDir = path.resolve(arg('runs-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-methods-'))));
fs.mkdirSync(runsDir, { recursive: true });

// (the registries reach the wasm kernels through tensor/, so bundle with the .wat plugin as bench/bundle.mjs does)
const { LOSSES } = await loadBundle('losses-registry', path.join(root, 'src/engine/losses/registry.ts'));
const { SAMPLERS } = await loadBundle('samplers-registry', path.join(root, 'src/engine/samplers/registry.ts'));

function configFor(name, spec) {
  // the loss's own example first, then any synthetic example that trains it (not hard-rank: it needs a previous run)
  const dir = path.join(root, 'examples');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.reclab.json')).sort();
  const preferred = [`${name}.reclab.json`, `synthetic-mf-${name}.reclab.json`];
  const ordered = [...preferred.filter((f) => files.includes(f)), ...files.filter((f) => !preferred.includes(f))];
  for (const f of ordered) {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    if (cfg.loss?.kind === name && (cfg.dataset?.kind ?? 'synthetic') === 'synthetic' && cfg.sampler?.kind !== 'hard-rank') return { cfg, source: `examples/${f}` };
  }
  const cosine = !!spec.requiresCosine;
  return {
    cfg: {
      name, seed: 2020, dataset: { kind: 'synthetic' }, split: { validRatio: 0.1 },
      model: { kind: 'mf', dim: 64, score: cosine ? 'cosine' : 'dot', init: cosine ? { dist: 'xavier', std: 0.1 } : { dist: 'normal', std: 0.1 } },
      loss: { kind: name },
      sampler: cosine ? { kind: 'shared', negatives: 256, rejectPositives: true } : { kind: 'uniform', negatives: 1, rejectPositives: true },
      optimizer: { kind: 'adam', lr: 0.005, l2: cosine ? 1e-5 : 1e-4 },
      train: { batchSize: 1024 },
    },
    source: 'default',
  };
}

function describeSampler(s) {
  const opts = Object.entries(s)
    .filter(([k]) => !['kind', 'negatives', 'rejectPositives', 'checkpoint', 'experiment'].includes(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v).replace(/"/g, '') : v}`);
  const n = s.kind === 'in-batch' ? '' : `×${s.negatives ?? 1}`;
  return `${s.kind}${n}${opts.length ? ` (${opts.join(', ')})` : ''}`;
}

/** the synthetic example of a sampler (examples/<sampler>.reclab.json), if it has one */
function samplerExample(name) {
  const file = path.join(root, 'examples', `${name}.reclab.json`);
  if (!fs.existsSync(file)) return null;
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (cfg.sampler?.kind !== name || (cfg.dataset?.kind ?? 'synthetic') !== 'synthetic') return null;
  return { cfg, source: `examples/${name}.reclab.json` };
}

/** samplers that rank with a previous run read the latest synthetic-mf-bpr run of the runs folder (trained once here) */
let previousRun = false;
function withPreviousRun(cfg) {
  if (!['hard-rank', 'dfn'].includes(cfg.sampler?.kind)) return cfg;
  if (!previousRun) {
    const prev = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'synthetic-mf-bpr.reclab.json'), 'utf8'));
    delete prev.$schema;
    prev.train = { ...(prev.train ?? {}), epochs };
    const file = path.join(runsDir, 'synthetic-mf-bpr.reclab.json');
    fs.writeFileSync(file, JSON.stringify(prev, null, 2));
    process.stdout.write('(previous run for the rank window: synthetic-mf-bpr) … ');
    const r = spawnSync(process.execPath, [path.join(root, 'bin/reclab.js'), 'train', file, '--runs-dir', runsDir, '--quiet'], { cwd: root, encoding: 'utf8' });
    console.log(r.status === 0 ? 'done' : `failed: ${(r.stderr || '').trim().split('\n').pop()}`);
    previousRun = true;
  }
  return { ...cfg, sampler: { ...cfg.sampler, checkpoint: runsDir, experiment: 'synthetic-mf-bpr' } };
}

const jobs = [];
for (const [name, spec] of Object.entries(LOSSES)) {
  if (only.length && !only.includes(name)) continue;
  jobs.push({ method: `loss ${name}`, name, ...configFor(name, spec) });
}
for (const name of Object.keys(SAMPLERS)) {
  if (only.length && !only.includes(name)) continue;
  const ex = samplerExample(name);
  if (ex) jobs.push({ method: `sampler ${name}`, name: `sampler-${name}`, ...ex });
}

const rows = [];
for (const job of jobs) {
  const { name, source, method } = job;
  const cfg = withPreviousRun(job.cfg);
  cfg.name = `methods-${name}`;
  cfg.train = { ...(cfg.train ?? {}), epochs };
  if (!fastPath) cfg.model = { ...(cfg.model ?? {}), fastPath: false };
  cfg.eval = { ...(cfg.eval ?? {}), every: 1, patience: 0, ks: [20], selectMetric: 'ndcg@20', selectOn: 'valid' };
  delete cfg.$schema;
  const file = path.join(runsDir, `${name}.reclab.json`);
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
  const id = `methods-${name}-${Date.now().toString(36)}`;
  const t0 = Date.now();
  process.stdout.write(`${name} (${describeSampler(cfg.sampler)}, from ${source}) … `);
  const r = spawnSync(process.execPath, [path.join(root, 'bin/reclab.js'), 'train', file, '--runs-dir', runsDir, '--id', id, '--quiet'], { cwd: root, encoding: 'utf8' });
  const runDir = path.join(runsDir, id);
  if (r.status !== 0 || !fs.existsSync(path.join(runDir, 'summary.json'))) {
    const why = (r.stderr || r.stdout || '').trim().split('\n').slice(-2).join(' ');
    console.log(`failed: ${why}`);
    rows.push({ method, name: cfg.loss?.kind ?? 'bpr', sampler: describeSampler(cfg.sampler), score: cfg.model?.score ?? 'dot', source, error: why });
    continue;
  }
  const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
  const events = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const epochTimes = events.filter((e) => e.kind === 'epoch').map((e) => e.seconds);
  const test = summary.bestTest ?? {};
  const row = {
    method, name: cfg.loss?.kind ?? 'bpr', sampler: describeSampler(cfg.sampler), score: cfg.model?.score ?? 'dot', source,
    recall: test['recall@20'], ndcg: test['ndcg@20'], bestEpoch: summary.bestEpoch,
    epochSeconds: epochTimes.reduce((a, b) => a + b, 0) / Math.max(1, epochTimes.length),
    wall: (Date.now() - t0) / 1000,
  };
  rows.push(row);
  console.log(`recall@20 ${row.recall?.toFixed(4)} ndcg@20 ${row.ndcg?.toFixed(4)} · ${row.epochSeconds.toFixed(1)} s/epoch`);
}

const fmt = (v, d = 4) => (typeof v === 'number' ? v.toFixed(d) : '—');
const order = [...Object.keys(LOSSES).map((n) => `loss ${n}`), ...Object.keys(SAMPLERS).map((n) => `sampler ${n}`)];
// the table replaces the marked block of the page (appended under a heading the first time)
const START = '<!-- methods-table:start (written by npm run bench:methods) -->';
const END = '<!-- methods-table:end -->';
const lines = [
  START,
  `Generated by \`npm run bench:methods\` (bench/methods.mjs) on ${new Date().toISOString().slice(0, 10)}: every registered loss with a`,
  `representative sampler, then every sampler that has a synthetic example with that example's loss, on the built-in`,
  `synthetic dataset (3000 users, 2000 items unless the example says otherwise), ${epochs} epochs, MF d=64.`,
  'Recall@20 and NDCG@20 are on test at the epoch with the best validation NDCG@20 (10% of each user\'s training items held',
  'out); epoch time is the mean training time per epoch (evaluation excluded) on this machine — few epochs, so this',
  'compares early training, not converged quality. Configs come from each loss\'s example when it has one. A run with',
  '`--only` re-measures its rows and keeps the others\' earlier numbers (the machine line is the latest run\'s).',
  '',
  `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end of the run.`,
  '',
  '| method | loss | sampler | score | Recall@20 | NDCG@20 | best epoch | epoch time (s) | config |',
  '|---|---|---|---|---|---|---|---|---|',
  ...mergedRows().map((r) =>
    typeof r === 'string'
      ? r
      : r.error
      ? `| ${r.method} | ${r.name} | ${r.sampler} | ${r.score} | failed | — | — | — | ${r.source}: ${r.error.replace(/\|/g, '/')} |`
      : `| ${r.method} | ${r.name} | ${r.sampler} | ${r.score} | ${fmt(r.recall)} | ${fmt(r.ndcg)} | ${r.bestEpoch ?? '—'} | ${fmt(r.epochSeconds, 1)} | ${r.source} |`,
  ),
  END,
];
fs.mkdirSync(path.dirname(out), { recursive: true });
const page = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';

/**
 * With --only, the rows of the page's table that were not re-run are kept (as their text), in registry order; a row of
 * the older 8-column table (no method column) is read as a loss row.
 */
function mergedRows() {
  if (!only.length) return rows;
  const page = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  const a0 = page.indexOf(START), b0 = page.indexOf(END);
  const kept = new Map();
  if (a0 >= 0 && b0 > a0) {
    for (const line of page.slice(a0, b0).split('\n')) {
      if (!line.startsWith('| ') || line.startsWith('| method') || line.startsWith('| loss |')) continue;
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      const method = cells.length === 8 ? `loss ${cells[0]}` : cells[0];
      kept.set(method, cells.length === 8 ? `| ${method} ${line}` : line);
    }
  }
  for (const r of rows) kept.set(r.method, r);
  return [...kept.entries()].sort(([x], [y]) => rank(x) - rank(y)).map(([, v]) => v);
}
function rank(method) {
  const i = order.indexOf(method);
  return i < 0 ? order.length : i;
}
const a = page.indexOf(START), b = page.indexOf(END);
const block = lines.join('\n');
fs.writeFileSync(out, a >= 0 && b > a
  ? page.slice(0, a) + block + page.slice(b + END.length)
  : `${page.trimEnd()}\n\n## Measured: every loss on the synthetic default\n\n${block}\n`);
console.log(`wrote ${path.relative(root, out)} (runs in ${runsDir})`);
