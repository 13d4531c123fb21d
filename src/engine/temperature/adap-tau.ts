/**
 * Adap-τ₀ and Adap-τ (Chen et al. WWW'23; junkangwu/Adap_tau main.py and modules/MF_tau.py), in inverse
 * temperatures β = 1/τ as the reference code stores them.
 *
 * Global β0, recomputed before every epoch:
 *   U′ = users whose degree is above the `degreeQuantile` quantile of user degrees, Y′ = their training interactions,
 *   c  = log 0.5 + log(|U′|·|I|) − log|Y′|;
 *   warm-up (the first `warmupEpochs` epochs): β0 = the smaller root of a·w² − 2·g·w + 2c = 0, a = 1e-10, g = 0.7
 *     (≈ c / 0.7; evaluated in the cancellation-free form 2c / (g + √(g² − 2ac)));
 *   after: β0 = c / gap, gap = mean_{(u,i)∈Y′} ⟨û, î⟩ − mean_{u∈U′} ⟨û, mean_j ĵ⟩ on the normalised embeddings.
 * Per user (Adap-τ), once per epoch from the previous epoch's per-row losses at β = 1:
 *   L_u = mean of the user's rows' losses, x_u = clamp((L_u − base)/t2, −1/e, 1000), β_u = β0 · exp(−W₀(x_u)),
 *   base = mean_u L_u or the t1-quantile of L_u; the first epoch (no losses yet) uses β0 for everyone.
 */
import type { Interactions } from '../data/types';
import type { EmbeddingTable } from '../tensor/embedding';
import { lambertW0 } from './lambert-w';

const WARMUP_A = 1e-10;
const MAX_DISCRIMINANT = 1e5;

/** Linear-interpolation quantile (torch.quantile's default) of a sample; sorts a copy. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (!s.length) return NaN;
  const x = q * (s.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (x - lo);
}

export interface AdapTauPopulation {
  /** U′: users with degree above the quantile */
  users: Int32Array;
  /** |Y′|: their training interactions */
  interactions: number;
  /** c = log 0.5 + log(|U′|·|I|) − log|Y′| */
  c: number;
}

export function adapTauPopulation(train: Interactions, nItems: number, degreeQuantile: number): AdapTauPopulation {
  const degrees = Float64Array.from({ length: train.nUsers }, (_, u) => train.indptr[u + 1] - train.indptr[u]);
  const threshold = quantile(degrees, degreeQuantile);
  const users: number[] = [];
  let interactions = 0;
  for (let u = 0; u < train.nUsers; u++) {
    if (degrees[u] > threshold) {
      users.push(u);
      interactions += degrees[u];
    }
  }
  if (!users.length) throw new Error(`Adap-τ: no user has a degree above the ${degreeQuantile} quantile (${threshold})`);
  const c = Math.log(0.5) + Math.log(users.length * nItems) - Math.log(interactions);
  return { users: Int32Array.from(users), interactions, c };
}

/** Warm-up β0: the smaller root of a·w² − 2·g·w + 2c = 0 (the reference's (−b − √(b² − a·2c))/a with b = −g). */
export function warmupInvTau(c: number, warmupGap: number): number {
  const disc = warmupGap * warmupGap - WARMUP_A * 2 * c;
  if (disc >= 0 && disc <= MAX_DISCRIMINANT) return (2 * c) / (warmupGap + Math.sqrt(disc));
  return (warmupGap - Math.sqrt(Math.min(Math.max(disc, 0), MAX_DISCRIMINANT))) / WARMUP_A;
}

function normalisedRows(t: EmbeddingTable): Float32Array {
  const D = t.dim;
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < t.rows; r++) {
    let sq = 0;
    for (let k = r * D; k < (r + 1) * D; k++) sq += t.data[k] * t.data[k];
    const inv = 1 / Math.max(Math.sqrt(sq), 1e-12);
    for (let k = r * D; k < (r + 1) * D; k++) out[k] = t.data[k] * inv;
  }
  return out;
}

/** gap = mean over Y′ of ⟨û, î⟩ − mean over U′ of ⟨û, mean_j ĵ⟩ (all items in the mean), in float64. */
export function measuredGap(users: EmbeddingTable, items: EmbeddingTable, train: Interactions, population: AdapTauPopulation): number {
  const D = users.dim;
  const U = normalisedRows(users);
  const I = normalisedRows(items);
  const meanItem = new Float64Array(D);
  for (let j = 0; j < items.rows; j++) for (let k = 0; k < D; k++) meanItem[k] += I[j * D + k];
  for (let k = 0; k < D; k++) meanItem[k] /= items.rows;
  let positive = 0;
  let average = 0;
  for (const u of population.users) {
    const uo = u * D;
    for (let e = train.indptr[u]; e < train.indptr[u + 1]; e++) {
      const io = train.indices[e] * D;
      let dot = 0;
      for (let k = 0; k < D; k++) dot += U[uo + k] * I[io + k];
      positive += dot;
    }
    let dot = 0;
    for (let k = 0; k < D; k++) dot += U[uo + k] * meanItem[k];
    average += dot;
  }
  return positive / population.interactions - average / population.users.length;
}

export interface PerUserSettings {
  base: 'mean' | 'quantile';
  /** t1: the quantile of `base: "quantile"` */
  quantile: number;
  /** t2: the scale dividing L_u − base */
  scale: number;
}

/**
 * β_u = β0·exp(−W₀(x_u)) for every user from the mean per-row losses L_u (NaN where the user had no rows: β0).
 * The base (mean or quantile) is taken over the users that had rows.
 */
export function perUserInvTau(beta0: number, meanLoss: Float64Array, s: PerUserSettings): Float32Array {
  const observed: number[] = [];
  for (const l of meanLoss) if (!Number.isNaN(l)) observed.push(l);
  const out = new Float32Array(meanLoss.length).fill(beta0);
  if (!observed.length) return out;
  const base = s.base === 'mean' ? observed.reduce((a, b) => a + b, 0) / observed.length : quantile(observed, s.quantile);
  for (let u = 0; u < meanLoss.length; u++) {
    const l = meanLoss[u];
    if (Number.isNaN(l)) continue;
    const x = Math.min(1000, Math.max(-Math.exp(-1), (l - base) / s.scale));
    out[u] = beta0 * Math.exp(-lambertW0(x));
  }
  return out;
}
