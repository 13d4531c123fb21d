import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readSummary } from '../../src/runs/reader';
import type { SuiteResults } from '../../src/suites/report';
import { loadSuite, rowOverrides } from '../../src/suites/suite';
import { loadConfig } from '../../src/cli/commands';
import { VERSION } from '../../src/version';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');
const suiteFile = path.join(root, 'test/fixtures/suites/tiny.suite.json');

test('reclab reproduce runs a tiny synthetic suite end to end: ours vs published with Δ, protocol, epochs, environment', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-reproduce-'));
  try {
    const out = path.join(dir, 'out');
    const runs = path.join(dir, 'runs');
    const r = spawnSync(process.execPath, [cli, 'reproduce', suiteFile, '--runs-dir', runs, '--out', out, '--set', 'train.threads=1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /row 1\/2: bpr-test/);
    assert.match(r.stderr, /row 2\/2: bpr-valid/);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'tiny.results.json'), 'utf8')) as SuiteResults;
    assert.deepEqual(results.rows.map((x) => [x.id, x.status, x.protocol]), [['bpr-test', 'finished', 'test'], ['bpr-valid', 'finished', 'valid']]);
    for (const row of results.rows) {
      // ours = the run's test metrics at its selected epoch, read back from the run folder the child wrote
      const summary = readSummary(row.runDir!)!;
      assert.equal(row.ours['recall@20'], summary.bestTest!['recall@20']);
      assert.equal(row.epochs, summary.epochsRun);
      assert.ok(row.ours['recall@20'] > 0.05, `the model learned something: ${row.ours['recall@20']}`);
      assert.ok(row.wallSeconds! > 0);
    }
    assert.equal(results.rows[1].epochs, 2, 'the row\'s own --set overrides apply');
    assert.equal(results.environment!.reclab, VERSION);
    assert.ok(results.environment!.threads >= 1 && results.environment!.cpu.length > 0);
    // the threads are the rows' runs' (run.json), the cores the machine's
    assert.equal(results.environment!.cores, os.availableParallelism());
    const runThreads = JSON.parse(fs.readFileSync(path.join(results.rows[0].runDir!, 'run.json'), 'utf8')).threads;
    assert.equal(runThreads, 1);
    assert.equal(results.environment!.threads, 1);
    // … and so are the kernels (train.kernels, native by default)
    assert.equal(results.environment!.kernels, JSON.parse(fs.readFileSync(path.join(results.rows[0].runDir!, 'run.json'), 'utf8')).kernels);
    assert.equal(results.environment!.kernels, 'native');
    assert.notEqual(results.environment!.backend, 'unknown');
    const t = results.rows[0];
    const md = fs.readFileSync(path.join(out, 'tiny.md'), 'utf8');
    const d = t.ours['recall@20'] - 0.25;
    assert.ok(md.includes(`| bpr-test | MF-BPR | synthetic | ${t.ours['recall@20'].toFixed(4)} | 0.2500 | ${d >= 0 ? '+' : ''}${d.toFixed(4)} (`), md);
    assert.match(md, /best epoch on test \(papers' protocol\)/);
    assert.match(md, /best epoch on validation/);
    assert.match(md, new RegExp(`Environment: RecLab ${VERSION.replace(/\./g, '\\.')} · Node v`));
    // the reviewers' metrics of the same epoch, at the suite's cut-off only
    assert.deepEqual(Object.keys(t.beyond!).sort(), ['aplt@20', 'arp@20', 'coverage@20', 'gini@20']);
    assert.equal(t.beyond!['coverage@20'], readSummary(t.runDir!)!.bestTest!['coverage@20']);
    assert.match(md, /\| row \| coverage@20 \| gini@20 \| arp@20 \| aplt@20 \|/);
    // the row without a published NDCG shows a dash, not a number
    assert.match(md, /\| bpr-valid \|[^\n]*\| — \| — \|/);
    const csv = fs.readFileSync(path.join(out, 'tiny.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 3);
    assert.match(csv[0], /^row,method,backbone,dataset,config,protocol,status,epochs,best_epoch,wall_seconds,recall@20_ours,recall@20_published,recall@20_delta,/);
    assert.ok(csv[1].includes(`,${t.ours['recall@20']},0.25,${t.ours['recall@20'] - 0.25},`), csv[1]);
    assert.match(r.stdout, /bpr-test +MF-BPR +synthetic/);

    // --rows reruns one row; the results keep the other one, and the note someone wrote about how the rows were run
    const written = JSON.parse(fs.readFileSync(path.join(out, 'tiny.results.json'), 'utf8')) as SuiteResults;
    fs.writeFileSync(path.join(out, 'tiny.results.json'), JSON.stringify({ ...written, note: 'bpr-test ran on a quiet machine.' }));
    const again = spawnSync(process.execPath, [cli, 'reproduce', suiteFile, '--rows', 'bpr-valid', '--runs-dir', runs, '--out', out], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    const merged = JSON.parse(fs.readFileSync(path.join(out, 'tiny.results.json'), 'utf8')) as SuiteResults;
    assert.deepEqual(merged.rows.map((x) => x.id), ['bpr-test', 'bpr-valid']);
    assert.equal(merged.note, 'bpr-test ran on a quiet machine.');
    assert.match(fs.readFileSync(path.join(out, 'tiny.md'), 'utf8'), /bpr-test ran on a quiet machine\./);
    assert.equal(merged.rows[0].runDir, t.runDir);
    assert.notEqual(merged.rows[1].runDir, results.rows[1].runDir);
    assert.equal(fs.readdirSync(runs).length, 3);

    const bad = spawnSync(process.execPath, [cli, 'reproduce', suiteFile, '--rows', 'nope', '--runs-dir', runs, '--out', out], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /tiny: no row "nope" \(rows: bpr-test, bpr-valid\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reclab reproduce writes its results as it goes: rows pending, then running, then finished, readable at every moment', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-reproduce-live-'));
  try {
    const out = path.join(dir, 'out');
    const file = path.join(out, 'tiny.results.json');
    const child = spawn(process.execPath, [cli, 'reproduce', suiteFile, '--runs-dir', path.join(dir, 'runs'), '--out', out], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const seen: string[] = [];
    let mdChecked = 0;
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    const look = (): void => {
      if (!fs.existsSync(file)) return;
      // written atomically: every read parses
      const r = JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults;
      const state = r.rows.map((x) => `${x.id}:${x.status}`).join(' ');
      if (seen[seen.length - 1] !== state) seen.push(state);
      // the markdown is written just after the JSON (the first one may not exist yet): compare them only when both
      // are of the same write
      const mdFile = path.join(out, 'tiny.md');
      const md = fs.existsSync(mdFile) ? fs.readFileSync(mdFile, 'utf8') : '';
      if (state.includes('running') && md.includes(`generated ${r.generatedAt} `)) {
        assert.match(md, /running…/);
        mdChecked++;
      }
    };
    const deadline = Date.now() + 240_000;
    while (code === undefined && Date.now() < deadline) {
      look();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(await exited, 0);
    look(); // the last write may land between the last poll and the exit
    assert.ok(seen.includes('bpr-test:running bpr-valid:pending'), `states seen: ${seen.join(' → ')}`);
    assert.ok(seen.includes('bpr-test:finished bpr-valid:running'), `states seen: ${seen.join(' → ')}`);
    assert.equal(seen[seen.length - 1], 'bpr-test:finished bpr-valid:finished');
    assert.ok(mdChecked > 0, 'the markdown said running… while the JSON did');

    // a reproduce killed while a row ran left it "running": the next run of another row settles it as failed
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults;
    r.rows[0].status = 'running';
    fs.writeFileSync(file, JSON.stringify(r));
    const again = spawnSync(process.execPath, [cli, 'reproduce', suiteFile, '--rows', 'bpr-valid', '--runs-dir', path.join(dir, 'runs'), '--out', out], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    const settled = JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults;
    assert.deepEqual(settled.rows.map((x) => [x.id, x.status]), [['bpr-test', 'failed'], ['bpr-valid', 'finished']]);
    assert.match(settled.rows[0].error ?? '', /interrupted/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--parallel 2 runs both rows at the same time (two child processes), with the same results as one after the other', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-reproduce-parallel-'));
  try {
    const out = path.join(dir, 'out');
    const file = path.join(out, 'tiny.results.json');
    const child = spawn(process.execPath, [cli, 'reproduce', suiteFile, '--parallel', '2', '--runs-dir', path.join(dir, 'runs'), '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    let both = false;
    while (code === undefined && !both) {
      if (fs.existsSync(file)) both = (JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults).rows.every((x) => x.status === 'running');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(await exited, 0, err);
    assert.ok(both, 'both rows were running at once');
    assert.match(err, /\[bpr-test\] /, 'output lines name their row');
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults;
    assert.deepEqual(r.rows.map((x) => [x.id, x.status]), [['bpr-test', 'finished'], ['bpr-valid', 'finished']]);
    for (const row of r.rows) assert.equal(row.ours['recall@20'], readSummary(row.runDir!)!.bestTest!['recall@20']);
    const bad = spawnSync(process.execPath, [cli, 'reproduce', suiteFile, '--parallel', '0', '--out', out], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--parallel: expected a whole number/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every suite in suites/ loads, each row\'s config is valid with the row\'s overrides, and cites a source', () => {
  const dir = path.join(root, 'suites');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.suite.json'));
  assert.ok(files.length >= 4);
  for (const f of files) {
    const s = loadSuite(path.join(dir, f));
    for (const row of s.rows) {
      assert.ok(row.source.length > 10, `${f} ${row.id}`);
      for (const k of Object.keys(row.published)) assert.ok(s.metrics.includes(k), `${f} ${row.id}: ${k} is compared`);
      const { config } = loadConfig(path.resolve(path.dirname(s.file), row.config), rowOverrides(row));
      assert.equal(config.dataset.kind, 'catalog', `${f} ${row.id} uses the catalogue`);
      assert.equal(config.model.kind, row.backbone === 'lightgcn' ? 'lightgcn' : 'mf', `${f} ${row.id}: backbone`);
      for (const m of s.metrics) assert.ok(config.eval.ks.includes(Number(m.split('@')[1])), `${f} ${row.id}: ${m} is evaluated`);
    }
  }
});
