import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateSync, popularityGroups, selectTopK, type EvalRequest, type MetricName } from '../../src/engine/eval';
import { csrFromRows as csr } from '../fixtures/data/helpers';

const ALL: MetricName[] = ['recall', 'ndcg', 'precision', 'hit', 'mrr'];
const g = (r: number): number => 1 / Math.log2(r + 1); // gain of a hit at 1-based rank r


/** Every user gets the same scores: dim 1, user vectors all 1, item vectors = the scores. */
function sameScores(scores: number[], targets: number[][], masks: number[][][], ks: number[]): EvalRequest {
  const n = scores.length;
  return {
    users: new Float32Array(targets.length).fill(1), items: Float32Array.from(scores), dim: 1, score: 'dot',
    mask: masks.map((m) => csr(m, n)), target: csr(targets, n), ks, metrics: ALL,
  };
}

function close(actual: Record<string, number>, expected: Record<string, number>): void {
  for (const [key, v] of Object.entries(expected)) {
    assert.ok(Math.abs(actual[key] - v) < 1e-9, `${key}: expected ${v}, got ${actual[key]}`);
  }
}

// ranking of these scores (ties: lower index first): 1, 2, 4, 0, 3
const SCORES = [0.5, 0.9, 0.9, 0.1, 0.7];

describe('eval metrics, hand-computed', () => {
  it('breaks ties by the lower item index and uses |test| as the recall denominator', () => {
    const r = evaluateSync(sameScores(SCORES, [[2, 3]], [], [2]));
    assert.equal(r.users, 1);
    close(r.metrics, { 'recall@2': 1 / 2, 'ndcg@2': g(2) / (g(1) + g(2)), 'precision@2': 1 / 2, 'hit@2': 1, 'mrr@2': 1 / 2 });
  });

  it('excludes masked items from the ranking, from every mask', () => {
    // user 0: item 1 masked by the first mask, so the list is 2, 4, …
    // user 1: items 1 and 2 masked by two masks, so the list is 4, 0, 3
    const r = evaluateSync(sameScores(SCORES, [[2], [0]], [[[1], [1]], [[], [2]]], [2]));
    close(r.metrics, {
      'recall@2': (1 + 1) / 2, 'ndcg@2': (1 + g(2)) / 2, 'mrr@2': (1 + 1 / 2) / 2, 'precision@2': (1 / 2 + 1 / 2) / 2,
    });
  });

  it('skips users without target items', () => {
    const r = evaluateSync(sameScores(SCORES, [[], [1], []], [], [1]));
    assert.equal(r.users, 1);
    close(r.metrics, { 'recall@1': 1, 'hit@1': 1 });
  });

  it('|test| > K: ndcg normalises over K, recall over |test|', () => {
    const r = evaluateSync(sameScores(SCORES, [[0, 1, 2, 4]], [], [2]));
    close(r.metrics, { 'recall@2': 2 / 4, 'ndcg@2': 1, 'precision@2': 1, 'hit@2': 1, 'mrr@2': 1 });
  });

  it('|test| < K, first hit deep in the list, several cut-offs at once', () => {
    const r = evaluateSync(sameScores(SCORES, [[3]], [], [3, 5]));
    close(r.metrics, {
      'recall@3': 0, 'ndcg@3': 0, 'precision@3': 0, 'hit@3': 0, 'mrr@3': 0,
      'recall@5': 1, 'ndcg@5': g(5) / g(1), 'precision@5': 1 / 5, 'hit@5': 1, 'mrr@5': 1 / 5,
    });
  });

  it('averages over users and counts a masked target item in the denominator only', () => {
    // user 0: target {1, 4}, 1 is masked → list 2, 4: one hit at rank 2 of two targets
    // user 1: target {3}, no mask → list 1, 2: no hit
    const r = evaluateSync(sameScores(SCORES, [[1, 4], [3]], [[[1], []]], [2]));
    close(r.metrics, { 'recall@2': (1 / 2 + 0) / 2, 'ndcg@2': (g(2) / (g(1) + g(2))) / 2, 'hit@2': 1 / 2 });
  });

  it('a user with fewer rankable items than K still divides precision by K', () => {
    const r = evaluateSync(sameScores(SCORES, [[0]], [[[1, 2, 3]]], [3, 4]));
    // list 4, 0 only
    close(r.metrics, { 'precision@3': 1 / 3, 'recall@3': 1, 'mrr@3': 1 / 2, 'precision@4': 1 / 4 });
  });

  it('cosine ranks by angle, dot by length too', () => {
    // item 0 is long and off-axis, item 1 short and aligned with the user
    const req: EvalRequest = {
      users: Float32Array.from([1, 0]), items: Float32Array.from([3, 3, 0.5, 0]), dim: 2, score: 'dot',
      mask: [], target: csr([[1]], 2), ks: [1], metrics: ['hit'],
    };
    assert.equal(evaluateSync(req).metrics['hit@1'], 0);
    assert.equal(evaluateSync({ ...req, score: 'cosine' }).metrics['hit@1'], 1);
  });

  it('evaluates MostPop as dim 1, users 1, items = popularity', () => {
    const counts = [5, 9, 9, 2];
    const r = evaluateSync({
      users: new Float32Array(3).fill(1), items: Float32Array.from(counts), dim: 1, score: 'dot',
      mask: [csr([[1], [], [2]], 4)], target: csr([[2], [2], [1]], 4), ks: [1], metrics: ['recall'],
    });
    // user 0: list 2 (1 masked) → hit; user 1: list 1 (tie with 2, lower index) → miss; user 2: list 1 → hit
    close(r.metrics, { 'recall@1': 2 / 3 });
  });

  it('reports only the requested metrics, as <metric>@<k>', () => {
    const r = evaluateSync({ ...sameScores(SCORES, [[1]], [], [1, 3]), metrics: ['ndcg'] });
    assert.deepEqual(Object.keys(r.metrics).sort(), ['ndcg@1', 'ndcg@3']);
  });

  it('rejects inconsistent shapes', () => {
    const req = sameScores(SCORES, [[1]], [], [1]);
    assert.throws(() => evaluateSync({ ...req, target: csr([[1]], 7) }), /items/);
    assert.throws(() => evaluateSync({ ...req, ks: [0] }), /cut-off/);
  });
});

