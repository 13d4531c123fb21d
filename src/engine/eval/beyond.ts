/**
 * Beyond-accuracy metrics of top-K lists: item coverage, Gini of item exposure, average recommendation popularity
 * (ARP) and average percentage of long-tail items (APLT). They are functions of the top-K lists and the training
 * popularity counts only, so they do not depend on where or how the scores were computed (docs/evaluation.md).
 *
 * Per-user quantities (ARP, APLT) are summed over users like the accuracy metrics; aggregate quantities (coverage,
 * Gini) are computed from how often each item appears in the K-lists of all users (the exposure counts), which are
 * also plain sums and so add up across blocks and workers.
 */

/** Default share of training interactions held by the short head (Pareto 80/20, as Elliot's popularity split). */
export const DEFAULT_HEAD_SHARE = 0.8;

/**
 * Long-tail flags: items sorted by training count descending (ties: lower index first) enter the short head until
 * their cumulative count reaches `headShare` of all training interactions; every other item is long tail (1).
 * Items without interactions are always long tail. With no interactions at all every item is long tail.
 */
export function longTailItems(counts: ArrayLike<number>, headShare = DEFAULT_HEAD_SHARE): Uint8Array {
  if (!(headShare >= 0 && headShare <= 1)) throw new Error(`headShare must be in [0, 1], got ${headShare}`);
  const n = counts.length;
  const tail = new Uint8Array(n).fill(1);
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i];
  if (total <= 0 || headShare === 0) return tail;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  let remaining = headShare * total;
  for (const i of order) {
    if (remaining <= 0 || counts[i] <= 0) break;
    tail[i] = 0;
    remaining -= counts[i];
  }
  return tail;
}

/** Average training popularity of the items in one list (0 for an empty list): the per-user term of ARP. */
export function listPopularity(list: ArrayLike<number>, length: number, counts: ArrayLike<number>): number {
  if (length <= 0) return 0;
  let s = 0;
  for (let r = 0; r < length; r++) s += counts[list[r]];
  return s / length;
}

/** Share of long-tail items in one list (0 for an empty list): the per-user term of APLT. */
export function listLongTailShare(list: ArrayLike<number>, length: number, longTail: ArrayLike<number>): number {
  if (length <= 0) return 0;
  let s = 0;
  for (let r = 0; r < length; r++) s += longTail[list[r]] ? 1 : 0;
  return s / length;
}

/** Share of catalogue items that appear in at least one list, from the exposure counts (0 for an empty catalogue). */
export function itemCoverage(exposure: ArrayLike<number>): number {
  const n = exposure.length;
  if (!n) return 0;
  let covered = 0;
  for (let i = 0; i < n; i++) if (exposure[i] > 0) covered++;
  return covered / n;
}

/**
 * Gini index of the exposure counts over the whole catalogue (items never recommended count as 0):
 * Σₖ (2k − n − 1)·x₍ₖ₎ / (n·Σx) with x sorted ascending, k = 1..n. 0 when every item is recommended equally often,
 * 1 − 1/n when a single item takes every slot; 0 when nothing was recommended.
 */
export function giniIndex(exposure: ArrayLike<number>): number {
  const n = exposure.length;
  const x = Float64Array.from(exposure).sort();
  let total = 0;
  let weighted = 0;
  for (let k = 0; k < n; k++) {
    total += x[k];
    weighted += (2 * (k + 1) - n - 1) * x[k];
  }
  return total > 0 ? weighted / (n * total) : 0;
}
