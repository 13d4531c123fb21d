/**
 * Independent float64 implementations of every loss formula (algorithms.md §1–§5, §8, §9), written with plain loops
 * and no shared code with src/engine/losses, for the finite-difference tests.
 */

export interface RefInputs {
  B: number;
  P: number;
  N: number;
  /** [B·P] */
  pos: number[];
  /** [B·N] */
  neg: number[];
  /** [B·N], 1 = real negative */
  mask?: number[];
  /** [B·P·N]: negatives of each positive column (MSCL in-batch) */
  negPerPositive?: number[];
  /** [B] log q of each row's (first) positive, [B·N] of each negative */
  logQPos?: number[];
  logQNeg?: number[];
  tau: number;
  tauRow?: number[];
  posInvTau?: number;
}

const softplus = (x: number): number => (x > 30 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x)));
const relu = (x: number): number => (x > 0 ? x : 0);
function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}
const live = (x: RefInputs, b: number, j: number): boolean => !x.mask || x.mask[b * x.N + j] > 0;
const negBeta = (x: RefInputs, b: number): number => 1 / (x.tauRow ? x.tauRow[b] : x.tau);
const posBeta = (x: RefInputs, b: number): number => x.posInvTau ?? negBeta(x, b);

export function bceRef(x: RefInputs, o: { scores: 'raw' | 'tau'; negatives: 'mean' | 'sum'; negativeWeight: number; reduction: 'mean' | 'sum' }): number {
  let total = 0;
  for (let b = 0; b < x.B; b++) {
    const bp = o.scores === 'tau' ? posBeta(x, b) : 1;
    const bn = o.scores === 'tau' ? negBeta(x, b) : 1;
    let p = 0;
    for (let k = 0; k < x.P; k++) p += softplus(-bp * x.pos[b * x.P + k]);
    let n = 0, count = 0;
    for (let j = 0; j < x.N; j++) if (live(x, b, j)) { n += softplus(bn * x.neg[b * x.N + j]); count++; }
    total += p / x.P + o.negativeWeight * (o.negatives === 'sum' ? n : n / Math.max(count, 1));
  }
  return o.reduction === 'sum' ? total : total / x.B;
}

/** per-row −log softmax of the first positive; beta = 1 and no logQ when `atUnitTemperature` */
export function ssmRows(x: RefInputs, includePositive = true, atUnitTemperature = false): number[] {
  const rows: number[] = [];
  for (let b = 0; b < x.B; b++) {
    const bp = atUnitTemperature ? 1 : posBeta(x, b);
    const bn = atUnitTemperature ? 1 : negBeta(x, b);
    const zp = bp * x.pos[b * x.P] - (!atUnitTemperature && x.logQPos ? x.logQPos[b] : 0);
    const logits: number[] = includePositive ? [zp] : [];
    for (let j = 0; j < x.N; j++) {
      if (live(x, b, j)) logits.push(bn * x.neg[b * x.N + j] - (!atUnitTemperature && x.logQNeg ? x.logQNeg[b * x.N + j] : 0));
    }
    rows.push(logSumExp(logits) - zp);
  }
  return rows;
}

export function ssmRef(x: RefInputs, o: { reduction: 'mean' | 'sum' }): number {
  const s = ssmRows(x).reduce((a, v) => a + v, 0);
  return o.reduction === 'sum' ? s : s / x.B;
}

export function cclRef(x: RefInputs, o: { margin: number; negativeWeight: number | null }): number {
  return mmclRef(x, { margins: [o.margin], weights: [o.negativeWeight ?? 1] }, o.negativeWeight === null);
}

export function mmclRef(x: RefInputs, o: { margins: number[]; weights: number[] }, sumNegatives = false): number {
  let total = 0;
  for (let b = 0; b < x.B; b++) {
    let p = 0;
    for (let k = 0; k < x.P; k++) p += relu(1 - x.pos[b * x.P + k]);
    let count = 0;
    const sums = o.margins.map(() => 0);
    for (let j = 0; j < x.N; j++) {
      if (!live(x, b, j)) continue;
      count++;
      o.margins.forEach((m, q) => { sums[q] += relu(x.neg[b * x.N + j] - m); });
    }
    const denom = sumNegatives ? 1 : Math.max(count, 1);
    total += p / x.P + o.weights.reduce((s, w, q) => s + (w * sums[q]) / denom, 0);
  }
  return total / x.B;
}

