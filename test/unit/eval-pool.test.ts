import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Evaluator, evaluateSync, type EvalRequest, type EvalResult, type WorkerBackend } from '../../src/engine/eval';
import { csrFromRows as csr } from '../fixtures/data/helpers';


function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/**
 * Random problem whose dot products are exact in float32 whatever the summation order (embeddings are multiples of
 * 1/4 in [-2, 2]), so the wasm matMul and the JS reference agree bit for bit, ties included. 203 items: not a multiple
 * of the SIMD scan's 16-item groups.
 */
function randomRequest(seed: number, nUsers = 150, nItems = 203, dim = 8): EvalRequest {
  const rnd = rng(seed);
  const emb = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.round(rnd() * 16 - 8) / 4);
  const pick = (p: number): number[][] =>
    Array.from({ length: nUsers }, () => [...Array(nItems).keys()].filter(() => rnd() < p));
  const train = pick(0.1);
  const valid = pick(0.02);
  const test = pick(0.04).map((r, u) => (u % 13 === 0 ? [] : r));
  const counts = new Int32Array(nItems);
  for (const r of train) for (const i of r) counts[i]++;
  return {
    users: emb(nUsers * dim), items: emb(nItems * dim), dim, score: 'dot',
    mask: [csr(train, nItems), csr(valid, nItems)], target: csr(test, nItems),
    ks: [1, 5, 20], metrics: ['recall', 'ndcg', 'precision', 'hit', 'mrr'],
    popularity: { counts, groups: 4, k: 20 },
  };
}

function assertSame(a: EvalResult, b: EvalResult, tolerance = 0): void {
  assert.equal(a.users, b.users);
  assert.deepEqual(Object.keys(a.metrics).sort(), Object.keys(b.metrics).sort());
  for (const key of Object.keys(a.metrics)) {
    assert.ok(Math.abs(a.metrics[key] - b.metrics[key]) <= tolerance + 1e-12, `${key}: ${a.metrics[key]} vs ${b.metrics[key]}`);
  }
  assert.deepEqual(a.byPopularity?.groups.map((x) => x.items), b.byPopularity?.groups.map((x) => x.items));
  a.byPopularity?.groups.forEach((x, i) => assert.ok(Math.abs(x.recall - b.byPopularity!.groups[i].recall) <= tolerance + 1e-12));
}

const evaluators: Evaluator[] = [];
function evaluator(workers: number, backend?: WorkerBackend, tileItems?: number): Evaluator {
  const e = new Evaluator({ workers, backend, tileItems });
  evaluators.push(e);
  return e;
}
after(async () => {
  await Promise.all(evaluators.map((e) => e.close()));
});

