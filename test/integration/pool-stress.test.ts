/**
 * The kernel pool's hand-off under stress (src/engine/wasm/pool.ts, pool-worker.ts): hundreds of thousands of tiny
 * tasks on 2 threads, in a child process with a deadline. A late notify once woke a worker that had already run the
 * task, which ran it twice, drove the pending count to −1 and left the caller waiting forever: a Yelp2018 training run
 * hung after 780 steps, and this loop hung within 200,000 tasks. The child is this very file, run with
 * RECLAB_POOL_STRESS set (a real process: a deadlock blocks its main thread, so only the parent can time it out).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { KernelPool } from '../../src/engine/wasm/pool';
import { Heap } from '../../src/engine/wasm/heap';

const TASKS = 400_000;

if (process.env.RECLAB_POOL_STRESS) {
  const pool = KernelPool.configure(2);
  const heap = new Heap(1 << 16);
  const D = 16;
  const w = heap.alloc(2 * D * 4), m = heap.alloc(2 * D * 4), v = heap.alloc(2 * D * 4), g = heap.alloc(2 * D * 4);
  heap.f32(g, 2 * D).fill(0.01);
  // two rows, one per thread: each task is a few dozen instructions, so the hand-off dominates
  for (let i = 0; i < TASKS; i++) pool.run('adamFull', heap, [w, m, v, g, 2, D * 4, 0.9, 0.999, 1e-3, 1e-8]);
  const out = heap.f32(w, 2 * D);
  pool.close();
  process.stdout.write(`done ${out[0]} ${out[D]}\n`);
  process.exit(0);
}

test(`the kernel pool runs ${TASKS.toLocaleString('en')} back-to-back tasks on 2 threads without losing a hand-off`, () => {
  const r = spawnSync(process.execPath, [__filename], { env: { ...process.env, RECLAB_POOL_STRESS: '1' }, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.signal, null, `the stress child did not finish within 5 minutes (deadlock in the pool's hand-off?); stderr: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const m = /^done (\S+) (\S+)$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  // both threads' rows moved by the same number of Adam steps: equal weights (each row ran every task exactly once)
  assert.equal(m[1], m[2]);
  assert.ok(Number(m[1]) < 0, `the rows moved against their positive gradient: ${m[1]}`);
});
