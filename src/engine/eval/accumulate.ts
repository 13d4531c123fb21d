import { searchSorted } from '../data/types';
import { listLongTailShare, listPopularity } from './beyond';
import { exposureOffset, popularityOffset, sumsLength, type MetricLayout } from './layout';
import type { MetricName } from './types';

/**
 * Sums per-user metrics over the users of a block (the papers' reference definitions):
 * recall = hits/|target|, ndcg = DCG/IDCG with IDCG over min(K, |target|), precision = hits/K, hit = any hit,
 * mrr = 1/rank of the first hit within K; arp and aplt of the user's list (beyond.ts). Popularity-group hits are
 * counted at the popularity cut-off, and with coverage or gini every listed item's exposure count at each K.
 */
export class MetricAccumulator {
  readonly sums: Float64Array;
  users = 0;
  private readonly metricCodes: Int32Array;
  /** discount[r] = 1/log2(r+2), the gain of a hit at 0-based rank r */
  private readonly discount: Float64Array;
  /** idcg[m] = Σ_{r<m} discount[r] */
  private readonly idcg: Float64Array;
  private readonly isHit: Uint8Array;

  constructor(
    private readonly layout: MetricLayout,
    private readonly itemGroup: Int32Array | null,
    /** [evalUsers × metric keys]: each user's values written at its evalUsers index (EvalRequest.perUser) */
    private readonly perUser: Float32Array | null = null,
  ) {
    this.sums = new Float64Array(sumsLength(layout));
    this.metricCodes = Int32Array.from(layout.userMetrics, (m) => METRIC_CODE[m]);
    this.discount = new Float64Array(layout.maxK);
    this.idcg = new Float64Array(layout.maxK + 1);
    for (let r = 0; r < layout.maxK; r++) {
      this.discount[r] = 1 / Math.log2(r + 2);
      this.idcg[r + 1] = this.idcg[r] + this.discount[r];
    }
    this.isHit = new Uint8Array(layout.maxK);
  }

  reset(): void {
    this.sums.fill(0);
    this.users = 0;
  }

  /**
   * Adds one user: `ranked[0..count)` are the top items in rank order, the target items are
   * `targets[start..end)` (sorted ascending, non-empty).
   */
  addUser(ranked: Int32Array, count: number, targets: Int32Array, start: number, end: number, row = -1): void {
    const nTarget = end - start;
    const isHit = this.isHit;
    for (let r = 0; r < count; r++) isHit[r] = searchSorted(targets, start, end, ranked[r]) >= 0 ? 1 : 0;
    const { ks } = this.layout;
    const sums = this.sums;
    const codes = this.metricCodes;
    for (let ki = 0; ki < ks.length; ki++) {
      const k = ks[ki];
      const n = Math.min(k, count);
      let hits = 0;
      let dcg = 0;
      let firstHit = -1;
      for (let r = 0; r < n; r++) {
        if (isHit[r]) {
          hits++;
          dcg += this.discount[r];
          if (firstHit < 0) firstHit = r;
        }
      }
      for (let mi = 0; mi < codes.length; mi++) {
        let v: number;
        switch (codes[mi]) {
          case RECALL: v = hits / nTarget; break;
          case NDCG: v = dcg / this.idcg[Math.min(k, nTarget)]; break;
          case PRECISION: v = hits / k; break;
          case HIT: v = hits > 0 ? 1 : 0; break;
          case ARP: v = listPopularity(ranked, n, this.layout.itemCounts!); break;
          case APLT: v = listLongTailShare(ranked, n, this.layout.longTail!); break;
          default: v = firstHit >= 0 ? 1 / (firstHit + 1) : 0;
        }
        sums[mi * ks.length + ki] += v;
        if (this.perUser && row >= 0) this.perUser[row * codes.length * ks.length + mi * ks.length + ki] = v;
      }
    }
    if (this.layout.catalogMetrics.length) {
      const nItems = this.layout.nItems;
      for (let ki = 0; ki < ks.length; ki++) {
        const base = exposureOffset(this.layout) + ki * nItems;
        const n = Math.min(ks[ki], count);
        for (let r = 0; r < n; r++) sums[base + ranked[r]] += 1;
      }
    }
    if (this.itemGroup && this.layout.popularityK > 0) {
      const base = popularityOffset(this.layout);
      const n = Math.min(this.layout.popularityK, count);
      for (let r = 0; r < n; r++) if (isHit[r]) sums[base + this.itemGroup[ranked[r]]] += 1;
    }
    this.users++;
  }
}

const RECALL = 0, NDCG = 1, PRECISION = 2, HIT = 3, MRR = 4, ARP = 5, APLT = 6;
const METRIC_CODE: Record<MetricName, number> = {
  recall: RECALL, ndcg: NDCG, precision: PRECISION, hit: HIT, mrr: MRR, arp: ARP, aplt: APLT, coverage: -1, gini: -1,
};