describe('eval worker pool', () => {
  it('equals evaluateSync for several worker counts and block sizes', async () => {
    const req = randomRequest(1);
    const expected = evaluateSync(req);
    assert.ok(expected.metrics['recall@20'] > 0, 'the fixture should have hits');
    for (const workers of [1, 2, 3]) {
      const ev = evaluator(workers);
      assert.deepEqual(await ev.workerInfo(), Array(workers).fill({ backend: 'wasm', scan: 'simd' }));
      for (const blockUsers of [1, 7, 64, 1000]) assertSame(await ev.evaluate({ ...req, blockUsers }), expected);
    }
  });

  it('runs several evaluations on one pool, including concurrent calls', async () => {
    const ev = evaluator(2);
    const reqs = [randomRequest(2), randomRequest(3, 60, 40, 4), randomRequest(4)];
    const results = await Promise.all(reqs.map((r) => ev.evaluate(r)));
    results.forEach((r, i) => assertSame(r, evaluateSync(reqs[i])));
  });

  it('cosine matches evaluateSync up to float rounding and differs from dot', async () => {
    const req = { ...randomRequest(5), score: 'cosine' as const };
    const viaPool = await evaluator(2).evaluate(req);
    // a near-tie can flip with a different summation order: allow one user's worth of difference
    assertSame(viaPool, evaluateSync(req), 2 / viaPool.users);
    assert.notDeepEqual(viaPool.metrics, evaluateSync({ ...req, score: 'dot' }).metrics);
  });

  it('really excludes masked items: masking the targets gives zero hits', async () => {
    const req = randomRequest(6);
    const masked = { ...req, mask: [...req.mask, req.target] };
    const r = await evaluator(2).evaluate(masked);
    assert.ok(r.users > 0);
    for (const [key, v] of Object.entries(r.metrics)) assert.equal(v, 0, key);
  });

  it('evaluates MostPop (dim 1, users 1, items = popularity counts)', async () => {
    const req = randomRequest(7);
    const counts = req.popularity!.counts;
    const nUsers = req.target.nUsers;
    const mostPop: EvalRequest = { ...req, users: new Float32Array(nUsers).fill(1), items: Float32Array.from(counts), dim: 1 };
    assertSame(await evaluator(2).evaluate(mostPop), evaluateSync(mostPop));
  });

  it('the cpu backend and the plain-JS kernel give the same result', async () => {
    const req = randomRequest(8, 40);
    for (const backend of ['cpu', 'js'] as const) {
      const ev = evaluator(1, backend);
      assert.deepEqual(await ev.workerInfo(), [{ backend, scan: 'js' }]);
      assertSame(await ev.evaluate(req), evaluateSync(req));
    }
  });

  it('the native gemm (train.kernels "native") gives the same result: tails of nItems % 8, block sizes, item tiles, MostPop, masks', async () => {
    // tiles of 1, 8 and 13 items: each user's list is carried across many tiles (ties — the embeddings are multiples of 1/4 — and masked items at tile
    // edges included); the default tile is wider than these items
    for (const [workers, tileItems] of [[1, undefined], [2, undefined], [1, 13], [2, 8], [1, 1]] as const) {
      const ev = evaluator(workers, 'native', tileItems);
      assert.deepEqual(await ev.workerInfo(), Array(workers).fill({ backend: 'native', scan: 'simd' }));
      const reqs = [randomRequest(11), randomRequest(12, 60, 40, 4), randomRequest(13, 33, 5, 16)];
      for (const req of reqs) for (const blockUsers of [1, 7, 1000]) assertSame(await ev.evaluate({ ...req, blockUsers }), evaluateSync(req));
      const req = randomRequest(14);
      const mostPop: EvalRequest = { ...req, users: new Float32Array(req.target.nUsers).fill(1), items: Float32Array.from(req.popularity!.counts), dim: 1 };
      assertSame(await ev.evaluate(mostPop), evaluateSync(mostPop));
      const masked = await ev.evaluate({ ...req, mask: [...req.mask, req.target] });
      for (const [key, v] of Object.entries(masked.metrics)) assert.equal(v, 0, key);
    }
  });

  it('reports progress up to 1', async () => {
    const seen: number[] = [];
    await evaluator(2).evaluate({ ...randomRequest(9), blockUsers: 10 }, { onProgress: (f) => seen.push(f) });
    assert.ok(seen.length >= 10);
    assert.equal(seen[seen.length - 1], 1);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1]);
  });

  it('cancels through an AbortSignal and stays usable', async () => {
    const ev = evaluator(2);
    const req = { ...randomRequest(10, 400), blockUsers: 1 };
    const ac = new AbortController();
    let calls = 0;
    const run = ev.evaluate(req, { signal: ac.signal, onProgress: () => { if (++calls === 3) ac.abort(); } });
    await assert.rejects(run, (e: Error) => e.name === 'AbortError');
    assert.ok(calls < 50, `stopped after ${calls} blocks`);
    await assert.rejects(ev.evaluate(req, { signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');
    assertSame(await ev.evaluate(req), evaluateSync(req));
  });

  it('rejects with the error of a throwing progress callback and stays usable', async () => {
    const ev = evaluator(2);
    const req = { ...randomRequest(12, 100), blockUsers: 5 };
    await assert.rejects(ev.evaluate(req, { onProgress: () => { throw new Error('boom'); } }), /boom/);
    assertSame(await ev.evaluate(req), evaluateSync(req));
  });

  it('handles a target without any user to evaluate', async () => {
    const req = randomRequest(11, 10);
    const empty = { ...req, target: csr(Array.from({ length: 10 }, () => []), req.target.nItems) };
    const r = await evaluator(1).evaluate(empty);
    assert.equal(r.users, 0);
    assert.equal(r.metrics['recall@20'], 0);
  });

  it('per-user values: one row per evaluated user, averaging to the metrics; the pool writes what evaluateSync does', async () => {
    const req = { ...randomRequest(5), perUser: true };
    const expected = evaluateSync(req);
    const got = await evaluator(2).evaluate({ ...req, blockUsers: 7 });
    for (const r of [expected, got]) {
      const pu = r.perUser!;
      assert.equal(pu.users.length, r.users);
      assert.deepEqual(pu.keys, Object.keys(r.metrics));
      pu.keys.forEach((key, j) => {
        let sum = 0;
        for (let u = 0; u < pu.users.length; u++) sum += pu.values[u * pu.keys.length + j];
        assert.ok(Math.abs(sum / pu.users.length - r.metrics[key]) < 1e-6, `${key}: mean of per-user ${sum / pu.users.length} vs ${r.metrics[key]}`);
      });
    }
    assert.deepEqual(got.perUser!.users, expected.perUser!.users);
    assert.deepEqual(got.perUser!.values, expected.perUser!.values);
    assert.ok(got.perUser!.users.every((u) => u % 13 !== 0), 'users without test items are not evaluated');
    assert.equal(evaluateSync(randomRequest(5)).perUser, undefined);
  });
});