describe('eval popularity groups', () => {
  it('cuts items into groups of equal training-interaction shares, least popular first', () => {
    // sorted by count: 4(0) 1(1) 2(1) 3(2) 0(4); total 8; G1 gets the items whose first interaction falls in the first 4
    const p = popularityGroups(Int32Array.from([4, 1, 1, 2, 0]), 2);
    assert.deepEqual([...p.itemGroup], [1, 0, 0, 0, 0]);
    assert.deepEqual(p.items, [4, 1]);
    assert.equal(p.labels.length, 2);
  });

  it('recall@k per group = hits of the group’s target items / the group’s target items, over users', () => {
    const counts = Int32Array.from([4, 1, 1, 2, 0]);
    // scores rank 0, 3, 1, 2, 4 for everyone
    const req: EvalRequest = {
      ...sameScores([5, 3, 2, 4, 1], [[0, 1], [2, 4], [3]], [], [2]),
      popularity: { counts, groups: 2, k: 2 },
    };
    const r = evaluateSync(req);
    // top-2 = {0, 3}. group 1 (item 0): targets 1 (user 0), hit 1. group 0 (items 1–4): targets 1,2,4,3 → hit only 3
    assert.equal(r.byPopularity?.k, 2);
    assert.deepEqual(r.byPopularity?.groups.map((x) => [x.items, x.recall]), [[4, 1 / 4], [1, 1]]);
  });
});

describe('eval selectTopK', () => {
  it('keeps the K highest, ties to the lower index, and never -Infinity or NaN', () => {
    const scores = Float32Array.from([1, NaN, 3, 3, -Infinity, 2, 3]);
    const idx = new Int32Array(3);
    const val = new Float64Array(3);
    assert.equal(selectTopK(scores, 0, scores.length, 3, idx, val), 3);
    assert.deepEqual([...idx], [2, 3, 6]);
    const few = Float32Array.from([-Infinity, 0.5, NaN, -Infinity]);
    assert.equal(selectTopK(few, 0, few.length, 3, idx, val), 1);
    assert.equal(idx[0], 1);
  });

  it('matches a full sort on random rows with many ties', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % 1000) / 1000;
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(rnd() * 300);
      const row = Float32Array.from({ length: n }, () => Math.floor(rnd() * 20));
      const k = 1 + Math.floor(rnd() * 30);
      const idx = new Int32Array(k);
      const count = selectTopK(row, 0, n, k, idx, new Float64Array(k));
      const sorted = [...row.keys()].sort((a, b) => row[b] - row[a] || a - b).slice(0, k);
      assert.deepEqual([...idx.subarray(0, count)], sorted);
    }
  });
});

describe('eval against a brute-force reference', () => {
  it('evaluateSync equals sorting every row', () => {
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
    const nUsers = 40, nItems = 90, dim = 4;
    const users = Float32Array.from({ length: nUsers * dim }, () => Math.round(rnd() * 8 - 4) / 4);
    const items = Float32Array.from({ length: nItems * dim }, () => Math.round(rnd() * 8 - 4) / 4);
    const pick = (p: number): number[][] =>
      Array.from({ length: nUsers }, () => [...Array(nItems).keys()].filter(() => rnd() < p));
    const train = pick(0.15);
    const test = pick(0.05).map((r, u) => r.filter((i) => !train[u].includes(i)));
    const ks = [1, 5, 10];
    const r = evaluateSync({
      users, items, dim, score: 'dot', mask: [csr(train, nItems)], target: csr(test, nItems), ks, metrics: ALL,
      blockUsers: 7,
    });
    const sums: Record<string, number> = {};
    let n = 0;
    for (let u = 0; u < nUsers; u++) {
      if (!test[u].length) continue;
      n++;
      const s = (i: number): number => { let x = 0; for (let d = 0; d < dim; d++) x += users[u * dim + d] * items[i * dim + d]; return x; };
      const list = [...Array(nItems).keys()].filter((i) => !train[u].includes(i)).sort((a, b) => s(b) - s(a) || a - b);
      for (const k of ks) {
        const hits = list.slice(0, k).map((i) => test[u].includes(i));
        const h = hits.filter(Boolean).length;
        const dcg = hits.reduce((acc, hit, r0) => acc + (hit ? g(r0 + 1) : 0), 0);
        let idcg = 0;
        for (let r0 = 1; r0 <= Math.min(k, test[u].length); r0++) idcg += g(r0);
        const first = hits.indexOf(true);
        const add = (m: string, v: number): void => { sums[`${m}@${k}`] = (sums[`${m}@${k}`] ?? 0) + v; };
        add('recall', h / test[u].length); add('ndcg', dcg / idcg); add('precision', h / k);
        add('hit', h ? 1 : 0); add('mrr', first >= 0 ? 1 / (first + 1) : 0);
      }
    }
    assert.equal(r.users, n);
    close(r.metrics, Object.fromEntries(Object.entries(sums).map(([key, v]) => [key, v / n])));
  });
});
