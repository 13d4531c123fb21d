/**
 * The principal branch W₀ of the Lambert W function (w·e^w = x, w ≥ −1) for x ≥ −1/e, by Halley's iteration.
 * Adap-τ reads W₀ from a table sampled every 1e-4 on [−1, 1002); evaluating it directly is exact to float64.
 */

const INV_E = Math.exp(-1);

function initialGuess(x: number): number {
  if (x < -0.32) {
    // series around the branch point −1/e in p = √(2(e·x + 1))
    const p = Math.sqrt(Math.max(0, 2 * (Math.E * x + 1)));
    return -1 + p - (p * p) / 3 + (11 / 72) * p * p * p;
  }
  if (x < 3) return Math.log1p(x) * (1 - Math.log1p(Math.log1p(x)) / (2 + Math.log1p(x)));
  const l1 = Math.log(x);
  const l2 = Math.log(l1);
  return l1 - l2 + l2 / l1;
}

export function lambertW0(x: number): number {
  if (Number.isNaN(x) || x < -INV_E - 1e-15) return NaN;
  if (x <= -INV_E) return -1;
  if (x === 0) return 0;
  if (x === Infinity) return Infinity;
  let w = initialGuess(x);
  for (let i = 0; i < 50; i++) {
    const ew = Math.exp(w);
    const f = w * ew - x;
    const wp1 = w + 1;
    // near the branch point w + 1 → 0 and the Halley denominator vanishes together with f: stop there
    if (Math.abs(wp1) < 1e-12) break;
    const step = f / (ew * wp1 - ((w + 2) * f) / (2 * wp1));
    w -= step;
    if (Math.abs(step) <= 1e-15 * (1 + Math.abs(w))) break;
  }
  return w;
}