export function msclRef(x: RefInputs, o: { alpha: number; epsilon: number }): number {
  let total = 0;
  for (let b = 0; b < x.B; b++) {
    for (let k = 0; k < x.P; k++) {
      const sPos = Math.exp(posBeta(x, b) * x.pos[b * x.P + k]);
      let denominator = sPos;
      for (let j = 0; j < x.N; j++) {
        if (!live(x, b, j)) continue;
        const score = x.negPerPositive ? x.negPerPositive[(b * x.P + k) * x.N + j] : x.neg[b * x.N + j];
        denominator += Math.exp(negBeta(x, b) * score);
      }
      total += -o.alpha * Math.log(sPos + o.epsilon) + (1 - o.alpha) * Math.log(denominator + o.epsilon);
    }
  }
  return total / x.B;
}

export function gdnsRef(x: RefInputs, o: { margin: number; pairs: 'sum' | 'mean'; reduction: 'mean' | 'sum' }): number {
  let total = 0;
  for (let b = 0; b < x.B; b++) {
    let row = 0, pairs = 0;
    for (let i = 0; i < x.P; i++) {
      for (let j = 0; j < x.N; j++) {
        if (!live(x, b, j)) continue;
        row += relu(x.neg[b * x.N + j] - x.pos[b * x.P + i] + o.margin);
        pairs++;
      }
    }
    total += o.pairs === 'mean' ? row / Math.max(pairs, x.P) : row;
  }
  return o.reduction === 'sum' ? total : total / x.B;
}

/** Adap-τ as coded: −β0·ŷ_pos + log Σ_neg exp(β_u·ŷ_neg), mean over rows (the positive in the denominator if standard) */
export function adapTauRef(x: RefInputs, o: { standardInfoNCE: boolean }): number {
  let total = 0;
  for (let b = 0; b < x.B; b++) {
    const zp = posBeta(x, b) * x.pos[b * x.P];
    let denominator = o.standardInfoNCE ? Math.exp(zp) : 0;
    for (let j = 0; j < x.N; j++) if (live(x, b, j)) denominator += Math.exp(negBeta(x, b) * x.neg[b * x.N + j]);
    total += -zp + Math.log(denominator);
  }
  return total / x.B;
}

/**
 * NCE: ℓ_b = softplus(−Δ_pos) + Σ_{live j} softplus(Δ_j), Δ = z − logZ − log q − log k, k = the row's live negatives;
 * `drawShift` is subtracted from every log q (the streaming estimate's per-step → per-draw conversion).
 */
export function nceRef(x: RefInputs, o: { scores: 'raw' | 'tau'; logZ: number; reduction: 'mean' | 'sum'; drawShift?: number }): number {
  let total = 0;
  const shift = o.drawShift ?? 0;
  for (let b = 0; b < x.B; b++) {
    const bp = o.scores === 'tau' ? posBeta(x, b) : 1;
    const bn = o.scores === 'tau' ? negBeta(x, b) : 1;
    let k = 0;
    for (let j = 0; j < x.N; j++) if (live(x, b, j)) k++;
    const logK = Math.log(Math.max(k, 1));
    const dPos = bp * x.pos[b * x.P] - o.logZ - (x.logQPos![b] - shift) - logK;
    let row = softplus(-dPos);
    for (let j = 0; j < x.N; j++) {
      if (!live(x, b, j)) continue;
      const d = bn * x.neg[b * x.N + j] - o.logZ - (x.logQNeg![b * x.N + j] - shift) - logK;
      row += softplus(d);
    }
    total += row;
  }
  return o.reduction === 'sum' ? total : total / x.B;
}

/**
 * Importance-sampled softmax: ℓ_b = log(e^{z_pos} [if includePositive] + Σ_{live j} e^{z_j − log q_j} / n) − z_pos,
 * n = the row's live negatives (unbiased) or 1 (self-normalised); z_pos − log q_pos when correctPositive. `logQNeg`
 * overrides x.logQNeg (the score-based proposal, held fixed).
 */
export function isSoftmaxRef(
  x: RefInputs,
  o: { weights: 'unbiased' | 'self-normalised'; includePositive: boolean; correctPositive: boolean; reduction: 'mean' | 'sum'; logQNeg?: number[] },
): number {
  let total = 0;
  const lq = o.logQNeg ?? x.logQNeg!;
  for (let b = 0; b < x.B; b++) {
    const zp = posBeta(x, b) * x.pos[b * x.P] - (o.correctPositive ? x.logQPos![b] : 0);
    let n = 0;
    for (let j = 0; j < x.N; j++) if (live(x, b, j)) n++;
    const shift = o.weights === 'unbiased' ? Math.log(Math.max(n, 1)) : 0;
    const terms: number[] = o.includePositive ? [zp] : [];
    for (let j = 0; j < x.N; j++) if (live(x, b, j)) terms.push(negBeta(x, b) * x.neg[b * x.N + j] - lq[b * x.N + j] - shift);
    total += logSumExp(terms) - zp;
  }
  return o.reduction === 'sum' ? total : total / x.B;
}
