import { Rng } from '../rng';
import { MetricAccumulator } from './accumulate';
import { finalizeResult } from './finalize';
import { makeLayout } from './layout';
import { selectTopK } from './topk';
import { ACCURACY_METRICS, type EvalRequest, type EvalResult } from './types';

export interface SampledOptions {
  /** sampled negatives per user (papers use 100 or 1,000) */
  negatives: number;
  /** seed of the negative draws: the same seed gives the same candidates */
  seed: number;
}

/** Key suffix of sampled metrics: `recall@10/s100` is Recall@10 among the targets and 100 sampled negatives. */
export const sampledKey = (key: string, negatives: number): string => `${key}/s${negatives}`;

/**
 * Sampled-negative evaluation, as some papers report it (NCF and successors): each evaluated user ranks only its
 * (unmasked) target items plus `negatives` items drawn uniformly without replacement from the items that are neither
 * masked nor targets (all of them when fewer remain). Accuracy metrics then follow the full-ranking definitions on
 * that short list (same denominators, masked targets can never be hit, ties to the lower item index). Never the
 * default: sampled metrics overstate quality and can even reorder models (Krichene & Rendle, KDD 2020). Keys carry
 * the `/s<N>` suffix. Beyond-accuracy metrics are not defined on sampled lists and are left out.
 */
export function evaluateSampled(req: EvalRequest, opts: SampledOptions): EvalResult {
  const t0 = performance.now();
  const negatives = opts.negatives;
  if (!Number.isInteger(negatives) || negatives < 1) throw new Error(`sampled negatives must be a positive integer, got ${negatives}`);
  const { dim } = req;
  const nItems = req.items.length / dim;
  const metrics = req.metrics.filter((m) => ACCURACY_METRICS.includes(m));
  const layout = makeLayout({ ks: req.ks, metrics }, nItems);
  const acc = new MetricAccumulator(layout, null);
  const rng = new Rng(opts.seed);
  const excluded = new Uint8Array(nItems);
  const ranked = new Int32Array(layout.maxK);
  const topScore = new Float64Array(layout.maxK);
  let scores = new Float32Array(negatives + 64);
  const userNorm = (u: number): number => (req.score === 'cosine' ? norm(req.users, u, dim) : 1);
  const itemNorms = req.score === 'cosine' ? Float64Array.from({ length: nItems }, (_, i) => norm(req.items, i, dim)) : null;
  const { target } = req;
  for (let u = 0; u < target.nUsers; u++) {
    const ts = target.indptr[u];
    const te = target.indptr[u + 1];
    if (te <= ts) continue;
    const touched: number[] = [];
    const mark = (i: number, v: number): void => {
      if (!excluded[i]) touched.push(i);
      excluded[i] |= v;
    };
    for (const m of req.mask) {
      if (u + 1 >= m.indptr.length) continue;
      for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) mark(m.indices[p], MASKED);
    }
    const candidates: number[] = [];
    for (let p = ts; p < te; p++) {
      const i = target.indices[p];
      if (!(excluded[i] & MASKED) && !(excluded[i] & TARGET)) candidates.push(i);
      mark(i, TARGET);
    }
    drawNegatives(rng, excluded, touched, nItems, negatives, candidates, mark);
    // rank the candidates in item order with the full ranking's top-K pass, so ties go to the lower item index
    const cand = Int32Array.from(candidates).sort();
    if (scores.length < cand.length) scores = new Float32Array(cand.length * 2);
    const un = userNorm(u);
    const uo = u * dim;
    for (let c = 0; c < cand.length; c++) {
      const io = cand[c] * dim;
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += req.users[uo + d] * req.items[io + d];
      const den = itemNorms ? un * itemNorms[cand[c]] : 1;
      scores[c] = den > 0 ? dot / den : 0;
    }
    const count = selectTopK(scores, 0, cand.length, layout.maxK, ranked, topScore);
    for (let r = 0; r < count; r++) ranked[r] = cand[ranked[r]];
    acc.addUser(ranked, count, target.indices, ts, te);
    for (const i of touched) excluded[i] = 0;
  }
  const r = finalizeResult(layout, acc.sums, acc.users, (performance.now() - t0) / 1000, null, null);
  const out: EvalResult['metrics'] = {};
  for (const [k, v] of Object.entries(r.metrics)) out[sampledKey(k, negatives)] = v;
  return { ...r, metrics: out };
}

const MASKED = 1, TARGET = 2, DRAWN = 4;

/** Draws up to n distinct items not yet marked, uniformly, appending them to `out`. */
function drawNegatives(
  rng: Rng, excluded: Uint8Array, touched: number[], nItems: number, n: number, out: number[],
  mark: (i: number, v: number) => void,
): void {
  const available = nItems - touched.length;
  if (available <= 2 * n) {
    // few left: enumerate them and take a uniform subset (partial Fisher–Yates)
    const pool: number[] = [];
    for (let i = 0; i < nItems; i++) if (!excluded[i]) pool.push(i);
    const take = Math.min(n, pool.length);
    for (let j = 0; j < take; j++) {
      const r = j + rng.int(pool.length - j);
      [pool[j], pool[r]] = [pool[r], pool[j]];
      out.push(pool[j]);
    }
    return;
  }
  // many left: rejection sampling, each accepted draw uniform over the remaining items
  let got = 0;
  while (got < n) {
    const i = rng.int(nItems);
    if (excluded[i]) continue;
    mark(i, DRAWN);
    out.push(i);
    got++;
  }
}

function norm(a: Float32Array, row: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += a[row * dim + d] ** 2;
  return Math.sqrt(s);
}

/** Adds the sampled metrics (`/s<N>` keys) of `req` to a full-ranking result when negatives > 0; unchanged otherwise. */
export function withSampledMetrics(result: EvalResult, req: EvalRequest, negatives: number, seed: number): EvalResult {
  if (!(negatives > 0)) return result;
  const sampled = evaluateSampled(req, { negatives, seed });
  return { ...result, metrics: { ...result.metrics, ...sampled.metrics }, seconds: result.seconds + sampled.seconds };
}
