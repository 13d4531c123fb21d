import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  Evaluator, evaluateSampled, evaluateSync, giniIndex, itemCoverage, longTailItems, selectTopK,
  type EvalRequest, type MetricName,
} from '../../src/engine/eval';
import { csrFromRows as csr } from '../fixtures/data/helpers';

const g = (r: number): number => 1 / Math.log2(r + 1); // gain of a hit at 1-based rank r
const BEYOND: MetricName[] = ['coverage', 'gini', 'arp', 'aplt'];

function close(actual: Record<string, number>, expected: Record<string, number>): void {
  for (const [key, v] of Object.entries(expected)) {
    assert.ok(key in actual, `${key} missing`);
    assert.ok(Math.abs(actual[key] - v) < 1e-9, `${key}: expected ${v}, got ${actual[key]}`);
  }
}

// ranking of these scores (ties: lower index first): 1, 2, 4, 0, 3
const SCORES = [0.5, 0.9, 0.9, 0.1, 0.7];
// training popularity: total 10; the short head (80 % = 8 interactions) is items 1 (6) and 2 (2)
const COUNTS = Int32Array.from([1, 6, 2, 0, 1]);

function sameScores(targets: number[][], masks: number[][][], ks: number[], metrics: MetricName[]): EvalRequest {
  const n = SCORES.length;
  return {
    users: new Float32Array(targets.length).fill(1), items: Float32Array.from(SCORES), dim: 1, score: 'dot',
    mask: masks.map((m) => csr(m, n)), target: csr(targets, n), ks, metrics, itemCounts: COUNTS,
  };
}

describe('beyond-accuracy metrics, hand-computed', () => {
  it('long tail: the most popular items up to 80 % of the interactions are the head', () => {
    assert.deepEqual([...longTailItems(COUNTS)], [1, 0, 0, 1, 1]);
    // 50 %: item 1 alone (6 of 10) already covers it
    assert.deepEqual([...longTailItems(COUNTS, 0.5)], [1, 0, 1, 1, 1]);
    // ties go to the lower index; items without interactions are never head
    assert.deepEqual([...longTailItems([3, 3, 0], 1)], [0, 0, 1]);
    assert.deepEqual([...longTailItems([3, 3, 0], 0.5)], [0, 1, 1]);
    assert.throws(() => longTailItems(COUNTS, 1.5), /headShare/);
  });

  it('coverage and Gini of exposure counts', () => {
    assert.equal(itemCoverage([0, 2, 0, 1]), 0.5);
    assert.equal(itemCoverage([]), 0);
    assert.equal(giniIndex([3, 3, 3]), 0);
    assert.ok(Math.abs(giniIndex([0, 0, 0, 7]) - 3 / 4) < 1e-12); // one item takes every slot: 1 − 1/n
    // sorted [0, 0, 1, 1, 2]: Σ(2k − n − 1)x = 2 + 8 = 10, n·Σx = 20
    assert.equal(giniIndex([1, 2, 0, 1, 0]), 0.5);
    assert.equal(giniIndex([0, 0]), 0);
  });

  it('coverage, gini, arp and aplt of two users’ lists at two cut-offs', () => {
    // user 0: list 1, 2, 4, 0, 3; user 1 (item 1 masked): list 2, 4, 0, 3
    const r = evaluateSync(sameScores([[0], [3]], [[[], [1]]], [2, 3], ['recall', ...BEYOND]));
    close(r.metrics, {
      // @2: lists [1,2] and [2,4]; exposure 0,1,2,0,1
      'coverage@2': 3 / 5, 'gini@2': 0.5,
      'arp@2': ((6 + 2) / 2 + (2 + 1) / 2) / 2, 'aplt@2': (0 / 2 + 1 / 2) / 2,
      // @3: lists [1,2,4] and [2,4,0]; exposure 1,1,2,0,2 → sorted 0,1,1,2,2: (−4·0 −2·1 + 0·1 + 2·2 + 4·2)/(5·6)
      'coverage@3': 4 / 5, 'gini@3': 10 / 30,
      'arp@3': ((6 + 2 + 1) / 3 + (2 + 1 + 1) / 3) / 2, 'aplt@3': (1 / 3 + 2 / 3) / 2,
      'recall@3': 0,
    });
  });

  it('a list shorter than K is averaged over its own length; users without targets are left out', () => {
    // user 0 has items 1, 2, 3 masked: list 4, 0; user 1 has no target and is not evaluated
    const r = evaluateSync(sameScores([[0], []], [[[1, 2, 3], []]], [4], BEYOND));
    assert.equal(r.users, 1);
    close(r.metrics, { 'arp@4': (1 + 1) / 2, 'aplt@4': 1, 'coverage@4': 2 / 5, 'gini@4': (2 * 4 - 6) / (5 * 2) + (2 * 5 - 6) / (5 * 2) });
  });

  it('popularity.counts serve arp when itemCounts is absent; without either it is an error', () => {
    const req = sameScores([[0]], [], [1], ['arp']);
    const viaPopularity = evaluateSync({ ...req, itemCounts: undefined, popularity: { counts: COUNTS, groups: 2, k: 1 } });
    close(viaPopularity.metrics, { 'arp@1': 6 });
    assert.throws(() => evaluateSync({ ...req, itemCounts: undefined }), /itemCounts/);
  });

  it('equals a direct computation from the top-K lists, and the worker pool equals evaluateSync', async () => {
    let s = 11;
    const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    const nUsers = 90, nItems = 131, dim = 4, K = 10;
    const users = Float32Array.from({ length: nUsers * dim }, () => Math.round(rnd() * 16 - 8) / 4);
    const items = Float32Array.from({ length: nItems * dim }, () => Math.round(rnd() * 16 - 8) / 4);
    const train = Array.from({ length: nUsers }, () => [...Array(nItems).keys()].filter(() => rnd() < 0.08));
    const test = Array.from({ length: nUsers }, (_, u) => (u % 9 === 0 ? [] : [...Array(nItems).keys()].filter(() => rnd() < 0.05)));
    const counts = new Int32Array(nItems);
    for (const row of train) for (const i of row) counts[i]++;
    const req: EvalRequest = {
      users, items, dim, score: 'dot', mask: [csr(train, nItems)], target: csr(test, nItems), ks: [K],
      metrics: ['recall', ...BEYOND], itemCounts: counts,
    };
    // reference: rank each user with selectTopK on a plain score row, then apply the definitions literally
    const tail = longTailItems(counts);
    const exposure = new Array<number>(nItems).fill(0);
    let arp = 0, aplt = 0, evaluated = 0;
    const idx = new Int32Array(K), sc = new Float64Array(K);
    for (let u = 0; u < nUsers; u++) {
      if (!test[u].length) continue;
      const row = Float32Array.from({ length: nItems }, (_, i) =>
        train[u].includes(i) ? -Infinity : [...Array(dim).keys()].reduce((a, d) => a + users[u * dim + d] * items[i * dim + d], 0));
      const n = selectTopK(row, 0, nItems, K, idx, sc);
      const list = [...idx.subarray(0, n)];
      list.forEach((i) => exposure[i]++);
      arp += list.reduce((a, i) => a + counts[i], 0) / n;
      aplt += list.filter((i) => tail[i]).length / n;
      evaluated++;
    }
    const expected = evaluateSync(req);
    close(expected.metrics, {
      'coverage@10': exposure.filter((x) => x > 0).length / nItems, 'gini@10': giniIndex(exposure),
      'arp@10': arp / evaluated, 'aplt@10': aplt / evaluated,
    });
    const ev = new Evaluator({ workers: 2 });
    after(() => ev.close());
    for (const blockUsers of [1, 16, 1000]) close((await ev.evaluate({ ...req, blockUsers })).metrics, expected.metrics);
  });
});

