/**
 * Experiments at scale through the real CLI on the synthetic data: a seed group (record, member runs, per-user values,
 * mean ± std), a paired comparison of two groups, a random sweep with ASHA that really stops runs and records why, and
 * a sweep resumed after its process was killed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRunInfo, readSummary } from '../../src/runs/reader';
import { listGroups, listSweeps, readSweep } from '../../src/runs/records';
import { readPerUser } from '../../src/runs/per-user';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');

function workspace(config: Record<string, unknown>, name = 'exp.reclab.json'): { dir: string; file: string; runs: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-scale-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, file, runs: path.join(dir, 'runs') };
}
const tiny = {
  name: 'tiny', dataset: { kind: 'synthetic', users: 300, items: 200, interactionsPerUser: 15, clusters: 5 }, model: { dim: 16 },
  train: { epochs: 3, batchSize: 256 }, eval: { ks: [20], metrics: ['recall', 'ndcg'], selectMetric: 'ndcg@20', workers: 1, popularityGroups: 0 },
};
const reclab = (args: string[], cwd?: string) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd });

test('train --seeds 3: a group record, three runs with their seeds and per-user values, mean ± std in compare', () => {
  const { file, runs } = workspace(tiny);
  const r = reclab(['train', file, '--runs-dir', runs, '--seeds', '3', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const [g] = listGroups(runs);
  assert.ok(g, 'a .group.json record');
  assert.deepEqual(g.seeds, [2020, 2021, 2022]);
  assert.equal(g.runs.length, 3);
  const values: number[] = [];
  for (const { seed, runId } of g.runs) {
    const info = readRunInfo(path.join(runs, runId))!;
    assert.equal(info.group, g.id);
    assert.equal(info.seed, seed);
    assert.equal(info.status, 'finished');
    const cfg = JSON.parse(fs.readFileSync(path.join(runs, runId, 'config.json'), 'utf8'));
    assert.equal(cfg.seed, seed);
    assert.equal(cfg.repeat, undefined);
    const pu = readPerUser(path.join(runs, runId), 'valid')!;
    const s = readSummary(path.join(runs, runId))!;
    assert.equal(pu.epoch, s.bestEpoch);
    const col = pu.keys.indexOf('ndcg@20');
    let sum = 0;
    for (let u = 0; u < pu.users.length; u++) sum += pu.values[u * pu.keys.length + col];
    assert.ok(Math.abs(sum / pu.users.length - s.best!['ndcg@20']) < 1e-5, 'per-user values average to the best metric');
    assert.ok(readPerUser(path.join(runs, runId), 'test'), 'test values at the best epoch too');
    values.push(s.bestTest!['ndcg@20']);
  }
  assert.ok(new Set(values).size > 1, 'different seeds give different results');
  const mean = values.reduce((a, b) => a + b, 0) / 3;
  assert.match(r.stdout, new RegExp(`${mean.toFixed(4)} ± \\d\\.\\d{4} \\[\\d\\.\\d{4}, \\d\\.\\d{4}\\]`));
  assert.match(r.stdout, /3\/3 finished/);
});

test('compare --test A B: paired t-test and Wilcoxon per metric with Holm, labelled with the protocol', () => {
  const { file, runs, dir } = workspace({ ...tiny, repeat: { seeds: [1, 2] } });
  const other = path.join(dir, 'ssm.reclab.json');
  fs.writeFileSync(other, JSON.stringify({ ...tiny, name: 'tiny-ssm', repeat: { seeds: [1, 2] }, model: { dim: 16, score: 'cosine' }, loss: { kind: 'ssm' }, temperature: { kind: 'fixed', tau: 0.1 }, sampler: { kind: 'uniform', negatives: 16 } }));
  assert.equal(reclab(['train', file, '--runs-dir', runs, '--quiet']).status, 0);
  assert.equal(reclab(['train', other, '--runs-dir', runs, '--quiet']).status, 0);
  const groups = listGroups(runs);
  assert.equal(groups.length, 2);
  const bpr = groups.find((g) => g.experiment === 'tiny')!;
  const ssm = groups.find((g) => g.experiment === 'tiny-ssm')!;
  const r = reclab(['compare', bpr.id, ssm.id, '--runs-dir', runs, '--test']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /paired tests on per-user test values, \d+ users \(best epochs picked on valid\)/);
  assert.match(r.stdout, /Holm-corrected across 2 metrics/);
  const row = (m: string) => r.stdout.split('\n').find((l) => l.trim().startsWith(m) && /yes|no/.test(l))!;
  for (const m of ['recall@20', 'ndcg@20']) {
    const cells = row(m).trim().split(/\s{2,}/);
    const [pT, pTHolm, pW, pWHolm] = cells.slice(5, 9).map(Number);
    for (const p of [pT, pTHolm, pW, pWHolm]) assert.ok(p >= 0 && p <= 1, `${m}: p-values in [0, 1]: ${cells.join(' | ')}`);
    assert.ok(pTHolm >= pT && pWHolm >= pW, 'Holm never lowers a p-value');
  }
  // a run compared with itself: no difference at all
  const same = reclab(['compare', bpr.runs[0].runId, bpr.runs[0].runId, '--runs-dir', runs, '--test']);
  assert.match(same.stdout, /ndcg@20 +(\d\.\d{4}) +\1 +\+0\.0000 +NaN +1\.0000 +1\.0000 +1\.0000 +1\.0000 +no/);
});

test('a random sweep with ASHA: budgets respected, runs really stopped at a rung, every decision recorded and shown', () => {
  const { file, runs } = workspace({
    ...tiny, train: { epochs: 9, batchSize: 256 }, eval: { ...tiny.eval, patience: 0 },
    search: {
      strategy: 'random', seed: 3, budget: { runs: 6 },
      space: { 'optimizer.lr': { type: 'log-uniform', min: 1e-5, max: 0.05 }, 'model.dim': { type: 'choice', values: [4, 16] } },
      scheduler: { kind: 'asha', minEpochs: 1, eta: 3 },
    },
  });
  const r = reclab(['sweep', file, '--runs-dir', runs, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const [s] = listSweeps(runs);
  assert.equal(s.trials.length, 6, 'the run budget');
  assert.equal(s.status, 'finished');
  const pruned = s.trials.filter((t) => t.pruned);
  assert.ok(pruned.length >= 1, `ASHA stopped some runs: ${JSON.stringify(s.trials.map((t) => [t.status, t.value]))}`);
  for (const t of pruned) {
    const info = readRunInfo(path.join(runs, t.runId!))!;
    assert.equal(info.status, 'stopped');
    assert.match(info.reason!, /pruned by ASHA at rung \d \(epoch \d\)/);
    assert.ok(readSummary(path.join(runs, t.runId!))!.epochsRun < 9, 'a pruned run trained fewer epochs');
    const d = s.decisions.find((x) => x.kind === 'asha' && x.trial === t.index && x.action === 'stop')!;
    assert.ok(d.value! < d.cutoff!, 'stopped below the cut-off');
  }
  assert.ok(s.trials.some((t) => t.status === 'finished' && !t.pruned), 'some run went to the end');
  assert.deepEqual(Object.keys(s.rungs).sort(), ['1', '3']);
  assert.equal(Object.keys(s.rungs['1']).length, 6, 'every trial judged at the first rung');
  assert.ok(s.decisions.some((d) => d.kind === 'budget' && /6 runs/.test(d.message)));
  const show = reclab(['sweep-show', s.id, '--runs-dir', runs]);
  assert.match(show.stdout, /random \+ ASHA \(minEpochs 1, η 3\)/);
  assert.match(show.stdout, /pruned/);
  assert.match(show.stdout, /decisions:\n(.*\n)*.*asha +pruned by ASHA/);
  assert.match(reclab(['sweeps', '--runs-dir', runs]).stdout, /finished +random\+asha +local/);
});

test('a sweep killed mid-trial resumes from its record: finished trials kept, the interrupted one run again', async () => {
  const { file, runs } = workspace({ ...tiny, train: { epochs: 30, batchSize: 64 }, eval: { ...tiny.eval, patience: 1 }, sweep: { 'model.dim': [4, 8, 12] }, search: { strategy: 'grid' } });
  const child = spawn(process.execPath, [cli, 'sweep', file, '--runs-dir', runs, '--quiet'], { stdio: 'ignore' });
  // condition: trial 0 finished and trial 1 running (its run directory exists) — then kill -9 the sweep process
  const file0 = (): string | undefined => listSweeps(runs)[0] && path.join(runs, `${listSweeps(runs)[0].id}.sweep.json`);
  await waitFor(() => {
    const f = file0();
    const s = f ? readSweep(f) : undefined;
    return !!s && s.trials[0]?.status === 'finished' && s.trials[1]?.status === 'running';
  }, child);
  child.kill('SIGKILL');
  await new Promise((res) => child.on('exit', res));
  const before = readSweep(file0()!)!;
  const firstRun = before.trials[0].runId;
  const interruptedRun = before.trials[1].runId;
  const r = reclab(['sweep', '--resume', before.id, '--runs-dir', runs, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /resuming: 1 interrupted trial will run again/);
  const after = readSweep(file0()!)!;
  assert.deepEqual(after.trials.map((t) => t.status), ['finished', 'finished', 'finished']);
  assert.equal(after.trials[0].runId, firstRun, 'the finished trial is kept, not re-run');
  assert.notEqual(after.trials[1].runId, interruptedRun, 'the interrupted trial ran again as a new run');
  assert.ok(after.decisions.some((d) => d.kind === 'resume' && d.trial === 1));
  assert.ok(after.activeSeconds >= before.activeSeconds);
});

async function waitFor(cond: () => boolean, child: ReturnType<typeof spawn>): Promise<void> {
  let exited = false;
  child.on('exit', () => (exited = true));
  while (!cond()) {
    if (exited) throw new Error('the sweep process exited before the condition held');
    await new Promise((r) => setTimeout(r, 50));
  }
}
