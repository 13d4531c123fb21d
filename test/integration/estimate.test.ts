/**
 * The memory estimate against measured peak RSS: real trainings through the CLI, the peak read from the kernel
 * (getrusage) at exit. The tolerance is wide (a factor of 2.5 either way: page cache, allocator slack and V8 heap
 * growth vary with load) but an order-of-magnitude error in any dominant part fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { estimateMemory, fmtBytes } from '../../src/engine/estimate';
import { resolveConfig } from '../../src/engine/config/validate';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');
const preload = path.join(root, 'test/fixtures/max-rss.cjs');

const cases: { what: string; config: Record<string, unknown> }[] = [
  {
    what: 'tables and dense Adam dominate',
    config: {
      name: 'mem-tables', dataset: { kind: 'synthetic', users: 50_000, items: 1000, interactionsPerUser: 5, clusters: 20 },
      model: { dim: 256 }, optimizer: { lazy: false }, train: { epochs: 1, batchSize: 4096 }, eval: { ks: [20], selectMetric: 'ndcg@20', workers: 1 },
    },
  },
  {
    // the WebAssembly kernels score a whole block of users × items at once (the native ones a 1,024-item tile at a time)
    what: 'evaluation blocks dominate',
    config: {
      name: 'mem-eval', dataset: { kind: 'synthetic', users: 5000, items: 50_000, interactionsPerUser: 20, clusters: 20 },
      model: { dim: 16 }, train: { epochs: 1, batchSize: 4096, kernels: 'wasm' }, eval: { ks: [20], selectMetric: 'ndcg@20', workers: 2, blockUsers: 2048 },
    },
  },
];

for (const c of cases) {
  test(`memory estimate within ×2.5 of the measured peak: ${c.what}`, { timeout: 15 * 60_000 }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-mem-'));
    const file = path.join(dir, 'exp.reclab.json');
    fs.writeFileSync(file, JSON.stringify(c.config));
    const rssFile = path.join(dir, 'maxrss');
    const r = spawnSync(process.execPath, ['-r', preload, cli, 'train', file, '--runs-dir', path.join(dir, 'runs'), '--quiet'], {
      encoding: 'utf8', env: { ...process.env, RECLAB_MAXRSS_FILE: rssFile },
    });
    assert.equal(r.status, 0, r.stderr);
    const measured = Number(fs.readFileSync(rssFile, 'utf8'));
    const e = estimateMemory(resolveConfig(c.config));
    const ratio = measured / e.total;
    console.log(`${c.what}: estimate ${fmtBytes(e.total)}, measured peak ${fmtBytes(measured)} (×${ratio.toFixed(2)})`);
    assert.ok(ratio > 1 / 2.5 && ratio < 2.5, `estimate ${fmtBytes(e.total)} vs measured ${fmtBytes(measured)}`);
    // the part the case is about is the largest one after the runtime
    const top = [...e.parts].filter((p) => !p.name.startsWith('runtime')).sort((a, b) => b.bytes - a.bytes)[0];
    assert.match(top.name, c.what.startsWith('tables') ? /Adam|embedding/ : /evaluation workers/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
}