describe('sampled metrics', () => {
  it('with more negatives than items, rank every unmasked item and carry the /sN label', () => {
    // user 0: target 3, item 1 masked; candidates 0, 2, 4 plus the target → 2, 4, 0, 3
    const req = sameScores([[3]], [[[1]]], [2, 5], ['recall', 'ndcg', 'mrr', 'hit', 'precision', 'coverage']);
    const r = evaluateSampled(req, { negatives: 100, seed: 1 });
    assert.deepEqual(Object.keys(r.metrics).sort(), [
      'hit@2/s100', 'hit@5/s100', 'mrr@2/s100', 'mrr@5/s100', 'ndcg@2/s100', 'ndcg@5/s100',
      'precision@2/s100', 'precision@5/s100', 'recall@2/s100', 'recall@5/s100',
    ]);
    close(r.metrics, { 'recall@2/s100': 0, 'recall@5/s100': 1, 'mrr@5/s100': 1 / 4, 'ndcg@5/s100': g(4), 'precision@5/s100': 1 / 5 });
    // and equals the full ranking
    const full = evaluateSync(req);
    for (const k of ['recall@5', 'ndcg@5', 'mrr@5', 'hit@2']) assert.equal(r.metrics[`${k}/s100`], full.metrics[k]);
  });

  it('draws negatives uniformly from the unmasked non-target items (binomial z-tests)', () => {
    // target 0 scores 0.55; items 1..10 score i/10; one negative per user: hit@1 iff the negative scores below 0.55
    const scores = [0.55, ...Array.from({ length: 10 }, (_, i) => (i + 1) / 10)];
    const nUsers = 20000;
    const req = (mask: number[]): EvalRequest => ({
      users: new Float32Array(nUsers).fill(1), items: Float32Array.from(scores), dim: 1, score: 'dot',
      mask: [csr(Array.from({ length: nUsers }, () => mask), 11)], target: csr(Array.from({ length: nUsers }, () => [0]), 11),
      ks: [1], metrics: ['hit'],
    });
    for (const [mask, p, negatives] of [[[], 5 / 10, 1], [[1, 2], 3 / 8, 1], [[3, 4, 5, 6, 7], 2 / 5, 1], [[], (5 / 10) * (4 / 9), 2]] as const) {
      const hit = evaluateSampled(req([...mask]), { negatives, seed: 3 }).metrics['hit@1/s' + negatives];
      const z = (hit - p) / Math.sqrt((p * (1 - p)) / nUsers);
      assert.ok(Math.abs(z) < 4.5, `mask ${mask}: hit ${hit}, expected ${p} (z = ${z.toFixed(2)})`);
    }
  });

  it('is deterministic for a seed and rejects a non-positive count', () => {
    const req = sameScores([[3], [0]], [], [1, 2], ['recall']);
    assert.deepEqual(evaluateSampled(req, { negatives: 2, seed: 9 }).metrics, evaluateSampled(req, { negatives: 2, seed: 9 }).metrics);
    assert.throws(() => evaluateSampled(req, { negatives: 0, seed: 1 }), /positive integer/);
  });
});
