/**
 * Sampler diagnostics on a subsample of steps: scores of the sampled negatives under the model at sampling time, the
 * share that are the user's held-out test items (false negatives) and the share that are training positives. Shared
 * and in-batch layouts are read through their first 64 columns (in-batch: the other rows' positives, then extras);
 * columns the sampler's mask removes are not negatives and are skipped.
 */
import type { Dataset } from '../data/types';
import { hasItem } from '../data/types';
import type { NegativeBatch, Scorer } from '../samplers/types';
import { percentiles } from '../stats';

export class SamplerDiagnostics {
  private scores: number[] = [];
  private total = 0;
  private inTest = 0;
  private inTrain = 0;
  private explicit = 0;
  constructor(private readonly every: number) {}

  observe(step: number, users: Int32Array, firstPositives: Int32Array, neg: NegativeBatch, scorer: Scorer, ds: Dataset): void {
    if (step % this.every !== 0) return;
    const B = users.length;
    const rowsToCheck = Math.min(B, 256);
    const columns = neg.layout === 'shared' ? neg.items.length : neg.layout === 'in-batch' ? B + (neg.extra?.length ?? 0) : 0;
    for (let b = 0; b < rowsToCheck; b++) {
      const u = users[b];
      const cand: number[] = [];
      if (neg.layout === 'per-row') cand.push(...neg.items.subarray(b * neg.n, (b + 1) * neg.n));
      else {
        const extra = neg.layout === 'in-batch' ? neg.extra : undefined;
        for (let c = 0; c < columns && cand.length < 64; c++) {
          if (neg.layout === 'in-batch' && c === b) continue;
          if (neg.mask && neg.mask[b * columns + c] === 0) continue;
          cand.push(neg.layout === 'shared' ? neg.items[c] : c < B ? firstPositives[c] : extra![c - B]);
        }
      }
      if (!cand.length) continue;
      const items = Int32Array.from(cand);
      const s = scorer.score(Int32Array.of(u), items, items.length);
      for (let k = 0; k < items.length; k++) {
        this.scores.push(s[k]);
        this.total++;
        if (hasItem(ds.test, u, items[k])) this.inTest++;
        if (hasItem(ds.train, u, items[k])) this.inTrain++;
        if (ds.negatives && hasItem(ds.negatives, u, items[k])) this.explicit++;
      }
    }
  }

  /** with `withExplicit` (a dataset with explicit negatives) also their share and the false-negative rate of the others */
  report(withExplicit = false): { negScore: ReturnType<typeof percentiles> & { mean: number }; falseNegativeRate: number; positiveCollisionRate: number; explicitNegativeRate?: number; falseNegativeRateOther?: number } {
    const p = percentiles(this.scores);
    const mean = this.scores.length ? this.scores.reduce((a, b) => a + b, 0) / this.scores.length : 0;
    const r = { negScore: { ...p, mean }, falseNegativeRate: this.total ? this.inTest / this.total : 0, positiveCollisionRate: this.total ? this.inTrain / this.total : 0 };
    if (!withExplicit) return r;
    // explicit negatives are never test items (the data layer removes positives), so they count apart
    const other = this.total - this.explicit;
    return { ...r, explicitNegativeRate: this.total ? this.explicit / this.total : 0, falseNegativeRateOther: other ? this.inTest / other : 0 };
  }
}
